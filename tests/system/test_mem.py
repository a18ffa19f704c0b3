"""The kernel manages the RAM the firmware's memory map offers, no more."""

from harness import PASS, available_bytes, boot, check, expect_boot

MIB = 1 << 20


def managed(size):
    r = boot(cmdline="test=boot", mem=size)
    r.expect_status(PASS)
    _, mem = expect_boot(r)
    available = available_bytes(r) / MIB
    check(available > 0, f"no 'mem: map ... type=1' lines{r.explain()}")
    check(available - 4 <= mem <= available + 1,
          f"-m {size}: boot line says mem={mem}MiB but the map's type 1 entries add up to "
          f"{available:.1f} MiB (allowed: up to 4 MiB less){r.explain()}")


def test_size_128m():
    managed("128M")


def test_size_2g():
    managed("2G")
