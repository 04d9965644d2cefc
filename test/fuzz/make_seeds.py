#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (test/fuzz/corpus/<target>/): a few
well-formed requests of each shape, so fuzzing starts from inputs that get past the
length checks. Run it again after changing it; the files are checked in."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OP = dict(LOOKUP=1, FORGET=2, GETATTR=3, SETATTR=4, MKNOD=8, MKDIR=9, UNLINK=10, RENAME=12,
          OPEN=14, READ=15, WRITE=16, RELEASE=18, SETXATTR=21, GETXATTR=22, INIT=26,
          OPENDIR=27, READDIR=28, INTERRUPT=36, CREATE=35, BATCH_FORGET=42, READDIRPLUS=44,
          RENAME2=45, LSEEK=46, COPY_FILE_RANGE=47, STATX=52)


def request(op, body=b"", unique=7, nodeid=1, extlen=0):
    header = struct.pack("<IIQQIIIHH", 40 + len(body), OP[op], unique, nodeid, 0, 0, 1, extlen, 0)
    return header + body


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# fuzz_dispatch: first byte picks the layout (even: /dev/fuse, odd: ring entry).
dev = {
    "lookup": request("LOOKUP", b"hello\0"),
    "getattr": request("GETATTR", struct.pack("<IIQ", 0, 0, 0)),
    "read": request("READ", struct.pack("<QQIIQII", 1, 0, 4096, 0, 0, 0, 0)),
    "write": request("WRITE", struct.pack("<QQIIQII", 1, 0, 5, 0, 0, 0, 0) + b"data!"),
    "create_groups": request("CREATE", struct.pack("<IIII", 0o100644, 0o101, 0o22, 0) + b"f\0\0\0\0\0\0\0"
                             + struct.pack("<II", 16, 2) + struct.pack("<II", 1, 100), extlen=2),
    "rename2": request("RENAME2", struct.pack("<QII", 1, 1, 0) + b"a\0b\0"),
    "setxattr": request("SETXATTR", struct.pack("<IIII", 3, 0, 0, 0) + b"user.x\0abc"),
    "interrupt": request("INTERRUPT", struct.pack("<Q", 99)),
    "batch_forget": request("BATCH_FORGET", struct.pack("<II", 2, 0) + struct.pack("<QQ", 5, 1) * 2),
    "readdirplus": request("READDIRPLUS", struct.pack("<QQIIQII", 1, 0, 4096, 0, 0, 0, 0)),
    "copy_file_range": request("COPY_FILE_RANGE", struct.pack("<QQQQQQQ", 1, 0, 2, 3, 0, 4096, 0)),
    "statx": request("STATX", struct.pack("<QIIII", 0, 0, 0, 0x7ff, 0)),
}
for name, data in dev.items():
    write("dispatch", name, b"\0" + data)
    # Ring layout: header, the op struct padded to 128 bytes, then the payload
    # (here the whole body moves into op_in when it fits, as the kernel does).
    header, body = data[:40], data[40:]
    write("dispatch", name + "_ring", b"\1" + header + body[:128].ljust(128, b"\0") + body[128:])

# fuzz_init: the fuse_init_in of a 6.18 kernel, an old one, and a future major.
init_in = struct.pack("<IIIIII", 7, 45, 128 * 1024, 0xFFFFFFFF, 0x3F, 0) + b"\0" * 44
write("init", "modern", init_in)
write("init", "old_minor", struct.pack("<IIII", 7, 22, 65536, 0x1))
write("init", "future_major", struct.pack("<IIII", 8, 0, 65536, 0))

# fuzz_options: argv words separated by NUL.
for name, words in {
    "plain": ["-f", "-o", "ro,allow_other,io_uring,io_uring_q_depth=16", "/mnt/x"],
    "threads": ["-o", "max_threads=4,max_idle_threads=2,clone_fd", "-s", "-d", "/m"],
    "escapes": ["-o", "fsname=a\\,b,subtype=x,myval=3,myopt", "--", "/m"],
    "bad": ["-o", "io_uring_spin=x", "-x", "/m", "/n"],
}.items():
    write("options", name, b"\0".join(w.encode() for w in words))
