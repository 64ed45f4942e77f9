// ASSERT_OK(status) and EXPECT_OK(status): a grpc::Status or an absl::Status (a gRPC call, a store's result) is OK,
// else the test stops with its message. One definition for every test file.
#pragma once

#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace rfs::testing {
inline std::pair<bool, std::string> OkAndMessage(const grpc::Status& s) {
  return {s.ok(), s.error_message()};
}
inline std::pair<bool, std::string> OkAndMessage(const absl::Status& s) {
  return {s.ok(), s.ToString()};
}
}  // namespace rfs::testing

#define ASSERT_OK(expr)                                        \
  do {                                                         \
    const auto ok_ = ::rfs::testing::OkAndMessage((expr));     \
    ASSERT_TRUE(ok_.first) << ok_.second;                      \
  } while (0)

// EXPECT_OK(status): as ASSERT_OK, but the test goes on (in helpers that return a value).
#define EXPECT_OK(expr)                                        \
  do {                                                         \
    const auto ok_ = ::rfs::testing::OkAndMessage((expr));     \
    EXPECT_TRUE(ok_.first) << ok_.second;                      \
  } while (0)
