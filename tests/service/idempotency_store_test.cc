// Tests of the idempotency key store on a fake clock: first / replay / join / conflict, forgetting
// outcomes GenAuth did not act on, leaving a join, expiry, and the entry and byte bounds.
#include "service/idempotency_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "service/request_fingerprint.h"

namespace genauth::service {
namespace {

using Kind = IdempotencyStore::Claim::Kind;
using std::chrono::minutes;

std::shared_ptr<const IdempotentAnswer> Ok(const std::string& response) {
  auto answer = std::make_shared<IdempotentAnswer>();
  answer->response = response;
  return answer;
}

class IdempotencyStoreTest : public ::testing::Test {
 protected:
  IdempotencyStore& Store(IdempotencyOptions options = {}) {
    store_ = std::make_unique<IdempotencyStore>(options, &clock_, &metrics_);
    return *store_;
  }
  uint64_t Calls(const char* outcome) const {
    return metrics_.CounterValue("genauth_sidecar_idempotency_calls_total", {{"outcome", outcome}});
  }
  uint64_t Evictions(const char* why) const {
    return metrics_.CounterValue("genauth_sidecar_idempotency_evictions_total", {{"why", why}});
  }
  IdempotencyStore::Waiter Collect() {
    return [this](std::shared_ptr<const IdempotentAnswer> a) { delivered_.push_back(a); };
  }

  common::FakeClock clock_;
  observability::MetricsRegistry metrics_;
  std::unique_ptr<IdempotencyStore> store_;
  std::vector<std::shared_ptr<const IdempotentAnswer>> delivered_;
};

TEST_F(IdempotencyStoreTest, FirstThenReplayWithinTheWindow) {
  IdempotencyStore& store = Store();
  EXPECT_EQ(store.Begin("Trigger", "k1", "fp", nullptr).kind, Kind::kFirst);
  store.Finish("Trigger", "k1", Ok("answer"), true);
  auto replay = store.Begin("Trigger", "k1", "fp", nullptr);
  ASSERT_EQ(replay.kind, Kind::kReplay);
  EXPECT_EQ(replay.answer->response, "answer");
  // Keys are per RPC: the same key on another RPC is another key.
  EXPECT_EQ(store.Begin("Create", "k1", "other", nullptr).kind, Kind::kFirst);
  EXPECT_EQ(Calls("first"), 2u);
  EXPECT_EQ(Calls("replayed"), 1u);
}

TEST_F(IdempotencyStoreTest, AnotherRequestWithTheKeyIsAConflict) {
  IdempotencyStore& store = Store();
  ASSERT_EQ(store.Begin("Trigger", "k1", "fp", nullptr).kind, Kind::kFirst);
  EXPECT_EQ(store.Begin("Trigger", "k1", "fp2", nullptr).kind, Kind::kConflict);  // running
  store.Finish("Trigger", "k1", Ok("a"), true);
  EXPECT_EQ(store.Begin("Trigger", "k1", "fp2", nullptr).kind, Kind::kConflict);  // finished
  EXPECT_EQ(Calls("conflict"), 2u);
}

TEST_F(IdempotencyStoreTest, JoinersGetTheFirstAnswerUnlessTheyLeave) {
  IdempotencyStore& store = Store();
  ASSERT_EQ(store.Begin("Trigger", "k1", "fp", nullptr).kind, Kind::kFirst);
  auto a = store.Begin("Trigger", "k1", "fp", Collect());
  auto b = store.Begin("Trigger", "k1", "fp", Collect());
  auto c = store.Begin("Trigger", "k1", "fp", Collect());
  ASSERT_EQ(a.kind, Kind::kJoined);
  ASSERT_EQ(c.kind, Kind::kJoined);
  EXPECT_TRUE(store.Leave("Trigger", "k1", b.waiter_id));
  EXPECT_FALSE(store.Leave("Trigger", "k1", b.waiter_id));  // only once
  EXPECT_TRUE(delivered_.empty());
  store.Finish("Trigger", "k1", Ok("first"), true);
  ASSERT_EQ(delivered_.size(), 2u);
  EXPECT_EQ(delivered_[0]->response, "first");
  EXPECT_EQ(delivered_[1]->response, "first");
  EXPECT_FALSE(store.Leave("Trigger", "k1", a.waiter_id));  // already answered
  EXPECT_EQ(Calls("joined"), 3u);
}

TEST_F(IdempotencyStoreTest, AForgottenOutcomeLetsTheRepeatRunAnew) {
  IdempotencyStore& store = Store();
  ASSERT_EQ(store.Begin("Trigger", "k1", "fp", nullptr).kind, Kind::kFirst);
  ASSERT_EQ(store.Begin("Trigger", "k1", "fp", Collect()).kind, Kind::kJoined);
  auto unavailable = std::make_shared<IdempotentAnswer>();
  unavailable->status = absl::UnavailableError("nothing was sent");
  store.Finish("Trigger", "k1", unavailable, false);
  ASSERT_EQ(delivered_.size(), 1u);  // the joiner still gets the answer
  EXPECT_EQ(delivered_[0]->status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store.Begin("Trigger", "k1", "fp", nullptr).kind, Kind::kFirst);
  EXPECT_EQ(metrics_.CounterValue("genauth_sidecar_idempotency_forgotten_total"), 1u);
}

TEST_F(IdempotencyStoreTest, FinishedAnswersExpireAfterTheWindow) {
  IdempotencyStore& store = Store({100, 1 << 20, minutes(10)});
  ASSERT_EQ(store.Begin("Trigger", "k1", "fp", nullptr).kind, Kind::kFirst);
  store.Finish("Trigger", "k1", Ok("a"), true);
  clock_.Advance(minutes(5));
  ASSERT_EQ(store.Begin("Trigger", "k2", "fp", nullptr).kind, Kind::kFirst);
  store.Finish("Trigger", "k2", Ok("b"), true);
  clock_.Advance(minutes(5));  // k1 is 10 minutes old now
  EXPECT_EQ(store.Begin("Trigger", "k1", "fp", nullptr).kind, Kind::kFirst);
  EXPECT_EQ(store.Begin("Trigger", "k2", "fp", nullptr).kind, Kind::kReplay);
  EXPECT_EQ(Evictions("expired"), 1u);
  // A running first call never expires, however long it takes.
  clock_.Advance(minutes(60));
  EXPECT_EQ(store.Begin("Trigger", "k1", "fp", Collect()).kind, Kind::kJoined);
  EXPECT_EQ(store.entries(), 1u);  // k1 running; k2 expired
}

TEST_F(IdempotencyStoreTest, TheEntryBoundEvictsTheOldestFinishedAndRefusesWhenAllRun) {
  IdempotencyStore& store = Store({2, 1 << 20, minutes(10)});
  ASSERT_EQ(store.Begin("T", "k1", "fp", nullptr).kind, Kind::kFirst);
  store.Finish("T", "k1", Ok("a"), true);
  ASSERT_EQ(store.Begin("T", "k2", "fp", nullptr).kind, Kind::kFirst);
  ASSERT_EQ(store.Begin("T", "k3", "fp", nullptr).kind, Kind::kFirst);  // evicts k1
  EXPECT_EQ(Evictions("capacity"), 1u);
  EXPECT_EQ(store.entries(), 2u);
  EXPECT_EQ(store.Begin("T", "k4", "fp", nullptr).kind, Kind::kFull);  // k2, k3 both run
  EXPECT_EQ(Calls("refused"), 1u);
  store.Finish("T", "k2", Ok("b"), true);
  EXPECT_EQ(store.Begin("T", "k4", "fp", nullptr).kind, Kind::kFirst);  // evicts k2
  EXPECT_EQ(store.Begin("T", "k1", "fp", nullptr).kind, Kind::kFull);
}

TEST_F(IdempotencyStoreTest, TheByteBoundHoldsWhateverTheAnswers) {
  const size_t entry = IdempotencyStore::kEntryOverheadBytes + 10;  // "T\nkN" + "fp" and more
  IdempotencyStore& store = Store({1000, 3 * entry + 3000, minutes(10)});
  for (int i = 0; i < 50; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_EQ(store.Begin("T", key, "fp", nullptr).kind, Kind::kFirst) << key;
    store.Finish("T", key, Ok(std::string(1000, 'x')), true);
    EXPECT_LE(store.bytes(), store.options().max_bytes);
  }
  EXPECT_LE(store.entries(), 3u);
  EXPECT_GE(Evictions("capacity"), 47u);
  // The newest answers are the ones kept.
  EXPECT_EQ(store.Begin("T", "k49", "fp", nullptr).kind, Kind::kReplay);
  // An answer larger than the whole bound is not remembered (and evicts nothing).
  const size_t before = store.entries();
  ASSERT_EQ(store.Begin("T", "big", "fp", nullptr).kind, Kind::kFirst);
  store.Finish("T", "big", Ok(std::string(10000, 'x')), true);
  EXPECT_EQ(Evictions("too_large"), 1u);
  EXPECT_LE(store.entries(), before);
  EXPECT_EQ(store.Begin("T", "big", "fp", nullptr).kind, Kind::kFirst);
  EXPECT_EQ(store.Begin("T", "k49", "fp", nullptr).kind, Kind::kReplay);
}

TEST(RequestFingerprintTest, DependsOnEveryPartOfTheRequest) {
  upstream::UpstreamCall call;
  call.method = "POST";
  call.path = "/api/v3/trigger-webhook";
  call.body = R"({"webhookId":"wh-1"})";
  const std::string base = RequestFingerprint(call);
  EXPECT_EQ(base.size(), 32u);
  EXPECT_EQ(RequestFingerprint(call), base);
  upstream::UpstreamCall other = call;
  other.body = R"({"webhookId":"wh-2"})";
  EXPECT_NE(RequestFingerprint(other), base);
  other = call;
  other.path = "/api/v3/create-webhook";
  EXPECT_NE(RequestFingerprint(other), base);
  other = call;
  other.query = {{"a", "b"}};
  EXPECT_NE(RequestFingerprint(other), base);
}

TEST(RequestFingerprintTest, TheOrderOfObjectMembersDoesNotMatter) {
  // The transcoder prints maps and Structs in protobuf's iteration order, which varies.
  upstream::UpstreamCall a;
  a.method = "POST";
  a.path = "/api/v3/trigger-webhook";
  a.body = R"({"webhookId":"wh-1","requestBody":{"eventName":"e","data":{"id":"u1","n":2}}})";
  upstream::UpstreamCall b = a;
  b.body = R"({"requestBody":{"data":{"n":2,"id":"u1"},"eventName":"e"},"webhookId":"wh-1"})";
  EXPECT_EQ(RequestFingerprint(a), RequestFingerprint(b));
  b.body = R"({"requestBody":{"data":{"n":3,"id":"u1"},"eventName":"e"},"webhookId":"wh-1"})";
  EXPECT_NE(RequestFingerprint(a), RequestFingerprint(b));
}

}  // namespace
}  // namespace genauth::service
