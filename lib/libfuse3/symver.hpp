// Exports a function of ours under one of libfuse's versioned names:
// LIBFUSE3_SYMVER(libfuse3_x, "fuse_x@@FUSE_3.2"). "@@" marks the version a program
// linked against us gets; "@" an older one, kept for binaries built earlier.
// Our own name stays local: libfuse3.map ends in `local: *`.
#pragma once

#define LIBFUSE3_SYMVER(ours, theirs) __asm__(".symver " #ours ", " theirs)
