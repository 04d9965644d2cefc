// libfuse-style command lines: `prog [options] [args...] <mountpoint>` with -f, -d, -s,
// -h, -V and -o opt[,opt...]. Programs add their own options through a handler, so one
// parser reports every unknown option by name.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "uringfuse/session_options.hpp"

namespace uringfuse {

class CommandLineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandLineSpec {
  // Names of the positional arguments, in order; the last one is the mountpoint.
  std::vector<std::string> positionals{"mountpoint"};
  // The program's own options for -h, one "    --name=X   what it does" per line.
  std::string extra_help;
  // Offered each "--name[=value]" and each -o item the session does not know. Return
  // true if it was the program's; throw CommandLineError for a bad value.
  std::function<bool(std::string_view option)> option_handler;
  // Offered all positionals (the mountpoint last) once parsing succeeded, before
  // anything is mounted; throw CommandLineError to refuse them (e.g. a missing source).
  std::function<void(const std::vector<std::string>& positionals)> positionals_handler;
};

struct CommandLine {
  SessionOptions session;
  std::vector<std::string> positionals;  // all of them, the mountpoint last
  bool show_help = false;
  bool show_version = false;
};

// Throws CommandLineError with a one-line message naming the offending argument.
// With -h or -V, missing positionals are not an error.
CommandLine parse_command_line(int argc, const char* const* argv, const CommandLineSpec& spec = {});

std::string command_line_help(std::string_view program, const CommandLineSpec& spec = {});

}  // namespace uringfuse
