"""VNICs: the kernel's igb PF driver with QEMU's igb on user networking (tools/run --net). The PF
turns on 4 SR-IOV VFs; /dev/net/vnic0..3 hand each to one process at a time. /bin/vnictest runs
the checks from a process (one owner, vnic_map, the VF's registers through the mapping, dma_alloc,
vnic_bind_irq, bad arguments, the PF's mailbox answers, the VF back on close and on exit); at the
shell, lspci shows the owner of a VF held by a background job, and a killed owner's VF goes to
the next one. Nothing leaves the guest: user networking, no port forwarded."""

import re

from harness import PASS, boot, case, check, console

NET = ["-netdev", "user,id=net0", "-device", "igb,netdev=net0,bus=rp0"]  # what tools/run --net adds
PROMPT = r"sietch\$ "
CHECK_LINE = re.compile(r"^vnictest: (.+): (ok|FAIL)(.*)$")


def test_vnictest():
    r = boot(cmdline="init=/bin/vnictest", extra=NET, timeout=240)
    r.expect(r"^igb: 01:00\.0 PF up, MAC [0-9a-f:]{17}, 4 VFs, mailbox on MSI-X$")
    for m in r.grep(CHECK_LINE):
        case(re.sub(r"[^a-z0-9]+", "-", m.group(1).lower()).strip("-"), m.group(2) == "ok",
             m.group(3).strip() or "failed")
    r.expect(r"^vnictest: vnic0: vf 0 mac [0-9a-f:]{17} regs 0x[0-9a-f]+\+0x4000 msix 3 ")
    r.expect(r"^vnictest: pass$")
    r.expect(r"^igb: vnic1 returned by pid \d+, VF reset$")
    check(not r.has(r"sietch: (exception|panic)"), "kernel exception" + r.explain())
    r.expect_status(PASS)


def test_lspci_owner_and_kill():
    """A background vnictest holds vnic2: lspci names its pid; kill %1 returns the VF, and a new
    owner takes it."""
    with console(extra=NET, timeout=300) as c:
        c.expect(PROMPT, timeout=180)
        c.sendline("lspci")
        listing = c.expect(r"(?s)lspci\n(.*?)^sietch\$ ").group(1)
        check(re.search(r"sr-iov: 4 of 8 VFs", listing), f"the PF's 4 VFs are not listed:\n{listing}")
        for n in range(4):
            check(re.search(rf"^  01:10\.{2 * n} 8086:10ca .* VF {n} of 01:00\.0 owner none", listing, re.M),
                  f"VF {n} not listed as free:\n{listing}")
        c.sendline("vnictest hold 2 40 &")  # with a transmit limit of 40 Mb/s
        pid = c.expect(r"vnictest: holding vnic2 as pid (\d+)\r?\n", timeout=60).group(1)  # after the prompt, maybe
        c.sendline("lspci")
        listing = c.expect(r"(?s)lspci\n(.*?)^sietch\$ ").group(1)
        check(re.search(rf"^  01:10\.4 8086:10ca .* VF 2 of 01:00\.0 owner pid {pid} tx limit 40 Mb/s ", listing,
                        re.M), f"lspci does not name pid {pid} as vnic2's owner with its limit:\n{listing}")
        c.sendline("vnictest hold 3 1001")
        c.expect_line(r"^vnictest: cannot take vnic3: .*EINVAL")
        c.expect(PROMPT)
        c.sendline("vnictest hold 2")
        c.expect_line(r"^vnictest: cannot take vnic2: busy \(EBUSY\)$")
        c.expect(PROMPT)
        c.sendline("kill %1")
        c.expect_line(r"^\[1\] done  vnictest \(killed\)$", timeout=60)
        c.expect(PROMPT)
        c.sendline("vnictest hold 2 &")
        c.expect(r"vnictest: holding vnic2 as pid \d+\r?\n", timeout=60)
        c.sendline("kill %1")
        c.expect_line(r"^\[1\] done  vnictest \(killed\)$", timeout=60)
        c.expect(PROMPT)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect(rf"^igb: vnic2 returned by pid {pid}, VF reset$")
    check(not result.has(r"sietch: (exception|panic)"), "kernel exception" + result.explain())
    result.expect_status(PASS)


def test_eight_vfs_and_a_rate():
    """igb.vfs=8 (the PF keeps MSI-X cause 0 only) and igb.rate=100: vnic_map reports the rate the PF
    programmed (QEMU does not enforce it); igb.vfs=0 leaves no VNIC."""
    r = boot(cmdline="igb.vfs=8 igb.rate=100 init=/bin/vnictest", extra=NET, timeout=240)
    r.expect(r"^igb: 01:00\.0 PF up, MAC [0-9a-f:]{17}, 8 VFs, mailbox on MSI-X$")
    r.expect(r"^vnictest: vnic0: vf 0 .* rate 100 ")
    r.expect(r"^vnictest: pass$")
    r.expect_status(PASS)
    r = boot(cmdline="igb.vfs=0 init=/bin/vnictest", extra=NET, timeout=240)
    r.expect(r"^igb: 01:00\.0 PF up, MAC [0-9a-f:]{17}, 0 VFs, mailbox on MSI-X$")
    r.expect(r"^vnictest: open /dev/net/vnic0: FAIL \(got -2: no such name \(ENOENT\)\)$")
