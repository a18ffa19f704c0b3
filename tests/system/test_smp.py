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


def test_cpus_65():
    """More CPUs than the kernel supports: said at boot, and the rest still boots."""
    r = boot(cmdline="test=boot", cpus=65, mem="1G", timeout=300)
    r.expect_status(PASS)
    r.expect(r"^acpi: 65 cpus, using 64$")
    got, _ = expect_boot(r)
    check(got == 64, f"-smp 65 but the boot line says cpus={got}{r.explain()}")
