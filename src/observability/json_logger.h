// Structured logs: one JSON object per line on stdout, through spdlog.
//
// spdlog's pattern formatter does not escape the message, so every line is built here as a JSON
// object (nlohmann escapes it) and handed to spdlog with the pattern "%v". Per-request fields are
// passed explicitly — spdlog's MDC is thread-local and would not follow a call across threads.
// Callers must never pass a secret or token in `fields`: nothing here can tell one from a string.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "spdlog/logger.h"

namespace genauth::observability {

class BatchedFdSink;

class JsonLogger {
 public:
  // `sink_logger` decides where lines go and the minimum level; `clock` stamps the time field.
  JsonLogger(std::shared_ptr<spdlog::logger> sink_logger, const common::Clock* clock);
  // Writes the lines still queued (batched_fd_sink.h) and stops the writer thread.
  ~JsonLogger();
  JsonLogger(const JsonLogger&) = delete;
  JsonLogger& operator=(const JsonLogger&) = delete;

  // A logger writing to stdout at `level`, e.g. "info". Lines go through a bounded buffer to a
  // writer thread that writes them in batches (at most ~50 ms late; error lines at once), so that
  // a full stdout pipe (a stalled log collector) can never block the thread that logs — the event
  // loop above all. Lines beyond `max_buffered_bytes` are dropped and counted (dropped_lines()).
  // Lines still buffered are written when the last reference to the logger goes away.
  static std::shared_ptr<JsonLogger> Stdout(spdlog::level::level_enum level,
                                            size_t max_buffered_bytes = 1024 * 1024);

  bool Enabled(spdlog::level::level_enum level) const;

  // Writes {"time","level","msg",...fields}. `fields` must be a JSON object (or null). The level
  // is spelt as SIDECAR_LOG_LEVEL takes it: trace, debug, info, warn, error.
  void Log(spdlog::level::level_enum level, std::string_view msg, nlohmann::json fields = {}) const;

  void Info(std::string_view msg, nlohmann::json fields = {}) const;
  void Warn(std::string_view msg, nlohmann::json fields = {}) const;
  void Error(std::string_view msg, nlohmann::json fields = {}) const;
  void Debug(std::string_view msg, nlohmann::json fields = {}) const;

  spdlog::logger& sink() const { return *sink_logger_; }

  // Waits (at most `timeout`) until the lines logged so far are written: before the process exits
  // while something else still holds the logger.
  void Flush(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) const;

  // Lines dropped because the writer could not keep up (0 for a logger without a queue).
  uint64_t dropped_lines() const;

 private:
  // The batching writer behind Stdout() (null for a logger given its own sinks).
  std::shared_ptr<BatchedFdSink> batched_sink_;
  std::shared_ptr<spdlog::logger> sink_logger_;
  const common::Clock* clock_;
};

// Parses "trace|debug|info|warn|error|off", and "warning" as warn (already validated by config).
spdlog::level::level_enum ParseLogLevel(std::string_view name);

// RFC 3339 UTC time with milliseconds, e.g. "2026-11-27T08:00:00.123Z".
std::string FormatRfc3339Millis(common::WallTime t);

}  // namespace genauth::observability
