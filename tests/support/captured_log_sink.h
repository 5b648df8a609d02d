// An spdlog sink that keeps every formatted line in memory for a test to read while the code
// under test may still be logging: Text() copies the lines under the sink's own lock (reading an
// ostream_sink's stream from the test thread races with a concurrent write).
#pragma once

#include <mutex>
#include <string>

#include "spdlog/sinks/base_sink.h"

namespace genauth::testing {

class CapturedLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string Text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;  // guarded by mutex_ (base_sink's)
};

}  // namespace genauth::testing
