"""The Sietch ISO under Bochs 2.7 (tools/bochs), the emulator with Intel VMX.

QEMU's TCG has AMD SVM only, so Bochs's `corei7_skylake_x` (VMX with EPT, VPID,
unrestricted guest) is where the VMX back end is tested, and `ryzen` (SVM with
nested paging) shows the same ISO boots there too. Bochs runs some hundred million
instructions a second on these machines: every run is bounded and short. Skipped
when bochs is not installed (tools/deps.sh installs it)."""

import shutil

from harness import PASS, REPO, Console, case, check, skip

BOCHS = REPO / "tools" / "bochs"
PROMPT = r"sietch\$ "
PANIC_LINE = r"sietch: (exception|panic):"


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


def test_vmx_guest_boots():
    """user/vmm boots the Sietch guest (1 vCPU) with VMX and EPT from its Multiboot2 entry to its boot line."""
    with bochs_console("corei7_skylake_x", timeout=240) as c:
        c.expect(PROMPT, timeout=180)
        c.sendline("vmm --cpus 1 --mem 64M /boot/kernel.elf /boot/initrd.tar -- test=boot")
        m = c.expect_line(r"^vmm: vm1 ended with status (\d+)$", timeout=60)
        c.expect(PROMPT, timeout=30)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    check(result.has(r"^\[vm1\] sietch: boot ok: cpus=1 mem=63MiB$"), "no guest boot line" + result.explain())
    check(result.has(r"^\[vm1\] sietch: command line 'test=boot'$"), "guest command line" + result.explain())
    check(m.group(1) == "0", f"vmm ended with status {m.group(1)}" + result.explain())
    check(not result.has(PANIC_LINE), "host kernel exception" + result.explain())


def guest_boots(cpu_model, vmm_args, cpus):
    """The host Sietch under Bochs runs `vmm VMM_ARGS` on the Sietch guest to its boot line, status 0."""
    with bochs_console(cpu_model, timeout=300) as c:
        c.expect(PROMPT, timeout=180)
        c.sendline(f"vmm {vmm_args} --mem 64M /boot/kernel.elf /boot/initrd.tar -- test=boot")
        m = c.expect_line(r"^vmm: vm1 ended with status (\d+)$", timeout=90)
        c.expect(PROMPT, timeout=30)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    check(result.has(rf"^\[vm1\] sietch: boot ok: cpus={cpus} mem=63MiB$"), "no guest boot line" + result.explain())
    check(m.group(1) == "0", f"vmm ended with status {m.group(1)}" + result.explain())
    check(not result.has(PANIC_LINE), "host kernel exception" + result.explain())
    return result


def test_svm_guest_boots():
    """ryzen (SVM with nested paging, an implementation apart from QEMU's): the same guest boot, 2 vCPUs."""
    guest_boots("ryzen", "--cpus 2", 2)


def test_vmx_shadow_guest_boots():
    """corei7_skylake_x with `vmm --shadow`: no EPT, so no unrestricted guest; the Multiboot2 entry
    runs on an identity shadow behind the CR0 read shadow, then the guest's own long mode, to its boot line."""
    result = guest_boots("corei7_skylake_x", "--shadow --cpus 1", 1)
    check(result.has(r"^sietch: vm1 vcpu 0: shadow: [1-9]\d* fills, .* [1-9]\d* cr3 loads, .* [1-9]\d* mode changes$"),
          "no shadow report" + result.explain())
