"""A person at the serial console: the shell answers, runs programs, and powers the machine off."""

import re

from harness import PASS, check, console


def test_session():
    with console(timeout=300) as c:
        c.expect(r"sietch\$ ", timeout=120)
        c.sendline("echo hello from the console")
        c.expect_line(r"^hello from the console$")
        c.expect(r"sietch\$ ")
        c.sendline("ls /bin")
        listing = c.expect(r"(?s)ls /bin\n(.*?)^sietch\$ ").group(1)
        for program in ("init", "sh", "hello"):
            check(re.search(rf"^file\s+\d+\s+{program}$", listing, re.M), f"ls /bin lacks {program}: {listing!r}")
        c.sendline("ps")
        c.expect_line(r"^\s+PID\s+PARENT")
        c.expect_line(r"^\s+1\s+0\s+1\s+\d+\s+\d+\s+running\s+init$")
        c.expect_line(r"^\s+\d+\s+1\s+1\s+\d+\s+\d+\s+running\s+sh$")
        c.expect(r"sietch\$ ")
        c.sendline("hello one two")
        c.expect_line(r"^hello from hello: 3 arguments")
        c.expect(r"sietch\$ ")
        c.sendline("stat")
        c.expect_line(r"^system: \d+ system calls, \d+ interrupts \(\d+ ticks, \d+ IPIs, \d+ device\)")
        c.expect_line(r"^\s+proc_spawn\s+\d+$")
        c.expect_line(r"^cpu 1: \d+ interrupts \(\d+ ticks, \d+ IPIs, \d+ device\)$")
        c.expect(r"sietch\$ ")
        c.sendline("no-such-program")
        c.expect_line(r"^sh: no-such-program: no such name \(ENOENT\)$")
        c.expect_line(r"^\[exit 127\]$")
        c.expect(r"sietch\$ ")
        c.sendline("uptime")
        c.expect_line(r"^up \d+\.\d{3} s$")
        c.expect(r"sietch\$ ")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(PASS)
    check(result.has(r"^sietch: power off$"), "no power-off line" + result.explain())
    check(not result.has(r"sietch: (exception|panic)"), "kernel exception" + result.explain())


def test_fuzz_then_shell():
    """Tens of thousands of random system calls from a program at the prompt: the kernel stays up
    and the shell still answers."""
    with console(timeout=600) as c:
        c.expect(r"sietch\$ ", timeout=120)
        c.sendline("fuzz 50000 12345")
        c.expect_line(r"^fuzz: done: 50000 calls", timeout=480)
        c.expect(r"sietch\$ ", timeout=60)
        c.sendline("echo still here")
        c.expect_line(r"^still here$")
        c.expect(r"sietch\$ ")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(PASS)
    check(not result.has(r"sietch: (exception|panic)"), "kernel exception" + result.explain())
