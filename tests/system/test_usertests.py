"""The in-OS tests: /bin/usertests as pid 1; each `usertests: NAME: pass|fail` line is a test case."""

import re

from harness import EXCEPTION, PASS, TEST_FAILURE, boot, case, check, describe_status, fail, slow

CASE_LINE = re.compile(r"usertests: (?!done:)(\S+): (pass|fail)\b:? ?(.*)$")
# What a case measured, printed before its verdict as `NAME: figures` (dedicated-core, time-page).
NOTE_LINE = re.compile(r"^([a-z0-9-]+): (?!pass\b|fail\b)(.+)$")
DONE_LINE = r"usertests: done: (\d+) passed, (\d+) failed"
PANIC_LINE = r"sietch: (exception|panic):"


@slow
def test_all():
    r = boot(cmdline="init=/bin/usertests", timeout=600)
    passed = failed = 0
    seen = set()
    notes = {}
    for m in r.grep(NOTE_LINE):
        notes.setdefault(m.group(1), m.group(2))
    for m in r.grep(CASE_LINE):
        name, ok = m.group(1), m.group(2) == "pass"
        check(name not in seen, f"case {name} reported twice{r.explain()}")
        seen.add(name)
        case(name, ok, m.group(3) or "failed", note=notes.get(name, ""))
        passed += ok
        failed += not ok
    done = r.first(DONE_LINE)
    if not done:
        panic = r.first(PANIC_LINE)
        if panic:
            why = f"the kernel stopped after {passed + failed} cases: {panic.string.strip()!r}"
        else:
            why = "an exception or panic" if r.status == EXCEPTION else describe_status(r.status)
        fail(f"no 'usertests: done' line: {why}{r.explain()}")
    said = int(done.group(1)), int(done.group(2))
    check(said == (passed, failed),
          f"'{done.group(0)}' but the log has {passed} pass and {failed} fail lines{r.explain()}")
    check(r.has(rf"^sietch: init exited with status {0 if failed == 0 else 1}$"),
          f"no 'init exited' line with the status the summary implies{r.explain()}")
    check(not r.has(PANIC_LINE), f"kernel exception or panic{r.explain()}")
    r.expect_status(PASS if failed == 0 else TEST_FAILURE)
