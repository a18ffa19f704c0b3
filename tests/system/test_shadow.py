"""Shadow paging (kernel/shadowpt): the Sietch guest boots in a VM whose page tables the host kernel
composes from the guest's own, with nested paging switched off (vmm --shadow) and on a CPU that has
none (qemu64,+svm: the kernel shadows by itself). The exits by reason are printed by `stat` after
each run, so a reader (and the bench) can compare them with nested paging's."""

import re

from harness import case, check, slow
from test_vmm import guest_usertests, vmm_session

EXIT_LINE = re.compile(r"^  exit (\S+)\s+(\d+)$", re.M)


def vm_stat(c):
    """The VM part of `stat` typed at c's prompt."""
    c.sendline("stat")
    return c.expect(r"(?s)\nvm: (.*?)^sietch\$ ", timeout=30).group(1)


def shadow_session(cpu_model, vmm_args, guest_args, timeout):
    """Boots the host with cpu_model, runs vmm, then `stat`; (status, console result, exits by reason)."""
    status, result, stat = vmm_session(cpu_model, vmm_args, guest_args, timeout, then=vm_stat)
    exits = {name: int(n) for name, n in EXIT_LINE.findall(stat)}
    print(f"exits ({cpu_model}, vmm {vmm_args}): {exits}")
    return status, result, exits


def check_shadow_boot(cpu_model, vmm_args, cpus):
    status, r, exits = shadow_session(cpu_model, vmm_args, "test=boot", timeout=420)
    line = r.expect(r"^\[vm1\] sietch: boot ok: cpus=(\d+) mem=\d+MiB$", "guest boot line in shadow mode")
    case("guest-cpus", line.group(1) == str(cpus), f"the guest brought up {line.group(1)} of {cpus} vCPUs")
    check(status == 0, f"vmm ended with status {status}" + r.explain())
    # Shadow paging's own exits happened, and nested paging's did not.
    for reason in ("shadow_fill", "cr3", "cr"):
        case(f"exits-{reason}", exits.get(reason, 0) > 0, f"no {reason} exits: {exits}")
    return exits


@slow
def test_shadow_flag_with_npt():
    """vmm --shadow on a CPU with nested paging: the guest boots on shadow tables, two vCPUs."""
    check_shadow_boot("qemu64,+svm,+npt", "--shadow --cpus 2", 2)


@slow
def test_shadow_without_npt():
    """A CPU with SVM but no nested paging: every VM is shadow-paged, without asking."""
    check_shadow_boot("qemu64,+svm", "--cpus 1", 1)




@slow
def test_nested_paging_has_no_shadow_exits():
    """The same boot with nested paging, for comparison: none of shadow paging's exits happen."""
    status, r, exits = shadow_session("qemu64,+svm,+npt", "--npt --cpus 2", "test=boot", timeout=420)
    r.expect(r"^\[vm1\] sietch: boot ok: cpus=2 mem=\d+MiB$", "guest boot line with nested paging")
    check(status == 0, f"vmm ended with status {status}" + r.explain())
    for reason in ("shadow_fill", "guest_pf", "cr3", "cr", "invlpg"):
        case(f"npt-no-{reason}", exits.get(reason, 0) == 0, f"{reason} exits with nested paging: {exits}")


@slow
def test_shadow_usertests():
    """The guest's usertests (test_vmm.GUEST_SUBSET) on shadow tables with two vCPUs."""
    guest_usertests("--shadow --cpus 2")
