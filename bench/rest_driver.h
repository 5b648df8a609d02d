// Direct mode: each request is the REST call the sidecar would make for it (workload.h), sent
// straight to GenAuth (here: the emulator) by a pool of worker threads, each holding one
// kept-alive cpp-httplib connection — what a service calling GenAuth itself would do. The driver
// fetches a management token once before the run and again only after a 401, and sends the same
// headers the sidecar sends.
//
// A request waits in the queue while every worker is busy; that wait counts in its latency (it
// is measured from the scheduled time), as it would for the service.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "call_driver.h"
#include "workload.h"

namespace genauth::bench {

struct RestDriverOptions {
  std::string base_url;  // http(s)://host:port of GenAuth (the emulator)
  std::string ca_file;   // trust anchors for https; empty = system CAs
  std::string access_key_id;
  std::string access_key_secret;  // never printed
  std::string header_prefix = "x-authing";
  std::string lang = "zh-CN";
  int connections = 64;  // worker threads, one kept-alive connection each
  std::chrono::milliseconds timeout{5000};
};

class RestDriver final : public CallDriver {
 public:
  // `workload` and `sink` must outlive the driver.
  RestDriver(const RestDriverOptions& options, const Workload* workload, CompletionSink* sink);
  ~RestDriver() override;

  // Fetches the first management token and starts the workers; false (with `error`) when the
  // token cannot be had.
  bool Init(std::string* error);

  void Start(const CallSpec& call) override;
  void Shutdown() override;

  // Management tokens fetched so far (the first included).
  uint64_t token_fetches() const { return token_fetches_.load(); }

 private:
  struct Token {
    std::string authorization;  // "Bearer …"
    std::string userpool_id;
  };
  // Fetches a token unless another thread already replaced `stale` (null: fetch regardless).
  std::shared_ptr<const Token> RenewToken(const std::shared_ptr<const Token>& stale,
                                          std::string* error);
  std::shared_ptr<const Token> CurrentToken();
  void Work();

  const RestDriverOptions options_;
  const Workload* const workload_;
  CompletionSink* const sink_;

  std::mutex token_mu_;  // guards token_; held across a fetch so that only one thread fetches
  std::shared_ptr<const Token> token_;
  std::atomic<uint64_t> token_fetches_{0};

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<CallSpec> queue_;  // guarded by queue_mu_
  bool stopping_ = false;       // guarded by queue_mu_
  std::vector<std::thread> workers_;
};

}  // namespace genauth::bench
