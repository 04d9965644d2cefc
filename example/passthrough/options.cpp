// Parsing of the passthrough options. Each accepts "--name" on the command line and
// "-o name" alike, so scripts written for libfuse's passthrough_hp keep working.
#include "options.hpp"

#include <uringfuse/command_line.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace passthrough {
namespace {

double parse_seconds(std::string_view option, std::string_view value) {
  std::string text(value);
  char* end = nullptr;
  errno = 0;
  double secs = text.empty() ? -1 : std::strtod(text.c_str(), &end);
  if (text.empty() || errno != 0 || *end != '\0' || !std::isfinite(secs) || secs < 0)
    throw uringfuse::CommandLineError("invalid value in option '" + std::string(option) +
                                      "' (expected seconds, e.g. 1.5 or 0)");
  return secs;
}

// A whole number of `what` in 0..max, or a CommandLineError naming the option.
unsigned count_of(std::string_view full, std::string_view value, const char* what, unsigned long max) {
  char* end = nullptr;
  errno = 0;
  const std::string text(value);
  unsigned long n = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || errno != 0 || *end != '\0' || n > max)
    throw uringfuse::CommandLineError("invalid value in option '" + std::string(full) + "' (expected " +
                                      what + ", at most " + std::to_string(max) + ")");
  return static_cast<unsigned>(n);
}

unsigned microseconds_of(std::string_view full, std::string_view value) {
  return count_of(full, value, "microseconds", 10'000'000);
}

}  // namespace

const char* const kOptionsHelp =
    "Passthrough options:\n"
    "    --timeout=SECS         cache entries and attributes for SECS seconds (default 1;\n"
    "                           0 = no caching)\n"
    "    --nocache              same as --timeout=0\n"
    "    --direct-io            bypass the page cache for file data\n"
    "    --passthrough          let the kernel read and write the source files directly\n"
    "                           (FUSE passthrough, Linux 6.9+, needs root)\n"
    "    --nopassthrough        serve reads and writes in the daemon (the default)\n"
    "    --writeback            use the kernel's writeback cache\n"
    "    --backend-delay=USEC   sleep USEC in every read and write handler first, as a\n"
    "                           network or disk-backed source would (benchmarks, tests)\n"
    "    --backend-wait=USEC    wait USEC before every read and write as an asynchronous\n"
    "                           backend does: awaited on the ring, no thread blocks\n"
    "    --max-background=N     background requests (asynchronous direct I/O) the\n"
    "                           kernel may send at once (default: its own, 12)\n"
    "    --ring-io=auto|on|off  source reads and writes as io_uring operations on the\n"
    "                           request's ring (auto: unless the source is tmpfs/ramfs)\n"
    "\n"
    "Run as root with -o allow_other,default_permissions to share the tree with all\n"
    "users: files a user creates then belong to that user.\n";

bool apply_option(Options& options, std::string_view option) {
  const std::string_view full = option;
  if (option.substr(0, 2) == "--") option.remove_prefix(2);
  auto eq = option.find('=');
  std::string_view name = option.substr(0, eq);
  bool has_value = eq != std::string_view::npos;
  std::string_view value = has_value ? option.substr(eq + 1) : std::string_view{};

  auto no_value = [&] {
    if (has_value)
      throw uringfuse::CommandLineError("option '" + std::string(full) + "' takes no value");
  };
  if (name == "timeout") {
    options.timeout = parse_seconds(full, value);
  } else if (name == "nocache") {
    no_value();
    options.timeout = 0;
  } else if (name == "direct-io" || name == "direct_io") {
    no_value();
    options.direct_io = true;
  } else if (name == "passthrough") {
    no_value();
    options.passthrough = true;
  } else if (name == "nopassthrough") {
    no_value();
    options.passthrough = false;
  } else if (name == "writeback") {
    no_value();
    options.writeback = true;
  } else if (name == "backend-delay" || name == "backend_delay") {
    options.backend_delay_us = microseconds_of(full, value);
  } else if (name == "max-background" || name == "max_background") {
    options.max_background = count_of(full, value, "a number of requests", 65535);
  } else if (name == "backend-wait" || name == "backend_wait") {
    options.backend_wait_us = microseconds_of(full, value);
  } else if (name == "ring-io" || name == "ring_io") {
    if (value == "auto") {
      options.ring_io = Options::RingIo::automatic;
    } else if (value == "on") {
      options.ring_io = Options::RingIo::on;
    } else if (value == "off") {
      options.ring_io = Options::RingIo::off;
    } else {
      throw uringfuse::CommandLineError("invalid value in option '" + std::string(full) +
                                        "' (expected auto, on or off)");
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace passthrough
