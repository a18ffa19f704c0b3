"""DMA isolation with QEMU's Intel VT-d (tools/run --iommu, TCG): the kernel finds the unit in
the DMAR table and turns translation on; a VF owner's rings and buffers get I/O virtual
addresses in a domain of its own, and echod and vfping work through them; a VF owner that
points its descriptors at memory that is not its own (a kernel page, as a physical address)
has the DMA blocked, logged with the VF's requester ID, the address and the direction, and
counted on it; the kernel and the other VFs carry on. Without the IOMMU the boot log says
DMA is not isolated."""

import random
import re
import socket

from harness import PASS, boot, case, check, console

from test_net import ECHO_PORT, READY, free_port, tcp_echo, udp_echo

ATTACK_TARGET = 0x200000  # the kernel image's first page (KERNEL_LOAD_PHYS), as a physical address
BLOCKED = (r"iommu: blocked DMA (read|write) 0x([0-9a-f]+) by ([0-9a-f]{2}):([0-9a-f]{2})\.(\d): "
           r"(.+) \(reason 0x([0-9a-f]+)\), owner pid (\d+), (\d+) blocked")


def finish(c):
    c.sendline("poweroff")
    result = c.wait(timeout=60)
    result.expect_status(PASS)
    check(not result.has(r"sietch: (exception|panic)"), "kernel exception" + result.explain())
    return result


def rid_of(domain_line):
    return domain_line.group(1)


def test_dma_through_the_iommu():
    """One boot with the IOMMU: vfping and echod through IOVAs, then the attack, then the
    VFs and echod again."""
    tcp_port, udp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    flags = ["--iommu", "--fwd", f"tcp:{tcp_port}:{ECHO_PORT}", "--fwd", f"udp:{udp_port}:{ECHO_PORT}"]
    with console(timeout=600, flags=flags) as c:
        c.expect(r"iommu: vt-d, 1 unit, (39|48)-bit domains, table updates flushed from caches", timeout=120)
        c.expect(r"sietch\$ ", timeout=120)

        # vfping on a VF: its rings are at IOVAs (from 4 GiB), not physical addresses
        c.sendline(f"vfping arp")
        attach = c.expect_line(r"iommu: ([0-9a-f]{2}:[0-9a-f]{2}\.\d) in domain (\d+)", timeout=60)
        c.expect_line(r"^vfping: 10\.0\.2\.2 is at 52:55:0a:00:02:02 ", timeout=60)
        c.expect(r"sietch\$ ")
        case("vf_through_iommu", True, note=f"{attach.group(1)} in domain {attach.group(2)}")

        # the attack: the VF's descriptors point at a kernel page, read and write
        c.sendline(f"vfping dma {ATTACK_TARGET:#x}")
        attacker = c.expect_line(r"iommu: ([0-9a-f]{2}:[0-9a-f]{2}\.\d) in domain (\d+)", timeout=60)
        rings = c.expect_line(r"^vfping: (vnic\d+) rings at bus 0x([0-9a-f]+) and 0x([0-9a-f]+), "
                              r"buffers at 0x([0-9a-f]+)$", timeout=60)
        check(int(rings.group(2), 16) >= 1 << 32, f"ring bus address is not an IOVA: {rings.group(0)}")
        seen = {}
        while len(seen) < 2:
            m = c.expect_line(BLOCKED, timeout=30)
            rid = f"{m.group(3)}:{m.group(4)}.{m.group(5)}"
            check(rid == attacker.group(1), f"fault blamed on {rid}, not the attacker {attacker.group(1)}")
            seen[m.group(1)] = (int(m.group(2), 16), int(m.group(7), 16), int(m.group(9)))
        check(seen["read"][0] == ATTACK_TARGET and seen["read"][1] == 6, f"read fault: {seen}")
        check(seen["write"][0] == ATTACK_TARGET + 4096 and seen["write"][1] == 5, f"write fault: {seen}")
        counted = c.expect_line(r"^vfping: DMA at 0x[0-9a-f]+ and 0x[0-9a-f]+ asked of vnic\d+; "
                                r"(\d+) blocked by the IOMMU$", timeout=30)
        check(int(counted.group(1)) >= 2, f"the owner's counter: {counted.group(0)}")
        c.expect(r"sietch\$ ")
        case("attack_blocked_and_logged", True,
             note=f"{attacker.group(1)}: {seen}; the owner counted {counted.group(1)}")

        # the kernel and the VFs carry on: the attacker's VF for its next owner, echod with lwIP
        c.sendline("vfping arp")
        c.expect_line(r"^vfping: 10\.0\.2\.2 is at 52:55:0a:00:02:02 ", timeout=60)
        c.expect(r"sietch\$ ")
        c.sendline(f"echod {ECHO_PORT} &")
        ready = c.expect_line(READY, timeout=90)
        moved = tcp_echo(tcp_port, 200, random.Random(11))
        lost = udp_echo(udp_port, 100, random.Random(12))
        case("echod_through_iommu", True, note=f"{ready.group(3)}: {moved} TCP bytes, {lost} UDP resends")
        c.sendline("")
        c.expect(r"sietch\$ ")
        result = finish(c)
    check(not result.has(r"iommu: invalidation failed"), "an invalidation failed" + result.explain())


def test_without_iommu_says_so():
    """The default machine has no DMAR table: the boot log says, once, that DMA is not isolated."""
    result = boot(cmdline="test=boot", timeout=120)
    lines = result.grep(r"iommu: no VT-d unit: DMA of devices that processes drive is NOT isolated")
    check(len(lines) == 1, "no plain warning about DMA isolation" + result.explain())


def test_iommu_off():
    """iommu=off on the command line leaves an IOMMU that is there unused, and says so."""
    result = boot(cmdline="test=boot iommu=off", timeout=120, flags=["--iommu"])
    check(result.has(r"iommu: off \(iommu=off\): DMA of devices that processes drive is NOT isolated"),
          "iommu=off not reported" + result.explain())
