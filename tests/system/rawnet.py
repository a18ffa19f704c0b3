"""A host on the other end of the guest's wire, written in Python: QEMU's igb sits on a
`-netdev dgram` socket on 127.0.0.1, one UDP datagram per Ethernet frame, and this peer
owns the socket's other end. It answers ARP for its own address, resets TCP connections it
did not open, and speaks just enough UDP and TCP to check an echo server byte for byte,
so a test can also send it frames no real stack would build.

    peer = Peer()                    # binds 127.0.0.1, an ephemeral port
    qemu_args = peer.qemu_args()     # -netdev dgram ... -device igb ... on root port rp0
    mac = peer.resolve(GUEST_IP)     # ARP
    peer.udp_echo(GUEST_IP, 7, b"hello")
    with peer.tcp_connect(GUEST_IP, 7) as c: c.echo(data)
"""

import queue
import random
import socket
import struct
import threading
import time

PEER_MAC = bytes.fromhex("020000000302")  # locally administered
PEER_IP = "10.0.3.2"
BROADCAST = b"\xff" * 6
ETH_ARP, ETH_IP = 0x0806, 0x0800
PROTO_ICMP, PROTO_TCP, PROTO_UDP = 1, 6, 17
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MSS = 1460


def ip_bytes(text):
    return socket.inet_aton(text)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ethernet(dst, ethertype, payload, src=PEER_MAC):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ident=0, flags_frag=0x4000, ttl=64, total=None, csum=None):
    total = 20 + len(payload) if total is None else total
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, flags_frag, ttl, proto, 0, src, dst)
    c = checksum(header) if csum is None else csum
    return header[:10] + struct.pack("!H", c) + header[12:] + payload


def l4_checksum(src, dst, proto, segment):
    return checksum(src + dst + struct.pack("!BBH", 0, proto, len(segment)) + segment)


def udp(src, dst, sport, dport, data, bad_checksum=False, length=None):
    length = 8 + len(data) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, length, 0) + data
    c = l4_checksum(src, dst, PROTO_UDP, seg) or 0xFFFF
    if bad_checksum:
        c ^= 0x5A5A
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp(src, dst, sport, dport, seq, ack, flags, data=b"", window=65535, options=b"", bad_checksum=False):
    offset = (20 + len(options)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, offset << 4, flags,
                      window, 0, 0) + options + data
    c = l4_checksum(src, dst, PROTO_TCP, seg)
    if bad_checksum:
        c ^= 0x5A5A
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def icmp_echo(ident, seq, data, request=True, bad_checksum=False):
    msg = struct.pack("!BBHHH", 8 if request else 0, 0, 0, ident, seq) + data
    c = checksum(msg) ^ (0x5A5A if bad_checksum else 0)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, op, sha, spa, tha, tpa)


class Frame:
    """What the peer reads of a frame the guest sent."""

    def __init__(self, raw):
        self.raw = raw
        self.dst, self.src = raw[0:6], raw[6:12]
        self.ethertype = struct.unpack("!H", raw[12:14])[0] if len(raw) >= 14 else 0
        self.proto = None
        if self.ethertype == ETH_IP and len(raw) >= 34:
            ip = raw[14:]
            ihl = (ip[0] & 15) * 4
            total = struct.unpack("!H", ip[2:4])[0]
            self.proto, self.ip_src, self.ip_dst = ip[9], ip[12:16], ip[16:20]
            self.l4 = ip[ihl:total]
            if self.proto == PROTO_UDP and len(self.l4) >= 8:
                self.sport, self.dport = struct.unpack("!HH", self.l4[:4])
                self.data = self.l4[8:]
            elif self.proto == PROTO_TCP and len(self.l4) >= 20:
                (self.sport, self.dport, self.seq, self.ack, off, self.flags,
                 self.window) = struct.unpack("!HHIIBBH", self.l4[:16])
                self.data = self.l4[(off >> 4) * 4:]


class Peer:
    def __init__(self, ip=PEER_IP):
        self.ip = ip_bytes(ip)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        self.qemu_port = probe.getsockname()[1]  # QEMU binds it; a race nobody else runs
        probe.close()
        self.macs = {}          # guest IP -> MAC, from ARP replies
        self.udp = queue.Queue()   # UDP datagrams to us: (src ip, sport, dport, data)
        self.tcp = {}           # our port -> queue of TCP frames for a connection we opened
        self.seen = {"frames": 0, "arp_answered": 0, "resets_sent": 0}
        self.sent = 0
        self._stop = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def qemu_args(self, netdev="flood0"):
        return ["-netdev", f"dgram,id={netdev},local.type=inet,local.host=127.0.0.1,local.port={self.qemu_port},"
                           f"remote.type=inet,remote.host=127.0.0.1,remote.port={self.port}",
                "-device", f"igb,netdev={netdev},bus=rp0"]

    def close(self):
        self._stop = True
        self.sock.close()

    def send(self, frame):
        try:
            self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))
            self.sent += 1
        except OSError:
            pass  # QEMU not listening yet, or gone

    # --- the reader thread: ARP, stray SYN-ACKs, and sorting what is ours -----------

    def _read(self):
        while not self._stop:
            try:
                raw = self.sock.recv(70000)
            except OSError:
                return
            self.seen["frames"] += 1
            f = Frame(raw)
            if f.ethertype == ETH_ARP and len(raw) >= 42:
                self._arp(raw[14:42])
            elif f.proto == PROTO_UDP and f.ip_dst == self.ip and hasattr(f, "data"):
                self.udp.put((f.ip_src, f.sport, f.dport, f.data))
            elif f.proto == PROTO_ICMP and f.l4:  # counted by type: 0 echo reply, 3 unreachable, 11 time exceeded
                key = f"icmp_type_{f.l4[0]}"
                self.seen[key] = self.seen.get(key, 0) + 1
            elif f.proto == PROTO_TCP and f.ip_dst == self.ip and hasattr(f, "flags"):
                q = self.tcp.get(f.dport)
                if q is not None:
                    q.put(f)
                elif not f.flags & RST:  # a connection we did not open (the SYN flood's): reset it
                    seq = f.ack if f.flags & ACK else 0
                    self.send(ethernet(f.src, ETH_IP, ipv4(self.ip, f.ip_src, PROTO_TCP, tcp(
                        self.ip, f.ip_src, f.dport, f.sport, seq, 0, RST))))
                    self.seen["resets_sent"] += 1

    def _arp(self, body):
        _, _, _, _, op, sha, spa, _, tpa = struct.unpack("!HHBBH6s4s6s4s", body)
        if op == 2:
            self.macs[spa] = sha
        elif op == 1 and tpa == self.ip:
            self.send(ethernet(sha, ETH_ARP, arp(2, PEER_MAC, self.ip, sha, spa)))
            self.seen["arp_answered"] += 1

    # --- what a test asks --------------------------------------------------------

    def resolve(self, ip, timeout=30.0):
        target = ip_bytes(ip)
        deadline = time.monotonic() + timeout
        while target not in self.macs:
            if time.monotonic() > deadline:
                raise AssertionError(f"no ARP reply from {ip}")
            self.send(ethernet(BROADCAST, ETH_ARP, arp(1, PEER_MAC, self.ip, b"\0" * 6, target)))
            time.sleep(0.2)
        return self.macs[target]

    def udp_send(self, ip, sport, dport, data):
        dst = ip_bytes(ip)
        self.send(ethernet(self.macs[dst], ETH_IP, ipv4(self.ip, dst, PROTO_UDP, udp(self.ip, dst, sport, dport, data))))

    def udp_echo(self, ip, port, data, sport=5555, tries=5, timeout=1.0):
        """Sends data to ip:port and waits for the same bytes back; the tries it took."""
        for t in range(1, tries + 1):
            self.udp_send(ip, sport, port, data)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    _, _, dport, back = self.udp.get(timeout=max(0.01, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if dport == sport and back == data:
                    return t
        raise AssertionError(f"a {len(data)}-byte UDP datagram to port {port} never came back")

    def drain_udp(self):
        got = []
        while True:
            try:
                got.append(self.udp.get_nowait())
            except queue.Empty:
                return got

    def tcp_connect(self, ip, port, sport=None):
        return TcpConnection(self, ip, port, sport or random.randint(40000, 60000))


class TcpConnection:
    """One TCP connection from the peer: handshake, data with retransmission, close.
    In-order reception only; segments out of order are dropped and re-acknowledged."""

    def __init__(self, peer, ip, port, sport):
        self.peer, self.dst, self.port, self.sport = peer, ip_bytes(ip), port, sport
        self.mac = peer.macs[self.dst]
        self.frames = queue.Queue()
        peer.tcp[sport] = self.frames
        self.snd_una = self.snd_nxt = random.randint(0, 1 << 31)
        self.rcv_nxt = 0
        self._handshake()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, seq, flags, data=b"", options=b""):
        self.peer.send(ethernet(self.mac, ETH_IP, ipv4(self.peer.ip, self.dst, PROTO_TCP, tcp(
            self.peer.ip, self.dst, self.sport, self.port, seq, self.rcv_nxt, flags, data, options=options))))

    def _next(self, timeout):
        try:
            return self.frames.get(timeout=timeout)
        except queue.Empty:
            return None

    def _handshake(self):
        iss = self.snd_nxt
        for _ in range(5):
            self._send(iss, SYN, options=struct.pack("!BBH", 2, 4, MSS))
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                f = self._next(deadline - time.monotonic())
                if f is None:
                    break
                if f.flags & RST:
                    raise AssertionError("the connection was refused (RST)")
                if f.flags & SYN and f.flags & ACK and f.ack == (iss + 1) & 0xFFFFFFFF:
                    self.snd_una = self.snd_nxt = iss + 1
                    self.rcv_nxt = (f.seq + 1) & 0xFFFFFFFF
                    self._send(self.snd_nxt, ACK)
                    return
        raise AssertionError("no SYN-ACK")

    def _absorb(self, f, got):
        """Takes one segment from the server into got; True when it carried its FIN."""
        if f.flags & ACK:
            ahead = (f.ack - self.snd_una) & 0xFFFFFFFF
            if 0 < ahead <= (self.snd_nxt - self.snd_una):
                self.snd_una = (self.snd_una + ahead) & 0xFFFFFFFF
        if f.flags & RST:
            raise AssertionError("the server reset the connection")
        fin = False
        if f.data or f.flags & FIN:
            if f.seq == self.rcv_nxt:
                got += f.data
                self.rcv_nxt = (self.rcv_nxt + len(f.data)) & 0xFFFFFFFF
                if f.flags & FIN:
                    self.rcv_nxt = (self.rcv_nxt + 1) & 0xFFFFFFFF
                    fin = True
            self._send(self.snd_nxt, ACK)  # acknowledges in-order data, repeats the ACK otherwise
        return fin

    def _transmit_from(self, base, data, start):
        """Sends data[start:] (data starts at sequence base) in MSS-sized segments."""
        for off in range(start, len(data), MSS):
            self._send(base + off, ACK | PSH, data[off:off + MSS])
        self.snd_nxt = (base + len(data)) & 0xFFFFFFFF

    def echo(self, data, timeout=30.0):
        """Sends data, reads until as many bytes came back; returns them."""
        base = self.snd_nxt
        self._transmit_from(base, data, 0)
        got = bytearray()
        deadline = time.monotonic() + timeout
        quiet = time.monotonic()
        while len(got) < len(data):
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(got)} of {len(data)} bytes came back")
            f = self._next(0.3)
            if f is not None:
                before = len(got)
                self._absorb(f, got)
                if len(got) > before:
                    quiet = time.monotonic()
                continue
            if time.monotonic() - quiet > 0.5:  # nothing for a while: resend what is unacknowledged
                self._transmit_from(base, data, (self.snd_una - base) & 0xFFFFFFFF)
                quiet = time.monotonic()
        return bytes(got)

    def close(self, timeout=10.0):
        """FIN, then waits for the server's FIN (echod closes when it reads the end)."""
        fin_seq = self.snd_nxt
        self.snd_nxt = (fin_seq + 1) & 0xFFFFFFFF
        deadline = time.monotonic() + timeout
        done, last = False, 0.0
        while not done and time.monotonic() < deadline:
            if time.monotonic() - last > 0.5:
                self._send(fin_seq, FIN | ACK)
                last = time.monotonic()
            f = self._next(0.2)
            if f is not None:
                done = self._absorb(f, bytearray())
        self.peer.tcp.pop(self.sport, None)
        if not done:
            self._send(self.snd_nxt, RST | ACK)
        return done
