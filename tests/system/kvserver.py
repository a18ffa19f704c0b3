"""Host-side helpers for the kvstore tests and tools/bench: start a RESP server (the
kvstore host build or Debian's redis-server) on a free 127.0.0.1 port, talk RESP to it."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
KVSTORE = REPO / "build" / "host" / "kvstore"
KVBENCH = REPO / "build" / "host" / "kvbench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process on 127.0.0.1:port; stop() ends it (and only it)."""

    def __init__(self, argv, port, log):
        self.port = port
        self.log = log
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{argv[0]} did not start on port {port}")
                time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def connect(self):
        return Conn(self.port)


def redis_server_path():
    return shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)


def start_redis(log, *extra):
    port = free_port()
    argv = [redis_server_path(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--protected-mode", "no", "--databases", "1", "--dir", "/tmp",
            "--logfile", "", *extra]
    return Server(argv, port, log)


def start_kvstore(log, *extra, binary=KVSTORE):
    port = free_port()
    return Server([str(binary), "--port", str(port), *extra], port, log)


def command(*args):
    """One request in RESP multibulk form."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Incomplete(Exception):
    pass


def parse_reply(buf, pos=0):
    """(end, value) of the reply starting at pos; raises Incomplete."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        raise Incomplete
    kind, line = buf[pos:pos + 1], buf[pos + 1:nl]
    end = nl + 2
    if kind in (b"+", b"-"):
        return end, (kind, line)
    if kind == b":":
        return end, int(line)
    if kind == b"$":
        n = int(line)
        if n < 0:
            return end, None
        if len(buf) < end + n + 2:
            raise Incomplete
        return end + n + 2, buf[end:end + n]
    if kind == b"*":
        n = int(line)
        if n < 0:
            return end, None
        items = []
        for _ in range(n):
            end, v = parse_reply(buf, end)
            items.append(v)
        return end, items
    raise ValueError(f"not a RESP reply: {buf[pos:pos + 40]!r}")


class Conn:
    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_raw(self, count=1):
        """The exact bytes of the next count replies."""
        end = 0
        while True:
            try:
                end = 0
                for _ in range(count):
                    end, _ = parse_reply(self.buf, end)
                break
            except Incomplete:
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError(f"closed after {self.buf[:200]!r}")
                self.buf += data
        raw, self.buf = self.buf[:end], self.buf[end:]
        return raw

    def read_until_close(self, timeout=5):
        """Everything until the server closes (or timeout): (bytes, closed)."""
        self.sock.settimeout(timeout)
        out = self.buf
        self.buf = b""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return out, True
                out += data
        except (socket.timeout, TimeoutError):
            return out, False
        except ConnectionResetError:
            return out, True

    def call(self, *args):
        self.send(command(*args))
        return parse_reply(self.read_raw())[1]


def check_acknowledged(conn, acked, after):
    """Every SET acknowledged before a crash reads back with its value, and each writer's
    counter (count<n>, one INCR after each of its SETs) is at least its acknowledged SETs.
    acked: per writer n, the (key, value) pairs; after: what happened, for the messages."""
    from harness import check
    for n, pairs in enumerate(acked):
        for key, value in pairs:
            got = conn.call("GET", key)
            check(got == value.encode(), f"acknowledged {key} is {got!r} after {after}")
        counted = int(conn.call("GET", f"count{n}") or 0)
        check(counted >= len(pairs), f"count{n} is {counted}, {len(pairs)} INCRs were acknowledged")
