// Captures the library's log lines for a test's lifetime (down to a chosen level),
// then restores the default sink and level. Only one may be alive at a time.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "uringfuse/log.hpp"

namespace uringfuse::test {

struct LogLine {
  LogLevel level;
  std::string text;
};

class LogCapture {
 public:
  explicit LogCapture(LogLevel level = LogLevel::debug) : saved_level_(log_level()) {
    set_log_level(level);
    set_log_handler([this](LogLevel l, std::string_view text) {
      std::lock_guard lock(mutex_);
      lines_.push_back({l, std::string(text)});
    });
  }
  ~LogCapture() {
    set_log_handler({});
    set_log_level(saved_level_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // How many lines at `level` contain `part`.
  int count(LogLevel level, std::string_view part) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& l : lines_) n += l.level == level && l.text.find(part) != std::string::npos;
    return n;
  }
  bool has(LogLevel level, std::string_view part) const { return count(level, part) > 0; }
  // Every line, for a failure message.
  std::string all() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& l : lines_)
      out += "  [" + std::to_string(static_cast<int>(l.level)) + "] " + l.text + "\n";
    return out;
  }

 private:
  LogLevel saved_level_;
  mutable std::mutex mutex_;
  std::vector<LogLine> lines_;
};

}  // namespace uringfuse::test
