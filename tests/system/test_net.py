"""The network data plane from the host: echod on a VNIC answers TCP and UDP through QEMU's
user network (tools/run --fwd), directly and through netd, and a polling echod pinned to a
CPU of its own makes no system call, takes no page fault and no interrupt over 10,000
requests. Every byte sent comes back and is checked."""

import random
import re
import socket
import time

from harness import case, check, console, power_off, run_command, start_or_skip, Console

ECHO_PORT = 7
WINDOW = 10000  # requests in the zero-crossings window (issue: "a window of 10,000 requests")
READY = r"echod: (tcp\+udp|tcp|udp) port 7 on (\d+\.\d+\.\d+\.\d+) \((\S*), (direct|server)\)$"
NO_NET = r"echod: (cannot start the network|no address).*$"


def free_port(kind):
    """A port on 127.0.0.1 nothing listens on now, for QEMU's hostfwd."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def boot_with_forwards(tcp_port, udp_port, timeout=600):
    cmd = run_command("", cpus=2, mem="512M", timeout=timeout)
    cmd += ["--fwd", f"tcp:{tcp_port}:{ECHO_PORT}", "--fwd", f"udp:{udp_port}:{ECHO_PORT}"]
    return Console(cmd, timeout)


def start_echod(c, args):
    """Types `echod ARGS 7 &` and waits for its ready line; skips when there is no VNIC."""
    m = start_or_skip(c, f"echod {args} {ECHO_PORT} &", READY, NO_NET)
    check(m.group(2) == "10.0.2.15", f"echod got {m.group(2)}, not 10.0.2.15 from QEMU's DHCP")
    return m


def connect(port, attempts=50):
    """The forward is up once QEMU runs; the guest may still be getting its address."""
    for _ in range(attempts):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=20)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"cannot connect to 127.0.0.1:{port}")


def recv_exactly(s, n):
    chunks, got = [], 0
    while got < n:
        b = s.recv(min(n - got, 1 << 20))
        check(b, f"the connection closed after {got} of {n} bytes")
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def tcp_echo(port, messages, rng):
    """messages messages of random sizes up to 64 KiB (log-uniform: mostly small, some
    whole windows) on one connection, then a few connections more; returns the bytes moved."""
    total = 0
    with connect(port) as s:
        for i in range(messages):
            size = max(1, int(2 ** rng.uniform(0, 16)))
            data = rng.randbytes(size)
            s.sendall(data)
            back = recv_exactly(s, size)
            check(back == data, f"TCP message {i} ({size} bytes) came back different")
            total += size
    for i in range(5):
        with connect(port) as s:
            data = rng.randbytes(65536)
            s.sendall(data)
            check(recv_exactly(s, len(data)) == data, f"connection {i}: 64 KiB came back different")
            total += len(data)
    return total


def udp_exchange(sock, port, data, tries=5):
    """Sends one datagram, waits for the same bytes back (resending on loss); the tries used."""
    for t in range(1, tries + 1):
        sock.sendto(data, ("127.0.0.1", port))
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                back, _ = sock.recvfrom(65536)
            except socket.timeout:
                break
            if back == data:
                return t
        # a late echo of an earlier try is dropped by the comparison above
    raise AssertionError(f"a {len(data)}-byte UDP datagram never came back")


def udp_echo(port, datagrams, rng):
    lost = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        for _ in range(datagrams):
            data = rng.randbytes(rng.randint(1, 1400))
            lost += udp_exchange(s, port, data) - 1
    return lost


def check_traffic(tcp_port, udp_port, messages, datagrams, label):
    rng = random.Random(7)
    start = time.monotonic()
    moved = tcp_echo(tcp_port, messages, rng)
    lost = udp_echo(udp_port, datagrams, rng)
    took = time.monotonic() - start
    case(f"{label}_tcp_udp", True,
         note=f"{messages + 5} TCP messages ({moved} bytes) and {datagrams} UDP datagrams echoed "
              f"byte for byte in {took:.1f} s, {lost} datagrams resent")


def echod_traffic(c, tcp_port, udp_port, messages, datagrams, seed, name):
    """Starts `echod 7 &` at c's prompt and has messages TCP messages and datagrams UDP
    datagrams (random, from seed) echoed byte for byte: case name; back at the prompt after."""
    c.sendline(f"echod {ECHO_PORT} &")
    ready = c.expect_line(READY, timeout=90)
    moved = tcp_echo(tcp_port, messages, random.Random(seed))
    lost = udp_echo(udp_port, datagrams, random.Random(seed + 1))
    case(name, True, note=f"{ready.group(3)}: {moved} TCP bytes, {lost} UDP resends")
    c.sendline("")
    c.expect(r"sietch\$ ")


def udp_round_trips(udp_port, count):
    """count small UDP requests one after another; round trips a second."""
    start = time.monotonic()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        for i in range(count):
            udp_exchange(s, udp_port, b"%d" % i)
    return count / (time.monotonic() - start)


def zero_crossings(c, udp_port):
    """WINDOW + 1 small UDP requests (the first opens echod's window), then its figures."""
    rate = udp_round_trips(udp_port, WINDOW + 1)
    m = c.expect_line(r"echod: window: (\d+) requests: syscalls (\d+) page_faults (\d+) interrupts (\d+)"
                      r" \(ticks (\d+) ipis (\d+) device (\d+)\)$", timeout=60)
    figures = m.group(0)[m.group(0).index("window: ") + len("window: "):]
    requests, syscalls, faults, interrupts = (int(m.group(i)) for i in range(1, 5))
    ok = requests >= WINDOW and syscalls == 0 and faults == 0 and interrupts == 0
    print(f"zero crossings: {figures}")
    case("zero_crossings", ok, reason=f"echod's own counters moved: {figures}",
         note=f"{figures}; {rate:.0f} UDP round trips/s from the host (TCG, QEMU user network)")


def other_programs(c):
    """With netd holding vnic0: ifconfig and ping take the next VNICs, by DHCP and statically,
    and ping both QEMU's gateway and netd's address through the NIC's own switch."""
    c.sendline("")  # a fresh prompt: the last one came before echod's lines
    c.expect(r"sietch\$ ")
    c.sendline("ifconfig")
    m = c.expect_line(r"^\s+inet (\S+) netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 \(dhcp\)$", timeout=60)
    c.expect_line(r"^\s+ether 52:54:00(:[0-9a-f]{2}){3}$")
    c.expect_line(r"^\s+rx packets [1-9]\d* bytes \d+ dropped \d+ errors \d+$")
    c.expect_line(r"^\s+tx packets [1-9]\d* bytes \d+ dropped \d+$")
    c.expect_line(r"^\s+tx limit none$")
    case("ifconfig", m.group(1).startswith("10.0.2."), reason=m.group(0), note=m.group(0).strip())
    c.expect(r"sietch\$ ")
    # the grant's transmit limit: programmed as 1000/40 = 25.0 (QEMU does not enforce it)
    c.sendline("ifconfig --rate 40")
    m = c.expect_line(r"^\s+tx limit (.*)$", timeout=60)
    case("ifconfig_rate", m.group(1) == "40 Mb/s (RTTBCNRC 0x80064000)", reason=m.group(0), note=m.group(0).strip())
    c.expect(r"sietch\$ ")
    c.sendline("ifconfig --server --rate 30")  # passed on to the netd it starts: 1000/30 = 33.333
    m = c.expect_line(r"^\s+tx limit (.*)$", timeout=60)
    case("ifconfig_server_rate", m.group(1) == "30 Mb/s (RTTBCNRC 0x80085555)", reason=m.group(0),
         note=m.group(0).strip())
    c.expect(r"sietch\$ ")
    c.sendline("ifconfig --rate 5000")
    m = c.expect_line(r"^ifconfig: cannot start the network: (.*)$", timeout=60)
    case("ifconfig_bad_rate", "EINVAL" in m.group(1), reason=m.group(0))
    c.expect(r"sietch\$ ")
    for args, target in (("-c 2", "10.0.2.2"), ("-c 2", "10.0.2.15"), ("--addr 10.0.2.40/24 -c 2", "10.0.2.15")):
        c.sendline(f"ping {args} {target}")
        m = c.expect_line(r"^--- \S+: (\d+) sent, (\d+) received$", timeout=60)
        case(f"ping_{target.replace('.', '_')}{'_static' if 'addr' in args else ''}", int(m.group(2)) >= 1,
             reason=m.group(0), note=m.group(0))
        c.expect(r"sietch\$ ")


def kill_mid_stream(c, tcp_port):
    """The owner killed in the middle of a transfer: the VF goes back to the pool and the
    next echod gets it (and the same address), and its traffic flows."""
    s = connect(tcp_port)
    s.sendall(random.Random(3).randbytes(200000))
    c.sendline("")
    c.expect(r"sietch\$ ")
    c.sendline("kill %1")
    c.expect_line(r"\[1\] done\s+echod", timeout=30)
    s.close()
    m = start_echod(c, "")
    check_traffic_quick = tcp_echo(tcp_port, 50, random.Random(5))
    case("owner_killed_mid_stream", True,
         note=f"the next echod got {m.group(3)} and {m.group(2)}; {check_traffic_quick} bytes echoed")


def test_direct():
    """echod owns a VNIC and runs lwIP itself, pinned to CPU 1: the zero-crossings window,
    then thousands of TCP messages and UDP datagrams, every byte checked."""
    tcp_port, udp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    with boot_with_forwards(tcp_port, udp_port) as c:
        start_echod(c, f"--cpu 1 --stats {WINDOW}")
        zero_crossings(c, udp_port)
        check_traffic(tcp_port, udp_port, 2000, 500, "direct")
        kill_mid_stream(c, tcp_port)
        power_off(c)


def test_server():
    """The same programs through netd (server mode): the client's calls are IPC."""
    tcp_port, udp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    with boot_with_forwards(tcp_port, udp_port) as c:
        m = start_echod(c, "--server --stats 500")
        check(m.group(4) == "server", f"echod did not say server mode: {m.group(0)}")
        rate = udp_round_trips(udp_port, 500)
        case("server_udp_rate", True, note=f"{rate:.0f} UDP round trips/s from the host through netd")
        check_traffic(tcp_port, udp_port, 500, 200, "server")
        # The same counters as the direct test's, for comparison (not asserted).
        m = c.expect_line(r"echod: window: (\d+) requests: syscalls (\d+).*$", timeout=60)
        per = int(m.group(2)) / max(1, int(m.group(1)))
        case("server_crossings", True, note=f"{m.group(0)[m.group(0).index('window: ') + 8:]} ({per:.1f} system calls a request)")
        other_programs(c)
        c.sendline("kill %1")
        c.expect_line(r"\[1\] done\s+echod", timeout=30)
        m = c.expect(r"igb: vnic0 returned by pid (\d+)", timeout=30)
        # netd gives the VNIC back as soon as its client's endpoint closes, and ends
        # when its next look (every 200 ms) finds the client gone: ask ps until then.
        for _ in range(20):
            c.sendline("ps")
            listing = c.expect(r"(?s)ps\n(.*?)sietch\$ ").group(1)
            if "netd" not in listing:
                break
            time.sleep(0.5)
        case("netd_follows_its_client", "netd" not in listing, reason=f"netd still runs 10 s later:\n{listing}",
             note=f"echod killed: netd (pid {m.group(1)}) ended and gave vnic0 back")
        power_off(c)


def test_shared_netd():
    """One netd, one VNIC, one lwIP, two programs it started: echod answers the host while
    ping reaches QEMU's gateway, each through its own endpoint and buffer."""
    tcp_port, udp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    with boot_with_forwards(tcp_port, udp_port) as c:
        start_or_skip(c, f"netd -- echod {ECHO_PORT} -- ping -c 3 10.0.2.2 &", r"netd: (\S+) on (\S+)$",
                      r"netd: no network.*$")
        c.expect_line(r"echod: tcp\+udp port 7 on 10\.0\.2\.15 \((vnic\d+), server\)$", timeout=60)
        p = c.expect_line(r"^--- 10\.0\.2\.2: 3 sent, (\d+) received$", timeout=60)
        case("shared_netd_ping", int(p.group(1)) >= 1, reason=p.group(0), note=p.group(0))
        check_traffic(tcp_port, udp_port, 200, 100, "shared_netd")
        c.sendline("")
        c.expect(r"sietch\$ ")
        power_off(c)
