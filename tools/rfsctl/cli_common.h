// What rfsctl's commands (commands.cc and the kpi and pdca files, kpi_cli.h) share: failing with
// the exit codes of main.cc, preparing a call, reading an input file and printing messages and
// times.
#pragma once

#include <string>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "absl/time/time.h"

namespace rfs::rfsctl {

// The exit code of a usage or local error.
constexpr int kUsageError = 2;

// Prints "rfsctl: MESSAGE" on stderr and returns kUsageError.
int Fail(const std::string& message);

// Prints the error of a failed call (in --lang: the services answer in the language rfsctl asks
// for) with the fields at fault from its details, and returns 10 + the gRPC code, so scripts can
// tell failures apart. `prefix` starts the first line, e.g. "line 7: " during an import.
int FailRpc(const grpc::Status& status, bool english, const std::string& prefix = "");

// Sets the deadline and the bearer token of a call, and asks for answers in English or Japanese.
void PrepareContext(grpc::ClientContext* ctx, const std::string& token, absl::Duration timeout,
                    bool english);

// Protobuf JSON, indented, with the proto field names.
std::string ToJson(const google::protobuf::Message& m);

// The whole of a file ("-" = standard input) in `text`; false when the file cannot be opened.
bool ReadInput(const std::string& path, std::string* text);

// A new idempotency key: "rfsctl-" and 32 random hex digits.
std::string NewRequestId();

// "2026-05-01 09:30", in Japan time.
std::string JstTime(const google::protobuf::Timestamp& t);

}  // namespace rfs::rfsctl
