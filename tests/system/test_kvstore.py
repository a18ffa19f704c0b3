"""The kvstore engine, host build (build/host/kvstore, ASan/UBSan) on 127.0.0.1, side by
side with Debian's redis-server 7.0.15: the same requests to both, the replies compared
byte for byte (sorted where Redis's order is a hash order), then redis-benchmark's
default test list and kvbench against it. Host only: no QEMU."""

import json
import socket
import struct
import re
import shutil
import subprocess
import time

import harness
from harness import LOG_DIR, case, check, skip
from kvserver import (KVBENCH, KVSTORE, check_acknowledged, command, parse_reply, redis_server_path, start_kvstore,
                      start_redis)

C = command

# (request, how): "raw" compares the bytes, "sorted" the elements of an array reply
# as a set, "flat" each array's [cursor, keys] with the keys as a set.
GROUPS = {
    "strings": [
        C("SET", "k", "v"), C("GET", "k"), C("GET", "missing"), C("SET", "k", "v2", "NX"),
        C("SET", "k", "v3", "XX"), C("GET", "k"), C("SET", "new", "x", "XX"), C("SET", "k", "v", "NX", "XX"),
        C("SET", "k", "v", "EX"), C("SET", "k", "v", "EX", "abc"), C("SET", "k", "v", "EX", "0"),
        C("SET", "k", "v", "PX", "-5"), C("SET", "k", "v", "EX", "10", "PX", "100"), C("SET", "k", "v", "FOO"),
        C("SET", "k", "v", "EX", "100"), C("TTL", "k"), C("SET", "k", "v", "KEEPTTL"), C("TTL", "k"),
        C("SET", "k", "w", "GET"), C("SET", "k", "v", "EX", "9223372036854775807"),
        C("SET", "k"), C("GET"), C("GET", "a", "b"), C("SETNX", "k", "z"), C("SETNX", "nx", "z"),
        C("GETSET", "k", "g"), C("GETSET", "gs", "1"), C("GET", "k"), C("SETEX", "se", "100", "v"),
        C("SETEX", "se", "-1", "v"), C("PSETEX", "pse", "100000", "v"), C("TTL", "se"),
        C("MSET", "a", "1", "b", "2"), C("MSET", "a", "1", "b"), C("MGET", "a", "b", "nokey", "a"),
        C("MSETNX", "a", "1", "zz", "2"), C("MSETNX", "y1", "1", "y2", "2"),
        C("INCR", "counter"), C("INCR", "counter"), C("INCRBY", "counter", "10"), C("DECR", "counter"),
        C("DECRBY", "counter", "5"), C("INCRBY", "counter", "x"), C("INCR", "k"), C("INCRBY", "counter", "1.5"),
        C("SET", "big", "9223372036854775807"), C("INCR", "big"), C("SET", "small", "-9223372036854775808"),
        C("DECR", "small"), C("DECRBY", "counter", "-9223372036854775808"), C("SET", "sp", " 1"), C("INCR", "sp"),
        C("SET", "lz", "01"), C("INCR", "lz"), C("SET", "neg0", "-0"), C("INCR", "neg0"),
        C("APPEND", "ap", "hello"), C("APPEND", "ap", " world"), C("GET", "ap"), C("STRLEN", "ap"),
        C("STRLEN", "none"), C("SET", "bin", b"a\x00b\r\nc"), C("GET", "bin"), C("STRLEN", "bin"),
        C("set", "lower", "case"), C("GeT", "lower"), C("SET", "empty", ""), C("GET", "empty"),
    ],
    "keys": [
        C("MSET", "k1", "a", "k2", "b", "other", "c"), C("DEL", "k1", "k1", "nope"), C("EXISTS", "k2", "k2", "x"),
        C("EXISTS"), C("DEL"), C("EXPIRE", "k2", "100"), C("TTL", "k2"), C("EXPIRE", "k2", "100", "NX"),
        C("EXPIRE", "k2", "200", "XX"), C("EXPIRE", "k2", "50", "GT"), C("EXPIRE", "k2", "300", "LT"),
        C("EXPIRE", "k2", "10", "NX", "XX"), C("EXPIRE", "k2", "10", "GT", "LT"), C("EXPIRE", "k2", "10", "FOO"),
        C("EXPIRE", "k2", "abc"), C("EXPIRE", "missing", "10"), C("EXPIRE", "k2", "9223372036854775807"),
        C("PEXPIRE", "other", "100000"), C("PERSIST", "other"), C("PERSIST", "other"), C("TTL", "other"),
        C("TTL", "missing"), C("PTTL", "missing"), C("PTTL", "other"), C("EXPIRE", "other", "-1"),
        C("EXISTS", "other"), C("TYPE", "k2"), C("TYPE", "missing"), C("LPUSH", "l", "x"), C("TYPE", "l"),
        C("SADD", "s", "x"), C("TYPE", "s"), C("HSET", "h", "f", "v"), C("TYPE", "h"), C("ZADD", "z", "1", "m"),
        C("TYPE", "z"), C("DBSIZE"), (C("KEYS", "*"), "sorted"), (C("KEYS", "k?"), "sorted"),
        (C("KEYS", "[hl]"), "sorted"), (C("KEYS", "[^k]*"), "sorted"), C("KEYS", "nomatch*"),
        C("SCAN", "abc"), C("SCAN", "0", "COUNT", "0"), C("SCAN", "0", "COUNT", "x"), C("SCAN", "0", "FOO", "1"),
        (C("SCAN", "0", "COUNT", "1000"), "flat"), (C("SCAN", "0", "MATCH", "k*", "COUNT", "1000"), "flat"),
        (C("SCAN", "0", "TYPE", "list", "COUNT", "1000"), "flat"),
        C("SELECT", "0"), C("SELECT", "1"), C("SELECT", "x"), C("FLUSHALL", "FOO"), C("FLUSHALL"), C("DBSIZE"),
        C("FLUSHALL", "ASYNC"), C("UNLINK", "x"),
    ],
    "lists": [
        C("LPUSH", "l", "a", "b", "c"), C("RPUSH", "l", "d", "e"), C("LRANGE", "l", "0", "-1"),
        C("LRANGE", "l", "1", "2"), C("LRANGE", "l", "-100", "100"), C("LRANGE", "l", "5", "1"),
        C("LRANGE", "l", "x", "1"), C("LRANGE", "nol", "0", "-1"), C("LLEN", "l"), C("LPOP", "l"), C("RPOP", "l"),
        C("LPOP", "l", "2"), C("LPOP", "l", "0"), C("LPOP", "l", "-1"), C("LPOP", "l", "x"), C("LPOP", "l", "1", "2"),
        C("RPOP", "l", "10"), C("EXISTS", "l"), C("LPOP", "l"), C("LPOP", "l", "3"), C("SET", "str", "v"),
        C("LPUSH", "str", "x"), C("LRANGE", "str", "0", "1"), C("LPOP", "str"), C("LPUSH", "l"),
    ] + [C("RPUSH", "big", *[f"e{i}" for i in range(j * 50, j * 50 + 50)]) for j in range(12)] + [
        C("LRANGE", "big", "0", "99"), C("LRANGE", "big", "-3", "-1"), C("LPOP", "big", "7"),
    ],
    "sets_hashes": [
        C("SADD", "s", "a", "b", "a"), C("SADD", "s", "c"), C("SCARD", "s"), C("SISMEMBER", "s", "a"),
        C("SISMEMBER", "s", "x"), (C("SMEMBERS", "s"), "sorted"), C("SREM", "s", "a", "x"), C("SPOP", "nos"),
        C("SPOP", "nos", "2"), C("SPOP", "s", "-1"), C("SPOP", "s", "0"), C("SPOP", "s", "1", "2"),
        C("SADD", "one", "only"), C("SPOP", "one"), C("EXISTS", "one"), C("SADD", "one", "x"), C("SPOP", "one", "5"),
        C("SADD", "s"), C("SET", "str", "v"), C("SADD", "str", "x"), C("SMEMBERS", "nos"),
        C("HSET", "h", "f1", "v1", "f2", "v2"), C("HSET", "h", "f1", "new"), C("HSET", "h", "f1"),
        C("HGET", "h", "f1"), C("HGET", "h", "nof"), C("HGET", "noh", "f"), C("HLEN", "h"),
        (C("HGETALL", "h"), "sorted"), C("HGETALL", "noh"), C("HMSET", "h", "f3", "v3"), C("HDEL", "h", "f1", "zz"),
        C("HDEL", "h", "f2", "f3"), C("EXISTS", "h"), C("HSET", "str", "f", "v"), C("HGET", "str", "f"),
    ],
    "zsets": [
        C("ZADD", "z", "1", "a", "2", "b", "1.5", "c"), C("ZADD", "z", "1", "a"), C("ZADD", "z", "CH", "5", "a"),
        C("ZADD", "z", "NX", "9", "a", "9", "d"), C("ZADD", "z", "XX", "0", "a", "0", "e"), C("ZADD", "z", "INCR", "2", "a"),
        C("ZADD", "z", "NX", "INCR", "2", "a"), C("ZADD", "z", "INCR", "1", "a", "2", "b"), C("ZADD", "z", "NX", "XX", "1", "a"),
        C("ZADD", "z", "GT", "LT", "1", "a"), C("ZADD", "z", "GT", "1", "a"), C("ZADD", "z", "LT", "1", "a"),
        C("ZADD", "z", "x", "a"), C("ZADD", "z", "1"), C("ZADD", "z", "1", "a", "2"), C("ZADD", "z", "nan", "a"),
        C("ZADD", "z", "inf", "top"), C("ZADD", "z", "-inf", "bottom"), C("ZADD", "z", "0.1", "tenth"),
        C("ZADD", "z", "1e3", "k"), C("ZCARD", "z"), C("ZSCORE", "z", "c"), C("ZSCORE", "z", "nom"),
        C("ZRANGE", "z", "0", "-1"), C("ZRANGE", "z", "0", "-1", "WITHSCORES"), C("ZRANGE", "z", "1", "2", "FOO"),
        C("ZPOPMIN", "z"), C("ZPOPMIN", "z", "2"), C("ZPOPMIN", "z", "0"), C("ZPOPMIN", "z", "-1"),
        C("ZPOPMIN", "z", "1", "2"), C("ZPOPMIN", "noz"), C("ZPOPMIN", "z", "100"), C("EXISTS", "z"),
        C("ZADD", "t", "1", "b", "1", "a", "1", "ab"), C("ZRANGE", "t", "0", "-1"), C("SET", "str", "v"),
        C("ZADD", "str", "1", "a"), C("ZPOPMIN", "str"),
    ],
    "server": [
        C("PING"), C("PING", "hello"), C("PING", "a", "b"), C("ECHO", "hi"), C("ECHO"),
        C("CONFIG", "GET", "save"), C("CONFIG", "GET", "appendonly"), C("CONFIG", "GET", "maxmemory"),
        C("CONFIG", "GET", "nosuchparam"), C("CONFIG", "GET"), C("CONFIG"), C("CONFIG", "FOO"),
        C("CONFIG", "GET", "databases"), C("CLIENT", "GETNAME"), C("CLIENT", "SETNAME", "bench"),
        C("CLIENT", "GETNAME"), C("CLIENT", "SETNAME", "has space"), C("CLIENT", "SETNAME"),
        C("CLIENT", "NOSUCH"), C("CLIENT", "SETNAME", ""), C("CLIENT", "GETNAME"), C("NOSUCHCOMMAND"),
        C("NOSUCHCOMMAND", "arg1", "x" * 200), C("nosuch", "a\r\nb"), C("QUIT", "extra"),
    ],
    "inline": [
        b"PING\r\n", b"SET ik iv\r\n", b"GET ik\n", b"  ECHO   \"quoted \\x41\\n\"  \r\n",
        b"ECHO 'single \\' quote'\r\n", b"SET a\"b\" c\r\n", b"GET ab\r\n", b"\r\n",
        b"MGET ik ab\r\n", b"PING\r\n",
    ],
    "pipeline": [
        C("SET", "p", "1") + C("INCR", "p") + C("GET", "p") + b"PING\r\n" + C("DEL", "p"),
    ],
}

# Requests after which both servers answer and close; compared through the close.
PROTOCOL_ERRORS = {
    "mbulk_len": b"*abc\r\n",
    "mbulk_huge": b"*1048577\r\n" + C("PING"),
    "mbulk_intmax": b"*2147483648\r\n",
    "bulk_len": b"*1\r\n$-1\r\n",
    "bulk_huge": b"*1\r\n$536870913\r\n",
    "bulk_not_number": b"*1\r\n$x\r\n",
    "expected_dollar": b"*1\r\n:3\r\nGET\r\n",
    "unbalanced": b"ECHO \"abc\r\n",
    "unbalanced_single": b"ECHO 'abc\r\n",
    "quote_then_char": b"ECHO \"abc\"x\r\n",
    "after_pipeline": C("SET", "a", "1") + C("GET", "a") + b"*x\r\n" + C("GET", "a"),
    "nul_in_inline": b"ECHO a\x00b\r\n",  # Redis looks for the newline with strchr: it waits
    "quit": b"QUIT\r\nPING\r\n",
    "empty_multibulk": b"*0\r\n*-1\r\nPING\r\nQUIT\r\n",
    "big_inline": b"A" * (64 * 1024 + 10),
    "big_mbulk_count": b"*" + b"1" * (64 * 1024 + 10),
    "big_bulk_count": b"*1\r\n$" + b"1" * (64 * 1024 + 10),
}


def require_redis():
    if not redis_server_path():
        skip("redis-server is not installed (tools/deps.sh installs redis-server and redis-tools)")
    if not KVSTORE.exists():
        skip(f"{KVSTORE} is not built (make host)")


def log_file(name):
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return open(LOG_DIR / f"{harness.current_test()}.{name}.log", "wb")


class Pair:
    def __init__(self, *extra_redis, extra_kv=()):
        self.redis = start_redis(log_file("redis"), *extra_redis)
        try:
            self.kv = start_kvstore(log_file("kvstore"), *extra_kv)
        except Exception:
            self.redis.stop()
            raise

    def stop(self):
        self.redis.stop()
        status = self.kv.stop()
        # -15 is our own SIGTERM; anything else (an ASan abort, a crash) is a failure
        check(status in (-15, 0), f"the kvstore host build exited with {status} (see its log)")


def normalize(raw, how):
    if how == "raw":
        return raw
    _, value = parse_reply(raw)
    if how == "sorted" and isinstance(value, list):
        return sorted(value, key=repr)
    if how == "flat" and isinstance(value, list):
        return sorted(value[1], key=repr)
    return value


def count_replies(request):
    """How many replies a request (possibly pipelined, possibly inline) gets."""
    n, pos = 0, 0
    while pos < len(request):
        if request[pos:pos + 1] == b"*":
            end, value = parse_reply(request, pos)
            n += 1 if value else 0
            pos = end
        else:
            nl = request.index(b"\n", pos)
            n += 1 if request[pos:nl].strip(b" \r\t\x00") else 0
            pos = nl + 1
    return n


def compare_group(pair, name, requests):
    conns = (pair.redis.connect(), pair.kv.connect())
    try:
        for c in conns:
            c.send(command("FLUSHALL"))
            c.read_raw()
        for item in requests:
            request, how = item if isinstance(item, tuple) else (item, "raw")
            count = count_replies(request)
            if count == 0:
                for c in conns:
                    c.send(request)
                continue
            got = []
            for c, who in zip(conns, ("redis", "kvstore")):
                c.send(request)
                try:
                    got.append(c.read_raw(count))
                except OSError as e:
                    return f"{request[:80]!r}: no reply from {who}: {e}"
                
            want, have = normalize(got[0], how), normalize(got[1], how)
            if want != have:
                return f"{request[:80]!r}: redis {want!r:.300}, kvstore {have!r:.300}"
        return ""
    finally:
        for c in conns:
            c.close()


def test_replies_match_redis():
    require_redis()
    pair = Pair()
    try:
        failures = []
        for name, requests in GROUPS.items():
            reason = compare_group(pair, name, requests)
            case(f"redis.{name}", not reason, reason)
            if reason:
                failures.append(name)
        check(not failures, f"replies differ from redis-server in {', '.join(failures)}")
    finally:
        pair.stop()


def test_protocol_errors_match_redis():
    require_redis()
    pair = Pair()
    try:
        failures = []
        for name, request in PROTOCOL_ERRORS.items():
            got = []
            for server in (pair.redis, pair.kv):
                c = server.connect()
                c.send(request)
                got.append(c.read_until_close(timeout=1.5))
                c.close()
            ok = got[0] == got[1]
            case(f"protocol.{name}", ok, f"redis {got[0]!r:.200}, kvstore {got[1]!r:.200}")
            if not ok:
                failures.append(name)
        check(not failures, f"protocol error handling differs from redis-server in {', '.join(failures)}")
    finally:
        pair.stop()


def test_info_fields():
    """INFO's values differ by nature; its section headers and the field names clients read must be Redis's."""
    require_redis()
    pair = Pair()
    try:
        infos = []
        for server in (pair.redis, pair.kv):
            c = server.connect()
            c.call("SET", "k", "v")
            c.call("GET", "k")
            infos.append(c.call("INFO").decode())
            c.close()
        fields = [dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line) for info in infos]
        for name in ("redis_version", "connected_clients", "used_memory", "total_commands_processed",
                     "keyspace_hits", "keyspace_misses", "db0", "maxmemory", "uptime_in_seconds"):
            check(name in fields[1], f"kvstore INFO has no {name}")
        unknown = sorted(set(fields[1]) - set(fields[0]))
        check(not unknown, f"kvstore INFO fields that redis-server 7.0 does not have: {unknown}")
        check(fields[1]["redis_version"] == fields[0]["redis_version"],
              f"redis_version {fields[1]['redis_version']} vs {fields[0]['redis_version']}")
        check(fields[1]["db0"].startswith("keys=1,expires=0"), f"db0 is {fields[1]['db0']}")
        heads = [re.findall(r"^# (\w+)", info, re.M) for info in infos]
        check(set(heads[1]) <= set(heads[0]), f"sections {heads[1]} not all in {heads[0]}")
    finally:
        pair.stop()


def test_oom_matches_redis():
    require_redis()
    pair = Pair("--maxmemory", "1", extra_kv=("--maxmemory", "1"))
    try:
        reason = compare_group(pair, "oom", [C("SET", "k", "v"), C("GET", "k"), C("LPUSH", "l", "x"), C("DEL", "k"),
                                             C("PING")])
        check(not reason, reason)
    finally:
        pair.stop()


def test_active_expiry():
    """Keys with a TTL go away without being touched (the periodic expiry), and lazily when read."""
    require_redis()
    from kvserver import start_kvstore as start
    kv = start(log_file("kvstore"))
    try:
        c = kv.connect()
        for i in range(200):
            c.send(command("SET", f"t{i}", "v", "PX", "100"))
        c.read_raw(200)
        c.call("SET", "lazy", "v", "PX", "50")
        c.call("SET", "keep", "v")
        deadline = time.monotonic() + 5
        while c.call("DBSIZE") > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        check(c.call("DBSIZE") == 1, f"DBSIZE {c.call('DBSIZE')} after the TTLs passed")
        info = c.call("INFO", "stats").decode()
        check("expired_keys:201" in info, "expired_keys is not 201: " + info)
        c.close()
    finally:
        status = kv.stop()
        check(status in (-15, 0), f"kvstore exited with {status}")


def test_many_clients():
    """Fifty connections at once, interleaved, each with its own keys."""
    require_redis()
    kv = start_kvstore(log_file("kvstore"))
    try:
        conns = [kv.connect() for _ in range(50)]
        for i, c in enumerate(conns):
            c.send(command("SET", f"c{i}", str(i)) + command("INCR", f"c{i}"))
        for i, c in enumerate(conns):
            check(c.read_raw(2) == b"+OK\r\n:%d\r\n" % (i + 1), f"client {i}")
        c0 = conns[0]
        check(c0.call("INFO", "clients").decode().count("connected_clients:50") == 1, "connected_clients is not 50")
        for c in conns:
            c.close()
    finally:
        status = kv.stop()
        check(status in (-15, 0), f"kvstore exited with {status}")


def test_redis_benchmark_default_list():
    """redis-benchmark -q -c 1 -n 2000, its default tests, with no error reply."""
    require_redis()
    bench = shutil.which("redis-benchmark")
    if not bench:
        skip("redis-benchmark is not installed (redis-tools)")
    kv = start_kvstore(log_file("kvstore"))
    try:
        r = subprocess.run([bench, "-h", "127.0.0.1", "-p", str(kv.port), "-q", "-c", "1", "-n", "2000"],
                           capture_output=True, text=True, timeout=300)
        out = (r.stdout + r.stderr).replace("\r", "\n")
        with log_file("redis-benchmark") as f:
            f.write(out.encode())
        check(r.returncode == 0, f"redis-benchmark exited with {r.returncode}: {out[-300:]}")
        errors = [line for line in out.splitlines() if "rror" in line]
        check(not errors, f"an error reply: {errors[:1]}")
        done = {l.split(":")[0] for l in out.splitlines() if "requests per second" in l}
        for t in ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD",
                  "HSET", "SPOP", "ZADD", "ZPOPMIN", "LRANGE_100 (first 100 elements)",
                  "LRANGE_600 (first 600 elements)", "MSET (10 keys)"):
            check(t in done, f"redis-benchmark did not finish {t}: {sorted(done)}")
    finally:
        status = kv.stop()
        check(status in (-15, 0), f"kvstore exited with {status}")


def test_kvbench():
    """kvbench's FlexNIC workload against the host build: JSON out, every request answered."""
    require_redis()
    if not KVBENCH.exists():
        skip(f"{KVBENCH} is not built (make host)")
    kv = start_kvstore(log_file("kvstore"))
    try:
        r = subprocess.run([str(KVBENCH), "--port", str(kv.port), "--workload", "flexnic", "--keys", "2000",
                            "--connections", "4", "--requests", "4000", "--json"],
                           capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"kvbench exited with {r.returncode}: {r.stderr[-300:]}")
        result = json.loads(r.stdout)
        check(result["requests"] == 4000 and result["errors"] == 0, f"kvbench: {r.stdout[:300]}")
        check(result["latency_us"]["p50"] > 0, "no latency measured")
    finally:
        status = kv.stop()
        check(status in (-15, 0), f"kvstore exited with {status}")


def test_on_sietch_console():
    """kvstore --stdio on Sietch: the engine built with newlib answers inline commands typed
    at the console, the same bytes as on the host."""
    with harness.console(timeout=300) as c:
        c.expect(r"sietch\$ ", timeout=120)
        c.sendline("kvstore --stdio")
        c.sendline("SET greeting hello")
        c.expect_line(r"^\+OK$")
        c.sendline("GET greeting")
        c.expect_line(r"^\$5$")
        c.expect_line(r"^hello$")
        c.sendline("INCRBY n 41")
        c.expect_line(r"^:41$")
        c.sendline("LPUSH l a b")
        c.expect_line(r"^:2$")
        c.sendline("GET l")
        c.expect_line(r"^-WRONGTYPE Operation against a key holding the wrong kind of value$")
        c.sendline("QUIT")
        c.expect_line(r"^\+OK$")
        c.expect(r"sietch\$ ", timeout=30)
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(harness.PASS)
    check(not result.has(r"sietch: (exception|panic)|killed"), "kernel exception" + result.explain())


def sietch_kvstore(mode_args):
    """Boots Sietch with a forward to 6379, starts `kvstore ARGS &`, yields (console, port)."""
    if not (harness.REPO / "lib" / "os" / "net.h").exists():
        skip("no network stack in this tree (lib/os/net.h): kvstore serves only --stdio")
    from kvserver import free_port
    port = free_port()
    cmd = harness.run_command("", cpus=2, mem="512M", timeout=900) + ["--fwd", f"tcp:{port}:6379"]
    c = harness.Console(cmd, 900)
    c.expect(r"sietch\$ ", timeout=120)
    c.sendline(f"kvstore {mode_args} &")
    m = c.expect_line(r"kvstore: (ready on (\S+):6379 \((\S*), (\w+)\)|cannot start the network.*|no address.*)$",
                      timeout=120)
    if not m.group(2):
        c.sendline("poweroff")
        c.wait(timeout=60)
        skip(f"no working VNIC in this build: {m.group(0)}")
    return c, port


def check_over_the_network(port, mode):
    from kvserver import Server
    remote = Server.__new__(Server)  # only connect() is used: the server is the guest
    remote.port = port
    for _ in range(50):  # the forward is up before the guest has its address
        try:
            conn = remote.connect()
            check(conn.call("PING") == (b"+", b"PONG"), "no PONG")
            conn.close()
            break
        except OSError:
            time.sleep(0.2)
    # Several clients at once (connected one after another: user networking takes one
    # pending connection at a time), their requests interleaved.
    conns = [remote.connect() for _ in range(8)]
    for i, conn in enumerate(conns):
        conn.send(command("SET", f"c{i}", str(i)) + command("INCRBY", f"c{i}", "10"))
    for i, conn in enumerate(conns):
        check(conn.read_raw(2) == b"+OK\r\n:%d\r\n" % (i + 10), f"client {i} of 8")
    info = conns[0].call("INFO", "clients").decode()
    check("connected_clients:8\r\n" in info, f"INFO clients: {info!r}")
    for conn in conns:
        conn.close()
    case(f"{mode}.eight_clients", True)
    if redis_server_path():
        redis = start_redis(log_file("redis"))
        try:
            pair = type("P", (), {"redis": redis, "kv": remote})()
            for name in ("strings", "lists", "zsets"):
                reason = compare_group(pair, name, GROUPS[name])
                case(f"{mode}.redis.{name}", not reason, reason)
                check(not reason, reason)
        finally:
            redis.stop()
    bench = shutil.which("redis-benchmark")
    if bench:
        r = subprocess.run([bench, "-h", "127.0.0.1", "-p", str(port), "-q", "-c", "1", "-n", "200"],
                           capture_output=True, text=True, timeout=600)
        out = (r.stdout + r.stderr).replace("\r", "\n")
        errors = [line for line in out.splitlines() if "rror" in line]
        check(r.returncode == 0 and not errors, f"redis-benchmark against Sietch: {errors[:1] or out[-300:]}")
        rates = re.findall(r"^((?:SET|GET): [\d.]+ requests per second)", out, re.M)
        case(f"{mode}.redis_benchmark", True, note=", ".join(rates))


@harness.slow
def test_sietch_direct():
    """kvstore --mode direct on Sietch (its own VNIC, lwIP in the process), reached from the
    host through QEMU's user networking: replies as redis-server's, redis-benchmark's list."""
    c, port = sietch_kvstore("--mode direct")
    with c:
        check_over_the_network(port, "direct")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(harness.PASS)
    check(not result.has(r"sietch: (exception|panic)|killed"), "kernel exception" + result.explain())


@harness.slow
def test_sietch_server():
    """kvstore --mode server: the same through netd."""
    c, port = sietch_kvstore("--mode server")
    with c:
        check_over_the_network(port, "server")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(harness.PASS)
    check(not result.has(r"sietch: (exception|panic)|killed"), "kernel exception" + result.explain())


@harness.slow
def test_sietch_direct_zero_crossings():
    """kvstore --mode direct on a CPU of its own, polling: once warm, a window of 2,000
    requests (GET and SET on a few keys) costs it no system call, page fault or interrupt."""
    c, port = sietch_kvstore("--mode direct --cpu 1 --stats 2000")
    with c:
        from kvserver import Conn
        conn = None
        for _ in range(50):
            try:
                conn = Conn(port, timeout=30)
                break
            except OSError:
                time.sleep(0.2)
        check(conn is not None, "cannot connect to kvstore")
        window = re.compile(r"kvstore: window: (\d+) requests: syscalls (\d+) page_faults (\d+) "
                            r"interrupts (\d+) context_switches (\d+)")
        batch = b"".join(command("SET", f"k{i % 8}", "v" * 64) + command("GET", f"k{i % 8}") for i in range(50))
        windows = []
        deadline = time.monotonic() + 300
        # the first window includes the warm-up (heap growth, the first ARP): wait for three
        while len(windows) < 3 and time.monotonic() < deadline:
            conn.send(batch)
            conn.read_raw(100)
            windows = [tuple(int(g) for g in m.groups()) for m in window.finditer(c.log)]
        check(len(windows) >= 3, f"kvstore printed {len(windows)} --stats windows")
        conn.close()
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    last = windows[-1]
    case("direct.zero_crossings", last[1:4] == (0, 0, 0),
         f"the last window: {last[0]} requests, syscalls {last[1]}, page faults {last[2]}, interrupts {last[3]}",
         note=f"{last[0]} requests: syscalls {last[1]}, page faults {last[2]}, interrupts {last[3]}")
    check(last[1:4] == (0, 0, 0), f"crossings in direct mode: windows {windows}")
    result.expect_status(harness.PASS)


@harness.slow
def test_sietch_kvbench_vf_to_vf():
    """Sietch's kvbench (the host tool's load generator over lib/os/net.h) on vnic1 against
    kvstore on vnic0, in one boot: the requests go from one VF to the other through the igb's
    own switch. A small bounded FlexNIC run over 4 connections, pipelined: every request
    answered, no error reply, the histogram counts every request."""
    if not (harness.REPO / "lib" / "os" / "net.h").exists():
        skip("no network stack in this tree (lib/os/net.h)")
    requests = 600
    cmd = harness.run_command("", cpus=2, mem="512M", timeout=600, run_args=["--net"])
    with harness.Console(cmd, 600) as c:
        c.expect(r"sietch\$ ", timeout=120)
        c.sendline("kvstore &")
        m = c.expect_line(r"kvstore: (ready on (\S+):6379 \((\S*), (\w+)\)|cannot start the network.*|no address.*)$",
                          timeout=120)
        check(m.group(2) is not None, m.group(0))
        server, server_dev = m.group(2), m.group(3)
        c.sendline(f"kvbench --host {server} --workload flexnic --keys 300 --requests {requests} "
                   "--connections 4 --pipeline 4")
        me = c.expect_line(r"^kvbench: (\S+) \((\S+)\) -> (\S+):6379, 4 connection\(s\)$", timeout=120)
        check(me.group(2) != server_dev, f"kvbench and kvstore on the same VNIC: {me.group(0)}")
        m = c.expect_line(r"^flexnic: (\d+) requests in [\d.]+ s, (\d+) requests/s, (\d+) errors$", timeout=300)
        done, rate, errors = (int(m.group(i)) for i in (1, 2, 3))
        lat = c.expect_line(r"^latency us: p50 ([\d.]+) .*$")
        hist = c.expect_line(r"^histogram:((?: <=\d+us \d+)+)$")
        counted = sum(int(n) for n in re.findall(r"<=\d+us (\d+)", hist.group(1)))
        check(done == requests and errors == 0, m.group(0))
        check(counted == requests, f"the histogram counts {counted} of {requests}: {hist.group(0)}")
        c.expect(r"sietch\$ ", timeout=60)
        case("vf_to_vf.kvbench", True,
             note=f"{me.group(2)} -> {server_dev}: {rate} requests/s, p50 {lat.group(1)} us; {hist.group(0)}")
        c.sendline("poweroff")
        result = c.wait(timeout=60)
    result.expect_status(harness.PASS)
    check(not result.has(r"sietch: (exception|panic)|killed"), "kernel exception" + result.explain())


def used_memory(conn):
    info = conn.call("INFO", "memory").decode()
    return int(re.search(r"^used_memory:(\d+)", info, re.M).group(1))


def test_slow_and_vanishing_clients():
    """A client that asks for megabytes of replies and never reads them, then vanishes, and
    one that sends half a request and goes: the others are served all along, and the
    engine's memory returns to where it was."""
    if not KVSTORE.exists():
        skip(f"{KVSTORE} is not built (make host)")
    kv = start_kvstore(log_file("kvstore"))
    try:
        good = kv.connect()
        big = "x" * 1000
        for i in range(0, 2000, 100):
            good.send(command("RPUSH", "biglist", *([big] * 100)))
            good.read_raw()
        baseline = used_memory(good)
        hog = kv.connect()
        hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        hog.send(command("LRANGE", "biglist", "0", "-1") * 20)  # ~40 MB of replies, never read
        half = kv.connect()
        half.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nonly part of it")
        for _ in range(20):
            check(good.call("PING") == (b"+", b"PONG"), "a good client was not served")
        grown = used_memory(good)
        hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        hog.close()  # a reset, in the middle of the replies
        half.close()
        deadline = time.monotonic() + 10
        while used_memory(good) > baseline + 64 * 1024 and time.monotonic() < deadline:
            time.sleep(0.1)
        after = used_memory(good)
        check(after <= baseline + 64 * 1024, f"used_memory {baseline} before, {grown} with the hog, {after} after")
        check(good.call("GET", "k") is None, "half a request was run")
        case("vanishing_clients.memory", True, note=f"used_memory {baseline} before, {grown} with the hog, {after} after")
        good.close()
    finally:
        status = kv.stop()
        check(status in (-15, 0), f"kvstore exited with {status}")


def test_appendonly_survives_sigkill():
    """--appendonly (appendfsync always, group commit): SIGKILL at a random moment of a write
    load from several clients; after a restart every acknowledged SET is there, with its value."""
    if not KVSTORE.exists():
        skip(f"{KVSTORE} is not built (make host)")
    import random
    import signal
    import tempfile
    import threading
    rng = random.Random(13)
    with tempfile.TemporaryDirectory(prefix="kvstore-aof.") as tmp:
        path = f"{tmp}/appendonly.log"
        kv = start_kvstore(log_file("kvstore"), "--appendonly", path)
        acked = [[] for _ in range(4)]
        stop = threading.Event()

        def writer(n):
            try:
                conn = kv.connect()
                for i in range(1000000):
                    if stop.is_set():
                        return
                    key, value = f"w{n}:{i}", f"value-{n}-{i}-" + "x" * (i % 50)
                    conn.send(command("SET", key, value) + command("INCR", f"count{n}"))
                    if conn.read_raw(2).startswith(b"+OK"):
                        acked[n].append((key, value))
            except (OSError, ConnectionError):
                return
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.5, 1.5))
        kv.proc.send_signal(signal.SIGKILL)
        kv.proc.wait()
        stop.set()
        for t in threads:
            t.join(10)
        total = sum(len(a) for a in acked)
        check(total > 0, "no SET was acknowledged before the kill")
        kv = start_kvstore(log_file("kvstore-restarted"), "--appendonly", path)
        try:
            conn = kv.connect()
            check_acknowledged(conn, acked, "the restart")
            case("appendonly.acknowledged", True, note=f"{total} acknowledged SETs all there after SIGKILL")
            conn.close()
        finally:
            status = kv.stop()
            check(status in (-15, 0), f"kvstore exited with {status}")
