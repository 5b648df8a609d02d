// Microbenchmark of the per-call JSON work the profile pointed at: building TriggerWebhook's
// upstream body (1 KiB request_body) and filling its response from GenAuth's parsed `data`,
// with protobuf's util functions (what the sidecar did before) and with service/json_message
// (what it does now). Not part of `make bench`; run it to compare the two on any machine:
//   cmake --build build --target genauth-transcode-microbench && build/genauth-transcode-microbench
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>
#include <string>

#include "genauth/management/v1/webhook.pb.h"
#include "service/json_message.h"

namespace {

namespace v1 = genauth::management::v1;

v1::TriggerWebhookRequest Request() {
  v1::TriggerWebhookRequest request;
  request.set_webhook_id("wh-bench");
  (*request.mutable_request_headers()->mutable_fields())["x-bench"].set_string_value("1");
  auto& body = *request.mutable_request_body()->mutable_fields();
  body["eventName"].set_string_value("bench");
  (*body["data"].mutable_struct_value()->mutable_fields())["pad"].set_string_value(
      std::string(980, 'x'));
  return request;
}

// What the emulator answers: the receiver's echo of the 1 KiB body.
nlohmann::json Data() {
  return {{"response",
           {{"received", true},
            {"echo", {{"eventName", "bench"}, {"data", {{"pad", std::string(980, 'x')}}}}}}}};
}

void BM_BodyUtil(benchmark::State& state) {
  const v1::TriggerWebhookRequest request = Request();
  google::protobuf::util::JsonPrintOptions options;
  for (auto _ : state) {
    std::string body;
    (void)google::protobuf::util::MessageToJsonString(request, &body, options);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_BodyUtil);

void BM_BodyReflection(benchmark::State& state) {
  const v1::TriggerWebhookRequest request = Request();
  for (auto _ : state) {
    std::string body;
    genauth::service::MessageToJson(request, &body);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_BodyReflection);

void BM_ResponseUtil(benchmark::State& state) {
  const nlohmann::json data = Data();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  for (auto _ : state) {
    v1::TriggerWebhookResponse response;
    (void)google::protobuf::util::JsonStringToMessage(
        data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), &response, options);
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_ResponseUtil);

void BM_ResponseReflection(benchmark::State& state) {
  const nlohmann::json data = Data();
  for (auto _ : state) {
    v1::TriggerWebhookResponse response;
    std::string error;
    genauth::service::JsonToMessage(data, &response, &error);
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_ResponseReflection);

}  // namespace

BENCHMARK_MAIN();
