"""The include order of docs/architecture.md ("Layers"), checked by tools/layers."""

import subprocess
import tempfile
from pathlib import Path

from harness import REPO, check


def run_layers(root):
    return subprocess.run([str(REPO / "tools" / "layers"), str(root)], capture_output=True, text=True)


def test_order():
    r = run_layers(REPO)
    check(r.returncode == 0, "includes cross the layer order:\n" + r.stdout)


def write(root, path, text):
    file = Path(root) / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)


def test_detects_back_edges():
    """The checker itself: each kind of wrong include is caught, a right one is not."""
    cases = [
        ("kernel/arch/x.c", '#include "kernel/proc/sched.h"\n', True),
        ("kernel/mm/x.c", '#include "kernel/ctl/endpoint.h"\n', True),
        ("kernel/object/x.c", '#include "kernel/proc/proc.h"\n', True),
        ("kernel/proc/x.c", '#include "kernel/ctl/namespace.h"\n', True),
        ("kernel/proc/x.c", '#include "kernel/object/handle.h"\n', False),
        ("lib/common/x.c", '#include "kernel/arch/cpu.h"\n', True),
        ("lib/os/x.c", '#include "kernel/mm/vm.h"\n', True),
        ("kernel/ctl/x.c", '#include "lib/os/os.h"\n', True),
        ("kernel/ctl/x.c", '#include "kernel/proc/proc.h"\n', False),
        ("user/p/x.c", '#include "lib/common/syscall.h"\n', False),
        ("drivers/d/os/x.c", '#include "kernel/proc/proc.h"\n', True),
        ("drivers/d/os/x.c", '#include "lib/os/os.h"\n', False),
        ("drivers/d/kernel/x.c", '#include "lib/os/os.h"\n', True),
        ("drivers/d/kernel/x.c", '#include "kernel/object/handle.h"\n', False),
        ("kernel/arch/x.c", '#include "drivers/d/regs.h"\n', False),
        ("drivers/d/regs.h", '#include "kernel/arch/cpu.h"\n', True),
    ]
    for path, text, bad in cases:
        with tempfile.TemporaryDirectory() as root:
            write(root, path, text)
            r = run_layers(root)
            check((r.returncode != 0) == bad,
                  f"{path} with {text.strip()}: expected {'a failure' if bad else 'no failure'}, got {r.stdout!r}")
