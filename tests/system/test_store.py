"""Storage areas on QEMU's NVMe (tools/run --nvme): the kernel brings the controller up, keeps the
catalogue on namespace 1, and the shell's mkstore/lsstore/rmstore manage /store. Processes write and
read back their own areas through the kernel-checked path (the mode every test here prints and
checks), commands outside an area are refused, one owner at a time, a killed owner frees its area,
and the catalogue, the areas and a block log survive a reboot of the same images."""

import re
import shutil

from harness import PASS, REPO, boot, check, console, current_test

DISKS = REPO / "build" / "test-disks"
PROMPT = r"sietch\$ "


def disks():
    """This test's own images (QEMU locks them: tests run side by side), blank for each run."""
    path = DISKS / current_test()
    shutil.rmtree(path, ignore_errors=True)
    return path


def nvme(path, reset=False):
    return ["--nvme", "--nvme-disks", str(path)] + (["--nvme-reset"] if reset else [])


def run(c, line, timeout=60):
    """Types line at the shell and returns what it printed up to the next prompt."""
    c.sendline(line)
    return c.expect(rf"(?s){re.escape(line)}\n(.*?){PROMPT}", timeout=timeout).group(1)


def test_store():
    path = disks()
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        log = c.log
        check(re.search(r"^nvme: 02:00\.0: ready \(CAP\.TO \d+ ms", log, re.M), "no NVMe bring-up line")
        check(re.search(r"^store: namespace 1 holds no catalogue; writing an empty one", log, re.M),
              "a blank disk was not formatted")
        out = run(c, "mkstore log 64M")
        check("mkstore: /store/log: 67108864 bytes" in out, f"mkstore log: {out!r}")
        out = run(c, "mkstore data 1M")
        check("mkstore: /store/data" in out, f"mkstore data: {out!r}")
        out = run(c, "mkstore log 1M")
        check("EEXIST" in out, f"a second area named log was not refused: {out!r}")
        out = run(c, "mkstore Bad/Name 1M")
        check("EINVAL" in out, f"a bad name was not refused: {out!r}")
        out = run(c, "mkstore scratch 4K")
        out = run(c, "rmstore scratch")
        check("removed" in out, f"rmstore: {out!r}")
        out = run(c, "lsstore")
        check(re.search(r"^log\s+checked\s+1\s+2048\s+131072\s+512\s+0$", out, re.M), f"lsstore log: {out!r}")
        check(re.search(r"^data\s+checked\s+1\s+\d+\s+2048\s+512\s+0$", out, re.M), f"lsstore data: {out!r}")
        check("scratch" not in out and "lsstore: 2 areas" in out, f"lsstore after rmstore: {out!r}")
        out = run(c, "ls /store")
        check(re.search(r"\blog$", out, re.M) and re.search(r"\bdata$", out, re.M) and "scratch" not in out,
              f"ls /store: {out!r}")
        out = run(c, "blktest write /store/data 7", timeout=120)
        check("mode kernel-checked" in out and "blktest: ok" in out, f"blktest write: {out!r}")
        out = run(c, "blktest checks /store/data", timeout=120)
        check("blktest: ok" in out, f"blktest checks: {out!r}")
        out = run(c, "blklog /store/log 5", timeout=120)
        check("recovered 0 records" in out and "acknowledged 5" in out, f"blklog: {out!r}")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
        result.expect_status(PASS)
        check(re.search(r"^store: namespace 1 flushed before power-off$", result.log, re.M),
              "no flush before power-off")
        waits = re.search(r"^nvme: 02:00\.0: the kernel's waits slept \d+ times on the admin queue \(\d+ ended by its "
                          r"interrupt\), (\d+) times on the I/O queue \((\d+) ended by its interrupt", result.log, re.M)
        check(waits and int(waits.group(2)) > 0, "the kernel's I/O waits never slept until the queue's interrupt")
        print(f"kernel-checked I/O: {waits.group(1)} waits slept, {waits.group(2)} ended by the MSI-X interrupt")

    with console(timeout=400, run_args=nvme(path)) as c:  # the same images, a second boot
        c.expect(PROMPT, timeout=120)
        check(re.search(r"^store: catalogue generation \d+ on namespace 1: 2 areas", c.log, re.M),
              "the catalogue did not survive the reboot")
        out = run(c, "lsstore")
        check(re.search(r"^log\s+checked", out, re.M) and re.search(r"^data\s+checked", out, re.M),
              f"lsstore after reboot: {out!r}")
        out = run(c, "blktest verify /store/data 7", timeout=120)
        check("verified" in out and "blktest: ok" in out, f"data after reboot: {out!r}")
        out = run(c, "blklog /store/log 1", timeout=120)
        check("recovered 5 records, last sequence 5, 0 bad" in out and "acknowledged 6" in out,
              f"log after reboot: {out!r}")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)


def test_durability():
    """blklog commits (write + Flush) and prints each acknowledged sequence number; QEMU is
    killed with SIGKILL at a random one, and the next boot recovers every acknowledged record,
    in order, with no torn record accepted."""
    import os
    import random
    import signal

    path = disks()
    stop_at = random.randint(5, 60)
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        run(c, "mkstore wal 4M")
        c.sendline("blklog /store/wal 1000 300")
        c.expect(rf"^blklog: acknowledged {stop_at}\b", timeout=120)
        os.killpg(c.proc.pid, signal.SIGKILL)  # tools/run and QEMU at once: no clean shutdown
        result = c.close()
    acked = [int(n) for n in re.findall(r"^blklog: acknowledged (\d+)", result.log, re.M)]
    check(acked and acked == list(range(1, len(acked) + 1)), f"acknowledgements out of order: {acked[-5:]}")
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        out = run(c, "blklog /store/wal 0", timeout=120)
        m = re.search(r"recovered (\d+) records, last sequence (\d+), (\d+) bad", out)
        check(m, f"blklog after the kill: {out!r}")
        recovered, last, bad = map(int, m.groups())
        check(bad == 0 and last == recovered, f"records out of order or damaged: {m.group(0)}")
        check(recovered >= acked[-1], f"{acked[-1]} acknowledged before the kill, {recovered} recovered")
        print(f"killed after {acked[-1]} acknowledged records (aimed at {stop_at}); {recovered} recovered")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)


def corrupt(image, offset, length=16):
    with open(image, "r+b") as f:
        f.seek(offset)
        f.write(b"\xa5" * length)


def test_corrupt_catalogue():
    """One damaged copy: the other is used and the damage reported. Both damaged: reported at
    boot, /store refuses changes, and the blocks are left exactly as they were."""
    path = disks()
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        run(c, "mkstore keep 1M")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)
    image = path / "ns1.img"
    copy_bytes = 17 * 512  # a header block and 64 entries of 128 bytes (store_catalog.h)
    # generation 2 (after mkstore) is in copy 0; damage it: copy 1 (generation 1, empty) is older
    corrupt(image, 8)
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        check(re.search(r"^store: catalogue copy 0 is damaged", c.log, re.M), "one damaged copy not reported")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)
    corrupt(image, copy_bytes + 8)
    before = image.read_bytes()[:2 * copy_bytes]
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        check(re.search(r"^store: the catalogue on namespace 1 is damaged \(copies 0 and 1\); left untouched",
                        c.log, re.M), "two damaged copies not reported")
        out = run(c, "mkstore other 1M")
        check("EIO" in out, f"mkstore on a damaged catalogue: {out!r}")
        out = run(c, "lsstore")
        check("lsstore: 0 areas" in out, f"lsstore on a damaged catalogue: {out!r}")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)
    check(image.read_bytes()[:2 * copy_bytes] == before, "the damaged catalogue was overwritten")


def test_blkbench_smoke():
    """blkbench runs its four cases on a small area (speed is measured by make bench, not here)."""
    path = disks()
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        run(c, "mkstore bench 4M")
        out = run(c, "blkbench /store/bench 64", timeout=120)
        check(len(re.findall(r"^blkbench: (checked|vf     ) rand(read|write)\s+qd(1|32)\s+\d+ IOPS", out, re.M)) == 4
              and "blkbench: ok" in out, f"blkbench: {out!r}")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)


def test_hardware_enforced():
    """Hardware-enforced mode beside kernel-checked mode: a namespace attached only to the VF
    serving its owner, whose own queue pair is driven from the process; two processes write and
    read back their areas at once, one per mode. The device refuses the other namespace and
    blocks past the end, garbage in the VF's admin doorbell runs no command and garbage in the
    owner's own submission queue hurts only that queue, and both leave the other area intact, one owner at a time, a killed owner frees the VF; 10,000 writes
    and reads cost no system call and no interrupt (the kernel-checked loop reports its calls per
    batch beside it), and the same loop can sleep on the queue's MSI-X interrupt instead; the
    namespace area and its data survive a reboot."""
    path = disks()
    with console(timeout=500, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        check(c.log.count("online, enabled (its admin queue is the kernel's)") == 2,
              "the two VF controllers did not come up")
        out = run(c, "mkstore -n priv")
        check("hardware-enforced" in out, f"mkstore -n: {out!r}")
        out = run(c, "mkstore -n another")
        check("ENOSPC" in out, f"a second area on the one free namespace: {out!r}")
        run(c, "mkstore data 1M")
        out = run(c, "lsstore")
        check(re.search(r"^priv\s+hardware\s+2\s+0\s+131072\s+512\s+0$", out, re.M), f"lsstore: {out!r}")
        for area, mode in (("data", "kernel-checked"), ("priv", "hardware-enforced")):
            out = run(c, f"blktest zeroes /store/{area} 3", timeout=120)
            check(f"read back as zeros, the rest unchanged, mode {mode}" in out and "blktest: ok" in out,
                  f"write zeroes on {area}: {out!r}")
        # two processes at once, one per mode, each on its own area
        out = run(c, "blktest pair /store/priv 9 /store/data 7", timeout=200)
        check("mode hardware-enforced" in out and "seed 9 in 0 system calls" in out, f"hardware area: {out!r}")
        check("mode kernel-checked" in out and "wrote and read back 262144 bytes with seed 7" in out and
              "the other writer (/store/data) ended with status 0" in out and out.count("blktest: ok") == 2,
              f"the two writers at once: {out!r}")
        out = run(c, "blktest checks /store/priv", timeout=200)
        check("blktest: ok" in out, f"hardware checks: {out!r}")
        check(not re.search(r"^nvme: .*(timed out|did not come back)", c.log, re.M),
              "the VF's admin queue suffered from the garbage doorbell write")
        check("garbage in its own submission queue rung" in out and not re.search(r"NOT flushed", c.log),
              f"garbage in the owner's own queue: {out!r}")
        out = run(c, "blktest verify /store/data 7", timeout=120)
        check("blktest: ok" in out, f"the checked area after the hardware checks: {out!r}")
        out = run(c, "blktest loop /store/priv 10000", timeout=300)
        m = re.search(r"hardware-enforced: 10000 writes and 10000 reads of 4 KiB: (\d+) system calls, (\d+) interrupts",
                      out)
        check(m and m.group(1) == "0", f"the hardware-enforced loop entered the kernel: {out!r}")
        if "dedicated CPU" in out:
            check(m.group(2) == "0", f"the hardware-enforced loop took interrupts: {out!r}")
        out = run(c, "blktest irq /store/priv 100", timeout=300)
        m2 = re.search(r"with interrupts: 100 writes and 100 reads of 4 KiB: .* (\d+) interrupt waits", out)
        check(m2 and int(m2.group(1)) > 0 and "blktest: ok" in out, f"the interrupt-driven wait: {out!r}")
        out = run(c, "blktest loop /store/data 200", timeout=300)
        check(re.search(r"kernel-checked: .* 1\.00 system calls per batch", out), f"checked loop: {out!r}")
        print(f"hardware-enforced: {m.group(0)}; kernel-checked: one system call per batch")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        out = run(c, "blktest verify /store/priv 9", timeout=120)
        check("mode hardware-enforced" in out and "blktest: ok" in out, f"hardware area after reboot: {out!r}")
        out = run(c, "blktest verify /store/data 7", timeout=120)
        check("blktest: ok" in out, f"checked area after reboot: {out!r}")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)


def test_small_disk():
    """A namespace too small for the catalogue's reserve is reported at boot, not used, and
    mkstore says there is no storage; the system runs on."""
    path = disks()
    path.mkdir(parents=True)
    for name, size in (("ns1.img", 1 << 20), ("ns2.img", 1 << 20)):
        with open(path / name, "wb") as f:
            f.truncate(size)
    with console(timeout=300, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        check(re.search(r"^store: namespace 1 is too small \(2048 blocks, at least 4096 needed\); no /store$",
                        c.log, re.M), "a small disk was not reported")
        out = run(c, "mkstore x 4K")
        check("ENOENT" in out and "no storage" in out, f"mkstore without storage: {out!r}")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)


def pattern(seed, length):
    """blktest's pattern_byte (user/blktest/blktest.c), byte by byte."""
    return bytes(((i * 2654435761) >> 13 ^ seed ^ i >> 9) & 0xff for i in range(length))


def test_poweroff_flush():
    """A clean poweroff flushes every open area: a hardware-enforced area its owner wrote without
    a Flush is flushed by the kernel through a queue of its own on the owner's VF (the PF cannot
    name that namespace), an open kernel-checked area with namespace 1; each is named in the log.
    An owner killed without a Flush gets one from the kernel as its grant ends. QEMU's trace shows
    both Flushes of namespace 2 reaching the device, and the written bytes are in the host-side
    image afterwards."""
    path = disks()
    path.mkdir(parents=True)
    trace = path / "qemu-trace.log"
    seed = 11
    extra = ["-trace", "pci_nvme_flush_ns", "-D", str(trace)]
    with console(timeout=400, run_args=nvme(path), extra=extra) as c:
        c.expect(PROMPT, timeout=120)
        run(c, "mkstore -n priv")
        run(c, "mkstore data 1M")
        # an owner killed without a Flush: the kernel flushes as the grant ends
        c.sendline("blktest unflushed /store/priv 5 &")
        c.expect(r"blktest: wrote 262144 bytes with seed 5, mode hardware-enforced, not flushed; holding",
                 timeout=120)
        c.sendline("kill %1")
        c.expect(r"\[1\] done  blktest \(killed\)", timeout=60)
        c.expect(PROMPT, timeout=60)
        c.sendline(f"blktest unflushed /store/priv {seed} &")
        c.expect(r"blktest: wrote 262144 bytes with seed 11, mode hardware-enforced, not flushed; holding",
                 timeout=120)
        c.sendline("blktest hold /store/data &")
        c.expect(r"blktest: holding /store/data", timeout=120)
        c.sendline("poweroff")
        result = c.wait(timeout=120)
        result.expect_status(PASS)
    log = result.log
    check(re.search(r"^store: priv \(hardware-enforced, namespace 2 on \S+\) flushed before power-off$", log, re.M),
          "the hardware-enforced area was not flushed at power-off")
    check(re.search(r"^store: namespace 1 flushed before power-off$", log, re.M), "namespace 1 was not flushed")
    check(re.search(r"^store: data \(kernel-checked, namespace 1\) flushed before power-off$", log, re.M),
          "the open kernel-checked area was not named")
    check(not re.search(r"NOT flushed", log), "an area was not flushed")
    flushes = re.findall(r"pci_nvme_flush_ns\b.*", trace.read_text(errors="replace"))
    ns2 = [f for f in flushes if re.search(r"\b(0x)?2$", f)]
    check(len(ns2) == 2, f"QEMU saw {len(ns2)} flushes of namespace 2 (two expected: the killed owner's, "
          f"power-off's): {flushes}")
    with open(path / "ns2.img", "rb") as f:
        data = f.read(262144)
    check(data == pattern(seed, 262144), "the host-side image of namespace 2 lacks the written bytes")
    print(f"power-off flushed namespace 2 through the VF; QEMU: {ns2[0].strip()}")


def test_poweroff_dead_controller():
    """Power-off never hangs on a controller that stopped answering: the kernel self-test turns
    the PF's memory decode off, and both the reset and the power-off flush give up at once,
    naming namespace 1 as not flushed; with its decode back the controller flushes again. A
    failed admin command is logged with the command and the status by name."""
    r = boot(cmdline="test=nvme_dead_controller,nvme_admin_error_named", run_args=nvme(disks()), timeout=200)
    r.expect_status(PASS)
    r.expect(r"^ktest: nvme_dead_controller: pass$")
    r.expect(r"^store: namespace 1 NOT flushed before power-off: the controller does not answer$")
    r.expect(r"^nvme-test: a dead controller was given up in \d+ ms$")
    r.expect(r"^store: namespace 1 flushed before power-off$")
    r.expect(r"^ktest: nvme_admin_error_named: pass$")
    r.expect(r"^nvme: 02:00\.0: Identify \(opcode 06h, cdw10 00000000\) failed: [A-Z][^(]*[a-z] \(sct \d sc [0-9a-f]{2}h\)$")


def test_no_controller():
    """Without an NVMe controller the boot says so and goes on: no /store, no panic."""
    r = boot(cmdline="test=boot", timeout=120)
    r.expect_status(PASS)
    r.expect(r"^nvme: no NVMe controller; no /store$")
    check(not r.has(r"sietch: (exception|panic)"), "kernel exception" + r.explain())


def test_nvme_reset():
    """tools/run --nvme makes the images on first use and keeps them (the catalogue written at the
    first boot is found at the second); --nvme-reset starts them blank again."""
    path = disks()
    blank = r"^store: namespace 1 holds no catalogue; writing an empty one$"
    r = boot(cmdline="test=boot", run_args=nvme(path), timeout=120)
    r.expect_status(PASS)
    r.expect(blank)
    r = boot(cmdline="test=boot", run_args=nvme(path), timeout=120)
    r.expect_status(PASS)
    check(not r.has(blank), "the images were not kept" + r.explain())
    r.expect(r"^store: catalogue generation 1 on namespace 1: 0 areas$")
    r = boot(cmdline="test=boot", run_args=nvme(path, reset=True), timeout=120)
    r.expect_status(PASS)
    r.expect(blank)
