// Fuzz target: the command line. The input, split at NUL bytes, is argv (after the
// program name); parsing must either succeed or throw CommandLineError with a
// message, never anything else.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "uringfuse/command_line.hpp"

// Nothing here outlives an input, but each input allocates and frees a few KB (up to
// about 1 MB for 4096 NUL bytes: 4097 words, each copied by the parser too), some
// 200 MB a second at 10,000 inputs a second. ASan keeps the last 256 MB of freed
// chunks poisoned, which with their redzones and the allocator's caches held the
// process at 500 MB and more, a quarter of libFuzzer's 2 GB limit, whatever input ran
// last. 64 MB still outlasts any one input many times over, so a use after free
// within an input is caught as before.
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=64"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const uringfuse::CommandLineSpec spec = [] {
    uringfuse::CommandLineSpec s;
    s.option_handler = [](std::string_view opt) { return opt == "myopt" || opt.starts_with("myval="); };
    return s;
  }();
  const std::size_t count = 2 + static_cast<std::size_t>(std::count(data, data + size, 0));
  std::vector<std::string> words;
  words.reserve(count);
  words.emplace_back("fuzzfs");
  const auto* end = data + size;
  for (const auto* at = data;; ++at) {
    const auto* nul = std::find(at, end, 0);
    words.emplace_back(reinterpret_cast<const char*>(at), static_cast<std::size_t>(nul - at));
    if (nul == end) break;
    at = nul;
  }
  std::vector<const char*> argv;
  argv.reserve(words.size());
  for (const auto& w : words) argv.push_back(w.c_str());
  try {
    uringfuse::parse_command_line(static_cast<int>(argv.size()), argv.data(), spec);
  } catch (const uringfuse::CommandLineError& e) {
    if (std::string(e.what()).empty()) std::abort();  // every refusal says why
  }
  return 0;
}
