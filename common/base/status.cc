#include "common/base/status.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/text.h"

namespace rfs {
namespace {

// Code points of a status message and of each text of its details. Japanese is 3 bytes a code
// point (9 once percent-encoded), and the message and its details travel in trailers, which
// gRPC clients accept up to 8-16 KiB by default.
constexpr size_t kMaxStatusMessageChars = 600;
constexpr char kDetailsUrl[] = "type.googleapis.com/rfs.common.v1.ErrorDetails";

constexpr char kRetryInfoUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

void WriteBytesField(google::protobuf::io::CodedOutputStream* coded, int field,
                     const std::string& bytes) {
  coded->WriteTag(static_cast<uint32_t>(field) << 3 | 2);
  coded->WriteVarint32(static_cast<uint32_t>(bytes.size()));
  coded->WriteString(bytes);
}

// The bytes of a google.rpc.RetryInfo {google.protobuf.Duration retry_delay = 1}.
std::string RetryInfoBytes(int64_t seconds) {
  google::protobuf::Duration delay;
  delay.set_seconds(seconds);
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    WriteBytesField(&coded, 1, delay.SerializeAsString());
  }
  return out;
}

// The bytes of a google.rpc.Status {code = 1, message = 2, repeated Any details = 3}: the
// format of the grpc-status-details-bin trailer that gRPC libraries decode. The details are
// the ErrorDetails and, for a status that says when to retry, a google.rpc.RetryInfo.
std::string RpcStatusBytes(int code, const std::string& message,
                           const common::v1::ErrorDetails& details,
                           std::optional<absl::Duration> retry_delay) {
  std::vector<google::protobuf::Any> anys(1);
  anys[0].set_type_url(kDetailsUrl);
  anys[0].set_value(details.SerializeAsString());
  if (retry_delay.has_value()) {
    google::protobuf::Any& retry = anys.emplace_back();
    retry.set_type_url(kRetryInfoUrl);
    retry.set_value(RetryInfoBytes(absl::ToInt64Seconds(*retry_delay)));
  }
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteTag(1 << 3 | 0);
    coded.WriteVarint32(static_cast<uint32_t>(code));
    WriteBytesField(&coded, 2, message);
    for (const google::protobuf::Any& any : anys) {
      WriteBytesField(&coded, 3, any.SerializeAsString());
    }
  }
  return out;
}

}  // namespace

Language LanguageOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("accept-language");
  if (it == metadata.end()) return Language::kJapaneseThenEnglish;
  const std::string tag = absl::AsciiStrToLower(
      absl::string_view(it->second.data(), std::min<size_t>(it->second.size(), 2)));
  if (tag == "en") return Language::kEnglish;
  if (tag == "ja") return Language::kJapanese;
  return Language::kJapaneseThenEnglish;
}

grpc::Status ToGrpcStatus(const absl::Status& status, Language language) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode and grpc::StatusCode share the canonical numbering (0..16). Messages quote
  // input in excerpts (common/base/text.h); this bound is the last guard against echoing it whole.
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::optional<common::v1::ErrorDetails> details = DetailsOf(status);
  if (!details.has_value()) {
    return grpc::Status(code, Excerpt(status.message(), kMaxStatusMessageChars));
  }
  // Every text of the details is bounded too: they travel in a trailer.
  details->set_message_ja(Excerpt(details->message_ja(), kMaxStatusMessageChars));
  details->set_message_en(Excerpt(details->message_en(), kMaxStatusMessageChars));
  for (auto& v : *details->mutable_field_violations()) {
    v.set_field(Excerpt(v.field(), 200));
    v.set_description_ja(Excerpt(v.description_ja(), kMaxStatusMessageChars));
    v.set_description_en(Excerpt(v.description_en(), kMaxStatusMessageChars));
  }
  std::string message;
  switch (language) {
    case Language::kJapanese:
      message = details->message_ja();
      break;
    case Language::kEnglish:
      message = details->message_en();
      break;
    case Language::kJapaneseThenEnglish:
      message = absl::StrCat(details->message_ja(), "\n", details->message_en());
      break;
  }
  // (each language is bounded above)
  return grpc::Status(code, message,
                      RpcStatusBytes(static_cast<int>(code), message, *details,
                                     RetryDelayOf(status)));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  // Bilingual details come back as they went out: field 3 of the google.rpc.Status, an Any.
  const std::string& bytes = status.error_details();
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::optional<common::v1::ErrorDetails> details;
  std::optional<absl::Duration> retry_delay;
  for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
    if (tag != (3 << 3 | 2)) {
      if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag)) break;
      continue;
    }
    std::string any_bytes;
    uint32_t size = 0;
    google::protobuf::Any any;
    if (!in.ReadVarint32(&size) || !in.ReadString(&any_bytes, static_cast<int>(size)) ||
        !any.ParseFromString(any_bytes)) {
      break;
    }
    if (any.type_url() == kDetailsUrl) {
      common::v1::ErrorDetails d;
      if (d.ParseFromString(any.value())) details = std::move(d);
    } else if (any.type_url() == kRetryInfoUrl) {
      // RetryInfo {google.protobuf.Duration retry_delay = 1}.
      google::protobuf::io::CodedInputStream r(
          reinterpret_cast<const uint8_t*>(any.value().data()),
          static_cast<int>(any.value().size()));
      uint32_t len = 0;
      std::string bytes;
      google::protobuf::Duration delay;
      if (r.ReadTag() == (1 << 3 | 2) && r.ReadVarint32(&len) &&
          r.ReadString(&bytes, static_cast<int>(len)) && delay.ParseFromString(bytes)) {
        retry_delay = absl::Seconds(delay.seconds());
      }
    }
  }
  if (details.has_value()) {
    absl::Status out;
    if (details->field_violations_size() == 1 && code == absl::StatusCode::kInvalidArgument) {
      const auto& v = details->field_violations(0);
      out = InvalidField(v.field(), v.description_ja(), v.description_en());
    } else {
      out = Bilingual(code, details->message_ja(), details->message_en());
    }
    if (retry_delay.has_value()) out = WithRetryDelay(std::move(out), *retry_delay);
    return out;
  }
  return absl::Status(code, status.error_message());
}

}  // namespace rfs
