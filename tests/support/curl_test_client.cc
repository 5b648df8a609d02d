// One-call libcurl client for tests (see curl_test_client.h).
#include "support/curl_test_client.h"

#include <mutex>

namespace genauth::testing {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

}  // namespace

CurlResult CurlPerform(const std::string& url, const std::function<void(CURL*)>& configure) {
  // curl_global_init is not thread-safe before libcurl 7.84, and curl_easy_init would otherwise
  // call it implicitly on every thread's first use.
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  CurlResult result;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    result.code = CURLE_FAILED_INIT;
    return result;
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // "" = no proxy, and none from the environment
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  if (configure) configure(curl);

  const auto start = std::chrono::steady_clock::now();
  result.code = curl_easy_perform(curl);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &result.connect_status);
  result.error = error;
  curl_easy_cleanup(curl);
  return result;
}

}  // namespace genauth::testing
