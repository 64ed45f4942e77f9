// ASSERT_OK(call): the gRPC call (or anything returning a grpc::Status) succeeded, else the test
// stops with the status' message. One definition for every test file.
#pragma once

#include <gtest/gtest.h>
#include <grpcpp/support/status.h>

#define ASSERT_OK(expr)                         \
  do {                                          \
    const grpc::Status s_ = (expr);             \
    ASSERT_TRUE(s_.ok()) << s_.error_message(); \
  } while (0)
