// Tests of JsonLogger: lines are captured by an ostream sink over a string and parsed back as JSON;
// the time comes from a FakeClock so it can be asserted exactly.
#include "observability/json_logger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/ostream_sink.h"

namespace genauth::observability {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class JsonLoggerTest : public testing::Test {
 protected:
  explicit JsonLoggerTest(spdlog::level::level_enum level = spdlog::level::trace) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto sink_logger = std::make_shared<spdlog::logger>("test", sink);
    sink_logger->set_level(level);
    logger_ = std::make_unique<JsonLogger>(sink_logger, &clock_);
  }

  // Everything written so far, split at '\n'; each entry is one complete line.
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::string all = out_.str();
    size_t start = 0;
    for (size_t nl = all.find('\n'); nl != std::string::npos; nl = all.find('\n', start)) {
      lines.push_back(all.substr(start, nl - start));
      start = nl + 1;
    }
    EXPECT_EQ(start, all.size()) << "output does not end with a newline: " << all;
    return lines;
  }

  // The only line written, parsed.
  json OnlyLine() const {
    std::vector<std::string> lines = Lines();
    EXPECT_EQ(lines.size(), 1u) << out_.str();
    if (lines.empty()) return json();
    json parsed = json::parse(lines.front(), nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << lines.front();
    return parsed;
  }

  common::FakeClock clock_;
  std::ostringstream out_;
  std::unique_ptr<JsonLogger> logger_;
};

TEST_F(JsonLoggerTest, WritesTimeLevelMessageAndFields) {
  clock_.Advance(std::chrono::milliseconds(1234));
  logger_->Info("sidecar started", {{"port", 50051}, {"listen", "127.0.0.1:0"}, {"ok", true}});
  json line = OnlyLine();
  EXPECT_EQ(line, json({{"time", "2026-01-01T00:00:01.234Z"},
                        {"level", "info"},
                        {"msg", "sidecar started"},
                        {"port", 50051},
                        {"listen", "127.0.0.1:0"},
                        {"ok", true}}));
}

TEST_F(JsonLoggerTest, EachHelperUsesItsLevel) {
  logger_->Debug("d");
  logger_->Info("i");
  logger_->Warn("w");
  logger_->Error("e");
  logger_->Log(spdlog::level::trace, "t");
  std::vector<std::string> levels;
  std::vector<std::string> messages;
  for (const std::string& text : Lines()) {
    json line = json::parse(text);
    levels.push_back(line.at("level").get<std::string>());
    messages.push_back(line.at("msg").get<std::string>());
  }
  // The spellings SIDECAR_LOG_LEVEL takes ("warn", not spdlog's "warning").
  EXPECT_THAT(levels, ElementsAre("debug", "info", "warn", "error", "trace"));
  EXPECT_THAT(messages, ElementsAre("d", "i", "w", "e", "t"));
  // What a line says is what the setting accepts: each name parses back to its level.
  const spdlog::level::level_enum written[] = {spdlog::level::debug, spdlog::level::info,
                                               spdlog::level::warn, spdlog::level::err,
                                               spdlog::level::trace};
  for (size_t i = 0; i < levels.size(); ++i) EXPECT_EQ(ParseLogLevel(levels[i]), written[i]);
}

TEST_F(JsonLoggerTest, NoFieldsGivesOnlyTheCoreKeys) {
  logger_->Info("plain");
  json line = OnlyLine();
  EXPECT_EQ(line.size(), 3u);
  EXPECT_EQ(line.at("msg"), "plain");
}

TEST_F(JsonLoggerTest, FieldsThatAreNotAnObjectAreIgnored) {
  logger_->Info("odd fields", json::array({1, 2}));
  json line = OnlyLine();
  EXPECT_EQ(line.size(), 3u);
  EXPECT_EQ(line.at("msg"), "odd fields");
}

TEST_F(JsonLoggerTest, EscapesMessageAndFieldsAndStaysOnOneLine) {
  const std::string nasty = std::string("quote\" backslash\\ newline\n cr\r tab\t ctl") + '\x01' +
                            '\x1f' + " nul" + '\0' + " end";
  logger_->Warn(nasty, {{"detail", nasty}, {"key\nwith\"odd", "v"}});
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u) << out_.str();
  const std::string& raw = lines.front();
  EXPECT_EQ(raw.find('\r'), std::string::npos);
  EXPECT_EQ(raw.find('\t'), std::string::npos);
  EXPECT_EQ(raw.find('\x01'), std::string::npos);
  EXPECT_EQ(raw.find('\0'), std::string::npos);
  EXPECT_NE(raw.find(R"(quote\" backslash\\ newline\n cr\r tab\t ctl\u0001\u001f nul\u0000)"),
            std::string::npos)
      << raw;
  json line = json::parse(raw);
  EXPECT_EQ(line.at("msg"), nasty);
  EXPECT_EQ(line.at("detail"), nasty);
  EXPECT_EQ(line.at("key\nwith\"odd"), "v");
}

TEST_F(JsonLoggerTest, InvalidUtf8IsReplacedNotThrown) {
  const std::string bad =
      std::string("caf") + '\xc3' + " \xff\xfe end";  // truncated é, 2 bad bytes
  logger_->Error(bad, {{"upstream", std::string("x\x80y")}});
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u) << out_.str();
  json line = json::parse(lines.front());          // valid UTF-8 now, or parse would throw
  const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ(line.at("msg"), "caf" + replacement + " " + replacement + replacement + " end");
  EXPECT_EQ(line.at("upstream"), "x" + replacement + "y");
}

class JsonLoggerWarnLevelTest : public JsonLoggerTest {
 protected:
  JsonLoggerWarnLevelTest() : JsonLoggerTest(spdlog::level::warn) {}
};

TEST_F(JsonLoggerWarnLevelTest, DropsLinesBelowTheLevel) {
  EXPECT_FALSE(logger_->Enabled(spdlog::level::debug));
  EXPECT_FALSE(logger_->Enabled(spdlog::level::info));
  EXPECT_TRUE(logger_->Enabled(spdlog::level::warn));
  EXPECT_TRUE(logger_->Enabled(spdlog::level::err));
  logger_->Debug("hidden debug");
  logger_->Info("hidden info");
  EXPECT_THAT(Lines(), IsEmpty());
  logger_->Warn("shown warn");
  logger_->Error("shown error");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json::parse(lines[0]).at("msg"), "shown warn");
  EXPECT_EQ(json::parse(lines[1]).at("msg"), "shown error");
}

TEST(ParseLogLevelTest, KnownNamesAndDefault) {
  EXPECT_EQ(ParseLogLevel("trace"), spdlog::level::trace);
  EXPECT_EQ(ParseLogLevel("debug"), spdlog::level::debug);
  EXPECT_EQ(ParseLogLevel("info"), spdlog::level::info);
  EXPECT_EQ(ParseLogLevel("warn"), spdlog::level::warn);
  EXPECT_EQ(ParseLogLevel("warning"), spdlog::level::warn);  // the alias config accepts
  EXPECT_EQ(ParseLogLevel("error"), spdlog::level::err);
  EXPECT_EQ(ParseLogLevel("off"), spdlog::level::off);
  EXPECT_EQ(ParseLogLevel(""), spdlog::level::info);
  EXPECT_EQ(ParseLogLevel("verbose"), spdlog::level::info);
}

TEST(FormatRfc3339MillisTest, FormatsUtcWithMilliseconds) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  EXPECT_EQ(FormatRfc3339Millis(common::WallTime{}), "1970-01-01T00:00:00.000Z");
  // 2024-02-29T23:59:59Z, a leap day, plus 7ms.
  EXPECT_EQ(FormatRfc3339Millis(common::WallTime{} + seconds(1709251199) + milliseconds(7)),
            "2024-02-29T23:59:59.007Z");
  // Sub-millisecond parts are cut, not rounded.
  EXPECT_EQ(FormatRfc3339Millis(common::WallTime{} + seconds(1767225600) +
                                std::chrono::microseconds(999999)),
            "2026-01-01T00:00:00.999Z");
}

// The stdout logger never blocks the thread that logs, even when nobody reads stdout (a stalled
// log collector): lines beyond its queue are dropped and counted instead.
TEST(StdoutLoggerTest, AFullStdoutPipeDropsLinesInsteadOfBlocking) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  std::fflush(stdout);
  const int saved_stdout = dup(STDOUT_FILENO);
  ASSERT_GE(saved_stdout, 0);
  ASSERT_GE(dup2(pipe_fds[1], STDOUT_FILENO), 0);  // a pipe nobody reads (yet): it fills up
  auto logger = JsonLogger::Stdout(spdlog::level::info, /*max_buffered_bytes=*/64 * 1024);
  const auto start = std::chrono::steady_clock::now();
  const std::string padding(512, 'x');  // 20000 lines of ~600 bytes: far past a pipe's 64 KiB
  for (int i = 0; i < 20000; ++i) logger->Info("line", {{"i", i}, {"padding", padding}});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const uint64_t dropped = logger->dropped_lines();
  // Drain the pipe so that the writer thread can finish, then put stdout back.
  std::thread drain([fd = pipe_fds[0]] {
    char buffer[65536];
    while (read(fd, buffer, sizeof(buffer)) > 0) {
    }
  });
  logger.reset();  // the writer writes what is queued, then stops
  std::fflush(stdout);
  dup2(saved_stdout, STDOUT_FILENO);
  close(saved_stdout);
  close(pipe_fds[1]);
  drain.join();
  close(pipe_fds[0]);
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // blocked writes would never have returned
}

}  // namespace
}  // namespace genauth::observability
