"""kvstore on Sietch with 50 clients at once. QEMU's user networking takes one pending
connection at a time, so this test makes a network namespace of its own with a tap device
in it, runs QEMU there (the igb on that tap), gives the guest a static address inside the
namespace's private subnet, and drives it from the same namespace: 50 connections open
together, each writing and reading its own keys, then redis-benchmark -c 50. Needs root
(ip netns, a tap); skipped with the reason otherwise. No address outside the namespace is
ever configured or contacted."""

import json
import os
import shutil
import subprocess
import sys

import harness
from harness import PASS, REPO, case, check, skip

CLIENTS = 50
SUBNET = "192.168.77"  # exists only inside the namespace
HOST_ADDR, GUEST_ADDR = f"{SUBNET}.1", f"{SUBNET}.2"
TAP = "sktap0"

# Run inside the namespace: CLIENTS connections open at once, each SETs and GETs its own
# keys with pipelining, and one of them asks INFO while all are connected.
CLIENTS_SCRIPT = r"""
import json, socket, sys, threading
sys.path.insert(0, sys.argv[1])
from kvserver import Conn, command
host, clients = sys.argv[2], int(sys.argv[3])
real = socket.create_connection
socket.create_connection = lambda addr, timeout=None: real((host, addr[1]), timeout)  # Conn dials 127.0.0.1
conns = [Conn(6379, timeout=60) for _ in range(clients)]
info = conns[0].call("INFO", "clients").decode()
errors = []
def work(n):
    try:
        c = conns[n]
        for r in range(20):
            c.send(b"".join(command("SET", f"c{n}:{i}", f"{n}-{r}-{i}") for i in range(10)))
            if c.read_raw(10) != b"+OK\r\n" * 10:
                errors.append(f"client {n}: SET")
            c.send(b"".join(command("GET", f"c{n}:{i}") for i in range(10)))
            want = b"".join(b"$%d\r\n%s\r\n" % (len(v), v) for v in (f"{n}-{r}-{i}".encode() for i in range(10)))
            if c.read_raw(10) != want:
                errors.append(f"client {n}: GET")
    except Exception as e:
        errors.append(f"client {n}: {e!r}")
threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
for t in threads: t.start()
for t in threads: t.join(120)
dbsize = conns[0].call("DBSIZE")
for c in conns: c.close()
print(json.dumps({"info": info, "errors": errors[:5], "dbsize": dbsize}))
"""


def sh(*argv, check_rc=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check_rc and r.returncode != 0:
        harness.fail(f"{' '.join(argv)}: {r.stderr.strip()}")
    return r


def test_fifty_clients_through_a_tap():
    if os.geteuid() != 0:
        skip("needs root: it creates a network namespace and a tap device")
    if not shutil.which("ip") or not os.path.exists("/dev/net/tun"):
        skip("no ip(8) or /dev/net/tun on this host")
    if not (REPO / "lib" / "os" / "net.h").exists():
        skip("no network stack in this tree")
    ns = f"sietch-kv{os.getpid()}"
    if sh("ip", "netns", "add", ns, check_rc=False).returncode != 0:
        skip("cannot create a network namespace here (ip netns add failed)")
    try:
        inside = ["ip", "netns", "exec", ns]
        sh(*inside, "ip", "tuntap", "add", "dev", TAP, "mode", "tap")
        sh(*inside, "ip", "addr", "add", f"{HOST_ADDR}/24", "dev", TAP)
        sh(*inside, "ip", "link", "set", TAP, "up")
        sh(*inside, "ip", "link", "set", "lo", "up")
        run = harness.run_command("", cpus=2, mem="512M", timeout=600,
                                  extra=["-netdev", f"tap,id=net0,ifname={TAP},script=no,downscript=no",
                                         "-device", "igb,netdev=net0,bus=rp0"])
        with harness.Console(inside + run, 600) as c:
            c.expect(r"sietch\$ ", timeout=120)
            c.sendline(f"kvstore --addr {GUEST_ADDR}/24 &")
            m = c.expect_line(r"kvstore: (ready on \S+|cannot start.*|no address.*)", timeout=120)
            check(m.group(0).startswith("kvstore: ready"), m.group(0))
            r = subprocess.run(inside + [sys.executable, "-c", CLIENTS_SCRIPT, str(REPO / "tests" / "system"),
                                         GUEST_ADDR, str(CLIENTS)], capture_output=True, text=True, timeout=300)
            check(r.returncode == 0, f"the clients failed: {r.stderr[-500:]}")
            out = json.loads(r.stdout.strip().splitlines()[-1])
            check(f"connected_clients:{CLIENTS}\r\n" in out["info"], f"INFO clients: {out['info']!r}")
            check(not out["errors"], f"client errors: {out['errors']}")
            check(out["dbsize"] == CLIENTS * 10, f"DBSIZE {out['dbsize']}")
            case("tap.fifty_clients", True, note=f"{CLIENTS} connections at once, 400 requests each")
            bench = shutil.which("redis-benchmark")
            if bench:
                r = subprocess.run(inside + [bench, "-h", GUEST_ADDR, "-p", "6379", "-c", str(CLIENTS), "-n", "5000",
                                             "-t", "set,get", "-q"], capture_output=True, text=True, timeout=300)
                text = (r.stdout + r.stderr).replace("\r", "\n")
                errors = [line for line in text.splitlines() if "rror" in line]
                check(r.returncode == 0 and not errors, f"redis-benchmark -c {CLIENTS}: {errors[:1] or text[-300:]}")
                rates = [line.strip() for line in text.splitlines() if "requests per second" in line]
                case("tap.redis_benchmark_c50", True, note="; ".join(rates[-2:]))
            c.sendline("poweroff")
            result = c.wait(timeout=60)
        result.expect_status(PASS)
        check(not result.has(r"sietch: (exception|panic)"), "kernel exception" + result.explain())
    finally:
        sh("ip", "netns", "del", ns, check_rc=False)  # takes the tap with it
