"""The virtual-machine benchmark's driver: user/vmbench's phases run on the host Sietch and in a
Sietch guest under user/vmm, and the exits each phase cost, read from `vmm --mark vmbench:`.

tools/vmbench runs it at full size for `make bench`; tests/system/test_vmbench.py runs it at tiny
sizes in `make test`, so the parsing here keeps up with what the programs print. Nothing here
judges speed.

A guest run is `vmm ... --mark vmbench: /boot/kernel.elf /boot/initrd.tar -- init=/bin/vmbench`:
the guest runs vmbench as pid 1 (so without arguments: every phase for a second by the guest's
clock) and powers off when it ends. vmm prints the VM's counters after every guest line that
starts with `vmbench:`, so each phase lies between the marks after its `begin` and its `end` line.
Those marks come after the line's characters have left the guest, so a phase's exits include
the printing of its own end line: the console phase's exits per character times that line's
length are taken off again.

Time is taken two ways. The wall clock (the host Sietch's, for a guest: vmm's marks) is what a
user would see, but on a shared machine it mostly measures the load of others; so each begin,
end and mark line is also stamped, as it arrives, with the CPU time the emulator's processes
(QEMU or Bochs, all threads) have used so far: `cpu_ns`, the cost of the work in emulated
instructions, whatever else the machine runs. It is as exact as the console's delivery (some
milliseconds) and Linux's clock ticks (10 ms).
"""

import os
import re

PHASES = ("cpu", "syscall", "touch", "spawn", "console")
PROMPT = r"sietch\$ "
GUEST_PREFIX = re.compile(r"^\[vm\d+\] ")
BEGIN = re.compile(r"^vmbench: begin (\w+)$")
END = re.compile(r"^vmbench: end (\w+) ops=(\d+) ns=(\d+) syscalls=(\d+) page_faults=(\d+) ticks=(\d+)$")
MARK = re.compile(r"^vmm: vm\d+ (mark|end) t=(\d+) guest_ns=(\d+) exit_ns=(\d+) exits=(\d+)((?: \w+=\d+)*)$")
VMM_END = r"^vmm: vm1 ended with status (\d+)$|^vmm: vm_create[^\n]*\((ENODEV|ENOSYS)\)$"
GUEST_CMD = "vmm {args} --cpus 1 --mem 64M --mark vmbench: /boot/kernel.elf /boot/initrd.tar -- init=/bin/vmbench"
# Exits the host's own interrupts cause (its timer tick, IPIs): not the guest's doing.
HOST_REASONS = ("host_intr", "host_nmi")


CLOCK_TICK_NS = 1e9 / os.sysconf("SC_CLK_TCK")


def process_tree(root):
    """root and every process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def cpu_ns(console):
    """The CPU time (user + system, every thread) the console's emulator and its launcher used so far."""
    total = 0
    for pid in process_tree(console.proc.pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
    return int(total * CLOCK_TICK_NS)


class NoVMs(Exception):
    """The host kernel runs no virtual machines (no SVM/VMX, or the calls are missing)."""


def end_fields(m):
    return {"ops": int(m.group(2)), "guest_clock_ns": int(m.group(3)), "syscalls": int(m.group(4)),
            "page_faults": int(m.group(5)), "ticks": int(m.group(6))}


def parse_native(text, stamps=None):
    """{phase: {ops, ns, ns_per_op, syscalls, page_faults, ticks}} from vmbench's own lines, and
    cpu_ns, cpu_ns_per_op where stamps ({(begin|end, phase): cpu_ns}) has the phase."""
    out = {}
    stamps = stamps or {}
    for line in text.splitlines():
        m = END.match(line.strip())
        if m:
            p = m.group(1)
            f = end_fields(m)
            f["ns"] = f.pop("guest_clock_ns")
            f["ns_per_op"] = f["ns"] / f["ops"] if f["ops"] else None
            if ("begin", p) in stamps and ("end", p) in stamps:
                f["cpu_ns"] = stamps[("end", p)] - stamps[("begin", p)]
                f["cpu_ns_per_op"] = f["cpu_ns"] / f["ops"] if f["ops"] else None
            out[p] = f
    return out


def parse_mark(m):
    exits = {"total": int(m.group(5))}
    for pair in m.group(6).split():
        name, value = pair.split("=")
        exits[name] = int(value)
    return {"t": int(m.group(2)), "guest_ns": int(m.group(3)), "exit_ns": int(m.group(4)), "exits": exits}


def diff(after, before):
    exits = {r: after["exits"][r] - before["exits"].get(r, 0) for r in after["exits"]}
    d = {"ns": after["t"] - before["t"], "guest_ns": after["guest_ns"] - before["guest_ns"],
         "exit_ns": after["exit_ns"] - before["exit_ns"], "exits": {r: n for r, n in exits.items() if n}}
    if "cpu_ns" in after and "cpu_ns" in before:
        d["cpu_ns"] = after["cpu_ns"] - before["cpu_ns"]
    return d


def guest_events(text, stamps=None):
    """The guest's vmbench lines and vmm's marks, in order: ("begin", phase), ("end", match, line) or
    ("mark", mark); stamps: a cpu_ns for each mark line, in order."""
    events = []
    stamps = list(stamps or [])
    for raw in text.splitlines():
        raw = raw.rstrip("\r")
        m = MARK.match(raw)
        if m:
            mark = parse_mark(m)
            if stamps:
                mark["cpu_ns"] = stamps.pop(0)
            events.append(("mark", mark))
            continue
        if not GUEST_PREFIX.match(raw):
            continue
        line = GUEST_PREFIX.sub("", raw)
        b, e = BEGIN.match(line), END.match(line)
        if b:
            events.append(("begin", b.group(1)))
        elif e:
            events.append(("end", e, line))
    return events


def subtract_line(exits, chars, per_char):
    """exits less what printing `chars` characters costs (per_char: exits per character by reason)."""
    out = {}
    for r, n in exits.items():
        n = n - per_char.get(r, 0) * chars
        if n > 0.5:
            out[r] = n
    out["total"] = sum(n for r, n in out.items() if r != "total")
    return out


def parse_guest(text, stamps=None):
    """A guest run's phases: {"boot": {exits, ns}, "phases": {phase: {...}}, "end": mark}.

    Each phase: ops, ns (the host's clock between its marks), guest_clock_ns (the guest's own
    view), ns_per_op, guest_ns/exit_ns (the host kernel's time in the guest and handling its
    exits), exits (by reason, the end line's printing taken off), exits_per_op, ticks (the
    guest's timer ticks), syscalls, page_faults (the guest kernel's counts)."""
    events = guest_events(text, stamps)
    marks_after = {}  # ("begin"|"end", phase) -> the mark that followed that line
    lines = {}
    first_mark = None
    end_mark = None
    pending = None
    for ev in events:
        if ev[0] == "begin":
            pending = ("begin", ev[1])
            lines[pending] = f"vmbench: begin {ev[1]}"
        elif ev[0] == "end":
            pending = ("end", ev[1].group(1))
            lines[pending] = ev[2]
            lines[("fields", ev[1].group(1))] = end_fields(ev[1])
        elif ev[0] == "mark":
            if first_mark is None:
                first_mark = (pending, ev[1])
            if pending:
                marks_after[pending] = ev[1]
                pending = None
            end_mark = ev[1]
    phases = {}
    for p in PHASES:
        if ("begin", p) in marks_after and ("end", p) in marks_after:
            d = diff(marks_after[("end", p)], marks_after[("begin", p)])
            d.update(lines[("fields", p)])
            d["raw_exits"] = d.pop("exits")
            phases[p] = d
    per_char = {}
    if "console" in phases:
        c = phases["console"]
        chars = c["ops"] + len(lines[("end", "console")]) + 1
        per_char = {r: n / chars for r, n in c["raw_exits"].items() if r != "total"}
    for p, d in phases.items():
        chars = len(lines[("end", p)]) + 1
        d["exits"] = subtract_line(d["raw_exits"], chars, per_char)
        d["ns_per_op"] = d["ns"] / d["ops"] if d["ops"] else None
        if "cpu_ns" in d:
            d["cpu_ns_per_op"] = d["cpu_ns"] / d["ops"] if d["ops"] else None
        d["exits_per_op"] = {r: n / d["ops"] for r, n in d["exits"].items()} if d["ops"] else {}
        d["exits_per_tick"] = {r: n / d["ticks"] for r, n in d["exits"].items()} if d["ticks"] else {}
    boot = None
    if first_mark:
        line, mark = first_mark
        chars = len(lines[line]) + 1 if line else 0
        boot = {"ns": mark["t"], "exits": subtract_line(mark["exits"], chars, per_char), "to": lines.get(line)}
    return {"boot": boot, "phases": phases, "end": end_mark}


def run_native(c, args="", timeout=600):
    """vmbench at the host's prompt; its phases."""
    start = len(c.log)
    c.sendline(f"vmbench {args}".strip())
    stamps = {}
    while True:
        # Anything but a begin or end line (done, usage:, an error) is vmbench's last.
        m = c.expect_line(r"^(?:vmbench: (begin|end) (\w+).*|vmbench: .*|usage: vmbench.*)$", timeout=timeout)
        if not m.group(1):
            break
        stamps[(m.group(1), m.group(2))] = cpu_ns(c)
    text = c.log[start:]
    c.expect(PROMPT, timeout=60)
    return parse_native(text, stamps), f"vmbench {args}".strip()


def run_guest(c, vmm_args, timeout=900):
    """vmbench as the guest's init under vmm at the host's prompt: (status, parsed, command)."""
    cmd = GUEST_CMD.format(args=vmm_args).replace("  ", " ")
    start = len(c.log)
    c.sendline(cmd)
    stamps = []
    while True:
        m = c.expect_line(rf"^vmm: vm1 (mark|end) .*$|{VMM_END}", timeout=timeout)
        if not m.group(1):
            break
        stamps.append(cpu_ns(c))
    if m.group(3):
        raise NoVMs(m.group(0).strip())
    text = c.log[start:]
    c.expect(PROMPT, timeout=60)
    return int(m.group(2)), parse_guest(text, stamps), cmd
