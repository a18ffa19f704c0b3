"""The Sietch ISO under Bochs 2.7 (tools/bochs), the emulator with Intel VMX.

QEMU's TCG has AMD SVM only, so Bochs's `corei7_skylake_x` (VMX with EPT, VPID,
unrestricted guest) is where the VMX back end is tested, and `ryzen` (SVM with
nested paging) shows the same ISO boots there too. Bochs runs some hundred million
instructions a second on these machines: every run is bounded and short. Skipped
when bochs is not installed (tools/deps.sh installs it)."""

import re
import shutil

from harness import PASS, REPO, Console, case, check, skip

BOCHS = REPO / "tools" / "bochs"
PROMPT = r"sietch\$ "
PANIC_LINE = r"^sietch: (exception|panic):"  # the host's, not a guest's "[vm1] sietch: ..."


def bochs_console(cpu_model, timeout=240):
    if shutil.which("bochs") is None:
        skip("bochs is not installed (tools/deps.sh installs it)")
    return Console([str(BOCHS), "--cpu-model", cpu_model, "--timeout", str(timeout)], timeout)


def boot_to_shell(cpu_model):
    with bochs_console(cpu_model) as c:
        c.expect_line(r"^sietch: boot ok: cpus=1 mem=\d+MiB$", timeout=180)
        c.expect(PROMPT, timeout=60)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(PASS)
    check(not result.has(PANIC_LINE), "kernel exception" + result.explain())


def test_boot_vmx_cpu():
    """corei7_skylake_x: the shell prompt, then an ACPI power-off that ends Bochs."""
    boot_to_shell("corei7_skylake_x")


def test_boot_svm_cpu():
    boot_to_shell("ryzen")


CASE_LINE = r"^vmtest: (?!done:)(\S+): (pass|fail)\b:? ?(.*)$"
DONE_LINE = r"^vmtest: done: (\d+) passed, (\d+) failed$"
REPORT_LINE = (r"^sietch: vm\d+ vcpu \d+: shutdown \(triple fault\): exit 0x2 \(triple-fault\) "
               r"rip=0x[0-9a-f]+ cr0=0x10 cr3=0x0 cr4=0x[0-9a-f]+ efer=0x0$")


def test_vmx_vmtest():
    """/bin/vmtest's guests on the VMX back end: the same exit records as on SVM, case by case."""
    with bochs_console("corei7_skylake_x", timeout=300) as c:
        c.expect(PROMPT, timeout=180)
        c.sendline("vmtest")
        c.expect_line(r"^sietch: vmx: revision \d+, EPT, unrestricted guest, VPID$", timeout=30)
        c.expect_line(DONE_LINE, timeout=90)
        c.expect(PROMPT, timeout=30)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    seen = {}
    for m in result.grep(CASE_LINE):
        name, ok = m.group(1), m.group(2) == "pass"
        seen[name] = ok
        case("vmx." + name, ok, m.group(3) or "failed")
    for name in ("io", "mmio", "cpuid", "msr", "hlt", "vmmcall", "inject", "window", "triple-fault", "garbage",
                 "two-vms", "kill-frees-frames", "badargs", "fuzz", "counters", "fpu", "long-mode", "inject-running", "return-on-intr"):
        check(name in seen, f"vmtest reported no case {name}{result.explain()}")
    check(result.count(REPORT_LINE) == 2, f"expected two shutdown reports{result.explain()}")
    check(not result.has(PANIC_LINE), "kernel exception" + result.explain())


SHADOW_REPORT = r"^sietch: vm(\d+) vcpu 0: shadow: (\d+) fills, (\d+) guest faults, .* (\d+) cr3 loads, (\d+) invlpg, .*$"
GUEST_CASE = r"^\[vm1\] usertests: (?!done:)(\S+): (pass|fail|skip)\b:? ?(.*)$"
# The guest's usertests get this far in a VM (with nested paging or shadow tables, SVM or VMX): the
# next case (kill) waits for a guest timer that does not come, a VMM matter (README "Known problems").
LAST_CASE_REACHED = "argv"


def stat_exits(c):
    """At the prompt: the shell's `stat`, the VMs' exits so far by reason."""
    c.sendline("stat")
    stat = c.expect(r"(?s)\nvm: (.*?)^sietch\$ ", timeout=30).group(1)
    return {name: int(n) for name, n in re.findall(r"^  exit (\S+)\s+(\d+)$", stat, re.M)}


def usertests_as_far_as_they_go(c, vmm_args, prefix):
    """At the prompt: the guest's usertests under `vmm VMM_ARGS` up to LAST_CASE_REACHED, then Ctrl-C,
    which ends vmm; each guest case seen becomes a case PREFIX.NAME."""
    start = len(c.log)
    c.sendline(f"vmm {vmm_args} --mem 64M /boot/kernel.elf /boot/initrd.tar -- init=/bin/usertests")
    c.expect_line(rf"^\[vm1\] usertests: {LAST_CASE_REACHED}: \w+", timeout=120)
    c.send("\x03")
    c.expect(PROMPT, timeout=60)
    for g in re.finditer(GUEST_CASE, c.log[start:], re.M):
        ok = None if g.group(2) == "skip" else g.group(2) == "pass"
        case(f"{prefix}.{g.group(1)}", ok, g.group(3) or "failed")


def test_vmx_guest_boots():
    """user/vmm boots the Sietch guest (1 vCPU) with VMX and EPT from its Multiboot2 entry to its boot line,
    then runs the guest's usertests as far as they go in a VM."""
    with bochs_console("corei7_skylake_x", timeout=300) as c:
        c.expect(PROMPT, timeout=180)
        c.sendline("vmm --cpus 1 --mem 64M /boot/kernel.elf /boot/initrd.tar -- test=boot")
        m = c.expect_line(r"^vmm: vm1 ended with status (\d+)$", timeout=60)
        c.expect(PROMPT, timeout=30)
        exits = stat_exits(c)
        usertests_as_far_as_they_go(c, "--cpus 1", "vmx_ept.guest")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    print(f"exits (corei7_skylake_x, vmm --cpus 1): {exits}")
    for reason in ("shadow_fill", "guest_pf", "cr3", "invlpg"):
        case(f"vmx_ept.no-{reason}", exits.get(reason, 0) == 0, f"{reason} exits with EPT: {exits}")
    check(result.has(r"^\[vm1\] sietch: boot ok: cpus=1 mem=63MiB$"), "no guest boot line" + result.explain())
    check(result.has(r"^\[vm1\] sietch: command line 'test=boot'$"), "guest command line" + result.explain())
    check(m.group(1) == "0", f"vmm ended with status {m.group(1)}" + result.explain())
    check(not result.has(PANIC_LINE), "host kernel exception" + result.explain())


def guest_boots(c, vmm_args, cpus):
    """At the host's prompt, `vmm VMM_ARGS` boots the Sietch guest to its boot line and its power-off,
    status 0. (Every vmm calls its VM vm1; the host kernel numbers them on.)"""
    c.sendline(f"vmm {vmm_args} --mem 64M /boot/kernel.elf /boot/initrd.tar -- test=boot")
    c.expect_line(rf"^\[vm1\] sietch: boot ok: cpus={cpus} mem=63MiB$", timeout=90)
    m = c.expect_line(r"^vmm: vm1 ended with status (\d+)$", timeout=60)
    c.expect(PROMPT, timeout=30)
    check(m.group(1) == "0", f"vmm {vmm_args} ended with status {m.group(1)}")


def test_svm_guest_boots():
    """ryzen (SVM with nested paging, an implementation apart from QEMU's): the same guest boot with
    2 vCPUs, on nested paging and then on shadow tables."""
    with bochs_console("ryzen", timeout=300) as c:
        c.expect(PROMPT, timeout=180)
        guest_boots(c, "--cpus 2", 2)
        guest_boots(c, "--shadow --cpus 2", 2)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    check(not result.has(PANIC_LINE), "host kernel exception" + result.explain())


def test_vmx_shadow_guest_boots():
    """corei7_skylake_x with `vmm --shadow`: no EPT, so no unrestricted guest; the Multiboot2 entry runs
    on an identity shadow behind the CR0 read shadow, then the guest's own long mode, to its boot line.
    Then a guest whose kernel faults on purpose (the #PF reflected with its error code and CR2), and the
    guest's usertests as far as they run in a VM (their processes switch CR3 and unmap)."""
    with bochs_console("corei7_skylake_x", timeout=360) as c:
        c.expect(PROMPT, timeout=180)
        guest_boots(c, "--shadow --cpus 1", 1)
        exits = stat_exits(c)
        c.sendline("vmm --shadow --cpus 1 --mem 64M /boot/kernel.elf /boot/initrd.tar -- fault=pf")
        # kernel/test/faults.c writes to 0xdead000, never mapped: not present, a write, supervisor.
        fault = c.expect_line(r"^\[vm1\] sietch: exception: vector=14 \(#PF[^)]*\) error=0x(\w+) .* cr2=0x(\w+)$",
                              timeout=90)
        m = c.expect_line(r"^vmm: vm1 ended with status (\d+)$", timeout=60)
        c.expect(PROMPT, timeout=30)
        usertests_as_far_as_they_go(c, "--shadow --cpus 1", "vmx_shadow.guest")  # its vCPU reports as it goes
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    # The shell's stat counts the boot's exits by reason, shadow paging's own among them, as under SVM.
    print(f"exits (corei7_skylake_x, vmm --shadow --cpus 1): {exits}")
    for reason in ("shadow_fill", "cr3", "cr"):
        case(f"vmx_shadow.exits-{reason}", exits.get(reason, 0) > 0, f"no {reason} exits: {exits}")
    case("vmx_shadow.guest-fault", int(fault.group(1), 16) == 2 and int(fault.group(2), 16) == 0xdead000,
         f"the guest's #PF came with error 0x{fault.group(1)}, cr2 0x{fault.group(2)}")
    case("vmx_shadow.guest-fault-status", m.group(1) != "0", "vmm ended with status 0 after a guest exception")
    # Per VM (the host kernel's numbers): fills, guest faults, CR3 loads.
    reports = {int(r.group(1)): [int(r.group(i)) for i in (2, 3, 4)] for r in result.grep(SHADOW_REPORT)}
    check(reports.get(1, [0, 0, 0])[0] > 0 and reports[1][2] > 0,
          f"no shadow report with fills and CR3 loads for the boot: {reports}" + result.explain())
    check(reports.get(2, [0, 0, 0])[1] > 0, f"no guest fault counted: {reports}" + result.explain())
    check(reports.get(3, [0, 0, 0])[2] > 2, f"usertests switched no address spaces: {reports}" + result.explain())
    check(not result.has(PANIC_LINE), "host kernel exception" + result.explain())
