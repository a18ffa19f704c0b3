"""The boot image: its programs are stripped (a small machine holds the image in memory), while
build/user/bin keeps the copies with symbols for gdb and addr2line."""

import struct
import tarfile

from harness import REPO, check, fail

INITRD = REPO / "build" / "initrd.tar"
DEBUG_BINS = REPO / "build" / "user" / "bin"


def section_names(elf):
    """Section names of an ELF64 little-endian file (ELF spec: e_shoff at 0x28, e_shentsize,
    e_shnum, e_shstrndx at 0x3a; sh_name at 0 and sh_offset at 0x18 of each header)."""
    check(elf[:4] == b"\x7fELF" and elf[4] == 2, "not an ELF64 file")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3a)
    headers = [elf[shoff + i * shentsize:shoff + (i + 1) * shentsize] for i in range(shnum)]
    strtab_off, = struct.unpack_from("<Q", headers[shstrndx], 0x18)
    names = []
    for h in headers:
        name_off, = struct.unpack_from("<I", h, 0)
        start = strtab_off + name_off
        names.append(elf[start:elf.index(b"\0", start)].decode())
    return names


def test_programs_stripped():
    if not INITRD.exists():
        fail("build/initrd.tar is missing; build it with make")
    with tarfile.open(INITRD) as tar:
        programs = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("bin/")]
        check(programs, "no programs in the boot image")
        for m in programs:
            names = section_names(tar.extractfile(m).read())
            extra = [n for n in names if n == ".symtab" or n.startswith(".debug")]
            check(not extra, f"{m.name} in the boot image keeps {', '.join(extra)}")
            debug = DEBUG_BINS / m.name.removeprefix("bin/")
            check(debug.exists() and ".debug_info" in section_names(debug.read_bytes()),
                  f"{debug} should keep its debug information")
