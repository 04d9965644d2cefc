// The passthrough example's own command-line options (--timeout, --direct-io, ...),
// parsed through uringfuse's option_handler hook so -h lists them with the rest.
#pragma once

#include <string_view>

namespace passthrough {

struct Options {
  double timeout = 1.0;      // entry/attribute cache validity in seconds; 0 = no caching
  bool direct_io = false;    // bypass the page cache for file data
  bool passthrough = false;  // let the kernel do reads and writes on the backing files
  bool writeback = false;    // ask for the kernel's writeback cache
  unsigned backend_delay_us = 0;  // every read and write first sleeps this long, as a
                                  // network or disk-backed source would keep it waiting
  unsigned max_background = 0;   // background requests the kernel may have out; 0: its default (12)
  unsigned backend_wait_us = 0;   // the same wait, awaited on the ring (an asynchronous backend)
  // Source reads and writes as io_uring operations on the request's ring: on, off, or
  // auto (on unless the source is tmpfs or ramfs, which io_uring can only read from a
  // worker thread: there the daemon reads inline, which is faster).
  enum class RingIo { automatic, on, off } ring_io = RingIo::automatic;
};

// Applies one option ("--name[=value]" or a bare -o item "name[=value]"). Returns false
// for options that are not ours; throws uringfuse::CommandLineError for a bad value.
// Safe to call twice with the same option (the command line may be parsed twice).
bool apply_option(Options& options, std::string_view option);

// The lines -h adds for these options.
extern const char* const kOptionsHelp;

}  // namespace passthrough
