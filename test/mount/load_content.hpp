// The bytes of a load-test file: a pure function of its generation and the offset, so
// a writer, a reader and the final check of the source agree without storing data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace uringfuse::test {

inline std::string load_content(std::uint64_t generation, std::size_t offset, std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    // splitmix64 of (generation, 8-byte block), one byte of it per offset.
    const std::size_t at = offset + i;
    std::uint64_t z = generation * 0x9E3779B97F4A7C15ull + (at / 8) + 1;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    out[i] = static_cast<char>(z >> (8 * (at % 8)));
  }
  return out;
}

}  // namespace uringfuse::test
