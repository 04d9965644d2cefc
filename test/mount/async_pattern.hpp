// The bytes of async_fs's /data, known to the daemon and to the test that checks them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uringfuse::test {

constexpr std::size_t kPatternSize = 1 << 20;

// Differs from one 4 KiB block to the next, so a read from the wrong offset shows.
constexpr std::uint8_t pattern_byte(std::size_t i) {
  return static_cast<std::uint8_t>(i * 131 + i / 4096 + 7);
}

}  // namespace uringfuse::test
