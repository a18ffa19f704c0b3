"""W^X: kernel text is mapped read-only, so writing to it page-faults."""

import re
import struct

from harness import EXCEPTION, REPO, boot, check, expect_boot, expect_exception, fail

PF_PRESENT, PF_WRITE = 1, 2


def executable_segments(elf_path):
    """[(start, end)] of the ELF64 file's executable PT_LOAD segments."""
    data = elf_path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return []
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments = []
    for i in range(phnum):
        p_type, p_flags, _, p_vaddr, _, _, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_flags & 1:  # PT_LOAD, PF_X
            segments.append((p_vaddr, p_vaddr + p_memsz))
    return segments


def test_text():
    r = boot(cmdline="wx=text")
    r.expect_status(EXCEPTION)
    expect_boot(r)
    target = r.first(r"wx: writing to kernel text at (0x[0-9a-fA-F]+)")
    if not target:
        fail(f"no 'wx: writing to kernel text at 0x...' line{r.explain()}")
    address = int(target.group(1), 16)
    line = expect_exception(r, "#PF", 14)
    error = re.search(r"\berror=(0x[0-9a-fA-F]+)", line)
    cr2 = re.search(r"\bcr2=(0x[0-9a-fA-F]+)", line)
    check(error and cr2, f"no error= or cr2= in {line.strip()!r}{r.explain()}")
    check(int(error.group(1), 16) == PF_PRESENT | PF_WRITE,
          f"error={error.group(1)}, wanted 0x3 (a write to a present page){r.explain()}")
    check(int(cr2.group(1), 16) == address,
          f"cr2={cr2.group(1)} but the kernel wrote to {target.group(1)}{r.explain()}")
    elf = REPO / "build" / "kernel.elf"
    if elf.exists():
        text = executable_segments(elf)
        check(any(lo <= address < hi for lo, hi in text),
              f"{target.group(1)} is not in an executable segment of build/kernel.elf "
              f"({', '.join(f'{lo:#x}-{hi:#x}' for lo, hi in text)})")
