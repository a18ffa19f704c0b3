"""Interrupt remapping with QEMU's Intel VT-d (tools/run --iommu, which asks for intremap=on):
every MSI the kernel programs and every I/O APIC line name an entry of the kernel's remapping
table, so a device can only raise the vector the kernel gave it. The boot log says in one line
which interrupt mode runs, with and without the IOMMU."""

import socket

from harness import PASS, boot, case, check, console, power_off

from test_net import ECHO_PORT, echod_traffic, free_port

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
    compat = result.expect(r"intremap-test: a compatibility-format message for vector 0x[0-9a-f]+ was (.*)$")
    case("forged_msi_refused_and_logged", True, note=", ".join(f"reason {r:#x}" for _, r in sorted(seen))
         + f"; compatibility format {compat.group(1)}")

def test_vf_interrupt_through_remapping():
    """vnictest as pid 1 with the IOMMU: the VF's MSI-X vectors bound by vnic_bind_irq get
    remapping entries for the VF's requester ID, and its mailbox interrupt reaches the
    notification; nothing is refused."""
    result = boot(cmdline="init=/bin/vnictest", timeout=240, run_args=["--iommu", "--net"])
    result.expect_status(PASS)
    check(mode_line(result).group(2).startswith("remapped by VT-d"), "not remapped" + result.explain())
    result.expect(r"^vnictest: the VF's mailbox interrupt reaches the bound notification: ok$")
    result.expect(r"^vnictest: pass$")
    check(not result.has(r"iommu: blocked interrupt"), "a genuine interrupt was refused" + result.explain())


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


def test_iommu_off_not_remapped():
    """iommu=off: neither DMA nor interrupts are remapped, and the mode line names the reason."""
    result = boot(cmdline="test=boot iommu=off", timeout=120, run_args=["--iommu"])
    result.expect_status(PASS)
    check(mode_line(result).group(2).startswith("not remapped (iommu=off)"), "mode line" + result.explain())


# IPIs: wake-ups, TLB shootdowns, thread exit; dedicated-core moves the I/O APIC lines off CPU 1
IPI_CASES = ["threads", "ipc-threads", "mem-unmap-threads", "exit-threads", "notify", "dedicated-core"]


def test_x2apic_with_remapping():
    """-cpu qemu64,+x2apic with the IOMMU in extended interrupt mode: the kernel runs its local
    APICs in x2APIC mode, starts the second CPU with INIT-SIPI-SIPI through the 64-bit ICR,
    remaps with 32-bit destinations; typing reaches the shell (COM1 through the I/O APIC), the
    usertests that send IPIs pass, and a VF answers ARP and carries echod."""
    tcp_port, udp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    flags = ["--iommu", "--fwd", f"tcp:{tcp_port}:{ECHO_PORT}", "--fwd", f"udp:{udp_port}:{ECHO_PORT}"]
    with console(cpus=2, cpu_model="qemu64,+x2apic", timeout=600, run_args=flags) as c:
        c.expect(r"interrupts: x2APIC, remapped by VT-d \(32-bit destinations, compatibility format blocked\)",
                 timeout=120)
        c.expect(r"sietch: boot ok: cpus=2 ", timeout=120)
        c.expect(r"sietch\$ ", timeout=120)
        case("x2apic_boot_two_cpus", True)
        c.sendline("usertests " + " ".join(IPI_CASES))
        m = c.expect_line(r"usertests: done: (\d+) passed, (\d+) failed", timeout=300)
        check(m.group(1) == str(len(IPI_CASES)) and m.group(2) == "0", f"usertests: {m.group(0)}")
        c.expect(r"sietch\$ ")
        case("x2apic_ipi_usertests", True, note=m.group(0))
        c.sendline("vfping arp")
        c.expect_line(r"^vfping: 10\.0\.2\.2 is at 52:55:0a:00:02:02 ", timeout=60)
        c.expect(r"sietch\$ ")
        echod_traffic(c, tcp_port, udp_port, 50, 50, 21, "x2apic_echod_over_vf")
        power_off(c, r"sietch: (exception|panic)|iommu: blocked interrupt|iommu: invalidation failed",
                  "exception, refused interrupt or failed invalidation")


def test_x2apic_selftests_without_iommu():
    """x2APIC without an IOMMU: the kernel's self-tests (IPIs to every CPU, TLB shootdowns, the
    timer, MSI and I/O APIC lines in compatibility format) pass on two CPUs."""
    result = boot(cmdline="test=all", cpus=2, cpu_model="qemu64,+x2apic", timeout=600)
    result.expect_status(PASS)
    mode = mode_line(result)
    check(mode.group(1) == "x2APIC" and mode.group(2).startswith("not remapped (no IOMMU)"),
          f"mode line: {mode.group(0)!r}")
    check(result.has(r"ktest: done: \d+ passed, 0 failed"), "self-tests failed" + result.explain())
