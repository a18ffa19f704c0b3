"""The user-level VMM (user/vmm) and the boot modules under /boot: Sietch boots its own kernel.elf
and initrd.tar, the same bytes as in the ISO, in a virtual machine (AMD SVM with nested paging,
which QEMU's TCG emulates with --cpu-model qemu64,+svm,+npt)."""

import re

from harness import REPO, case, check, console, fail, skip, slow

SVM_CPU = "qemu64,+svm,+npt"
PROMPT = r"sietch\$ "
GUEST_CASE = re.compile(r"^\[vm1\] usertests: (?!done:)(\S+): (pass|fail|skip)\b:? ?(.*)$", re.M)
# What the VMM says when the kernel cannot run guests (no SVM, or its VM calls are missing).
NO_VMS = r"^vmm: vm_create[^\n]*\((ENODEV|ENOSYS)\)$"


def file_size(name):
    return (REPO / "build" / name).stat().st_size


def test_boot_modules():
    """GRUB passes the kernel and the boot image as modules; both are files under /boot, whole.
    vmm refuses what is not a Multiboot2 kernel before it needs any hardware."""
    with console(timeout=300) as c:
        c.expect(PROMPT, timeout=120)
        c.sendline("ls /boot")
        listing = c.expect(r"(?s)ls /boot\n(.*?)^sietch\$ ").group(1)
        for name in ("kernel.elf", "initrd.tar"):
            m = re.search(rf"^file\s+(\d+)\s+{re.escape(name)}$", listing, re.M)
            check(m, f"ls /boot lacks {name}: {listing!r}")
            check(int(m.group(1)) == file_size(name), f"/boot/{name} is {m.group(1)} bytes, build/{name} "
                  f"{file_size(name)}")
        c.sendline("vmm")
        c.expect_line(r"^usage: vmm \[--cpus N\]")
        c.expect(PROMPT)
        c.sendline("vmm /boot/initrd.tar")
        c.expect_line(r"^vmm: /boot/initrd.tar: no Multiboot2 header in the first 32 KiB$")
        c.expect_line(r"^\[exit 1\]$")
        c.expect(PROMPT)
        c.sendline("poweroff")
        c.wait(timeout=60)


def guest_session(guest_args, timeout):
    """Boots the host with SVM, runs vmm with guest_args at its prompt; the console log."""
    with console(cpus=2, mem="1G", cpu_model=SVM_CPU, timeout=timeout + 240) as c:
        c.expect(PROMPT, timeout=180)
        c.sendline(f"vmm --cpus 2 --mem 64M /boot/kernel.elf /boot/initrd.tar -- {guest_args}")
        m = c.expect(rf"(?m)^vmm: vm1 ended with status (\d+)$|{NO_VMS}", timeout=timeout)
        if m.group(0).startswith("vmm: vm_create"):
            skip("the kernel runs no virtual machines yet: " + m.group(0).strip())
        c.expect(PROMPT, timeout=30)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    check(not result.has(r"^sietch: (exception|panic)"), "host kernel exception" + result.explain())
    return int(m.group(1)), result


@slow
def test_guest_boots():
    """The guest prints its boot line inside the VM, with both vCPUs, and stops with a pass."""
    status, r = guest_session("test=boot", timeout=600)
    cpus = r.expect(r"^\[vm1\] sietch: boot ok: cpus=(\d+) mem=\d+MiB$", "guest boot line")
    check(r.has(r"^\[vm1\] acpi: 2 cpus, 1 ioapics, lapic 0xfee00000$"), "guest ACPI line" + r.explain())
    check(r.has(r"^\[vm1\] sietch: command line 'test=boot'$"), "guest command line" + r.explain())
    case("guest-smp", cpus.group(1) == "2", f"the guest brought up {cpus.group(1)} of 2 vCPUs")
    check(status == 0, f"vmm ended with status {status}" + r.explain())


@slow
def test_guest_usertests():
    """The guest's usertests inside the VM: each case line is a case here; vmm's status is theirs."""
    skip("the guest stops making progress in its usertests case `kill` (after `spawn` and `argv` pass); "
         "not diagnosed yet, and a run takes 25 minutes under nested TCG")
    status, r = guest_session("init=/bin/usertests", timeout=1500)
    found = GUEST_CASE.findall(r.log)
    if not found:
        fail("no usertests lines from the guest" + r.explain())
    for name, verdict, why in found:
        ok = None if verdict == "skip" else verdict == "pass"
        case("guest." + name, ok, why or ("skipped" if ok is None else "failed"))
    failed = sum(v == "fail" for _, v, _ in found)
    check(r.has(r"^\[vm1\] usertests: done: "), "no usertests summary from the guest" + r.explain())
    check(status == (1 if failed else 0), f"vmm ended with status {status} after {failed} failures" + r.explain())
