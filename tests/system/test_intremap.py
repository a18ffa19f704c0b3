"""Interrupt remapping with QEMU's Intel VT-d (tools/run --iommu, which asks for intremap=on):
every MSI the kernel programs and every I/O APIC line name an entry of the kernel's remapping
table, so a device can only raise the vector the kernel gave it. The boot log says in one line
which interrupt mode runs, with and without the IOMMU."""

from harness import PASS, boot, case, check

MODE = r"interrupts: (xAPIC|x2APIC), (.*)$"
REFUSED = (r"iommu: blocked interrupt \(handle (\d+)\) from ([0-9a-f]{2}:[0-9a-f]{2}\.\d): "
           r"(.+) \(reason 0x([0-9a-f]+)\), no owner")

def mode_line(result):
    lines = result.grep(MODE)
    check(len(lines) == 1, f"{len(lines)} interrupt mode lines" + result.explain())
    return lines[0]

def test_forged_msi_refused():
    """The igb PF's MSI-X entry is rewritten with forged messages (a handle that is empty, one
    beyond the table, another requester's entry) and raised: each is refused and logged with
    the PF's requester ID and the reason, the genuine message still arrives."""
    result = boot(cmdline="test=intremap_forged_msi_refused", timeout=300, run_args=["--iommu", "--net"])
    result.expect_status(PASS)
    check(result.has(r"ktest: intremap_forged_msi_refused: pass"), "self-test did not pass" + result.explain())
    mode = mode_line(result)
    check(mode.group(2).startswith("remapped by VT-d") and "compatibility format blocked" in mode.group(2),
          f"mode line: {mode.group(0)!r}")
    refused = result.grep(REFUSED)
    seen = {(m.group(2), int(m.group(4), 16)) for m in refused}
    check(seen == {("01:00.0", 0x22), ("01:00.0", 0x21), ("01:00.0", 0x26)}, f"refused: {sorted(seen)}")
    case("forged_msi_refused_and_logged", True, note=", ".join(f"reason {r:#x}" for _, r in sorted(seen)))

def test_without_iommu_not_remapped():
    """The default machine: one line says interrupts are not remapped and what that means."""
    result = boot(cmdline="test=boot", timeout=120)
    result.expect_status(PASS)
    mode = mode_line(result)
    check(mode.group(2) == "not remapped (no IOMMU): a device a process drives can send any vector",
          f"mode line: {mode.group(0)!r}")

def test_intremap_off():
    """intremap=off keeps DMA remapping but leaves interrupts in compatibility format, and says so."""
    result = boot(cmdline="test=boot intremap=off", timeout=120, run_args=["--iommu"])
    result.expect_status(PASS)
    check(result.has(r"iommu: vt-d, 1 unit"), "DMA remapping is off too" + result.explain())
    mode = mode_line(result)
    check(mode.group(2).startswith("not remapped (intremap=off)"), f"mode line: {mode.group(0)!r}")
