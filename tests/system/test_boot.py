"""The kernel boots to its boot line under each way the machine can start it."""

from harness import PASS, boot, check, expect_boot, kvm_usable, skip, slow


def booted(result, cpus=2):
    result.expect_status(PASS)
    got, _ = expect_boot(result)
    check(got == cpus, f"boot line says cpus={got}, wanted {cpus}{result.explain()}")
    check(not result.has(r"sietch: (exception|panic):"), f"exception or panic{result.explain()}")


def test_tcg():
    booted(boot(cmdline="test=boot"))


@slow
def test_uefi():
    booted(boot(cmdline="test=boot", uefi=True, timeout=240))


@slow
def test_kvm():
    usable, why = kvm_usable()
    if not usable:
        skip(why)
    # Where the CPU lacks vmx/svm, /dev/kvm is a software nested mode: GRUB alone takes 16-18 s.
    booted(boot(cmdline="test=boot", accel="kvm", timeout=300))
