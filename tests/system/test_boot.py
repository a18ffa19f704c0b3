"""The kernel boots to its boot line under each way the machine can start it."""

from harness import PASS, TEST_FAILURE, boot, check, expect_boot, kvm_usable, skip, slow


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
    # Where the CPU lacks vmx/svm, /dev/kvm is a software nested mode: GRUB alone takes 16-18 s,
    # and it reads the kernel and the boot image at a crawl, so the time grows with every program
    # in the image (about 280 s at 1.7 MB, about 400 s at 2.5 MB).
    booted(boot(cmdline="test=boot", accel="kvm", timeout=900))


def test_without_serial_port():
    """A machine without COM1 (-serial none) boots, runs init and ends with its status: the
    exit status alone proves it; the log, written to port 0xe9 instead, says why."""
    r = boot(cmdline="init=/bin/hello", timeout=120, run_args=["--no-serial"])
    r.expect_status(PASS)
    r.expect(r"^console: no UART at COM1: the console has no input, its output goes to port 0xe9$")
    r.expect(r"^hello from hello: 1 argument$")
    r.expect(r"^sietch: init exited with status 0$")
    expect_boot(r)


def test_init_missing():
    """A missing init is said and ends the boot with a failure status, not an idle machine."""
    r = boot(cmdline="init=/bin/nonexistent", timeout=60)
    r.expect_status(TEST_FAILURE)
    r.expect(r"^sietch: cannot start /bin/nonexistent: no such file \(error 2\)$")


def test_init_directory():
    r = boot(cmdline="init=/bin", timeout=60)
    r.expect_status(TEST_FAILURE)
    r.expect(r"^sietch: cannot start /bin: a directory or a device, not a program \(error 21\)$")


def test_unknown_selftest():
    """test=nosuchtest is a failure, not `0 passed, 0 failed`."""
    r = boot(cmdline="test=nosuchtest", timeout=60)
    r.expect_status(TEST_FAILURE)
    r.expect(r"^ktest: nosuchtest: fail: no such test$")
    r.expect(r"^ktest: done: 0 passed, 1 failed$")


def test_cmdline_as_typed():
    """Quotes arrive as typed; a command line longer than the kernel keeps is reported."""
    r = boot(cmdline="test=boot note=\"a b\" it's", timeout=60)
    r.expect_status(PASS)
    r.expect(r"""^sietch: command line 'test=boot note="a b" it's'$""")
    r = boot(cmdline="test=boot " + "x" * 600, timeout=60)
    r.expect_status(PASS)
    r.expect(r"^sietch: command line is 610 bytes, longer than 511: the last 99 are ignored$")


def test_too_little_memory():
    """Too little memory for GRUB to load the kernel or the boot image: the boot says why and stops
    with the failure status instead of waiting at a GRUB prompt or idling."""
    r = boot(mem="5M", timeout=60)
    r.expect_status(TEST_FAILURE)
    r.expect(r"^sietch: GRUB could not load the kernel \(too little memory\?\); stopping$")
    # a little more: the kernel loads and the boot image may not (where depends on their sizes)
    r = boot(mem="5632K", timeout=60)
    r.expect_status(TEST_FAILURE)
    check(r.has(r"^sietch: GRUB could not load the kernel") or
          r.has(r"^sietch: the boot loader passed no boot image \(initrd.tar\); with too little memory GRUB "
                r"cannot load it$"), f"no reason given{r.explain()}")
