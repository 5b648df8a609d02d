// Unverified JWT claim reading: base64url decoding and the scoped_userpool_id lookup.
#include "auth/jwt_claims.h"

#include <gtest/gtest.h>

namespace genauth::auth {
namespace {

TEST(Base64UrlDecodeTest, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(Base64UrlDecode("aGVsbG8").value(), "hello");
  EXPECT_EQ(Base64UrlDecode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(Base64UrlDecode("").value(), "");
  // 0xfb 0xff: '-' and '_' are the URL-safe spellings of '+' and '/'.
  EXPECT_EQ(Base64UrlDecode("-_8").value(), std::string("\xfb\xff"));
}

TEST(Base64UrlDecodeTest, RejectsInvalidInput) {
  EXPECT_FALSE(Base64UrlDecode("a").has_value());      // impossible length
  EXPECT_FALSE(Base64UrlDecode("ab$d").has_value());   // not in the alphabet
  EXPECT_FALSE(Base64UrlDecode("ab cd").has_value());  // whitespace
}

// {"alg":"none"} . {"scoped_userpool_id":"pool-1","n":1} . sig
constexpr char kJwt[] =
    "eyJhbGciOiJub25lIn0.eyJzY29wZWRfdXNlcnBvb2xfaWQiOiJwb29sLTEiLCJuIjoxfQ.c2ln";

TEST(JwtStringClaimTest, ReadsStringClaim) {
  EXPECT_EQ(JwtStringClaim(kJwt, "scoped_userpool_id").value(), "pool-1");
}

TEST(JwtStringClaimTest, MissingOrNonStringClaimIsNullopt) {
  EXPECT_FALSE(JwtStringClaim(kJwt, "absent").has_value());
  EXPECT_FALSE(JwtStringClaim(kJwt, "n").has_value());
}

TEST(JwtStringClaimTest, NotAJwtIsNullopt) {
  EXPECT_FALSE(JwtStringClaim("opaque-token", "scoped_userpool_id").has_value());
  EXPECT_FALSE(JwtStringClaim("a.b", "scoped_userpool_id").has_value());
  EXPECT_FALSE(JwtStringClaim("x.bm90IGpzb24.y", "scoped_userpool_id").has_value());  // "not json"
  EXPECT_FALSE(JwtStringClaim("x.WzFd.y", "scoped_userpool_id").has_value());  // [1]: not an object
}

}  // namespace
}  // namespace genauth::auth
