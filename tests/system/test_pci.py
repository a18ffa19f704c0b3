"""PCI: an igb behind root port rp0 and an NVMe controller with SR-IOV behind rp1. The kernel
enables VFs on both at boot (pci.sriov=), places their BARs in the root ports' windows, and
lspci at the shell lists each PF with its VFs under it; a kernel self-test reads a register
through every igb VF's BAR0."""

import re

from harness import PASS, REPO, boot, check, console, current_test

DISKS = REPO / "build" / "test-disks"
IGB_VFS = 4
NVME_VFS = 2
SRIOV_WORD = f"pci.sriov=8086:10c9:{IGB_VFS},1b36:0010:{NVME_VFS}"


def nvme_images():
    """Two small raw namespaces of this test's own (QEMU locks its images: tests run side by side),
    made afresh and sparse for each run."""
    DISKS.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in (1, 2):
        path = DISKS / f"{current_test()}-ns{n}.img"
        with open(path, "wb") as f:
            f.truncate(16 << 20)
        paths.append(path)
    return paths


def devices():
    """The igb needs no netdev (QEMU only warns that it has no peer), so no traffic can leave."""
    ns1, ns2 = nvme_images()
    return [
        "-device", "igb,bus=rp0",
        "-device", "nvme-subsys,id=subsys0,nqn=nqn.2026-01.org.sietch:pci",
        "-device", "nvme,id=nvme0,bus=rp1,serial=sietchpci,subsys=subsys0,max_ioqpairs=16,msix_qsize=17,"
                   "sriov_max_vfs=2,sriov_vq_flexible=8,sriov_vi_flexible=4",
        "-drive", f"file={ns1},if=none,id=nvm1,format=raw",
        "-drive", f"file={ns2},if=none,id=nvm2,format=raw",
        "-device", "nvme-ns,bus=nvme0,drive=nvm1,nsid=1,shared=off",
        "-device", "nvme-ns,bus=nvme0,drive=nvm2,nsid=2,shared=off,detached=on",
    ]


def block_of(listing, address):
    """The lines lspci printed for the function at address, up to the next function."""
    lines = listing.splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"^\s*{re.escape(address)} ", line):
            block = [line]
            for more in lines[i + 1:]:
                if re.match(r"^\s*[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] ", more):
                    break
                block.append(more)
            return "\n".join(block)
    return None


def assigned_bar(block, index, what):
    m = re.search(rf"^\s+BAR{index} mem(32|64)( pref)? (0x[0-9a-f]+|unassigned) \[(\w+)\]$", block, re.M)
    check(m, f"{what}: no BAR{index} line in {block!r}")
    check(m.group(3) != "unassigned", f"{what}: BAR{index} is unassigned")
    return int(m.group(3), 16)


def check_vfs(listing, pf, vf_addresses, vf_id, bars):
    pf_block = block_of(listing, pf)
    check(pf_block, f"lspci lists no {pf}:\n{listing}")
    check(re.search(rf"sr-iov: {len(vf_addresses)} of \d+ VFs", pf_block), f"{pf}: NumVFs not shown: {pf_block!r}")
    check(re.search(r"ecaps:.*SR-IOV@", pf_block), f"{pf}: no SR-IOV capability listed: {pf_block!r}")
    starts = {b: [] for b in bars}
    for n, address in enumerate(vf_addresses):
        block = block_of(listing, address)
        check(block, f"lspci lists no VF {address}:\n{listing}")
        check(re.match(rf"^  {re.escape(address)} {vf_id} class \w+ .* VF {n} of {re.escape(pf)} owner none "
                       r"decodes yes$", block.splitlines()[0]),
              f"VF line: {block.splitlines()[0]!r}")
        check(re.search(r"caps:.*MSI-X@", block), f"{address}: no MSI-X capability: {block!r}")
        for b in bars:
            starts[b].append(assigned_bar(block, b, address))
    # VF n's copy of each VF BAR follows VF n-1's, one VF BAR size apart (PCIe §9.3.3.14)
    for b, addrs in starts.items():
        steps = {later - earlier for earlier, later in zip(addrs, addrs[1:])}
        check(len(steps) <= 1 and all(s > 0 for s in steps), f"{pf} VF BAR{b} addresses {list(map(hex, addrs))}")
    # the VFs sit under their PF: after the PF, before the next function that is not a VF
    order = [m.group(1) for m in re.finditer(r"^\s*([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ", listing, re.M)]
    at = order.index(pf)
    check(order[at + 1:at + 1 + len(vf_addresses)] == vf_addresses, f"VFs not listed under {pf}: {order}")


def test_lspci_shows_vfs():
    igb_vfs = [f"01:10.{2 * n}" for n in range(IGB_VFS)]  # First VF Offset 0x80, VF Stride 2
    nvme_vfs = [f"02:00.{n + 1}" for n in range(NVME_VFS)]  # offset 1, stride 1
    with console(cmdline=SRIOV_WORD, extra=devices(), timeout=300) as c:
        c.expect(r"sietch\$ ", timeout=180)
        c.sendline("lspci")
        listing = c.expect(r"(?s)lspci\n(.*?)^sietch\$ ").group(1)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(PASS)
    check(not result.has(r"sietch: (exception|panic)"), "kernel exception" + result.explain())
    result.expect(rf"^pci: 01:00\.0: {IGB_VFS} of 8 VFs enabled \(offset 0x80, stride 2, device 10ca\)$")
    result.expect(rf"^pci: 02:00\.0: {NVME_VFS} of 2 VFs enabled")
    check(re.search(r"^00:02\.0 1b36:000c class 0604 PCI bridge buses 1-1$", listing, re.M),
          f"root port rp0 not listed:\n{listing}")
    window = re.search(r"^    windows: mem (0x[0-9a-f]+)-(0x[0-9a-f]+) pref", block_of(listing, "00:02.0"), re.M)
    check(window and int(window.group(2), 16) - int(window.group(1), 16) + 1 >= 8 << 20,
          f"rp0's memory window is not listed, or smaller than tools/run's reserve: {block_of(listing, '00:02.0')!r}")
    check(re.search(r"^01:00\.0 8086:10c9 class 0200 Ethernet$", listing, re.M), f"igb PF not listed:\n{listing}")
    check_vfs(listing, "01:00.0", igb_vfs, "8086:10ca", bars=(0, 3))
    check_vfs(listing, "02:00.0", nvme_vfs, "1b36:0010", bars=(0,))


def test_vf_registers():
    """Kernel self-tests: VFs on the igb (enabled by the test) and on the NVMe controller (enabled at
    boot) answer through their BARs, the igb's with STATUS; MSI-X entries of the VFs and MSI of the PF
    take an address/data pair; a BAR left unassigned (the PF's MSI-X BAR, cleared) gets an address."""
    tests = "pci_root_ports,pci_bar_assign_unassigned,pci_igb_vf_registers,pci_msi_program,pci_nvme_vf_registers"
    r = boot(cmdline=f"pci.sriov=1b36:0010:{NVME_VFS} test={tests}", extra=devices(), timeout=180)
    r.expect_status(PASS)
    for name in tests.split(","):
        r.expect(rf"^ktest: {name}: pass$")
    r.expect(r"^pci: 01:00\.0: BAR3 \(0x4000 bytes\) was left unassigned: placed at 0x[0-9a-f]+$")
    check(r.count(r"^pci-test: igb VF \d at 01:10\.\d: BAR0 0x[0-9a-f]+ STATUS 0x[0-9a-f]{8}$") == 2,
          "no STATUS line for each of the two igb VFs" + r.explain())
    check(r.count(r"^pci-test: NVMe VF \d at 02:00\.[12]: ") == NVME_VFS,
          "no register line for each NVMe VF" + r.explain())


def test_igb_function_reset():
    """Function Level Reset of the igb PF (before any VF is on): its registers return to their reset
    values, its BARs and Command register are written back."""
    r = boot(cmdline="test=pci_function_reset", extra=devices(), timeout=120)
    r.expect_status(PASS)
    r.expect(r"^ktest: pci_function_reset: pass$")
    r.expect(r"^pci-test: igb PF reset: registers back to their reset values")


def test_igb_vf_registers_uefi():
    """OVMF sizes the VF BARs itself and puts them in a 64-bit window above 4 GiB, where QEMU
    10.0.2 decodes VF BARs with their low 32 bits only: the kernel moves them below 4 GiB."""
    r = boot(cmdline="test=pci_igb_vf_registers", extra=devices(), uefi=True, timeout=240)
    r.expect_status(PASS)
    r.expect(r"^ktest: pci_igb_vf_registers: pass$")
    for m in r.grep(r"^pci: 01:10\.\d 8086:10ca .* bar0=(0x[0-9a-f]+)\+"):
        check(int(m.group(1), 16) < 1 << 32, f"a VF BAR0 above 4 GiB: {m.group(0)}")


def test_vfs_stay_off_without_a_window():
    """A PF on the root bus: the host bridge's windows are not known, so no VF BAR can be placed
    and the kernel says why instead of enabling VFs whose BARs decode nothing."""
    r = boot(cmdline="pci.sriov=8086:10c9:2 test=pci_root_ports", extra=["-device", "igb,bus=pcie.0,addr=5"],
             timeout=120)
    r.expect_status(PASS)
    r.expect(r"^pci: 00:05\.0: VF BAR0 needs 0x8000 bytes \(2 x 0x4000\) and the PF sits on a root bus, "
             r"whose windows are not known; VFs stay off$")
    check(not r.has(r"^pci: .* vf bar"), "a VF was added" + r.explain())
    check(not r.has(r"VFs enabled"), "VFs were enabled" + r.explain())
