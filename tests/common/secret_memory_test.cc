// Wiping: WipeString zeroes a string's whole buffer, and SecretString / MakeWipedOnRelease leave
// nothing of a secret in the string they took it from — short strings included, whose bytes a
// std::string move copies rather than steals. (What happens to a buffer once it is freed cannot be
// observed without undefined behaviour; these tests check every buffer that stays observable.)
#include "common/secret_memory.h"

#include <gtest/gtest.h>

#include <string>

namespace genauth::common {
namespace {

// Whether `s`'s whole buffer (capacity() bytes from data()) is zero.
bool BufferIsZero(const std::string& s) {
  for (size_t i = 0; i < s.capacity(); ++i) {
    if (s.data()[i] != '\0') return false;
  }
  return true;
}

constexpr char kShort[] = "short-9";  // fits in std::string's in-object buffer
const std::string kLong(200, 'L');    // on the heap

TEST(WipeStringTest, ZeroesTheWholeBufferAndEmptiesTheString) {
  for (const std::string& secret : {std::string(kShort), kLong}) {
    std::string s = secret;
    s.resize(3);  // bytes beyond size() are still in the buffer, and wiped too
    const char* buffer = s.data();
    WipeString(s);
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.data(), buffer);  // the same buffer, not a fresh one
    EXPECT_TRUE(BufferIsZero(s)) << secret.size();
  }
}

TEST(SecretStringTest, TakesTheValueAndWipesWhatTheMoveLeft) {
  for (const std::string& secret : {std::string(kShort), kLong}) {
    std::string source = secret;
    SecretString held(std::move(source));
    EXPECT_EQ(held.value(), secret);
    EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): checking what a move left
    EXPECT_TRUE(BufferIsZero(source)) << secret.size();
  }
}

TEST(SecretStringTest, ReplaceWipesTheOldValueAndTheNewValuesSource) {
  SecretString held{std::string(kLong)};
  std::string next(kShort);
  held.Replace(std::move(next));
  EXPECT_EQ(held.value(), kShort);
  // `next` received the old heap buffer in the move; it must hold nothing of the old secret.
  EXPECT_TRUE(next.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(BufferIsZero(next));
}

TEST(SecretStringTest, MovingWipesTheMovedFromSecretString) {
  SecretString a{std::string(kShort)};
  SecretString b(std::move(a));
  EXPECT_EQ(b.value(), kShort);
  EXPECT_TRUE(a.value().empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(BufferIsZero(a.value()));
  SecretString c;
  c = std::move(b);
  EXPECT_EQ(c.value(), kShort);
  EXPECT_TRUE(BufferIsZero(b.value()));  // NOLINT(bugprone-use-after-move)
}

TEST(MakeWipedOnReleaseTest, SharesTheSecretAndWipesTheSource) {
  for (const std::string& secret : {std::string(kShort), kLong}) {
    std::string source = secret;
    std::shared_ptr<const std::string> shared = MakeWipedOnRelease(std::move(source));
    EXPECT_EQ(*shared, secret);
    EXPECT_TRUE(BufferIsZero(source)) << secret.size();  // NOLINT(bugprone-use-after-move)
    std::shared_ptr<const std::string> snapshot = shared;
    shared.reset();
    EXPECT_EQ(*snapshot, secret);  // a holder keeps it intact until it lets go
  }
}

}  // namespace
}  // namespace genauth::common
