"""The system-test harness: boot the ISO through tools/run and read the serial console.

A system test is a function named test_* in tests/system/test_*.py. It passes if it
returns, fails if it raises Fail or AssertionError (or anything else), and is skipped if
it calls skip(). tools/test names it <file>.<function> without the test_ prefixes:
test_boot.py:test_tcg is boot.tcg. A test may also report sub-cases with case(); each
counts as a test of its own.

    from harness import boot, check

    def test_tcg():
        r = boot(cmdline="test=boot")
        r.expect_status(0)
        check(r.count(r"sietch: boot ok:") == 1, "boot line not printed exactly once")

Every boot's serial log (escape sequences and carriage returns removed) is written to
build/test-logs/<test>.log; a second boot in the same test goes to <test>.2.log.
"""

import codecs
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "tools" / "run"
LOG_DIR = REPO / "build" / "test-logs"

# tools/run's exit status (see tools/run --help)
PASS, TEST_FAILURE, EXCEPTION, OTHER, TIMEOUT = 0, 1, 2, 3, 124
STATUS_NAMES = {PASS: "pass", TEST_FAILURE: "test failure", EXCEPTION: "exception or panic",
                OTHER: "QEMU error or guest reset", TIMEOUT: "timeout"}


class Skip(Exception):
    """Raised by skip(); the test is reported as SKIP with this reason."""


class Fail(Exception):
    """Raised by fail() and check(); the test is reported as FAIL with this reason."""


def skip(reason):
    raise Skip(reason)


def fail(reason):
    raise Fail(reason)


def check(condition, reason):
    if not condition:
        raise Fail(reason)


def slow(fn):
    """Mark a test that takes long, so tools/test starts it first."""
    fn.slow = True
    return fn


def show_path(path):
    """path relative to the repository when it is inside it."""
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return str(path)


def describe_status(status):
    return f"{status} ({STATUS_NAMES.get(status, 'killed or unexpected')})"


# --- the running test --------------------------------------------------------------

class _Context:
    def __init__(self, name):
        self.name = name
        self.boots = 0
        self.cases = []  # (name, ok, reason)

    def next_log_path(self):
        self.boots += 1
        suffix = "" if self.boots == 1 else f".{self.boots}"
        return LOG_DIR / f"{self.name}{suffix}.log"


_current = threading.local()


def _context():
    ctx = getattr(_current, "ctx", None)
    if ctx is None:  # used outside tools/test, e.g. from an interactive python3
        ctx = _current.ctx = _Context("adhoc")
    return ctx


def begin_test(name):
    """Called by tools/test in the thread that is about to run test `name`."""
    _current.ctx = _Context(name)
    for old in LOG_DIR.glob(f"{glob_escape(name)}.log"):
        old.unlink()
    for old in LOG_DIR.glob(f"{glob_escape(name)}.*.log"):
        old.unlink()
    return _current.ctx


def glob_escape(text):
    return re.sub(r"([*?[])", r"[\1]", text)


def current_test():
    return _context().name


def case(name, ok, reason="", note=""):
    """Report a sub-case, counted on its own as `<file>.<name>` (e.g. ktest.frame_alloc);
    ok None reports it skipped, with reason. reason says why it failed or was skipped;
    note, what a passing case measured (shown after PASS)."""
    prefix = _context().name.split(".")[0]
    ok = None if ok is None else bool(ok)
    _context().cases.append((f"{prefix}.{name}", ok, note if ok else reason))


# --- serial text -------------------------------------------------------------------

# CSI sequences (ESC [ ... final byte) and two-byte escapes such as ESC c.
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\r")
_PARTIAL_ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*)?$")


class _Text:
    """Serial bytes as they arrive, decoded and cleaned for matching."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""
        self.text = ""

    def feed(self, data):
        s = self.pending + self.decoder.decode(data)
        m = _PARTIAL_ESCAPE.search(s)  # keep an escape cut in half for the next chunk
        cut = m.start() if m else len(s)
        self.pending = s[cut:]
        self.text += _ESCAPE.sub("", s[:cut])

    def finish(self):
        self.text += _ESCAPE.sub("", self.pending + self.decoder.decode(b"", final=True))
        self.pending = ""


class Result:
    """One finished boot: the serial log and tools/run's exit status."""

    def __init__(self, log, status, stderr, elapsed, log_path, command):
        self.log = log            # serial output, without escape sequences and \r
        self.status = status      # tools/run's exit status: PASS, TEST_FAILURE, EXCEPTION, ...
        self.stderr = stderr      # tools/run's and QEMU's own messages
        self.elapsed = elapsed    # seconds
        self.log_path = log_path
        self.command = command    # the tools/run command line

    @property
    def lines(self):
        return self.log.splitlines()

    def grep(self, pattern):
        """re.search over each line; the list of matches."""
        rx = re.compile(pattern)
        return [m for m in map(rx.search, self.lines) if m]

    def first(self, pattern):
        found = self.grep(pattern)
        return found[0] if found else None

    def count(self, pattern):
        return len(self.grep(pattern))

    def has(self, pattern):
        return self.first(pattern) is not None

    def expect(self, pattern, what=None):
        """The first line matching pattern, or Fail naming what was missing."""
        m = self.first(pattern)
        if not m:
            raise Fail(f"no {what or repr(pattern)} in the log{self.explain()}")
        return m

    def expect_status(self, *statuses):
        if self.status not in statuses:
            wanted = " or ".join(describe_status(s) for s in statuses)
            raise Fail(f"status {describe_status(self.status)}, wanted {wanted}{self.explain()}")

    def explain(self):
        """A short pointer for a failure message: the log file and its last line."""
        last = next((l.strip() for l in reversed(self.lines) if l.strip()), "")
        where = show_path(self.log_path) if self.log_path else "the log"
        tail = f", last line {last[:120]!r}" if last else ", no serial output"
        msg = next((l for l in self.stderr.splitlines() if l.startswith("run: ")), "")
        return f" (see {where}{tail}{'; ' + msg if msg else ''})"


# --- running tools/run -------------------------------------------------------------

_live = set()  # running sessions, so tools/test can stop them all on Ctrl-C
_live_lock = threading.Lock()


def stop_all():
    with _live_lock:
        sessions = list(_live)
    for s in sessions:
        s.kill()


def kvm_usable():
    """(True, "") where /dev/kvm exists and opens, else (False, why)."""
    if not os.path.exists("/dev/kvm"):
        return False, "no /dev/kvm"
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC))
    except OSError as e:
        return False, f"/dev/kvm: {e.strerror}"
    return True, ""


def run_command(cmdline="", cpus=2, mem="512M", uefi=False, accel="tcg", timeout=120,
                extra=(), cpu_model=None, iso=None, run_args=()):
    cmd = [str(RUN), "--accel", accel, "--cpus", str(cpus), "--mem", mem, "--cmdline", cmdline, *run_args]
    if uefi:
        cmd.append("--uefi")
    if timeout:
        cmd += ["--timeout", str(timeout)]
    if cpu_model:
        cmd += ["--cpu-model", cpu_model]
    if iso:
        cmd += ["--iso", str(iso)]
    if extra:
        cmd += ["--", *extra]
    return cmd


class Console:
    """A running boot whose serial console a test drives: send text, expect a pattern.

    Use as a context manager, or call close(); either way QEMU is stopped and the log
    written. expect() searches everything received since the last match, including a
    line still being printed (a prompt); expect_line() only complete lines."""

    def __init__(self, command, timeout, interactive=True):
        ctx = _context()
        self.command = command
        self.timeout = timeout
        self.log_path = ctx.next_log_path()
        self.start = time.monotonic()
        self._text = _Text()
        self._stderr = bytearray()
        self._pos = 0
        self._cond = threading.Condition()
        self._eof = False
        self._result = None
        if not (REPO / "build" / "sietch.iso").exists() and "--iso" not in command:
            raise Fail("build/sietch.iso is missing; build it with make")
        self.proc = subprocess.Popen(
            command, cwd=REPO, start_new_session=True,  # its own process group: kill() gets QEMU too
            stdin=subprocess.PIPE if interactive else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with _live_lock:
            _live.add(self)
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self._readers:
            t.start()

    def _read_stdout(self):
        fd = self.proc.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            with self._cond:
                if data:
                    self._text.feed(data)
                else:
                    self._text.finish()
                    self._eof = True
                self._cond.notify_all()
            if not data:
                return

    def _read_stderr(self):
        for chunk in iter(lambda: self.proc.stderr.read1(65536), b""):
            self._stderr += chunk

    @property
    def log(self):
        """Everything received so far, cleaned."""
        with self._cond:
            return self._text.text

    @property
    def status(self):
        """tools/run's exit status, or None while it runs."""
        return self.proc.poll()

    def send(self, text):
        self.proc.stdin.write(text.encode() if isinstance(text, str) else text)
        self.proc.stdin.flush()

    def sendline(self, line="", eol="\r"):
        """Type a line; Enter on a serial terminal sends a carriage return."""
        self.send(line + eol)

    def expect(self, pattern, timeout=30):
        """Wait for pattern (re.MULTILINE) in the output after the previous match."""
        return self._expect(re.compile(pattern, re.M), timeout, whole_lines=False)

    def expect_line(self, pattern, timeout=30):
        """Like expect, but only a complete line (ended by a newline) can match."""
        return self._expect(re.compile(pattern, re.M), timeout, whole_lines=True)

    def _expect(self, rx, timeout, whole_lines):
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                text = self._text.text
                limit = text.rfind("\n") + 1 if whole_lines and not self._eof else len(text)
                m = rx.search(text, self._pos, limit)
                if m:
                    self._pos = m.end()
                    return m
                if self._eof:
                    break
                left = end - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        last = next((l for l in reversed(self._text.text.splitlines()) if l.strip()), "")
        if self._eof:
            self.proc.wait()
            why = f"tools/run ended with status {describe_status(self.proc.returncode)}"
        else:
            why = f"nothing matched within {timeout:g} s"
        raise Fail(f"waiting for {rx.pattern!r}: {why}; last line {last[:120]!r} "
                   f"(see {show_path(self.log_path)})")

    def wait(self, timeout=None):
        """Wait for tools/run to end by itself; the Result. Fail if it does not in time."""
        backstop = timeout if timeout is not None else (self.timeout or 3600) + 30
        try:
            self.proc.wait(backstop)
        except subprocess.TimeoutExpired:
            self.kill()
            self._finish()
            raise Fail(f"tools/run still running after {backstop:g} s; killed")
        return self._finish()

    def close(self):
        """Stop QEMU if it still runs; the Result."""
        self.kill()
        return self._finish()

    def kill(self):
        """Stop tools/run and QEMU: politely first, so tools/run removes its temp dir."""
        for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, None)):
            if self.proc.poll() is not None:
                return
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass

    def _finish(self):
        if self._result:
            return self._result
        for t in self._readers:
            t.join(10)
        with _live_lock:
            _live.discard(self)
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        log = self.log
        stderr = self._stderr.decode(errors="replace")
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path.write_text(log)
        self._result = Result(log, self.proc.returncode, stderr, time.monotonic() - self.start,
                              self.log_path, self.command)
        return self._result

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def boot(cmdline="", cpus=2, mem="512M", uefi=False, accel="tcg", timeout=120, extra=(),
         *, cpu_model=None, iso=None, run_args=()):
    """Boot once without input and wait for tools/run to end (or its timeout); the Result.
    run_args: more tools/run options (--nvme ...)."""
    cmd = run_command(cmdline, cpus, mem, uefi, accel, timeout, extra, cpu_model, iso, run_args)
    session = Console(cmd, timeout, interactive=False)
    try:
        return session.wait()
    finally:
        session.close()


def console(cmdline="", cpus=2, mem="512M", uefi=False, accel="tcg", timeout=600, extra=(),
            *, cpu_model=None, iso=None, run_args=()):
    """Boot and return a Console to drive over the serial line (use with `with`)."""
    cmd = run_command(cmdline, cpus, mem, uefi, accel, timeout, extra, cpu_model, iso, run_args)
    return Console(cmd, timeout, interactive=True)


def power_off(c, refused=r"sietch: (exception|panic)", what="kernel exception"):
    """Types poweroff at c's prompt; checks that the machine powered off (PASS) and that no
    line matches refused (an exception or panic, unless a test says more); the Result."""
    c.sendline("poweroff")
    result = c.wait(timeout=60)
    result.expect_status(PASS)
    check(not result.has(refused), what + result.explain())
    return result


def start_or_skip(c, command, ready, absent, timeout=90):
    """Types command at c's prompt and waits for its ready line, whose match it returns (the
    groups of ready alone); when the line says absent instead (no working VNIC in this build),
    powers off and skips."""
    c.expect(r"sietch\$ ", timeout=120)
    c.sendline(command)
    m = c.expect_line(f"{ready}|{absent}", timeout=timeout)
    started = re.match(ready, m.group(0))
    if not started:
        c.sendline("poweroff")
        skip(f"no working VNIC in this build: {m.group(0)}")
    return started


# --- what the kernel prints ----------------------------------------------------------

BOOT_LINE = r"sietch: boot ok: cpus=(\d+) mem=(\d+)MiB"
MEM_MAP_LINE = r"mem: map base=(0x[0-9a-fA-F]+) len=(0x[0-9a-fA-F]+) type=(\d+)"


def expect_boot(result):
    """The single boot line as (cpus, mem_mib); Fail if it is missing or repeated."""
    found = result.grep(BOOT_LINE)
    if not found:
        raise Fail(f"no 'sietch: boot ok' line{result.explain()}")
    check(len(found) == 1, f"'sietch: boot ok' printed {len(found)} times{result.explain()}")
    return int(found[0].group(1)), int(found[0].group(2))


def expect_exception(result, mnemonic=None, vector=None):
    """The one `sietch: exception:` line, checked to be followed by `backtrace:` and
    `sietch: halted`, and to name mnemonic (e.g. "#PF") and vector when given."""
    lines = result.lines
    at = [i for i, l in enumerate(lines) if "sietch: exception:" in l]
    if not at:
        raise Fail(f"no 'sietch: exception:' line{result.explain()}")
    check(len(at) == 1, f"{len(at)} exception reports (a fault in the handler?){result.explain()}")
    line, rest = lines[at[0]], lines[at[0]:]
    check(any("backtrace:" in l for l in rest), f"no 'backtrace:' after the exception{result.explain()}")
    check(any("sietch: halted" in l for l in rest),
          f"no 'sietch: halted' after the exception{result.explain()}")
    if mnemonic is not None:
        check(re.search(rf"\bvector[= ]{vector}\b", line) and re.search(rf"{mnemonic}\b", line),
              f"wanted {mnemonic} (vector {vector}), the report says {line.strip()!r}{result.explain()}")
    return line


def available_bytes(result):
    """Sum of the firmware memory map's type 1 (available) entries the kernel printed."""
    return sum(int(m.group(2), 16) for m in result.grep(MEM_MAP_LINE) if m.group(3) == "1")
