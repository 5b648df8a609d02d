// libcurl multi transport on the event loop (see http_transport.h). The shape follows curl's
// docs/examples/ephiperfifo.c: libcurl tells us which sockets to watch and when its next timeout
// is; the loop tells libcurl what became ready; finished transfers are collected after each call.
// A transfer's own libcurl side (easy handle, callbacks) is in http_transfer.cc.
#include "upstream/http_transport.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>

#include "common/duration.h"
#include "upstream/http_transfer.h"
#include "upstream/transfer_outcome.h"

namespace genauth::upstream {

namespace {

std::once_flag curl_global_init_once;

long Millis(common::Duration d) {  // NOLINT(runtime/int): libcurl takes long
  return std::max<long>(           // NOLINT(runtime/int)
      1, static_cast<long>(        // NOLINT(runtime/int)
             std::chrono::ceil<std::chrono::milliseconds>(d).count()));
}

}  // namespace

HttpTransport::HttpTransport(HttpTransportOptions options, common::EventLoop* loop,
                             common::Clock* clock)
    : options_(std::move(options)), loop_(loop), clock_(clock) {}

HttpTransport::~HttpTransport() {
  // The loop has stopped (or this is its thread): transfers still here belong to no one.
  for (auto& [id, transfer] : active_) {
    if (transfer->running) curl_multi_remove_handle(multi_, transfer->easy);
    Recycle(std::move(transfer));
  }
  active_.clear();
  for (auto& transfer : idle_) curl_easy_cleanup(transfer->easy);
  idle_.clear();
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
  if (share_ != nullptr) curl_share_cleanup(share_);
  if (trust_store_ != nullptr) X509_STORE_free(static_cast<X509_STORE*>(trust_store_));
}

absl::Status HttpTransport::Init() {
  std::call_once(curl_global_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto* store = X509_STORE_new();
  trust_store_ = store;
  // The private CA adds to the system's certificates; it does not replace them. A missing system
  // bundle is no error when a CA file is given (a private deployment may trust only its own CA).
  const bool has_system = X509_STORE_load_file(store, options_.system_ca_bundle.c_str()) == 1;
  if (!options_.ca_file.empty() && X509_STORE_load_file(store, options_.ca_file.c_str()) != 1) {
    return absl::FailedPreconditionError("the CA file " + options_.ca_file +
                                         " (GENAUTH_CA_FILE) cannot be read as PEM certificates");
  }
  if (!has_system && options_.ca_file.empty()) {
    return absl::FailedPreconditionError("no trusted CA certificates: the system bundle " +
                                         options_.system_ca_bundle +
                                         " cannot be read, and GENAUTH_CA_FILE is not set");
  }
  share_ = curl_share_init();
  if (share_ == nullptr) return absl::InternalError("curl_share_init failed");
  // One thread uses the share, so it needs no lock callbacks.
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return absl::InternalError("curl_multi_init failed");
  const long connections = std::max(1, options_.max_connections);  // NOLINT(runtime/int)
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlCallbacks::Socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlCallbacks::Timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));  // NOLINT
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, connections);
  return absl::OkStatus();
}

void HttpTransport::Recycle(std::unique_ptr<Transfer> t) {
  curl_slist_free_all(t->headers);
  t->headers = nullptr;
  t->done = nullptr;
  t->running = false;
  t->expiry = 0;
  t->request = HttpRequest();  // a large body's memory goes back now, not at the next use
  t->response = HttpResponse();
  t->url.clear();
  constexpr size_t kIdleHandles = 64;
  if (idle_.size() < kIdleHandles) {
    idle_.push_back(std::move(t));
  } else {
    curl_easy_cleanup(t->easy);
  }
}

HttpTransport::TransferId HttpTransport::Send(HttpRequest request, common::Duration timeout,
                                              Done done, bool priority) {
  std::unique_ptr<Transfer> t = NewTransfer();
  const TransferId id = next_id_++;
  t->id = id;
  t->request = std::move(request);
  t->done = std::move(done);
  t->body_offset = 0;
  t->body_started = false;
  t->too_large = false;
  t->max_reply_bytes = options_.max_reply_bytes;
  t->started = clock_->Now();
  t->timeout = timeout;
  t->error[0] = '\0';
  t->url = options_.base_url + t->request.target;

  CURL* e = t->easy;
  const bool post = t->request.method != "GET";
  for (const auto& [name, value] : t->request.headers) {
    t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
  }
  if (post) {
    t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
    // No "Expect: 100-continue" round trip for large bodies: GenAuth reads what it is sent.
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(t->request.body ? t->request.body->size() : 0));
    if (t->request.method != "POST") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t->request.method.c_str());
    } else {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr);
    }
  } else {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr);
  }
  curl_easy_setopt(e, CURLOPT_URL, t->url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);

  Transfer* raw = t.get();
  active_.emplace(id, std::move(t));
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  if (running_ < Capacity()) {
    StartTransfer(raw);
    return id;
  }
  // Every connection (or HTTP/2 stream) libcurl may use is busy: wait in line rather than inside
  // libcurl, whose own waiting list is scanned on every event (thousands waiting stalled the
  // loop). Token fetches go first: calls wait for the token, not the other way round.
  if (priority) {
    waiting_.push_front(id);
  } else {
    waiting_.push_back(id);
  }
  raw->expiry = loop_->AddTimer(raw->started + timeout, [this, id] {
    auto it = active_.find(id);
    if (it == active_.end() || it->second->running) return;
    it->second->expiry = 0;
    FinishUnstarted(it->second.get());
  });
  return id;
}

size_t HttpTransport::Capacity() const {
  const auto connections = static_cast<size_t>(std::max(1, options_.max_connections));
  // Over HTTP/2 libcurl multiplexes up to 100 streams per connection (its default); over
  // HTTP/1.1, and until GenAuth's protocol is known, one exchange per connection.
  return http2_ ? H2Connections() * 100 : connections;
}

size_t HttpTransport::H2Connections() const {
  return static_cast<size_t>(
      std::clamp(options_.max_h2_connections, 1, std::max(1, options_.max_connections)));
}

void HttpTransport::StartTransfer(Transfer* t) {
  const common::Duration left = t->timeout - (clock_->Now() - t->started);
  if (left <= common::Duration::zero()) {
    FinishUnstarted(t);
    return;
  }
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, Millis(left));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, Millis(std::min(options_.connect_timeout, left)));
  t->running = true;
  ++running_;
  if (curl_multi_add_handle(multi_, e) != CURLM_OK) {
    // Reported like any transfer that ends before sending, on the next turn (never re-entrantly).
    const TransferId id = t->id;
    loop_->AddTimer(clock_->Now(), [this, id] {
      auto it = active_.find(id);
      if (it == active_.end()) return;
      std::snprintf(it->second->error, CURL_ERROR_SIZE, "libcurl refused the transfer");
      Finish(it->second.get(), CURLE_FAILED_INIT);
    });
  }
}

void HttpTransport::StartWaiting() {
  while (running_ < Capacity() && !waiting_.empty()) {
    const TransferId id = waiting_.front();
    waiting_.pop_front();
    auto it = active_.find(id);
    if (it == active_.end() || it->second->running) continue;  // cancelled or expired meanwhile
    Transfer* t = it->second.get();
    if (t->expiry != 0) loop_->CancelTimer(t->expiry);
    t->expiry = 0;
    StartTransfer(t);
  }
}

void HttpTransport::FinishUnstarted(Transfer* t) {
  auto it = active_.find(t->id);
  if (it == active_.end()) return;
  std::unique_ptr<Transfer> owned = std::move(it->second);
  active_.erase(it);
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  HttpResult result;
  result.failure = TransportFailure::kNotSent;
  result.detail = "no connection to " + options_.base_url + " was free within " +
                  common::FormatDuration(owned->timeout) + " (" + std::to_string(running_) +
                  " exchanges in flight; SIDECAR_UPSTREAM_MAX_CONNECTIONS=" +
                  std::to_string(options_.max_connections) + ")";
  Done done = std::move(owned->done);
  Recycle(std::move(owned));
  if (done) done(std::move(result));
}

void HttpTransport::Cancel(TransferId id) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  std::unique_ptr<Transfer> t = std::move(it->second);
  active_.erase(it);
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  if (t->running) {
    curl_multi_remove_handle(multi_, t->easy);
    --running_;
  } else if (t->expiry != 0) {
    loop_->CancelTimer(t->expiry);  // its id stays in waiting_ and is skipped there
  }
  Recycle(std::move(t));
  StartWaiting();
}

void HttpTransport::OnSocketEvent(int fd, uint32_t events) {
  int flags = 0;
  if ((events & EPOLLIN) != 0) flags |= CURL_CSELECT_IN;
  if ((events & EPOLLOUT) != 0) flags |= CURL_CSELECT_OUT;
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) flags |= CURL_CSELECT_ERR;
  int running = 0;
  curl_multi_socket_action(multi_, fd, flags, &running);
  CollectFinished();
}

void HttpTransport::OnCurlTimer() {
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  CollectFinished();
}

void HttpTransport::CollectFinished() {
  // Gathered first: a `done` may start or cancel transfers, which must not happen mid-iteration.
  std::vector<std::pair<Transfer*, CURLcode>> finished;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    if (t != nullptr) finished.emplace_back(t, msg->data.result);
  }
  for (const auto& [t, code] : finished) Finish(t, code);
}

void HttpTransport::Finish(Transfer* t, int code) {
  auto it = active_.find(t->id);
  if (it == active_.end() || it->second.get() != t) return;
  std::unique_ptr<Transfer> owned = std::move(it->second);
  active_.erase(it);
  CURL* e = owned->easy;

  TransferFacts facts;
  facts.curl_code = code;
  facts.is_post = owned->request.method != "GET";
  facts.body_started = owned->body_started;
  curl_off_t pretransfer_us = 0;
  curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
  facts.request_started = pretransfer_us > 0;
  facts.reply_too_large = owned->too_large;

  HttpResult result;
  result.failure = ClassifyTransfer(facts);
  if (result.failure == TransportFailure::kNone) {
    long status = 0;  // NOLINT(runtime/int)
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    long version = 0;  // NOLINT(runtime/int)
    curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
    result.http_version = version == CURL_HTTP_VERSION_2_0 ? "2" : "1.1";
    if (version == CURL_HTTP_VERSION_2_0 && !http2_) {
      // GenAuth multiplexes: a few connections carry everything from now on. Without this cap a
      // burst past one connection's streams, on a busy machine where handshakes are slow, had
      // libcurl open a new connection per waiting transfer (256 at 1000 calls/s).
      http2_ = true;
      curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                        static_cast<long>(H2Connections()));  // NOLINT(runtime/int)
    }
    owned->response.status = static_cast<int>(status);
    result.response = std::move(owned->response);
  } else {
    std::string curl_error = owned->error[0] != '\0'
                                 ? std::string(owned->error)
                                 : curl_easy_strerror(static_cast<CURLcode>(code));
    result.detail =
        DescribeTransferFailure(facts, curl_error, options_.base_url,
                                common::FormatDuration(clock_->Now() - owned->started),
                                common::FormatDuration(owned->timeout), options_.max_reply_bytes);
  }
  curl_multi_remove_handle(multi_, e);
  --running_;
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  Done done = std::move(owned->done);
  Recycle(std::move(owned));
  StartWaiting();
  if (done) done(std::move(result));
}

HttpResult HttpTransport::SendAndWait(HttpRequest request, common::Duration timeout) {
  auto promise = std::make_shared<std::promise<HttpResult>>();
  std::future<HttpResult> future = promise->get_future();
  const bool posted = loop_->Post([this, promise, request = std::move(request), timeout]() mutable {
    Send(
        std::move(request), timeout,
        [promise](HttpResult result) { promise->set_value(std::move(result)); },
        /*priority=*/true);
  });
  HttpResult stopped;
  stopped.failure = TransportFailure::kNotSent;
  stopped.detail = "the sidecar is shutting down";
  if (!posted) return stopped;
  // The transfer ends by its own timeout; the margin covers a loop that stops meanwhile.
  if (future.wait_for(timeout + std::chrono::seconds(2)) != std::future_status::ready) {
    return stopped;
  }
  return future.get();
}

}  // namespace genauth::upstream
