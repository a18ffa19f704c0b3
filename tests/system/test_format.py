"""The tree keeps the style of .clang-format (tools/format, run by `make format`)."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from harness import REPO, check

FORMAT = REPO / "tools" / "format"


def run_format(root, *args):
    return subprocess.run([str(FORMAT), *args, str(root)], capture_output=True, text=True)


def test_tree_unchanged():
    """clang-format 14 with .clang-format would change no checked file, and every line of
    .clang-format-ignore still names a file that needs it."""
    r = run_format(REPO, "--check")
    check(r.returncode == 0, "tools/format --check:\n" + r.stdout + r.stderr)


def scratch(files):
    root = Path(tempfile.mkdtemp(prefix="sietch-format-"))
    shutil.copy(REPO / ".clang-format", root / ".clang-format")
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


GOOD = "static int add(int a, int b)\n{\n\treturn a + b;\n}\n"
BAD = "static int add(int a, int b) {\n  return a + b;\n}\n"


def test_check_and_format():
    """The checker itself: a misformatted file fails, `make format` fixes it, the ignore
    list skips a file and reports a line that is no longer needed."""
    cases = [
        ({"a.c": GOOD}, True, "a formatted file"),
        ({"a.c": BAD}, False, "a file clang-format would change"),
        ({"a.c": BAD, ".clang-format-ignore": "a.c\n"}, True, "an ignored file"),
        ({"a.c": GOOD, ".clang-format-ignore": "a.c\n"}, False, "an ignored file that is formatted already"),
        ({"a.c": GOOD, ".clang-format-ignore": "# gone\nb.c\n"}, False, "an ignore line naming no file"),
        ({"d/x.h": BAD, "d/.clang-format": "DisableFormat: true\n"}, True, "a folder with DisableFormat"),
    ]
    for files, ok, what in cases:
        root = scratch(files)
        try:
            r = run_format(root, "--check")
            check((r.returncode == 0) == ok, f"{what}: expected {'a pass' if ok else 'a failure'}, got {r.stdout!r}")
        finally:
            shutil.rmtree(root)
    root = scratch({"a.c": BAD})
    try:
        run_format(root)
        check((root / "a.c").read_text() == GOOD, "make format left: " + (root / "a.c").read_text())
        check(run_format(root, "--check").returncode == 0, "still misformatted after make format")
    finally:
        shutil.rmtree(root)
