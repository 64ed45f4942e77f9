#include "tools/rfsctl/cli_common.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/domain/fiscal.h"
#include "common/kit/client.h"

namespace rfs::rfsctl {
namespace {

const char* CodeName(int code) {
  static constexpr const char* kNames[] = {
      "OK",        "CANCELLED",         "UNKNOWN",   "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
      "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN";
}

}  // namespace

int Fail(const std::string& message) {
  std::fprintf(stderr, "rfsctl: %s\n", message.c_str());
  return kUsageError;
}

int FailRpc(const grpc::Status& status, bool english, const std::string& prefix) {
  std::fprintf(stderr, "rfsctl: %s%s: %s\n", prefix.c_str(), CodeName(status.error_code()),
               status.error_message().c_str());
  if (std::optional<common::v1::ErrorDetails> details = DetailsOf(FromGrpcStatus(status))) {
    for (const auto& v : details->field_violations()) {
      if (absl::StrContains(status.error_message(), v.field())) continue;  // already said
      std::fprintf(stderr, "  %s %s: %s\n", english ? "field" : "項目", v.field().c_str(),
                   (english ? v.description_en() : v.description_ja()).c_str());
    }
  }
  return 10 + status.error_code();
}

void PrepareContext(grpc::ClientContext* ctx, const std::string& token, absl::Duration timeout,
                    bool english) {
  PrepareCall(ctx, token, timeout);
  ctx->AddMetadata("accept-language", english ? "en" : "ja");
}

std::string ToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

bool ReadInput(const std::string& path, std::string* text) {
  std::stringstream buf;
  if (path == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    buf << in.rdbuf();
  }
  *text = buf.str();
  return true;
}

std::string NewRequestId() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  return absl::StrFormat("rfsctl-%016x%016x", gen(), gen());
}

std::string JstTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(t.seconds()), JapanTimeZone());
}

}  // namespace rfs::rfsctl
