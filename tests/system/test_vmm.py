"""The user-level VMM (user/vmm) and the boot modules under /boot: Sietch boots its own kernel.elf
and initrd.tar, the same bytes as in the ISO, in a virtual machine (AMD SVM with nested paging,
which QEMU's TCG emulates with --cpu-model qemu64,+svm,+npt)."""

import re

from harness import REPO, Fail, case, check, console, skip, slow

SVM_CPU = "qemu64,+svm,+npt"
PROMPT = r"sietch\$ "
# (the guest's prompt may come first on the line: its shell prints it while usertests starts)
GUEST_CASE = re.compile(r"^\[vm1\] (?:sietch\$ )?usertests: (?!done:)(\S+): (pass|fail|skip)\b:? ?(.*)$", re.M)
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


def vmm_session(cpu_model, vmm_args, guest_args, timeout, then=None):
    """Boots the host on cpu_model, runs `vmm VMM_ARGS ... -- GUEST_ARGS` at its prompt until the
    guest ends (skips when the kernel runs no VMs), then then(c) at the prompt if given;
    (vmm's exit status, the console Result, what then returned)."""
    with console(cpus=2, mem="1G", cpu_model=cpu_model, timeout=timeout + 240) as c:
        c.expect(PROMPT, timeout=180)
        c.sendline(f"vmm {vmm_args} --mem 64M /boot/kernel.elf /boot/initrd.tar -- {guest_args}")
        m = c.expect(rf"(?m)^vmm: vm1 ended with status (\d+)$|{NO_VMS}", timeout=timeout)
        if m.group(0).startswith("vmm: vm_create"):
            skip("the kernel runs no virtual machines yet: " + m.group(0).strip())
        c.expect(PROMPT, timeout=30)
        after = then(c) if then else None
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    check(not result.has(r"^sietch: (exception|panic)"), "host kernel exception" + result.explain())
    return int(m.group(1)), result, after


def guest_session(guest_args, timeout):
    """Boots the host with SVM, runs vmm with guest_args at its prompt; (status, console Result)."""
    status, result, _ = vmm_session(SVM_CPU, "--cpus 2", guest_args, timeout)
    return status, result


@slow
def test_guest_boots():
    """The guest prints its boot line inside the VM, with both vCPUs, and stops with a pass."""
    status, r = guest_session("test=boot", timeout=600)
    cpus = r.expect(r"^\[vm1\] sietch: boot ok: cpus=(\d+) mem=\d+MiB$", "guest boot line")
    check(r.has(r"^\[vm1\] acpi: 2 cpus, 1 ioapics, lapic 0xfee00000$"), "guest ACPI line" + r.explain())
    check(r.has(r"^\[vm1\] sietch: command line 'test=boot'$"), "guest command line" + r.explain())
    case("guest-smp", cpus.group(1) == "2", f"the guest brought up {cpus.group(1)} of 2 vCPUs")
    check(status == 0, f"vmm ended with status {status}" + r.explain())


# The guest's usertests that exercise what a VM changes: processes and kill across both vCPUs,
# faults the guest takes and reports itself, threads, IPIs and TLB shoot-downs between vCPUs, the
# guest's own x87/SSE state, its timers and sleep. Left out: the cases that exhaust memory,
# processes or threads, the fuzzer, and the dedicated-core ones; they test nothing a VM changes
# and take minutes more under TCG inside TCG (the whole list took 1-2 min with nested paging and
# 1-4 min with shadow paging, by the load). pci-list skips: the VM has no PCI functions.
GUEST_SUBSET = (
    "spawn", "argv", "kill", "kill-creating",
    "mem-kernel-read", "mem-text-write", "mem-isolation", "mem-map", "stack-overflow", "mem-unmap-threads",
    "privileged", "illegal", "divide", "badargs-proc", "badargs-vm",
    "threads", "fpu-threads", "notify", "ipc-threads", "exit-threads", "spawn-threads", "ipc-process", "shm",
    "pci-list", "time-page", "libc-time", "sleepers",
)
VM_ENDED = r"^vmm: vm1 ended with status (\d+)$"


def guest_usertests(vmm_args, cases=GUEST_SUBSET, timeout=600):
    """Runs `vmm vmm_args` with the guest's shell, types `usertests CASES` at the guest's prompt
    (what is typed while vmm is in the foreground goes to the guest's COM1), then `poweroff`.
    Each guest case line is a case here, also when the guest stops early; every case asked for
    must pass or skip."""
    stopped = None  # why the guest's run did not end with its summary line
    with console(cpus=2, mem="1G", cpu_model=SVM_CPU, timeout=timeout + 300) as c:
        c.expect(PROMPT, timeout=180)
        c.sendline(f"vmm {vmm_args} --mem 64M /boot/kernel.elf /boot/initrd.tar")
        m = c.expect_line(rf"^\[vm1\] Sietch shell\.|{VM_ENDED}|{NO_VMS}", timeout=240)
        if m.group(0).startswith("vmm: vm_create"):
            skip("the kernel runs no virtual machines yet: " + m.group(0).strip())
        check(m.group(0).startswith("[vm1]"), "the guest ended before its shell started")
        c.sendline("usertests " + " ".join(cases))
        try:
            m = c.expect_line(rf"^\[vm1\] usertests: done: .*$|{VM_ENDED}", timeout=timeout)
            if not m.group(0).startswith("[vm1]"):
                stopped = f"vmm ended with status {m.group(1)} before the guest's usertests were done"
        except Fail as e:
            stopped = str(e)
        if not stopped:
            c.sendline("poweroff")
            status = int(c.expect_line(VM_ENDED, timeout=60).group(1))
            c.expect(PROMPT, timeout=30)
            c.sendline("poweroff")
            c.wait(timeout=60)
        log = c.log
    found = GUEST_CASE.findall(log)
    for name, verdict, why in found:
        ok = None if verdict == "skip" else verdict == "pass"
        case("guest." + name, ok, why or ("skipped" if ok is None else "failed"))
    missing = [name for name in cases if name not in {n for n, _, _ in found}]
    check(not stopped, f"{stopped}; no line for {missing}")
    check(not missing, f"no line from the guest for {missing}")
    check(status == 0, f"vmm ended with status {status} after the guest's poweroff")
    check(not re.search(r"^sietch: (exception|panic)", log, re.M), "host kernel exception")


@slow
def test_guest_usertests():
    """The guest's usertests (GUEST_SUBSET) inside the VM with nested paging and two vCPUs."""
    guest_usertests("--npt --cpus 2")
