// JSON line logger (see json_logger.h).
#include "observability/json_logger.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <utility>

#include "observability/batched_fd_sink.h"
namespace genauth::observability {
namespace {

// The "level" of a line. spdlog's own names say "warning" and "critical"; these are the spellings
// SIDECAR_LOG_LEVEL takes, so that what an operator sets and what they filter on are the same word.
std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

}  // namespace

JsonLogger::JsonLogger(std::shared_ptr<spdlog::logger> sink_logger, const common::Clock* clock)
    : sink_logger_(std::move(sink_logger)), clock_(clock) {
  sink_logger_->set_pattern("%v");
}

JsonLogger::~JsonLogger() {
  // The logger's reference to the sink goes first, so that this one is the last: the sink's
  // destructor then writes what is buffered and joins its writer, here.
  sink_logger_.reset();
  batched_sink_.reset();
}

std::shared_ptr<JsonLogger> JsonLogger::Stdout(spdlog::level::level_enum level,
                                               size_t max_buffered_bytes) {
  BatchedFdSinkOptions options;
  options.fd = STDOUT_FILENO;
  options.max_bytes = max_buffered_bytes;
  options.wake_bytes = std::min(options.wake_bytes, max_buffered_bytes / 2);
  auto sink = std::make_shared<BatchedFdSink>(options);
  auto logger = std::make_shared<spdlog::logger>("genauth-sidecar", sink);
  logger->set_level(level);
  // An error (a failed start, above all) is written before the process can exit or crash.
  logger->flush_on(spdlog::level::err);
  auto json_logger = std::make_shared<JsonLogger>(std::move(logger), common::SystemClock::Get());
  json_logger->batched_sink_ = std::move(sink);
  return json_logger;
}

void JsonLogger::Flush(std::chrono::milliseconds timeout) const {
  if (batched_sink_) {
    batched_sink_->WaitUntilWritten(timeout);
  } else {
    sink_logger_->flush();
  }
}

uint64_t JsonLogger::dropped_lines() const {
  return batched_sink_ ? batched_sink_->dropped_lines() : 0;
}

bool JsonLogger::Enabled(spdlog::level::level_enum level) const {
  return sink_logger_->should_log(level);
}

void JsonLogger::Log(spdlog::level::level_enum level, std::string_view msg,
                     nlohmann::json fields) const {
  if (!Enabled(level)) return;
  // `replace` turns invalid UTF-8 (e.g. from an upstream message) into U+FFFD instead of throwing.
  auto append_json = [](const nlohmann::json& value, std::string* out) {
    out->append(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  };
  // Written directly rather than through an ordered_json copy of `fields` (one line per RPC makes
  // this a hot path). Every line starts with time, level and msg, as people read them; the fields
  // follow in key order.
  std::string line;
  line.reserve(256);
  line.append("{\"time\":\"");
  line.append(FormatRfc3339Millis(clock_->WallNow()));
  line.append("\",\"level\":\"");
  line.append(LevelName(level));
  line.append("\",\"msg\":");
  append_json(nlohmann::json(msg), &line);
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      // The core keys are the line's identity; a field may not replace them.
      if (key == "time" || key == "level" || key == "msg") continue;
      line.push_back(',');
      append_json(nlohmann::json(key), &line);
      line.push_back(':');
      append_json(value, &line);
    }
  }
  line.push_back('}');
  sink_logger_->log(level, spdlog::string_view_t(line.data(), line.size()));
}

void JsonLogger::Info(std::string_view msg, nlohmann::json fields) const {
  Log(spdlog::level::info, msg, std::move(fields));
}
void JsonLogger::Warn(std::string_view msg, nlohmann::json fields) const {
  Log(spdlog::level::warn, msg, std::move(fields));
}
void JsonLogger::Error(std::string_view msg, nlohmann::json fields) const {
  Log(spdlog::level::err, msg, std::move(fields));
}
void JsonLogger::Debug(std::string_view msg, nlohmann::json fields) const {
  Log(spdlog::level::debug, msg, std::move(fields));
}

spdlog::level::level_enum ParseLogLevel(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "warn" || name == "warning") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "off") return spdlog::level::off;
  return spdlog::level::info;
}

std::string FormatRfc3339Millis(common::WallTime t) {
  auto since_epoch = t.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs).count();
  std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(millis));
  return buf;
}

}  // namespace genauth::observability
