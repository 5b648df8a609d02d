// Secret rotation end to end: an in-process sidecar reading its secret from a file laid out like a
// mounted Kubernetes Secret (dir/secret -> ..data/secret, ..data -> ..2026_01), the emulator
// switched to a new secret, and the symlink swapped atomically. Calls keep succeeding throughout,
// the next token fetch uses the new secret, a rejected secret changes nothing, and neither secret
// is logged. Polls are triggered by the test (the interval is an hour).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "nlohmann/json.hpp"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = genauth::management::v1;

constexpr char kTokenPath[] = "/api/v3/get-management-token";
constexpr char kNewSecret[] = "ROTATED-secret-never-logged-77e1";

// A directory shaped like a kubelet-managed Secret volume.
class SecretVolume {
 public:
  SecretVolume() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("sidecar-secret-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Publish(kKeySecret);
    fs::create_symlink("..data/secret", dir_ / "secret");
  }
  ~SecretVolume() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // What the kubelet does on an update: write a new timestamped directory, point ..data_tmp at it
  // and rename it over ..data (one atomic step), then remove the old directory.
  void Publish(const std::string& secret) {
    const std::string version = "..2026_01_0" + std::to_string(++versions_);
    fs::create_directories(dir_ / version);
    std::ofstream(dir_ / version / "secret") << secret << "\n";
    fs::create_symlink(version, dir_ / "..data_tmp");
    fs::rename(dir_ / "..data_tmp", dir_ / "..data");
    if (!previous_.empty()) fs::remove_all(dir_ / previous_);
    previous_ = version;
  }

  std::string path() const { return (dir_ / "secret").string(); }

 private:
  fs::path dir_;
  int versions_ = 0;
  std::string previous_;
};

std::string SecretSent(const emulator::RecordedRequest& token_request) {
  auto body = nlohmann::json::parse(token_request.body, nullptr, false);
  return body.is_object() ? body.value("accessKeySecret", "") : "";
}

class SecretRotationTest : public ::testing::Test {
 protected:
  SecretRotationTest() {
    h_.sidecar_options().secret_rotation =
        auth::SecretWatcherOptions{volume_.path(), std::chrono::hours(1)};
  }

  grpc::Status Trigger() {
    v1::TriggerWebhookResponse response;
    return h_.Trigger(TriggerRequest(), &response);
  }

  uint64_t Counter(const std::string& name, const observability::Labels& labels = {}) {
    return h_.sidecar().metrics().CounterValue(name, labels);
  }

  void ExpectNoSecretLogged() {
    const std::string logs = h_.Logs();
    EXPECT_EQ(logs.find(kKeySecret), std::string::npos);
    EXPECT_EQ(logs.find(kNewSecret), std::string::npos);
    for (const auto& token : h_.emulator().IssuedTokens()) {
      EXPECT_EQ(logs.find(token), std::string::npos);
    }
  }

  SecretVolume volume_;
  SidecarHarness h_;
};

TEST_F(SecretRotationTest, SwitchesToTheNewSecretWithoutAFailedCall) {
  h_.Start();
  ASSERT_TRUE(Trigger().ok());
  ASSERT_EQ(h_.emulator().Requests(kTokenPath).size(), 1u);
  EXPECT_EQ(SecretSent(h_.emulator().Requests(kTokenPath)[0]), kKeySecret);

  // Calls run all the time, from another thread, while the secret changes under them.
  std::atomic<bool> stop{false};
  std::atomic<int> succeeded{0};
  std::atomic<int> failed{0};
  std::thread caller([&] {
    while (!stop) {
      v1::ListWebhooksRequest list;
      list.set_page(1);
      list.set_limit(10);
      v1::ListWebhooksResponse reply;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      (h_.stub().ListWebhooks(&context, list, &reply).ok() ? succeeded : failed)++;
    }
  });
  auto await_more_calls = [&] {
    const int seen = succeeded + failed;
    for (int i = 0; i < 2000 && succeeded + failed < seen + 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };

  volume_.Publish(kNewSecret);  // Kubernetes updated the Secret...
  await_more_calls();
  h_.emulator().SetAccessKeySecret(kNewSecret);  // ...and GenAuth accepts only the new secret
  await_more_calls();
  ASSERT_TRUE(Trigger().ok());  // the old token still works
  EXPECT_EQ(h_.emulator().Requests(kTokenPath).size(), 1u);

  h_.sidecar().PollSecretFileNow();
  await_more_calls();
  stop = true;
  caller.join();
  EXPECT_EQ(failed, 0);
  EXPECT_GT(succeeded, 0);

  auto token_requests = h_.emulator().Requests(kTokenPath);
  ASSERT_EQ(token_requests.size(), 2u);
  EXPECT_EQ(SecretSent(token_requests[1]), kNewSecret);
  EXPECT_EQ(Counter("genauth_secret_rotations_total"), 1u);
  EXPECT_EQ(Counter("genauth_secret_rotation_failures_total", {{"reason", "rejected"}}), 0u);

  // Calls now carry the token fetched with the new secret.
  ASSERT_TRUE(Trigger().ok());
  const std::string new_token = h_.emulator().IssuedTokens().back();
  EXPECT_EQ(h_.emulator().Requests(kTriggerPath).back().headers.at("authorization"),
            "Bearer " + new_token);

  // And the cache's own fetches use it too: GenAuth drops every token, the call renews its token.
  h_.emulator().RevokeAllTokens();
  ASSERT_TRUE(Trigger().ok());
  token_requests = h_.emulator().Requests(kTokenPath);
  ASSERT_EQ(token_requests.size(), 3u);
  EXPECT_EQ(SecretSent(token_requests[2]), kNewSecret);
  ExpectNoSecretLogged();
}

TEST_F(SecretRotationTest, ARejectedSecretKeepsTheOldTokenAndIsRetriedOnTheNextPoll) {
  h_.Start();
  ASSERT_TRUE(Trigger().ok());
  volume_.Publish(kNewSecret);  // GenAuth does not know it yet

  h_.sidecar().PollSecretFileNow();
  EXPECT_EQ(Counter("genauth_secret_rotation_failures_total", {{"reason", "rejected"}}), 1u);
  EXPECT_EQ(Counter("genauth_secret_rotations_total"), 0u);
  ASSERT_TRUE(Trigger().ok());  // still on the old token
  EXPECT_EQ(h_.emulator().IssuedTokens().size(), 1u);
  EXPECT_NE(h_.Logs().find("access key secret rotation failed"), std::string::npos);

  h_.emulator().SetAccessKeySecret(kNewSecret);
  h_.sidecar().PollSecretFileNow();
  EXPECT_EQ(Counter("genauth_secret_rotations_total"), 1u);
  ASSERT_TRUE(Trigger().ok());
  EXPECT_EQ(h_.emulator().IssuedTokens().size(), 2u);
  ExpectNoSecretLogged();
}

TEST_F(SecretRotationTest, SignatureModeSignsWithTheNewSecretAfterThePoll) {
  h_.sidecar_options().signature = auth::RequestSignerOptions{"x-authing"};
  h_.Start();
  ASSERT_TRUE(Trigger().ok());
  volume_.Publish(kNewSecret);
  h_.sidecar().PollSecretFileNow();
  h_.emulator().SetAccessKeySecret(kNewSecret);
  grpc::Status status = Trigger();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Counter("genauth_secret_rotations_total"), 1u);
  EXPECT_EQ(h_.emulator().TokensIssued(), 0u);
  ExpectNoSecretLogged();
}

}  // namespace
}  // namespace genauth::testing
