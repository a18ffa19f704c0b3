"""kvstore --persist /store/NAME on Sietch: the write-ahead log on a storage area of QEMU's
NVMe (lib/os/blocklog over drivers/nvme/os), Redis's `appendfsync always` promise with group
commit. Writers on the host SET keys through QEMU's user networking; QEMU is killed with
SIGKILL at a random moment of the load; the next boot on the same disk images replays the
log, and every acknowledged SET is there with its value. A small --rewrite-min makes the
background rewrite (the log compacted into the area's other half while serving) run
several times during the load, so the kill may land in the middle of one."""

import os
import random
import re
import shutil
import signal
import threading
import time

import harness
from harness import PASS, REPO, case, check, skip
from kvserver import Conn, check_acknowledged, command, free_port

DISKS = REPO / "build" / "test-disks"
PROMPT = r"sietch\$ "
WRITERS = 4


def boot(disks, port):
    cmd = harness.run_command("", cpus=2, mem="512M", timeout=600,
                              run_args=["--nvme", "--nvme-disks", str(disks), "--fwd", f"tcp:{port}:6379"])
    c = harness.Console(cmd, 600)
    c.expect(PROMPT, timeout=120)
    return c


def start_kvstore(c, port):
    """`kvstore --persist /store/kv &`: the number of records it replayed, and a connection."""
    c.sendline("kvstore --persist /store/kv --rewrite-min 8192 &")
    m = c.expect_line(r"kvstore: (?:/store/kv: replayed (\d+) records|--persist.*|cannot start.*|no address.*)$",
                      timeout=300)
    check(m.group(1) is not None, f"kvstore --persist did not open its log: {m.group(0)}")
    gen = c.expect_line(r"kvstore: /store/kv: log generation (\d+)", timeout=30)
    ready = c.expect_line(r"kvstore: (ready on \S+|cannot start.*|no address.*)", timeout=120)
    check(ready.group(0).startswith("kvstore: ready"), ready.group(0))
    for _ in range(100):  # the forward is up before the guest listens
        try:
            conn = Conn(port, timeout=60)
            check(conn.call("PING") == (b"+", b"PONG"), "no PONG")
            return int(m.group(1)), int(gen.group(1)), conn
        except OSError:
            time.sleep(0.2)
    harness.fail("cannot connect to kvstore through the forward")


def writer(conn, n, acked, stop):
    """SET w<n>:<i> and INCR count<n>, one pair at a time; acked gets each pair answered."""
    try:
        for i in range(1000000):
            if stop.is_set():
                return
            key, value = f"w{n}:{i}", f"value-{n}-{i}-" + "x" * (i % 50)
            conn.send(command("SET", key, value) + command("INCR", f"count{n}"))
            reply = conn.read_raw(2)
            if reply.startswith(b"+OK\r\n:"):
                acked.append((key, value))
    except (OSError, ConnectionError, ValueError):
        return


def test_persist_survives_sigkill():
    persist_survives_sigkill("checked", "mkstore kv 16M", r"mkstore: /store/kv: 16777216 bytes")


def test_persist_on_a_vf_area():
    """The same on a hardware-enforced area (a namespace of its own, driven through the NVMe
    VF's queue pair from the process: the log's writes and Flushes make no system call)."""
    persist_survives_sigkill("vf", "mkstore -n kv", r"mkstore: /store/kv: .*hardware-enforced")


def persist_survives_sigkill(mode, make_area, made):
    if not (REPO / "drivers" / "nvme" / "os" / "io.h").exists() or not (REPO / "lib" / "os" / "net.h").exists():
        skip("no NVMe driver or network stack in this tree")
    disks = DISKS / harness.current_test()
    shutil.rmtree(disks, ignore_errors=True)
    rng = random.Random()
    port = free_port()

    with boot(disks, port) as c:
        c.sendline(make_area)
        c.expect(made, timeout=60)
        c.expect(PROMPT, timeout=30)
        replayed, generation, conn = start_kvstore(c, port)
        check(replayed == 0 and generation == 1, f"a new area replayed {replayed} records, generation {generation}")
        check(conn.call("SET", "first", "one") == (b"+", b"OK"), "SET first")
        check(conn.call("RPUSH", "list", "a", "b", "c") == 3, "RPUSH")
        conns = [conn] + [Conn(port, timeout=60) for _ in range(WRITERS - 1)]  # one at a time
        acked = [[] for _ in range(WRITERS)]
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(conns[n], n, acked[n], stop)) for n in range(WRITERS)]
        for t in threads:
            t.start()
        # a random moment once the load runs: after 100 to 600 acknowledged SETs
        aim = rng.randint(100, 600)
        deadline = time.monotonic() + 120
        while sum(len(a) for a in acked) < aim and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.3))
        os.killpg(c.proc.pid, signal.SIGKILL)  # tools/run and QEMU at once: no clean shutdown
        stop.set()
        for t in threads:
            t.join(30)
        rewrites_before_kill = len(re.findall(r"^kvstore: log rewritten", c.log, re.M))
        c.close()
    snapshot = [list(a) for a in acked]
    total = sum(len(a) for a in snapshot)
    check(total > 0, "no SET was acknowledged before the kill")

    with boot(disks, port) as c:
        replayed, generation, conn = start_kvstore(c, port)
        check(generation >= 1 + rewrites_before_kill,
              f"generation {generation} after {rewrites_before_kill} finished rewrites")
        check(conn.call("GET", "first") == b"one", "the first SET is gone")
        check(conn.call("LRANGE", "list", "0", "-1") == [b"a", b"b", b"c"], "the list is not whole")
        check_acknowledged(conn, snapshot, "the reboot")
        case(f"persist.{mode}.acknowledged", True,
             note=f"{total} acknowledged SETs (aimed at {aim}) all there after SIGKILL during a load with "
                  f"{rewrites_before_kill} log rewrites; log generation {generation}, {replayed} records replayed")
        check(rewrites_before_kill >= 1, "no log rewrite ran during the load")
        # the log goes on from where it was: more writes through another rewrite, a clean shutdown
        # whole lines only: the console may have given the last one in part
        rewrite_line = r"^kvstore: log rewritten: .* (\d+) round\(s\)$"
        rewritten = len(re.findall(rewrite_line, c.log, re.M))
        i = 0
        while len(re.findall(rewrite_line, c.log, re.M)) == rewritten and i < 5000:
            check(conn.call("SET", f"after:{i}", "x" * 100) == (b"+", b"OK"), "SET after the reboot")
            i += 1
        check(i < 5000, "no rewrite after the reboot")
        rounds = max(int(r) for r in re.findall(rewrite_line, c.log, re.M))
        check(conn.call("SET", "last", "write") == (b"+", b"OK"), "the last SET")
        conn.close()
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(PASS)
    check(not result.has(r"sietch: (exception|panic)"), "kernel exception" + result.explain())

    with boot(disks, port) as c:  # a third boot: the rewritten log and what followed it
        replayed, generation, conn = start_kvstore(c, port)
        check(conn.call("GET", "last") == b"write", "the last SET before power-off is gone")
        check(conn.call("GET", f"after:{i - 1}") == b"x" * 100, "a SET after the rewrite is gone")
        key, value = next(pairs[-1] for pairs in snapshot if pairs)
        check(conn.call("GET", key) == value.encode(), f"{key} did not survive the second rewrite")
        dbsize = conn.call("DBSIZE")
        case(f"persist.{mode}.rewrite", True, note=f"generation {generation}, {replayed} records for {dbsize} keys; "
             f"the longest rewrite of the second boot took {rounds} round(s)")
        conn.close()
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)
