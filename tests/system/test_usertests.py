"""The in-OS tests: /bin/usertests as pid 1; each `usertests: NAME: pass|fail|skip` line is a test
case. They run on a large machine and on small ones: cases that need memory scale to what there is,
or say why they skip."""

import re

from harness import EXCEPTION, PASS, TEST_FAILURE, boot, case, check, describe_status, fail, slow

CASE_LINE = re.compile(r"usertests: (?!done:)(\S+): (pass|fail|skip)\b:? ?(.*)$")
# What a case measured, printed before its verdict as `NAME: figures` (dedicated-core, time-page).
NOTE_LINE = re.compile(r"^([a-z0-9-]+): (?!pass\b|fail\b|skip\b)(.+)$")
DONE_LINE = r"usertests: done: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?"
PANIC_LINE = r"sietch: (exception|panic):"


def run_usertests(mem, prefix=""):
    """Boots with usertests as pid 1; each case line becomes a case named prefix + NAME."""
    r = boot(cmdline="init=/bin/usertests", mem=mem, timeout=600)
    passed = failed = skipped = 0
    seen = set()
    notes = {}
    for m in r.grep(NOTE_LINE):
        notes.setdefault(m.group(1), m.group(2))
    for m in r.grep(CASE_LINE):
        name, verdict = m.group(1), m.group(2)
        check(name not in seen, f"case {name} reported twice{r.explain()}")
        seen.add(name)
        ok = None if verdict == "skip" else verdict == "pass"
        case(prefix + name, ok, m.group(3) or ("skipped" if ok is None else "failed"), note=notes.get(name, ""))
        passed += ok is True
        failed += ok is False
        skipped += ok is None
    done = r.first(DONE_LINE)
    if not done:
        panic = r.first(PANIC_LINE)
        if panic:
            why = f"the kernel stopped after {passed + failed} cases: {panic.string.strip()!r}"
        else:
            why = "an exception or panic" if r.status == EXCEPTION else describe_status(r.status)
        fail(f"no 'usertests: done' line: {why}{r.explain()}")
    said = int(done.group(1)), int(done.group(2)), int(done.group(3) or 0)
    check(said == (passed, failed, skipped),
          f"'{done.group(0)}' but the log has {passed} pass, {failed} fail and {skipped} skip lines{r.explain()}")
    check(r.has(rf"^sietch: init exited with status {0 if failed == 0 else 1}$"),
          f"no 'init exited' line with the status the summary implies{r.explain()}")
    check(not r.has(PANIC_LINE), f"kernel exception or panic{r.explain()}")
    r.expect_status(PASS if failed == 0 else TEST_FAILURE)


@slow
def test_all():
    run_usertests("512M")


@slow
def test_small():
    """32 MiB: what a small machine has; every case passes or scales, none fails for lack of memory."""
    run_usertests("32M", "m32.")


@slow
def test_tiny():
    """12 MiB: cases that cannot fit say so and skip."""
    run_usertests("12M", "m12.")
