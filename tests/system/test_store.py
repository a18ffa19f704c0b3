"""Storage areas on QEMU's NVMe (tools/run --nvme): the kernel brings the controller up, keeps the
catalogue on namespace 1, and the shell's mkstore/lsstore/rmstore manage /store. Processes write and
read back their own areas through the kernel-checked path (the mode every test here prints and
checks), commands outside an area are refused, one owner at a time, a killed owner frees its area,
and the catalogue, the areas and a block log survive a reboot of the same images."""

import re
import shutil

from harness import PASS, REPO, check, console, current_test

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
        c.wait(timeout=60).expect_status(PASS)

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
