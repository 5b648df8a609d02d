// Tests of CallAdmission: both bounds refuse at once and give everything back on release.
#include "service/call_admission.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace genauth::service {
namespace {

TEST(CallAdmissionTest, RefusesBeyondTheCallBound) {
  CallAdmission admission({/*max_calls=*/2, /*max_bytes=*/1000});
  EXPECT_EQ(admission.TryAdmit(10), CallAdmission::Verdict::kAdmitted);
  EXPECT_EQ(admission.TryAdmit(10), CallAdmission::Verdict::kAdmitted);
  EXPECT_EQ(admission.TryAdmit(10), CallAdmission::Verdict::kTooManyCalls);
  EXPECT_EQ(admission.calls(), 2u);
  EXPECT_EQ(admission.bytes(), 20u);
  admission.Release(10);
  EXPECT_EQ(admission.TryAdmit(10), CallAdmission::Verdict::kAdmitted);
}

TEST(CallAdmissionTest, RefusesBeyondTheByteBoundWithoutTakingASlot) {
  CallAdmission admission({10, 1000});
  EXPECT_EQ(admission.TryAdmit(600), CallAdmission::Verdict::kAdmitted);
  EXPECT_EQ(admission.TryAdmit(500), CallAdmission::Verdict::kTooManyBytes);
  EXPECT_EQ(admission.calls(), 1u);
  EXPECT_EQ(admission.bytes(), 600u);
  admission.Recharge(600, 100);  // transcoded: only the body is held now
  EXPECT_EQ(admission.TryAdmit(500), CallAdmission::Verdict::kAdmitted);
  EXPECT_EQ(admission.bytes(), 600u);
}

TEST(CallAdmissionTest, ARequestLargerThanTheWholeBudgetPassesOnlyAlone) {
  CallAdmission admission({10, 1000});
  EXPECT_EQ(admission.TryAdmit(5000), CallAdmission::Verdict::kAdmitted);
  EXPECT_EQ(admission.TryAdmit(1), CallAdmission::Verdict::kTooManyBytes);
  admission.Release(5000);
  EXPECT_EQ(admission.bytes(), 0u);
  EXPECT_EQ(admission.calls(), 0u);
}

TEST(CallAdmissionTest, ChargesShrinkOnceTranscoded) {
  EXPECT_GT(ChargeWhileTranscoding(1 << 20), ChargeWhileInFlight(1 << 20));
  EXPECT_GE(ChargeWhileTranscoding(0), 1u);  // every call costs something
}

TEST(CallAdmissionTest, ConcurrentAdmissionsNeverPassTheBounds) {
  CallAdmission admission({50, 1000000});
  std::atomic<int> admitted{0};
  std::atomic<size_t> max_seen{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (admission.TryAdmit(100) != CallAdmission::Verdict::kAdmitted) continue;
        ++admitted;
        size_t calls = admission.calls();
        size_t seen = max_seen.load();
        while (calls > seen && !max_seen.compare_exchange_weak(seen, calls)) {
        }
        admission.Release(100);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_GT(admitted.load(), 0);
  EXPECT_LE(max_seen.load(), 50u);
  EXPECT_EQ(admission.calls(), 0u);
  EXPECT_EQ(admission.bytes(), 0u);
}

}  // namespace
}  // namespace genauth::service
