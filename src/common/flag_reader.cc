// Command-line flag reading (see flag_reader.h).
#include "common/flag_reader.h"

#include <cstdio>

#include "common/decimal.h"

namespace genauth::common {

bool FlagReader::Next() {
  if (!error_.empty() || next_ >= args_.size()) return false;
  name_ = args_[next_++];
  inline_value_.reset();
  value_.reset();
  value_taken_ = false;
  // Only a "--" flag carries "=value": a bare argument is a name whole.
  if (size_t eq = name_.find('='); name_.rfind("--", 0) == 0 && eq != std::string::npos) {
    inline_value_ = name_.substr(eq + 1);
    name_.resize(eq);
  }
  return true;
}

bool FlagReader::HelpOrVersion(bool* help, bool* version) const {
  if (name_ == "--help" || name_ == "-h") {
    *help = true;
    return true;
  }
  if (name_ == "--version") {
    *version = true;
    return true;
  }
  return false;
}

const std::optional<std::string>& FlagReader::Value() {
  if (!value_taken_) {
    value_taken_ = true;
    if (inline_value_) {
      value_ = inline_value_;
    } else if (next_ < args_.size()) {
      value_ = args_[next_++];
    } else {
      Fail(name_ + " needs a value");
    }
  }
  return value_;
}

std::optional<long long> FlagReader::Integer(long long min, long long max) {
  const std::optional<std::string>& text = Value();
  if (!text) return std::nullopt;
  std::optional<long long> value = ParseDecimalInteger(*text, min, max);
  if (!value) {
    Fail(name_ + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
         "]");
  }
  return value;
}

bool FlagReader::NoValue() {
  if (!inline_value_) return true;
  Fail(name_ + " takes no value");
  return false;
}

void FlagReader::Fail(std::string problem) {
  if (error_.empty()) error_ = std::move(problem);
}

bool PrintVersionOrUsage(bool version, bool help, const std::string& version_line,
                         const char* usage) {
  if (version) {
    std::fputs(version_line.c_str(), stdout);
  } else if (help) {
    std::fputs(usage, stdout);
  }
  return version || help;
}

}  // namespace genauth::common
