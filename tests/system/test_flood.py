"""Bad input from the wire: the igb sits on a `-netdev dgram` socket on 127.0.0.1 whose
other end is this test (rawnet.Peer). echod gets a static address; the peer floods it with
runts, truncated, oversized (up to 16 KiB) and bad-checksum frames, garbage, and ARP, ICMP
and SYN floods, then checks that UDP and TCP still echo byte for byte, that nothing the
device or lwIP should have refused was echoed, and that echod's driver buffer pool is whole."""

import random
import re
import struct
import time

from harness import PASS, case, check, run_command, start_or_skip, Console
from rawnet import (ACK, BROADCAST, ETH_ARP, ETH_IP, PEER_MAC, PROTO_ICMP, PROTO_TCP, PROTO_UDP, SYN, Peer,
                    arp, checksum, ethernet, icmp_echo, ip_bytes, ipv4, tcp, udp)

GUEST_IP = "10.0.3.15"
PORT = 7
WINDOW = 60  # echod --stats: the report comes after this many requests
READY = r"echod: (tcp\+udp) port 7 on (\d+\.\d+\.\d+\.\d+) \((\S*), direct\)$"
NO_NET = r"echod: (cannot start the network|no address).*$"
MARK = b"MUST-NOT-ECHO"  # in the payload of every datagram the guest has to drop


class Flood:
    """Builds the bad frames, all addressed to the guest's MAC unless said otherwise."""

    def __init__(self, peer, mac, rng):
        self.peer, self.mac, self.rng = peer, mac, rng
        self.src, self.dst = peer.ip, ip_bytes(GUEST_IP)
        self.counts = {}

    def send(self, kind, frame):
        self.peer.send(frame)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.peer.sent % 32 == 0:
            time.sleep(0.003)  # bursts: the guest's ring is 256 frames

    def ip_frame(self, proto, payload, **kw):
        return ethernet(self.mac, ETH_IP, ipv4(self.src, self.dst, proto, payload, **kw))

    def udp_to_echo(self, data, **kw):
        return udp(self.src, self.dst, 6000, PORT, MARK + data, **kw)

    def runts(self, n):
        for _ in range(n):
            size = self.rng.randint(1, 59)
            body = self.mac + PEER_MAC + self.rng.randbytes(60)
            self.send("runt", body[:size])

    def truncated(self, n):
        rng = self.rng
        for i in range(n):
            data = rng.randbytes(rng.randint(0, 200))
            dgram = self.udp_to_echo(data)
            which = i % 6
            if which == 0:  # IP total length says more than arrived
                frame = self.ip_frame(PROTO_UDP, dgram, total=20 + len(dgram) + rng.randint(1, 1000))
            elif which == 1:  # UDP length says more than the IP payload holds
                frame = self.ip_frame(PROTO_UDP, self.udp_to_echo(data, length=len(data) + len(MARK) + 8 + rng.randint(1, 500)))
            elif which == 2:  # the IP header itself cut short
                frame = self.ip_frame(PROTO_UDP, dgram)[:14 + rng.randint(0, 19)]
            elif which == 3:  # a TCP header cut short
                seg = tcp(self.src, self.dst, 6001, PORT, 1, 0, SYN)
                frame = self.ip_frame(PROTO_TCP, seg[:rng.randint(0, 19)])
            elif which == 4:  # IHL below 5
                raw = bytearray(self.ip_frame(PROTO_UDP, dgram))
                raw[14] = 0x40 | rng.randint(0, 4)
                frame = bytes(raw)
            else:  # IHL past the end of the frame
                raw = bytearray(self.ip_frame(PROTO_UDP, b""))
                raw[14] = 0x4F
                frame = bytes(raw)
            self.send("truncated", frame)

    def oversized(self, sizes=(1519, 1522, 1600, 2047, 2048, 2049, 3000, 4096, 8192, 9000, 9018, 12000, 16383, 16384)):
        """Frames past 1518 bytes, up to a 16 KiB jumbo: UDP to the echo port, complete and
        with correct checksums, so only the frame size can make the guest drop them."""
        for size in sizes:
            for _ in range(3):
                data = self.rng.randbytes(size - 14 - 20 - 8 - len(MARK))
                self.send("oversized", self.ip_frame(PROTO_UDP, self.udp_to_echo(data)))

    def bad_checksums(self, n):
        rng = self.rng
        for i in range(n):
            data = rng.randbytes(rng.randint(1, 1200))
            which = i % 4
            if which == 0:
                frame = self.ip_frame(PROTO_UDP, self.udp_to_echo(data), csum=rng.randint(0, 0xFFFF) | 1)
            elif which == 1:
                frame = self.ip_frame(PROTO_UDP, self.udp_to_echo(data, bad_checksum=True))
            elif which == 2:
                frame = self.ip_frame(PROTO_TCP, tcp(self.src, self.dst, 6002 + i, PORT, i, 0, SYN, bad_checksum=True))
            else:
                frame = self.ip_frame(PROTO_ICMP, icmp_echo(0x4242, i, MARK + data, bad_checksum=True))
            self.send("bad_checksum", frame)

    def garbage(self, n):
        rng = self.rng
        for i in range(n):
            size = rng.randint(14, 1514)
            dst = (self.mac, BROADCAST, rng.randbytes(6))[i % 3]
            ethertype = (ETH_IP, ETH_ARP, rng.randint(0, 0xFFFF))[i % 3]
            self.send("garbage", dst + rng.randbytes(6) + struct.pack("!H", ethertype) + rng.randbytes(size - 14))

    def fragments(self, n):
        """IP fragments that never complete, overlap, or reach past 64 KiB."""
        rng = self.rng
        for i in range(n):
            offset = rng.choice((0, 1, 185, 8000, 8191))  # in 8-byte units
            flags = 0x2000 | offset  # more fragments
            payload = rng.randbytes(rng.choice((8, 64, 1480)))
            self.send("fragment", self.ip_frame(PROTO_UDP, payload, ident=0x100 + i % 40, flags_frag=flags))

    def arp_flood(self, n):
        rng = self.rng
        for i in range(n):
            spa = bytes([10, 0, 3, rng.randint(100, 250)])
            sha = bytes([2]) + rng.randbytes(5)
            op = 1 if i % 2 else 2
            target = self.dst if i % 3 else bytes([10, 0, 3, rng.randint(16, 99)])
            frame = ethernet(BROADCAST if op == 1 else self.mac, ETH_ARP, arp(op, sha, spa, b"\0" * 6, target), src=sha)
            self.send("arp", frame)

    def icmp_flood(self, n):
        for i in range(n):
            self.send("icmp", self.ip_frame(PROTO_ICMP, icmp_echo(0x77, i, self.rng.randbytes(self.rng.randint(0, 1400)))))

    def syn_flood(self, n):
        """SYNs from the peer's address and random ports; the peer resets each SYN-ACK, as a
        host would for a connection it never opened."""
        for i in range(n):
            seg = tcp(self.src, self.dst, self.rng.randint(1024, 39999), PORT, self.rng.randint(0, 1 << 31), 0, SYN)
            self.send("syn", self.ip_frame(PROTO_TCP, seg))


def parse_device(line):
    fields = {}
    words = line.replace(":", "").replace(";", "").split()
    for a, b in zip(words, words[1:]):
        if b.isdigit():
            fields.setdefault(a, int(b))
    return fields


def start_echod(c, peer, extra_args=""):
    """echod with a static address on the peer's wire; returns the guest's MAC."""
    start_or_skip(c, f"echod --addr {GUEST_IP}/24 --stats {WINDOW} {extra_args} {PORT} &", READY, NO_NET)
    mac = peer.resolve(GUEST_IP)
    peer.udp_echo(GUEST_IP, PORT, b"before the flood")
    return mac


LWIP = re.compile(r"echod: lwip: pbufs free (\d+) of (\d+), tcp segments free (\d+) of (\d+), "
                  r"tcp connections free (\d+) of (\d+)$")


def lwip_pools(c):
    """echod's line on lwIP's pools after its device line: (free, total) of receive buffers,
    TCP segments and TCP connections."""
    m = c.expect_line(LWIP.pattern, timeout=30)
    print(m.group(0))
    n = [int(g) for g in m.groups()]
    return {"pbufs": (n[0], n[1]), "tcp segments": (n[2], n[3]), "tcp connections": (n[4], n[5])}, m.group(0)


PORT_BATCH = 32  # lib/lwip-port/netif.c keeps this many receive buffers ready for the device


def check_lwip_whole(c, label):
    pools, line = lwip_pools(c)
    whole = all(free == total for k, (free, total) in pools.items() if k != "pbufs") and \
        pools["pbufs"][0] + PORT_BATCH >= pools["pbufs"][1]
    case(f"{label}_lwip_pools_whole", whole, reason=line,
         note=", ".join(f"{k} {f} of {t} free" for k, (f, t) in pools.items())
              + f" (the port keeps up to {PORT_BATCH} receive buffers for the next batch)")


def echo_and_report(c, peer, rng, label):
    """The window's UDP requests, each checked; then echod's report of its device and
    buffers, the pool checked whole. Returns the report's fields (echod's lwIP line
    follows; the caller reads it)."""
    resent = 0
    for i in range(WINDOW + 2):
        resent += peer.udp_echo(GUEST_IP, PORT, rng.randbytes(rng.randint(1, 1400)), sport=7000 + i) - 1
    case(f"{label}_udp_echo", True, note=f"{WINDOW + 2} datagrams echoed byte for byte, {resent} resent")
    leaked = [d for d in peer.drain_udp() if MARK in d[3]]
    case(f"{label}_nothing_bad_echoed", not leaked, reason=f"{len(leaked)} datagrams the guest must drop came back",
         note="no truncated, oversized or bad-checksum datagram was echoed")
    c.expect_line(r"echod: window: .*$", timeout=60)
    line = c.expect_line(r"echod: device \S+: rx packets .*$", timeout=30).group(0)
    d = parse_device(line)
    print(line)
    whole = d["free"] + d["rx"] + d["tx"] == d["buffers"] and d["rx"] > 0
    case(f"{label}_buffer_pool_whole", whole, reason=line,
         note=f"{d['buffers']} buffers: {d['free']} free, {d['rx']} in the receive ring, {d['tx']} sending; "
              f"driver rx {d['packets']} packets, {d['errors']} errors (bad checksums), "
              f"{d['dropped']} dropped (frames longer than a buffer)")
    return d


def power_off(c, peer):
    c.sendline("")
    c.expect(r"sietch\$ ")
    c.sendline("jobs")
    jobs = c.expect(r"(?s)jobs\n(.*?)sietch\$ ").group(1)
    check("echod" in jobs and "done" not in jobs, f"echod is not running any more:\n{jobs}")
    c.sendline("poweroff")
    result = c.wait(timeout=60)
    peer.close()
    result.expect_status(PASS)
    check(not result.has(r"sietch: (exception|panic)"), "kernel exception" + result.explain())


def test_malformed_frames():
    """The whole flood, then TCP and UDP echo and echod's own report of its buffers."""
    peer = Peer()
    rng = random.Random(8)
    cmd = run_command("", cpus=2, mem="512M", timeout=300, extra=peer.qemu_args())
    with Console(cmd, 300) as c:
        mac = start_echod(c, peer)
        start = time.monotonic()
        flood = Flood(peer, mac, rng)
        flood.runts(400)
        flood.truncated(600)
        flood.oversized()
        flood.bad_checksums(600)
        flood.garbage(600)
        flood.fragments(200)
        flood.arp_flood(500)
        flood.icmp_flood(500)
        flood.syn_flood(400)
        flood_end = time.monotonic()
        took = flood_end - start
        time.sleep(1.0)  # the guest works through what is queued
        kinds = ", ".join(f"{v} {k}" for k, v in flood.counts.items())
        case("flood_sent", True, note=f"{sum(flood.counts.values())} frames in {took:.1f} s: {kinds}")

        # TCP: a connection, messages of several sizes across segments, a clean close.
        moved = 0
        with peer.tcp_connect(GUEST_IP, PORT) as conn:
            for size in (1, 100, 1460, 1461, 4000, 20000):
                data = rng.randbytes(size)
                back = conn.echo(data)
                check(back == data, f"TCP: {size} bytes came back different")
                moved += size
        case("flood_tcp_echo", True, note=f"{moved} bytes echoed over TCP byte for byte")
        echo_and_report(c, peer, rng, "flood")
        pools, line = lwip_pools(c)  # fragments of the flood may still wait for reassembly here
        # lwIP gives up on an incomplete datagram some 16 s after its last fragment arrived
        # (IP_REASS_MAXAGE ticks of a second); the guest may work through the flood's frames
        # for a while after the last was sent. Then every receive buffer, TCP segment and
        # connection must be free again, but the port's batch of receive buffers (PORT_BATCH,
        # less what the last poll took): asked again until then, up to 120 s after the flood
        # (on a loaded host the guest works through the queued flood more slowly).
        def whole(p):
            return all(f == t for k, (f, t) in p.items() if k != "pbufs") and \
                p["pbufs"][0] + PORT_BATCH >= p["pbufs"][1]
        time.sleep(max(0.0, flood_end + 16 - time.monotonic()))
        while not whole(pools) and time.monotonic() < flood_end + 120:
            for i in range(WINDOW + 2):
                peer.udp_echo(GUEST_IP, PORT, rng.randbytes(rng.randint(1, 1400)), sport=9000 + i)
            c.expect_line(r"echod: window: .*$", timeout=60)
            c.expect_line(r"echod: device \S+: rx packets .*$", timeout=30)
            pools, line = lwip_pools(c)
            if not whole(pools):
                time.sleep(2)
        after = time.monotonic() - flood_end
        case("flood_lwip_pools_whole", whole(pools), reason=f"{after:.0f} s after the flood: {line}",
             note=f"{after:.0f} s after the flood: " + ", ".join(f"{k} {f} of {t} free" for k, (f, t) in pools.items())
                  + f" (the port keeps up to {PORT_BATCH} receive buffers for the next batch)")
        power_off(c, peer)


def test_jumbo_frames():
    """echod asks the PF for frames up to 16379 bytes (--max-frame), so QEMU's igb lets the
    oversized frames into the VF's ring, spread over up to 8 two-KiB buffers: the driver
    drops each whole, and no buffer is lost. (By default the VF asks for 1518 bytes and the
    NIC drops longer frames before they reach the ring.)"""
    peer = Peer()
    rng = random.Random(9)
    cmd = run_command("", cpus=2, mem="512M", timeout=300, extra=peer.qemu_args())
    with Console(cmd, 300) as c:
        mac = start_echod(c, peer, "--max-frame 16379")
        flood = Flood(peer, mac, rng)
        for _ in range(4):
            flood.oversized(sizes=(2049, 3000, 4096, 8192, 9018, 12000, 16379, 16383, 16384))
        time.sleep(1.0)
        d = echo_and_report(c, peer, rng, "jumbo")
        check_lwip_whole(c, "jumbo")
        case("jumbo_dropped_whole", d["dropped"] > 0, reason="no frame longer than a buffer reached the driver",
             note=f"{flood.counts['oversized']} frames of 2049 to 16384 bytes sent, {d['dropped']} reached the "
                  f"ring over several buffers and were dropped whole (QEMU drops those over 16379 bytes itself)")
        power_off(c, peer)


def test_spoofed_syn_flood():
    """SYNs from 50 addresses that never answer ARP: lwIP has no SYN cookies, so each waits
    in SYN_RCVD, the listener's backlog (8) fills, and new connections go unanswered until
    lwIP gives up on them (its SYN_RCVD timeout, 20 s). Then TCP works again, and every
    connection and buffer is free."""
    peer = Peer()
    rng = random.Random(10)
    cmd = run_command("", cpus=2, mem="512M", timeout=300, extra=peer.qemu_args())
    with Console(cmd, 300) as c:
        mac = start_echod(c, peer)
        dst = ip_bytes(GUEST_IP)
        for i in range(50):
            src, src_mac = bytes([10, 0, 3, 100 + i]), bytes([2, 9, 9, 9, 9, i])
            seg = tcp(src, dst, rng.randint(1024, 39999), PORT, rng.randint(0, 1 << 31), 0, SYN)
            peer.send(ethernet(mac, ETH_IP, ipv4(src, dst, PROTO_TCP, seg), src=src_mac))
        start = time.monotonic()
        refused = 0
        while True:
            try:
                with peer.tcp_connect(GUEST_IP, PORT) as conn:
                    data = rng.randbytes(3000)
                    check(conn.echo(data) == data, "TCP: 3000 bytes came back different")
                break
            except AssertionError:  # no SYN-ACK within the handshake's 5 s
                refused += 1
                check(time.monotonic() - start < 90, "no connection within 90 s of the SYN flood")
        took = time.monotonic() - start
        case("syn_flood_recovers", True,
             note=f"new connections unanswered for {took:.0f} s ({refused} tries), then TCP echo works")
        echo_and_report(c, peer, rng, "syn_flood")
        check_lwip_whole(c, "syn_flood")
        power_off(c, peer)
