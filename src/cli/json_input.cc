// JSON command-line input (see json_input.h).
#include "cli/json_input.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "google/protobuf/util/json_util.h"

namespace genauth::cli {
namespace {

// A SAX handler that records only what the top-level value is and, if the text is not JSON, why
// not; nlohmann reports syntax errors to it instead of throwing.
class JsonShape {
 public:
  bool null() { return Saw("null"); }
  bool boolean(bool) { return Saw("a boolean"); }
  bool number_integer(std::int64_t) { return Saw("a number"); }
  bool number_unsigned(std::uint64_t) { return Saw("a number"); }
  bool number_float(double, const std::string&) { return Saw("a number"); }
  bool string(std::string&) { return Saw("a string"); }
  bool binary(nlohmann::json::binary_t&) { return Saw("binary data"); }
  bool start_object(std::size_t) { return Saw("an object"); }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return Saw("an array"); }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& e) {
    error_ = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag: it means nothing to a user.
    if (size_t tag_end = error_.find("] ");
        !error_.empty() && error_[0] == '[' && tag_end != std::string::npos) {
      error_.erase(0, tag_end + 2);
    }
    return false;
  }

  const std::string& top_level() const { return top_level_; }
  const std::string& error() const { return error_; }

 private:
  bool Saw(const char* kind) {
    if (top_level_.empty()) top_level_ = kind;
    return true;
  }

  std::string top_level_;
  std::string error_;
};

}  // namespace

std::string ParseJsonObject(std::string_view what, std::string_view text,
                            google::protobuf::Message* message) {
  JsonShape shape;
  nlohmann::json::sax_parse(text, &shape);
  if (!shape.error().empty()) return std::string(what) + ": not valid JSON: " + shape.error();
  if (shape.top_level() != "an object") {
    return std::string(what) + ": expected a JSON object, got " + shape.top_level();
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), message, options);
  if (!status.ok()) return std::string(what) + ": " + std::string(status.message());
  return "";
}

}  // namespace genauth::cli
