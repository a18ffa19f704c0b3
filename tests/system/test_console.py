"""The console and the shell under a careless or hostile user: long lines, floods, control
characters, job control (Ctrl-C, CMD &, jobs, kill %N), too many arguments, honest messages."""

import re
import time

from harness import check, console, power_off

PROMPT = r"sietch\$ "


def shell(**kw):
    c = console(timeout=300, **kw)
    c.expect(PROMPT, timeout=120)
    return c


def answers(c, word="still-here"):
    """The shell still runs what is typed, and only that."""
    c.sendline(f"echo {word}")
    c.expect_line(rf"^{word}$")
    c.expect(PROMPT)


def test_long_lines():
    """A line longer than a read is one line; a line longer than the limit is refused whole."""
    with shell() as c:
        # 520 characters: once read 512 bytes at a time, so the tail ran as a second command
        c.sendline("echo " + "x" * 506 + "poweroff")
        c.expect_line(r"^x{506}poweroff$")
        c.expect(PROMPT)
        c.sendline("echo " + "y" * 10000 + " poweroff")
        c.expect_line(r"^console: line longer than 1023 characters refused$")
        answers(c)
        result = power_off(c)
    check(not result.has(r"^y+"), "part of the refused line ran" + result.explain())
    check(not result.has(r"sh: y+"), "part of the refused line ran" + result.explain())


def test_enter_after_flood():
    """5000 characters without Enter, then Enter: the flood is refused, the next line is whole."""
    with shell() as c:
        c.send("z" * 5000)
        c.sendline()
        c.expect_line(r"^console: line longer than 1023 characters refused$")
        answers(c, "after-the-flood")
        result = power_off(c)
    check(not result.has(r"sh: z+"), "part of the flood ran as a command" + result.explain())


def test_ctrl_c():
    """Ctrl-C ends a program spinning in the foreground; the shell says so and answers again."""
    with shell() as c:
        c.sendline("usertests -c spin-forever")
        c.expect(r"spin-forever\n")
        c.send("\x03")
        c.expect_line(r"^\[interrupted\]$")
        c.expect(PROMPT)
        answers(c)
        # at the prompt, Ctrl-C drops the line being typed and prompts again
        c.send("echo never-run\x03")
        c.expect(PROMPT)
        answers(c)
        result = power_off(c)
    check(not result.has(r"^never-run$"), "the interrupted line ran" + result.explain())


def test_background_job():
    """CMD & runs in the background: jobs lists it, kill %1 ends it, its reads see end of file
    and its output reaches the console."""
    with shell() as c:
        c.sendline("usertests -c spin-forever &")
        c.expect_line(r"^\[1\] \d+$")
        c.expect(PROMPT)
        c.sendline("hello in-background &")
        c.expect_line(r"hello from hello: 2 arguments$")  # after the next prompt, maybe
        c.sendline("jobs")
        c.expect_line(r"^\[1\] running  pid \d+  usertests$")
        c.expect(PROMPT)
        c.sendline("kill %1")
        c.expect_line(r"^\[1\] done  usertests \(killed\)$")
        c.expect(PROMPT)
        c.sendline("jobs")
        c.expect(PROMPT)
        # a background reader reads end of file at once instead of taking the next line
        start = len(c.log)
        c.sendline("usertests -c block-console &")
        c.expect(PROMPT)
        c.sendline("echo for-the-shell")
        c.expect_line(r"^for-the-shell$")
        # The shell reports a finished job at its next prompt (perhaps the one right after the
        # launch) or when asked by jobs: ask until it is reported (a loaded machine is slow).
        done = r"^\[1\] done  usertests \(exit 2\)$"
        for _ in range(30):
            c.sendline("jobs")
            c.expect(PROMPT)
            if re.search(done, c.log[start:], re.M):
                break
            time.sleep(1)
        check(re.search(done, c.log[start:], re.M), "the background reader's end was not reported")
        c.sendline("kill %1")
        c.expect_line(r"kill: %1: no such job; 'jobs' lists them$")
        power_off(c)


def test_line_editing():
    """Ctrl-U erases the line; control characters and escape sequences are not text."""
    with shell() as c:
        c.send("echo wrong\x15")
        c.sendline("echo right")
        c.expect_line(r"^right$")
        c.expect(PROMPT)
        c.sendline("echo a\x01b\x1b[Ac\x1bOPd\x07e")
        c.expect_line(r"^abcde$")
        c.expect(PROMPT)
        result = power_off(c)
    check(not result.has(r"^wrong$"), "the erased line ran" + result.explain())


def test_ctrl_d():
    """Ctrl-D at an empty prompt ends the shell, each time it is typed; init starts another."""
    with shell() as c:
        c.send("\x04\x04")
        # each line starts with the prompt of the shell that ended
        c.expect_line(r"init: the shell exited with status 0; starting another$")
        c.expect_line(r"init: the shell exited with status 0; starting another$")
        c.expect(PROMPT)
        answers(c)
        power_off(c)


def test_arguments():
    """40 arguments arrive; more words than the shell and the kernel take is E2BIG, naming the limit."""
    words = " ".join(f"a{i}" for i in range(40))
    with shell() as c:
        c.sendline("echo " + words)
        c.expect_line(rf"^{words}$")
        c.expect(PROMPT)
        c.sendline("hello " + words)
        c.expect_line(r"^hello from hello: 41 arguments$")
        c.expect(PROMPT)
        c.sendline("hello " + " ".join(f"b{i}" for i in range(70)))
        c.expect_line(r"^sh: more than 64 words on the line: argument list too long: at most 64 arguments, "
                      r"2048 bytes \(E2BIG\)$")
        c.expect(PROMPT)
        answers(c)
        power_off(c)


def test_ps_lists_every_process():
    """ps lists every process, not the first 64: 70 sleeping children of a background job."""
    with shell() as c:
        c.sendline("usertests -c spawn-sleepers 70 20 &")
        c.expect_line(r"^\[1\] \d+$")
        c.expect(PROMPT)
        for _ in range(60):  # until all 70 have started
            c.sendline("ps")
            listing = c.expect(r"(?s)\n\s+PID\s+PARENT[^\n]*\n(.*?)" + PROMPT).group(1)
            sleepers = [l for l in listing.splitlines() if l.endswith(" usertests")]
            if len(sleepers) >= 71:
                break
        check(len(sleepers) == 71, f"ps listed {len(sleepers)} usertests processes, wanted 71")
        c.sendline("kill %1")  # the children sleep on, then end by themselves
        c.expect_line(r"^\[1\] done  usertests \(killed\)$")
        power_off(c)


def test_typing_during_usertests():
    """A line typed while usertests runs its kill case is read by the helper blocked on the console,
    which then blocks again: the case still passes."""
    with shell() as c:
        c.sendline("usertests kill")
        c.sendline("typed during the run")
        verdict = c.expect_line(r"^usertests: kill: (pass|fail.*)$", timeout=120).group(1)
        check(verdict == "pass", f"usertests: kill: {verdict}")
        c.expect_line(r"^usertests: done: 1 passed, 0 failed$")
        c.expect(PROMPT)
        answers(c)
        power_off(c)


def test_messages():
    """What the shell says is what happened."""
    with shell() as c:
        for typed, said in [
            ("cat /bin", r"^cat: /bin: is a directory; 'ls /bin' lists it$"),
            ("ls /bin/hello", r"^file\s+\d+\s+/bin/hello$"),
            ("kill 1", r"^kill: 1 is init, which keeps a shell on the console; it is not killed"),
            ("kill abc", r"^kill: abc: not a process ID or %job"),
            ("ls /bin/..", r"^ls: /bin/\.\.: '\.\.' is not supported"),
            ("usertests -c exit 42", r"^\[exit 42\]$"),
            ("usertests -c exit 300", r"^\[exit 44\]$"),
        ]:
            c.sendline(typed)
            c.expect_line(said)
            c.expect(PROMPT)
        c.sendline("ps")
        shell_pid = c.expect_line(r"^\s+(\d+)\s+1\s+1\s+\d+\s+\d+\s+running\s+sh$").group(1)
        c.expect(PROMPT)
        c.sendline(f"kill {shell_pid}")
        c.expect_line(rf"^kill: {shell_pid} is this shell; type exit to leave it$")
        c.expect(PROMPT)
        answers(c)
        power_off(c)
