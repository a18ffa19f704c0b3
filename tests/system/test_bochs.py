"""The Sietch ISO under Bochs 2.7 (tools/bochs), the emulator with Intel VMX.

QEMU's TCG has AMD SVM only, so Bochs's `corei7_skylake_x` (VMX with EPT, VPID,
unrestricted guest) is where the VMX back end is tested, and `ryzen` (SVM with
nested paging) shows the same ISO boots there too. Bochs runs some hundred million
instructions a second on these machines: every run is bounded and short. Skipped
when bochs is not installed (tools/deps.sh installs it)."""

import shutil

from harness import PASS, REPO, Console, check, skip

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
