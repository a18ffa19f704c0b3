"""The in-kernel self-tests: each `ktest: NAME: pass|fail` line is a test case."""

import re

from harness import EXCEPTION, PASS, TEST_FAILURE, boot, case, check, describe_status, fail

KTEST_LINE = re.compile(r"ktest: (?!done:)(\S+): (pass|fail)\b:? ?(.*)$")
DONE_LINE = r"ktest: done: (\d+) passed, (\d+) failed"


def test_all():
    r = boot(cmdline="test=all", timeout=300)
    passed = failed = 0
    for m in r.grep(KTEST_LINE):
        ok = m.group(2) == "pass"
        case(m.group(1), ok, m.group(3) or "failed")
        passed += ok
        failed += not ok
    done = r.first(DONE_LINE)
    if not done:
        why = "an exception or panic" if r.status == EXCEPTION else describe_status(r.status)
        fail(f"no 'ktest: done' line: {why}{r.explain()}")
    said = int(done.group(1)), int(done.group(2))
    check(said == (passed, failed),
          f"'{done.group(0)}' but the log has {passed} pass and {failed} fail lines{r.explain()}")
    r.expect_status(PASS if failed == 0 else TEST_FAILURE)
