"""The kernel finds and starts every CPU QEMU gives it."""

from harness import PASS, boot, check, expect_boot


def cpus(n):
    r = boot(cmdline="test=boot", cpus=n)
    r.expect_status(PASS)
    got, _ = expect_boot(r)
    check(got == n, f"-smp {n} but the boot line says cpus={got}{r.explain()}")


def test_cpus_1():
    cpus(1)


def test_cpus_2():
    cpus(2)


def test_cpus_4():
    cpus(4)
