"""Deliberate faults after boot produce a full exception report, then a halt."""

import re

from harness import EXCEPTION, boot, check, expect_boot, expect_exception


def fault(kind, mnemonic, vector):
    r = boot(cmdline=f"fault={kind}")
    r.expect_status(EXCEPTION)
    expect_boot(r)  # the fault comes after boot, not instead of it
    return r, expect_exception(r, mnemonic, vector)


def test_pf():
    r, line = fault("pf", "#PF", 14)
    check(re.search(r"\bcr2=0x[0-9a-fA-F]+", line), f"no cr2= in {line.strip()!r}{r.explain()}")


def test_ud():
    fault("ud", "#UD", 6)


def test_de():
    fault("de", "#DE", 0)


def test_gp():
    fault("gp", "#GP", 13)
