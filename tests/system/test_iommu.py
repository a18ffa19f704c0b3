"""DMA isolation with QEMU's Intel VT-d (tools/run --iommu, TCG): the kernel finds the unit in
the DMAR table and turns translation on; a VF owner's rings and buffers get I/O virtual
addresses in a domain of its own, and echod and vfping work through them; a VF owner that
points its descriptors at memory that is not its own (a kernel page, as a physical address)
has the DMA blocked, logged with the VF's requester ID, the address and the direction, and
counted on it; the kernel and the other VFs carry on. Without the IOMMU the boot log says
DMA is not isolated."""

import re
import socket

from harness import boot, case, check, console, power_off

from test_net import ECHO_PORT, echod_traffic, free_port

ATTACK_TARGET = 0x200000  # the kernel image's first page (KERNEL_LOAD_PHYS), as a physical address
BLOCKED = (r"iommu: blocked DMA (read|write) 0x([0-9a-f]+) by ([0-9a-f]{2}):([0-9a-f]{2})\.(\d): "
           r"(.+) \(reason 0x([0-9a-f]+)\), owner pid (\d+), (\d+) blocked")


STOPPED = r"igb: (vnic\d+) of pid (\d+) stopped: the IOMMU blocked its DMA; VF reset, its calls now fail \(EIO\)"


def attack(c, target, read=False):
    """vfping dma TARGET [read] on a free VF: a write at target (or a read at target + 4 KiB),
    blocked and blamed on the attacker's requester ID; the kernel then resets the VF (its pool off at
    the PF until the owner goes) and the grant answers EIO.
    Returns what was seen."""
    c.sendline(f"vfping dma {target:#x}" + (" read" if read else ""))
    attacker = c.expect_line(r"iommu: ([0-9a-f]{2}:[0-9a-f]{2}\.\d) in domain (\d+)", timeout=60).group(1)
    rings = c.expect_line(r"vfping: (vnic\d+) rings at bus 0x([0-9a-f]+) and 0x([0-9a-f]+), "
                          r"buffers at 0x([0-9a-f]+)$", timeout=60)
    m = c.expect_line(BLOCKED, timeout=30)
    rid = f"{m.group(3)}:{m.group(4)}.{m.group(5)}"
    check(rid == attacker, f"fault blamed on {rid}, not the attacker {attacker}")
    seen = (m.group(1), hex(int(m.group(2), 16)), int(m.group(7), 16))
    want = ("read", hex(target + 4096), 6) if read else ("write", hex(target), 5)
    check(seen == want, f"fault {seen}, expected {want}")
    stopped = c.expect_line(STOPPED, timeout=30)
    check(stopped.group(1) == rings.group(1), f"{stopped.group(0)!r}: not the attacker's {rings.group(1)}")
    counted = c.expect_line(r"vfping: DMA (to|from) 0x[0-9a-f]+ asked of vnic\d+; (\d+) blocked by the IOMMU$",
                            timeout=30)
    answer = c.expect_line(r"vfping: vnic\d+ afterwards: (.*)$", timeout=30)
    check("EIO" in answer.group(1), f"the stopped grant answered {answer.group(1)!r}")
    c.expect(r"sietch\$ ")
    return attacker, rings, seen, counted


def seen_or_wait(c, mark, pattern, timeout=60):
    """A line of a background job: already in the log since mark (printed inside another
    command's output), or waited for."""
    if not re.search(pattern, c.log[mark:], re.M):
        c.expect_line(pattern, timeout=timeout)


def start_victim(c, seconds=10):
    """vfping victim in the background on a VF of its own; its buffer's bus address."""
    c.sendline(f"vfping victim {seconds} &")
    m = c.expect_line(r"vfping: victim buffer at bus 0x([0-9a-f]+) \((vnic\d+)\)", timeout=60)
    return int(m.group(1), 16), m.group(2)


def test_dma_through_the_iommu():
    """One boot with the IOMMU: vfping and echod through IOVAs, then the attack, then the
    VFs and echod again."""
    tcp_port, udp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    flags = ["--iommu", "--fwd", f"tcp:{tcp_port}:{ECHO_PORT}", "--fwd", f"udp:{udp_port}:{ECHO_PORT}"]
    with console(timeout=600, run_args=flags) as c:
        c.expect(r"iommu: vt-d, 1 unit, (39|48)-bit domains, table updates flushed from caches, .*IOTLB invalidated by page", timeout=120)
        c.expect(r"sietch\$ ", timeout=120)

        # lspci: the kernel's devices untranslated, the free VFs blocked
        c.sendline("lspci")
        listing = c.expect(r"(?s)lspci\n(.*?)sietch\$ ", timeout=60).group(1)
        check(re.search(r"^01:00\.0 8086:10c9 .*\n(    .*\n)*    dma: the kernel's, untranslated$", listing, re.M)
              and len(re.findall(r"^      dma: blocked$", listing, re.M)) == 4
              and "lspci: device DMA remapped by the IOMMU" in listing, f"lspci: {listing!r}")
        case("lspci_shows_domains", True)

        # vfping on a VF: its rings are at IOVAs (from 4 GiB), not physical addresses
        c.sendline(f"vfping arp")
        attach = c.expect_line(r"iommu: ([0-9a-f]{2}:[0-9a-f]{2}\.\d) in domain (\d+)", timeout=60)
        c.expect_line(r"^vfping: 10\.0\.2\.2 is at 52:55:0a:00:02:02 ", timeout=60)
        c.expect(r"sietch\$ ")
        case("vf_through_iommu", True, note=f"{attach.group(1)} in domain {attach.group(2)}")

        # the attack on the kernel: the VF's descriptors point at a kernel page, write and read
        attacker, rings, seen, counted = attack(c, ATTACK_TARGET)
        check(int(rings.group(2), 16) >= 1 << 32, f"ring bus address is not an IOVA: {rings.group(0)}")
        check(int(counted.group(2)) >= 1, f"the owner's counter: {counted.group(0)}")
        read_attacker, _, read_seen, _ = attack(c, ATTACK_TARGET, read=True)
        case("attack_blocked_and_logged", True,
             note=f"{attacker}: {seen}; the owner counted {counted.group(2)}; {read_attacker}: {read_seen}")
        case("attacker_vf_reset", True, note=f"{rings.group(1)} reset after its first blocked DMA, grant EIO")

        # the attack on another VF's owner: its buffer's bus address means nothing in the attacker's domain
        victim, victim_vnic = start_victim(c)
        mark = len(c.log)
        attacker, _, seen, _ = attack(c, victim)
        c.sendline("lspci")
        listing = c.expect(r"(?s)lspci\n(.*?)sietch\$ ", timeout=60).group(1)
        check(re.search(r"^      dma: domain \d+, its owner's memory only$", listing, re.M),
              f"lspci does not show the victim's domain: {listing!r}")
        # the victim, in the background, may have finished while lspci printed
        check("victim buffer changed" not in c.log[mark:], "the victim's buffer changed")
        seen_or_wait(c, mark, r"vfping: victim buffer unchanged after \d+ s$")
        seen_or_wait(c, mark, rf"igb: {victim_vnic} returned by pid \d+, VF reset")
        case("other_owner_unchanged", True, note=f"victim buffer at {victim:#x}; {attacker}: {seen}")
        c.sendline("")
        c.expect(r"sietch\$ ")

        # teardown: the victim has gone, and its IOVA with it, even for the next owner of its VF
        attacker, rings, seen, _ = attack(c, victim, read=True)
        check(rings.group(1) == victim_vnic, f"the next owner got {rings.group(1)}, not {victim_vnic}")
        case("teardown_stale_iova_faults", True, note=f"{victim:#x} after its owner exited: {attacker}: {seen}")

        # the kernel and the VFs carry on: the attacker's VF for its next owner, echod with lwIP
        c.sendline("vfping arp")
        c.expect_line(r"^vfping: 10\.0\.2\.2 is at 52:55:0a:00:02:02 ", timeout=60)
        c.expect(r"sietch\$ ")
        c.sendline("vfping echo &")
        mac = c.expect_line(r"vfping: echo on ([0-9a-f:]{17}) \((vnic\d+)\)", timeout=60).group(1)
        c.sendline(f"vfping peer {mac} 500")
        m = c.expect_line(r"^vfping: sent (\d+) echoed (\d+) corrupt (\d+)$", timeout=120)
        check(m.groups() == ("500", "500", "0"), f"VF to VF through the IOMMU: {m.group(0)}")
        c.expect(r"sietch\$ ")
        c.sendline("kill %1")
        c.expect_line(r"\[1\] done\s+vfping", timeout=30)
        case("vf_to_vf_through_iommu", True, note=m.group(0))
        echod_traffic(c, tcp_port, udp_port, 200, 100, 11, "echod_through_iommu")
        c.sendline("ifconfig")
        m = c.expect_line(r"^  dma: (domain \d+, )?isolated by the IOMMU$", timeout=60)
        case("ifconfig_shows_isolation", True, note=m.group(0).strip())
        c.sendline("")
        c.expect(r"sietch\$ ")
        result = power_off(c)
    check(not result.has(r"iommu: invalidation failed"), "an invalidation failed" + result.explain())


def test_attack_without_iommu_succeeds():
    """The same attack on the default machine: the victim's buffer is overwritten. This is
    what the IOMMU test above proves it stops."""
    with console(timeout=300, run_args=["--net"]) as c:
        c.expect(r"iommu: no VT-d unit: DMA of devices that processes drive is NOT isolated", timeout=120)
        c.expect(r"sietch\$ ", timeout=120)
        c.sendline("lspci")
        c.expect_line(r"^lspci: no IOMMU: a device's owner can make it reach any memory$", timeout=60)
        c.expect(r"sietch\$ ")
        c.sendline("ifconfig")
        c.expect_line(r"^  dma: not isolated \(no IOMMU\)$", timeout=60)
        c.expect(r"sietch\$ ")
        victim, _ = start_victim(c)
        c.sendline(f"vfping dma {victim:#x}")
        m = c.expect_line(r"vfping: DMA to 0x[0-9a-f]+ asked of vnic\d+; (\d+) blocked", timeout=60)
        check(m.group(1) == "0", f"blocked without an IOMMU? {m.group(0)}")
        m = c.expect_line(r"vfping: vnic\d+ afterwards: (.*)$", timeout=30)
        check(m.group(1) == "still granted", f"stopped without an IOMMU? {m.group(0)}")
        changed = c.expect_line(r"vfping: victim buffer (changed at offset \d+|unchanged after \d+ s)$", timeout=60)
        check(changed.group(1).startswith("changed"), f"the attack did not reach the victim: {changed.group(0)}")
        c.sendline("")
        c.expect(r"sietch\$ ")
        power_off(c)


def test_without_iommu_says_so():
    """The default machine has no DMAR table: the boot log says, once, that DMA is not isolated."""
    result = boot(cmdline="test=boot", timeout=120)
    lines = result.grep(r"iommu: no VT-d unit: DMA of devices that processes drive is NOT isolated")
    check(len(lines) == 1, "no plain warning about DMA isolation" + result.explain())


def test_iommu_off():
    """iommu=off on the command line leaves an IOMMU that is there unused, and says so."""
    result = boot(cmdline="test=boot iommu=off", timeout=120, run_args=["--iommu"])
    check(result.has(r"iommu: off \(iommu=off\): DMA of devices that processes drive is NOT isolated"),
          "iommu=off not reported" + result.explain())


def test_storage_through_the_iommu():
    """NVMe with the IOMMU: a hardware-enforced area's queues and buffers at IOVAs in its
    owner's domain (the VF moves there once the kernel has created its queues), a
    kernel-checked area through the controller the kernel drives (pass-through), both
    written and verified, and a second owner of the same VF after the first."""
    from test_store import disks, nvme, run
    path = disks()
    with console(timeout=500, run_args=["--iommu", *nvme(path)]) as c:
        c.expect(r"sietch\$ ", timeout=120)
        check(c.log.count("online, enabled (its admin queue is the kernel's)") == 2,
              "the two VF controllers did not come up behind the IOMMU")
        out = run(c, "mkstore -n priv")
        check("hardware-enforced" in out, f"mkstore -n: {out!r}")
        run(c, "mkstore data 1M")
        out = run(c, "blktest write /store/priv 9", timeout=120)
        check("mode hardware-enforced" in out and "blktest: ok" in out, f"hardware area: {out!r}")
        attach = re.findall(r"iommu: ([0-9a-f]{2}:[0-9a-f]{2}\.\d) in domain (\d+)", out)
        check(attach, f"the VF was not put in a domain of its own: {out!r}")
        out = run(c, "blktest verify /store/priv 9", timeout=120)
        check("mode hardware-enforced" in out and "blktest: ok" in out, f"second owner: {out!r}")
        # the attack from a storage owner: its VF told to write into a kernel page, then (a new
        # grant, the first was stopped) to read from one
        got, stops, blocked, counts = set(), [], [], []
        for write in (False, True):
            out = run(c, f"blktest dma /store/priv {ATTACK_TARGET:#x}" + (" write" if write else ""), timeout=120)
            vf = re.search(r"iommu: ([0-9a-f]{2}:[0-9a-f]{2}\.\d) in domain", out)
            check(vf and "blktest: ok" in out, f"blktest dma: {out!r}")
            faults = re.findall(BLOCKED, out)
            blocked += faults
            got |= {(b[0], int(b[1], 16)) for b in faults if f"{b[2]}:{b[3]}.{b[4]}" == vf.group(1)}
            stop = re.search(r"nvme: (\S+) of pid \d+ stopped: the IOMMU blocked its DMA; controller disabled, "
                             r"its calls now fail \(EIO\)", out)
            answer = re.search(r"blktest: /store/priv afterwards: (.*)", out)
            check(stop and answer and "EIO" in answer.group(1), f"the VF was not stopped: {out!r}")
            stops.append(stop.group(1))
            counted = re.search(r"blktest: (\d+) DMA blocked by the IOMMU", out)
            check(counted and int(counted.group(1)) >= 1, f"the storage owner's counter: {out!r}")
            counts.append(counted.group(1))
        check(("write", ATTACK_TARGET) in got and ("read", ATTACK_TARGET + 4096) in got,
              f"the VF's DMA at the kernel page was not blocked and blamed on {vf.group(1)}: {got}")
        case("storage_attack_blocked", True, note=f"{vf.group(1)}: {sorted(got)}, counted {counts}")
        case("storage_attacker_stopped", True, note=f"{stops} disabled after their first blocked DMA, grant EIO")
        out = run(c, "blktest write /store/priv 5", timeout=120)
        check("mode hardware-enforced" in out and "blktest: ok" in out, f"the VF after the attack: {out!r}")
        out = run(c, "blktest write /store/data 7", timeout=120)
        check("mode kernel-checked" in out and "blktest: ok" in out, f"checked area: {out!r}")
        out = run(c, "blktest verify /store/data 7", timeout=120)
        check("blktest: ok" in out, f"checked area read back: {out!r}")
        case("nvme_vf_through_iommu", True, note=f"{attach[0][0]} in domain {attach[0][1]}")
        result = power_off(c)
    check(len(result.grep(r"iommu: blocked DMA")) == len(blocked),
          "a storage DMA other than the attack's was blocked" + result.explain())
