// The admin endpoint's request rules (see admin_request.h).
#include "admin/admin_request.h"

#include <algorithm>
#include <cctype>

namespace genauth::admin {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Splits off the first line (without its LF, with any CR trimmed by the callers).
std::string_view NextLine(std::string_view* rest) {
  const size_t lf = rest->find('\n');
  std::string_view line = rest->substr(0, lf);
  rest->remove_prefix(lf == std::string_view::npos ? rest->size() : lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// The path of an origin-form ("/metrics?x") or absolute-form ("http://host/metrics") target.
std::string_view PathOf(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() &&
        EqualsIgnoreCase(target.substr(0, scheme.size()), scheme)) {
      target.remove_prefix(scheme.size());
      const size_t slash = target.find('/');
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  return target.substr(0, target.find_first_of("?#"));
}

}  // namespace

size_t FindEndOfHead(std::string_view buffer) {
  // The first empty line: an LF followed by CRLF or by LF.
  for (size_t lf = buffer.find('\n'); lf != std::string_view::npos;
       lf = buffer.find('\n', lf + 1)) {
    if (lf + 1 < buffer.size() && buffer[lf + 1] == '\n') return lf + 2;
    if (lf + 2 < buffer.size() && buffer[lf + 1] == '\r' && buffer[lf + 2] == '\n') return lf + 3;
  }
  return std::string_view::npos;
}

AdminRequest RouteRequest(std::string_view head) {
  AdminRequest request;
  std::string_view rest = head;
  const std::string_view line = NextLine(&rest);
  // method SP request-target SP HTTP-version, single spaces (RFC 9112 section 3).
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  if (first == std::string_view::npos || last == first) return request;
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, last - first - 1);
  const std::string_view version = line.substr(last + 1);
  if (!IsToken(method) || target.empty() || target.find(' ') != std::string_view::npos ||
      (version != "HTTP/1.1" && version != "HTTP/1.0")) {
    return request;
  }
  request.head_only = method == "HEAD";
  if (method != "GET" && method != "HEAD") {
    request.route = AdminRoute::kMethodNotAllowed;
    return request;
  }

  bool has_body = false;
  bool malformed = false;
  for (std::string_view field = NextLine(&rest); !field.empty(); field = NextLine(&rest)) {
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos || !IsToken(field.substr(0, colon))) {
      malformed = true;
      continue;
    }
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = Trim(field.substr(colon + 1));
    if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      has_body = true;
    } else if (EqualsIgnoreCase(name, "Content-Length")) {
      if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
          })) {
        malformed = true;
      } else if (value.find_first_not_of('0') != std::string_view::npos) {
        has_body = true;
      }
    }
  }
  if (has_body) {
    request.route = AdminRoute::kBodyNotAccepted;
  } else if (malformed) {
    request.route = AdminRoute::kMalformed;
  } else {
    const std::string_view path = PathOf(target);
    request.route = path == "/healthz"   ? AdminRoute::kHealthz
                    : path == "/readyz"  ? AdminRoute::kReadyz
                    : path == "/metrics" ? AdminRoute::kMetrics
                                         : AdminRoute::kNotFound;
  }
  return request;
}

std::string_view RouteName(AdminRoute route) {
  switch (route) {
    case AdminRoute::kHealthz:
      return "healthz";
    case AdminRoute::kReadyz:
      return "readyz";
    case AdminRoute::kMetrics:
      return "metrics";
    case AdminRoute::kNotFound:
      return "not_found";
    case AdminRoute::kMethodNotAllowed:
      return "method_not_allowed";
    case AdminRoute::kBodyNotAccepted:
      return "body_not_accepted";
    case AdminRoute::kHeadTooLarge:
      return "head_too_large";
    case AdminRoute::kMalformed:
      return "malformed";
  }
  return "malformed";
}

}  // namespace genauth::admin
