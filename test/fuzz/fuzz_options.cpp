// Fuzz target: the command line. The input, split at NUL bytes, is argv (after the
// program name); parsing must either succeed or throw CommandLineError with a
// message, never anything else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "uringfuse/command_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words{"fuzzfs"};
  std::string word;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(static_cast<char>(data[i]));
    }
  }
  words.push_back(word);
  std::vector<const char*> argv;
  for (const auto& w : words) argv.push_back(w.c_str());
  uringfuse::CommandLineSpec spec;
  spec.option_handler = [](std::string_view opt) { return opt == "myopt" || opt.starts_with("myval="); };
  try {
    uringfuse::parse_command_line(static_cast<int>(argv.size()), argv.data(), spec);
  } catch (const uringfuse::CommandLineError& e) {
    if (std::string(e.what()).empty()) std::abort();  // every refusal says why
  }
  return 0;
}
