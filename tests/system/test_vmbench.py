"""The virtual-machine benchmark's driver (tools/vmbench, tests/system/vmwork.py) at tiny sizes, so
`make bench` does not rot: user/vmbench runs natively with small counts and as a guest's init
under `vmm --mark`, and every phase's exits come out of vmm's mark lines. Speed is not judged."""

from harness import case, check, console, skip, slow
import vmwork

SVM_CPU = "qemu64,+svm,+npt"
TINY = {"cpu": 100000, "syscall": 100, "touch": 300, "spawn": 2, "console": 100}


@slow
def test_vm_driver():
    """Native phases with N small, then the guest's (each a second of the guest's clock): the
    marks parse into exits per phase and for the boot."""
    with console(cpus=2, mem="1G", cpu_model=SVM_CPU, timeout=900) as c:
        c.expect(vmwork.PROMPT, timeout=240)
        native, _ = vmwork.run_native(c, " ".join(f"{p}={n}" for p, n in TINY.items()), timeout=120)
        for p, n in TINY.items():
            case(f"native-{p}", native.get(p, {}).get("ops") == n, f"vmbench {p}={n} said {native.get(p)}")
        try:
            status, guest, _ = vmwork.run_guest(c, "--npt", timeout=480)
        except vmwork.NoVMs as e:
            skip(f"the kernel runs no virtual machines: {e}")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    check(status == 0, f"vmm ended with status {status}" + result.explain())
    check(not result.has(r"^sietch: (exception|panic)"), "host kernel exception" + result.explain())
    boot = guest["boot"]
    check(boot and boot["exits"].get("io", 0) > 0, f"no boot exits from the first mark: {boot}" + result.explain())
    for p in vmwork.PHASES:
        got = guest["phases"].get(p)
        case(f"guest-{p}", bool(got) and got["ops"] > 0 and got["ns"] > 0, f"phase {p}: {got}")
    phases = guest["phases"]
    # Facts of the design rather than speeds: a guest's COM1 is the VMM's, so every character
    # leaves the guest; SVM runs the guest's system calls without leaving it.
    if "console" in phases:
        per_char = phases["console"]["exits_per_op"].get("io", 0)
        case("console-exits", per_char >= 1, f"{per_char} io exits per console character")
    if "syscall" in phases:
        per_call = phases["syscall"]["exits_per_op"].get("total", 0)
        case("syscall-no-exit", per_call < 0.5, f"{per_call} exits per guest system call")
    check(guest["end"] is not None, "no end line from vmm --mark" + result.explain())
