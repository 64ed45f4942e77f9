#include "common/kit/api.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "common/base/digest.h"
#include "common/base/errors.h"
#include "common/base/text.h"

namespace rfs {

// FNV-1a: a stable hash (absl::Hash is seeded per process) to bind page tokens to filters.
uint64_t StableHash(absl::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

namespace {

absl::Status NotOurToken() {
  return InvalidField("page_token",
                      "このメソッドが返したトークンではありません。page_token を指定せずに最初から"
                      "やり直してください",
                      "not a token this method returned; start again without one");
}

absl::Status ForOtherFilters() {
  return InvalidField("page_token",
                      "別の絞り込み条件又は別の計画に対して発行されたトークンです。page_token "
                      "以外は同じ内容のリクエストを送ってください",
                      "was issued for other filters or another plan; use the same request "
                      "with only the page_token changed");
}

}  // namespace

std::string EncodePageToken(absl::string_view kind, uint64_t binding, int64_t position) {
  return absl::WebSafeBase64Escape(absl::StrCat(kind, ":", absl::Hex(binding), ":", position));
}

absl::StatusOr<int64_t> DecodePageToken(const std::string& token, absl::string_view kind,
                                        uint64_t binding) {
  if (token.empty()) return 0;
  std::string raw;
  std::vector<std::string> parts;
  int64_t position = 0;
  if (absl::WebSafeBase64Unescape(token, &raw)) parts = absl::StrSplit(raw, ':');
  // Positions are list positions or offsets; far below 2^40, so arithmetic on them never
  // overflows.
  if (parts.size() != 3 || parts[0] != kind || !absl::SimpleAtoi(parts[2], &position) ||
      position < 0 || position > (int64_t{1} << 40)) {
    return NotOurToken();
  }
  if (parts[1] != absl::StrCat(absl::Hex(binding))) {
    return ForOtherFilters();
  }
  return position;
}

std::string EncodeKeyPageToken(absl::string_view kind, uint64_t binding, absl::string_view key,
                               int64_t offset) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kind, ":", absl::Hex(binding), ":", offset, ":", key));
}

absl::StatusOr<KeyPosition> DecodeKeyPageToken(const std::string& token, absl::string_view kind,
                                               uint64_t binding) {
  if (token.empty()) return KeyPosition{};
  std::string raw;
  std::vector<std::string> parts;
  KeyPosition position;
  if (absl::WebSafeBase64Unescape(token, &raw)) {
    parts = absl::StrSplit(raw, absl::MaxSplits(':', 3));
  }
  if (parts.size() != 4 || parts[0] != kind || !absl::SimpleAtoi(parts[2], &position.offset) ||
      position.offset < 0 || position.offset > (int64_t{1} << 40) || parts[3].empty()) {
    return NotOurToken();
  }
  if (parts[1] != absl::StrCat(absl::Hex(binding))) {
    return ForOtherFilters();
  }
  position.key = std::move(parts[3]);
  return position;
}

absl::StatusOr<int> PageSize(int requested, int default_size, int max_size) {
  if (requested < 0) {
    return InvalidField(
        "page_size",
        absl::StrCat(requested, " は負の値です。既定の件数にする場合は 0 を指定してください"),
        absl::StrCat(requested, " is negative; use 0 for the default"));
  }
  if (requested == 0) return default_size;
  return std::min(requested, max_size);
}

std::string EtagOf(int64_t version) { return absl::StrCat("v", version); }

absl::Status EtagConflict(absl::string_view name, absl::string_view etag,
                          absl::string_view current) {
  const std::string your = Excerpt(etag);
  return Bilingual(
      absl::StatusCode::kAborted,
      absl::StrCat(name, " は読み込まれた後に変更されています（指定された etag ", your,
                   current.empty() ? "" : absl::StrCat("、現在の etag ", current),
                   "）。再度取得し、変更をやり直してください"),
      absl::StrCat(name, " changed since you read it (your etag ", your,
                   current.empty() ? "" : absl::StrCat(", now ", current),
                   "); get it again and redo your change"));
}

absl::StatusOr<int64_t> ParseEtag(const std::string& etag) {
  int64_t version = 0;
  // "v" and 1..18 digits: nothing else (no sign, spaces or leading padding) is an etag.
  bool digits = etag.size() >= 2 && etag.size() <= 19 && etag[0] == 'v';
  for (size_t i = 1; digits && i < etag.size(); ++i) digits = absl::ascii_isdigit(etag[i]);
  if (!digits || !absl::SimpleAtoi(etag.substr(1), &version)) {
    return InvalidField(
        "etag",
        absl::StrCat("'", Excerpt(etag),
                     "' はこのサービスの etag ではありません（\"v3\" のような形式です）。取得した計画の "
                     "etag をそのまま指定してください"),
        absl::StrCat("'", Excerpt(etag), "' is not an etag of this service (like \"v3\")"));
  }
  return version;
}

absl::Status ValidateRequestId(const std::string& request_id) {
  if (request_id.empty()) return absl::OkStatus();
  bool ok = request_id.size() <= 128;
  for (char c : request_id) {
    ok &= absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  }
  if (ok) return absl::OkStatus();
  return InvalidField("request_id",
                      "英数字と '-'、'_'、'.'、':' からなる1～128文字で指定してください（UUID "
                      "を使用できます）",
                      "1..128 letters, digits, '-', '_', '.' or ':' (a UUID is fine)");
}

std::string RequestFingerprint(const google::protobuf::MessageLite& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes).substr(0, 32);
}

}  // namespace rfs
