"""Virtual machines on AMD SVM with nested paging, under TCG (`-cpu qemu64,+svm,+npt`).

/bin/vmtest is a tiny VMM: its real-mode guests exit by every kind the kernel hands back (port I/O,
MMIO, CPUID, MSR, HLT, VMMCALL, an interrupt window, a triple fault, garbage), two VMs run at once,
a VMM is killed mid-run and every frame must come back, bad arguments are refused and the fuzzer's
VM calls never hurt the kernel. Each `vmtest: NAME: pass|fail` line is a case of its own (vm.NAME).
Without SVM the calls must fail cleanly with ENODEV; with SVM but no nested paging, VMs are shadow-paged."""

import re

from harness import PASS, TEST_FAILURE, boot, case, check, console, fail

SVM_CPU = "qemu64,+svm,+npt"
CASE_LINE = re.compile(r"^vmtest: (?!done:)(\S+): (pass|fail)\b:? ?(.*)$")
DONE_LINE = r"^vmtest: done: (\d+) passed, (\d+) failed$"
PANIC_LINE = r"sietch: (exception|panic):"
# What the kernel says when a guest dies: the exit, RIP, CR0/CR3/CR4 and EFER.
REPORT_LINE = (r"^sietch: vm\d+ vcpu (\d+): shutdown \(triple fault\): exit 0x7f \(shutdown\) "
               r"rip=0x[0-9a-f]+ cr0=0x[0-9a-f]+ cr3=0x[0-9a-f]+ cr4=0x[0-9a-f]+ efer=0x[0-9a-f]+$")


def run_vmtest(cpu_model, prefix=""):
    r = boot(cmdline="init=/bin/vmtest", cpu_model=cpu_model, timeout=300)
    seen = {}
    for m in r.grep(CASE_LINE):
        name, ok = m.group(1), m.group(2) == "pass"
        check(name not in seen, f"case {name} reported twice{r.explain()}")
        seen[name] = ok
        case(prefix + name, ok, m.group(3) or "failed")
    done = r.first(DONE_LINE)
    if not done:
        fail(f"no 'vmtest: done' line after {len(seen)} cases{r.explain()}")
    passed, failed = int(done.group(1)), int(done.group(2))
    check((passed, failed) == (sum(seen.values()), len(seen) - sum(seen.values())),
          f"'{done.group(0)}' does not match the case lines{r.explain()}")
    check(not r.has(PANIC_LINE), f"kernel exception or panic{r.explain()}")
    r.expect_status(PASS if failed == 0 else TEST_FAILURE)
    return r, seen


def test_svm():
    r, seen = run_vmtest(SVM_CPU)
    check(r.has(r"^sietch: svm: revision \d+, nested paging, \d+ ASIDs"), f"no SVM line{r.explain()}")
    for name in ("io", "mmio", "cpuid", "msr", "hlt", "vmmcall", "inject", "window", "triple-fault", "garbage",
                 "two-vms", "kill-frees-frames", "badargs", "fuzz", "counters", "fpu", "long-mode", "return-on-intr", "inject-running",
                 "foreign-handles"):
        check(name in seen, f"vmtest reported no case {name}{r.explain()}")
    # The triple fault and the garbage guest each leave a report, and the host carries on.
    check(r.count(REPORT_LINE) == 2, f"expected two shutdown reports{r.explain()}")
    check(r.has(r"^sietch: init exited with status 0$"), f"vmtest did not exit cleanly{r.explain()}")


def test_no_svm():
    """qemu64 says SVM but has no nested paging: VMs run on shadow page tables (kernel/shadowpt), and
    every vmtest case passes as with nested paging."""
    r, seen = run_vmtest("qemu64", "qemu64.")
    check(r.has(r"^sietch: svm: revision \d+, no nested paging: shadow paging only"), f"no SVM line{r.explain()}")
    check("io" in seen and "long-mode" in seen and "kill-frees-frames" in seen, f"cases {seen}{r.explain()}")


def test_no_svm_bit():
    r, seen = run_vmtest("qemu64,-svm", "nosvmbit.")
    check(seen == {"no-svm": True}, f"cases {seen}{r.explain()}")
    check(r.has(r"^sietch: svm: not available: the CPU has no SVM"), f"no reason given{r.explain()}")


def test_stat_shows_vm():
    """The shell's `stat` shows the VM counters after a VMM ran: exits by reason, time in guests."""
    with console(cpu_model=SVM_CPU, timeout=300) as c:
        c.expect(r"sietch\$ ", timeout=120)
        c.sendline("vmtest")
        c.expect_line(r"^vmtest: done: \d+ passed, 0 failed$", timeout=180)
        c.expect(r"sietch\$ ", timeout=30)
        c.sendline("stat")
        c.expect_line(r"^vm: \d+ VMs, \d+ vCPUs, \d+ runs, \d+ entries, \d+ exits, 2 injected, \d+ us in guests")
        c.expect_line(r"^\s+exit io\s+\d+$")
        c.expect_line(r"^\s+exit mmio\s+4$")
        c.expect(r"sietch\$ ")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(PASS)
    check(not result.has(PANIC_LINE), "kernel exception" + result.explain())
