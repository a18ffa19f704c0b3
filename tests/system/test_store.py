"""Storage areas on QEMU's NVMe (tools/run --nvme): the kernel brings the controller up, keeps the
catalogue on namespace 1, and the shell's mkstore/lsstore/rmstore manage /store. Processes write and
read back their own areas through the kernel-checked path (the mode every test here prints and
checks), commands outside an area are refused, one owner at a time, a killed owner frees its area,
and the catalogue, the areas and a block log survive a reboot of the same images."""

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def background(c, line, ready, timeout=120):
    """Types `line &` and returns once the job has printed ready and the shell its job line, in
    whichever order, with no line half printed, so the next line typed is echoed whole."""
    start = len(c.log)
    c.sendline(line + " &")
    end = time.monotonic() + timeout
    while not (re.search(ready, c.log[start:]) and re.search(r"\[\d+\] \d+", c.log[start:])
               and c.log.endswith(("sietch$ ", "\n"))):
        check(time.monotonic() < end, f"{line} &: no {ready!r} and prompt within {timeout} s")
        time.sleep(0.1)


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
        check(re.search(r"^log\s+checked\s+rw\s+1\s+2048\s+131072\s+512\s+0$", out, re.M), f"lsstore log: {out!r}")
        check(re.search(r"^data\s+checked\s+rw\s+1\s+\d+\s+2048\s+512\s+0$", out, re.M), f"lsstore data: {out!r}")
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
        check(re.search(r"^priv\s+hardware\s+rw\s+2\s+0\s+131072\s+512\s+0$", out, re.M), f"lsstore: {out!r}")
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


def test_read_only():
    """Rights are recorded in the catalogue and checked: an area made read-only (chstore ro, or
    mkstore -r) is shown as ro, refuses an open for writing with EPERM and a clear message, opens
    for reading, and the kernel refuses a write through the read-only grant; a hardware-enforced
    area is never read-only (its VF cannot refuse writes). The rights survive a reboot, and
    chstore rw gives writing back."""
    path = disks()
    with console(timeout=400, run_args=nvme(path)) as c:
        c.expect(PROMPT, timeout=120)
        run(c, "mkstore data 1M")
        out = run(c, "blktest write /store/data 5", timeout=120)
        check("blktest: ok" in out, f"blktest write: {out!r}")
        out = run(c, "chstore ro data")
        check("chstore: /store/data: read-only" in out, f"chstore ro: {out!r}")
        out = run(c, "mkstore -r frozen 4K")
        check("mkstore: /store/frozen: 4096 bytes, read-only" in out, f"mkstore -r: {out!r}")
        out = run(c, "mkstore -r -n priv")
        check("EINVAL" in out and "cannot be read-only" in out, f"a read-only namespace area: {out!r}")
        run(c, "mkstore -n priv")
        out = run(c, "chstore ro priv")
        check("EINVAL" in out and "VF cannot refuse" in out, f"chstore ro of a hardware area: {out!r}")
        out = run(c, "lsstore")
        check(re.search(r"^data\s+checked\s+ro\s", out, re.M) and re.search(r"^frozen\s+checked\s+ro\s", out, re.M)
              and re.search(r"^priv\s+hardware\s+rw\s", out, re.M), f"lsstore rights: {out!r}")
        out = run(c, "blktest readonly /store/data 5", timeout=120)
        check("open /store/data for writing refused: the handle lacks the right (EPERM): the area is read-only"
              in out and "write through the read-only grant refused" in out and "blktest: ok" in out,
              f"blktest readonly: {out!r}")
        out = run(c, "blktest readonly /store/priv 0", timeout=120)
        check("open for reading alone: invalid argument (EINVAL): a hardware-enforced area opens only for writing"
              in out and "blktest: ok" in out, f"a read-only grant of a hardware area: {out!r}")
        out = run(c, "blklog /store/frozen 1", timeout=120)
        check("EPERM" in out and "the area is read-only" in out, f"blklog on a read-only area: {out!r}")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)

    with console(timeout=400, run_args=nvme(path)) as c:  # the same images: the rights were recorded
        c.expect(PROMPT, timeout=120)
        out = run(c, "lsstore")
        check(re.search(r"^data\s+checked\s+ro\s", out, re.M) and re.search(r"^frozen\s+checked\s+ro\s", out, re.M),
              f"lsstore after reboot: {out!r}")
        out = run(c, "blktest readonly /store/data 5", timeout=120)
        check("EPERM" in out and "blktest: ok" in out, f"blktest readonly after reboot: {out!r}")
        background(c, "blktest hold /store/frozen", r"blktest: holding /store/frozen")
        out = run(c, "chstore rw frozen")
        check("EBUSY" in out and "the area is open" in out, f"chstore of an open area: {out!r}")
        c.sendline("kill %1")
        c.expect(r"\[1\] done  blktest \(killed\)", timeout=60)
        c.expect(PROMPT, timeout=60)
        out = run(c, "chstore rw data")
        check("chstore: /store/data: read-write" in out, f"chstore rw: {out!r}")
        out = run(c, "blktest write /store/data 6", timeout=120)
        check("blktest: ok" in out, f"writing after chstore rw: {out!r}")
        c.sendline("poweroff")
        c.wait(timeout=60).expect_status(PASS)


def admin_commands(trace):
    """The admin commands QEMU ran so far (its trace, line-buffered), as (opcode, line)."""
    text = trace.read_text(errors="replace") if trace.exists() else ""
    return [(int(m.group(1), 16), m.group(0)) for m in re.finditer(r"pci_nvme_admin_cmd\b.* opc 0x([0-9a-f]+).*", text)]


def test_admin_doorbell_garbage():
    """A process that rings its VF's admin doorbell with garbage (the doorbell page it holds has
    the admin doorbells too, CAP.DSTRD 0): QEMU's trace of admin commands, compared between the
    same open-write-read-close without and with the ring, shows what the ring ran. The
    controller fetches the consumed slots up to the tail written, which the kernel keeps
    zeroed: each is Delete I/O Submission Queue of queue 0, which it refuses (Invalid Queue
    Identifier); the out-of-range tail is ignored. So no admin command takes effect, the kernel's
    own admin commands run on as before, QEMU keeps running and the other area is untouched."""
    fetched, kernel = admin_bell_run(iommu=False)
    print(f"garbage in the admin doorbell: {fetched} zeroed entries fetched, each Delete I/O SQ 0, "
          f"refused; {kernel} kernel admin commands as without it")


def test_admin_doorbell_garbage_iommu():
    """The same under VT-d (tools/run --iommu): the VF's admin queue is not in its owner's DMA
    domain, so the fetch the ring starts is blocked (and logged) and no admin command runs at all;
    the blocked DMA stops the owner's controller (issue 11's rule for an attacker) and the other
    area is untouched. The stop comes from the fault interrupt, after the fact: the owner's own
    write and read may finish (and the grant close) before it, or fail after it; test_iommu's
    storage attacker checks the stop and the EIO that follows."""
    fetched, kernel = admin_bell_run(iommu=True)
    check(fetched == 0, f"{fetched} admin entries ran under the IOMMU")
    print(f"garbage in the admin doorbell under the IOMMU: no admin command ran; {kernel} kernel admin "
          f"commands as without it")


def admin_bell_run(iommu):
    """test_admin_doorbell_garbage's run: (zeroed entries the ring made the VF run, kernel admin
    commands in the garbage run)."""
    path = disks()
    path.mkdir(parents=True)
    trace = path / "qemu-trace.log"
    extra = ["-trace", "pci_nvme_admin_cmd", "-trace", "pci_nvme_err_invalid_del_sq",
             "-trace", "pci_nvme_ub_db_wr_invalid_sqtail", "-trace", "pci_nvme_err_addr_read", "-D", str(trace)]
    with console(timeout=400, run_args=nvme(path) + (["--iommu"] if iommu else []), extra=extra) as c:
        c.expect(PROMPT, timeout=120)
        run(c, "mkstore -n priv")
        run(c, "mkstore data 1M")
        out = run(c, "blktest write /store/data 7", timeout=120)
        check("blktest: ok" in out, f"blktest write: {out!r}")
        before = len(admin_commands(trace))
        out = run(c, "blktest adminbell /store/priv clean", timeout=120)
        check("blktest: ok" in out, f"adminbell clean: {out!r}")
        clean = admin_commands(trace)[before:]
        out = run(c, "blktest adminbell /store/priv garbage", timeout=120)
        if iommu:
            stopped = re.search(r"^nvme: 02:00\.\d of pid \d+ stopped: the IOMMU blocked its DMA", out, re.M)
            check("then own queue fine" in out or (stopped and "blktest: FAIL own queue" in out),
                  f"adminbell garbage under the IOMMU: {out!r}")
        else:
            check("blktest: ok" in out, f"adminbell garbage: {out!r}")
        garbage = admin_commands(trace)[before + len(clean):]
        out = run(c, "blktest verify /store/data 7", timeout=120)
        check("blktest: ok" in out, f"the other area after the garbage: {out!r}")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
        result.expect_status(PASS)
    check(not re.search(r"^nvme: .*(timed out|did not come back|failed)", result.log, re.M),
          "a kernel admin command suffered from the garbage" + result.explain())
    text = trace.read_text(errors="replace")
    fetched = [line for opc, line in garbage if opc == 0 and " cid 0 " in line]
    kernel = [opc for opc, line in garbage if not (opc == 0 and " cid 0 " in line)]
    if not iommu:  # under the IOMMU the stopped controller's release takes another way
        check(kernel == [opc for opc, _ in clean],
              f"the kernel's admin commands differ with the ring: {[l for _, l in clean]} vs {[l for _, l in garbage]}")
    refused = re.findall(r"pci_nvme_err_invalid_del_sq\b.*sid=0\b", text)
    check(len(refused) == len(fetched), f"{len(fetched)} zeroed entries fetched, {len(refused)} refused")
    # (under the IOMMU the first blocked fetch has stopped the controller before the second write)
    check(iommu or re.search(r"pci_nvme_ub_db_wr_invalid_sqtail\b.*sqid=0, new_head=65535", text),
          "the out-of-range admin tail was not ignored")
    if iommu:
        check(re.search(r"pci_nvme_err_addr_read\b", text), "QEMU did not try to fetch the rung admin entries")
        # (by the owner's pid, or "no owner" when the fault interrupt came after the grant closed)
        check(re.search(r"^iommu: blocked DMA read 0x[0-9a-f]+ by 02:00\.\d: .*(owner pid \d+|no owner)", result.log, re.M),
              "the blocked admin-queue fetch was not logged" + result.explain())
    return len(fetched), len(kernel)


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


def own_layout(path, namespaces):
    """tools/run's NVMe controller with namespaces of our own, passed after `--`: (nsid, image
    size, nvme-ns options) each."""
    path.mkdir(parents=True)
    args = ["-device", "nvme-subsys,id=subsys0,nqn=nqn.2026-01.org.sietch:s0",
            "-device", "nvme,id=nvme0,bus=rp1,serial=sietch0,subsys=subsys0,max_ioqpairs=16,msix_qsize=17,"
                       "sriov_max_vfs=2,sriov_vq_flexible=8,sriov_vi_flexible=4"]
    for nsid, size, options in namespaces:
        image = path / f"ns{nsid}.img"
        with open(image, "wb") as f:
            f.truncate(size)
        args += ["-drive", f"file={image},if=none,id=nvm{nsid},format=raw",
                 "-device", f"nvme-ns,bus=nvme0,drive=nvm{nsid},nsid={nsid},{options}"]
    return args


def test_no_namespace_attached():
    """A controller whose only namespace is detached: the boot says there is nothing to keep
    /store on and goes on, no panic."""
    extra = own_layout(disks(), [(1, 64 << 20, "shared=off,detached=on")])
    r = boot(cmdline="test=boot", extra=extra, timeout=200)
    r.expect_status(PASS)
    r.expect(r"^nvme: 02:00\.0: ready ")
    r.expect(r"^store: no namespace attached to 02:00\.0; no /store$")
    check(not r.has(r"sietch: (exception|panic)"), "kernel exception" + r.explain())


def test_tiny_disk():
    """A namespace of eight blocks, far below the catalogue's reserve: reported at boot, no panic."""
    extra = own_layout(disks(), [(1, 4096, "shared=off")])
    r = boot(cmdline="test=boot", extra=extra, timeout=200)
    r.expect_status(PASS)
    r.expect(r"^store: namespace 1 is too small \(8 blocks, at least 4096 needed\); no /store$")
    check(not r.has(r"sietch: (exception|panic)"), "kernel exception" + r.explain())


def test_run_default_disks():
    """tools/run --nvme with no --nvme-disks (what make run does) keeps its images in build/disks of
    its own tree, made sparse at the issue's sizes on first use and never rewritten after (not even
    by --nvme-reset in a dry run). Run on a copy of tools/run in a scratch tree, so a person's
    own build/disks is never touched."""
    makefile = (REPO / "Makefile").read_text()
    check(re.search(r"^run:.*\n(?:\t.*\n)*?\ttools/run [^\n]*--nvme\b", makefile, re.M),
          "make run does not pass --nvme")
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        (tree / "tools").mkdir()
        shutil.copy2(REPO / "tools" / "run", tree / "tools" / "run")
        disks_dir = tree / "build" / "disks"

        def dry_run(*more):
            r = subprocess.run([sys.executable, str(tree / "tools" / "run"), "--dry-run", "--nvme", *more],
                               capture_output=True, text=True, timeout=60)
            check(r.returncode == 0, f"tools/run --dry-run --nvme: {r.stderr}")
            return r.stdout

        out = dry_run()
        for name, size in (("ns1.img", 256 << 20), ("ns2.img", 64 << 20)):
            image = disks_dir / name
            check(f"file={image}," in out, f"{image} not on the command line: {out}")
            check(image.stat().st_size == size, f"{name} is {image.stat().st_size} bytes")
            check(image.stat().st_blocks * 512 < size, f"{name} is not sparse")
        with open(disks_dir / "ns1.img", "r+b") as f:
            f.write(b"kept by the user")
        dry_run()
        dry_run("--nvme-reset")
        with open(disks_dir / "ns1.img", "rb") as f:
            check(f.read(16) == b"kept by the user", "an existing image was rewritten")


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
