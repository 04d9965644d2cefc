// Every installed C++ header starts here: the API is C++20 (std::span, concepts,
// coroutines), and an older -std= would otherwise end in a wall of errors about
// std::span. pkg-config's uringfuse.pc adds -std=c++20 for builds that use it.
#pragma once

#if !defined(__cplusplus)
#error "<uringfuse/*.hpp> is the C++20 API; C programs use the libfuse 3 API in <fuse_lowlevel.h> (pkg-config uringfuse-fuse3)"
#elif __cplusplus < 202002L
#error "uringfuse needs C++20: compile with -std=c++20 (or newer), as pkg-config --cflags uringfuse gives it"
#endif
