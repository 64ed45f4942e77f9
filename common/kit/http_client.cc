#include "common/kit/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/text.h"
#include "common/kit/curl_init.h"

namespace rfs {
namespace {

using curl::CurlFree;
using curl::EasyDeleter;
using curl::ListDeleter;
using curl::UrlDeleter;
using curl::UrlPart;

// What the rules of a webhook URL say about one, in both languages; nothing when it is fine.
struct UrlProblem {
  std::string ja;
  std::string en;
};


// Whether the authority of `url` ("scheme://authority/...") has user information ("user@",
// "user:password@", even an empty "@"), whatever libcurl makes of it.
bool HasUserInfo(absl::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return false;
  const size_t start = scheme_end + 3;
  const size_t end = url.find_first_of("/?#", start);
  const absl::string_view authority =
      url.substr(start, end == absl::string_view::npos ? absl::string_view::npos : end - start);
  return authority.find('@') != absl::string_view::npos;
}

std::optional<UrlProblem> FindUrlProblem(absl::string_view url, bool allow_http) {
  if (absl::StripAsciiWhitespace(url).empty()) {
    return UrlProblem{"Webhook の URL を入力してください", "a webhook URL is required"};
  }
  if (url.size() > kMaxWebhookUrlLength) {
    return UrlProblem{absl::StrCat("URL は ", kMaxWebhookUrlLength, " 文字以内にしてください（",
                                   url.size(), " 文字あります）"),
                      absl::StrCat("the URL must be at most ", kMaxWebhookUrlLength,
                                   " characters (it has ", url.size(), ")")};
  }
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return UrlProblem{"URL に空白や制御文字を含めないでください",
                        "the URL must not contain spaces or control characters"};
    }
  }
  // A fragment is never sent to the receiver; a '#' has no other place in a URL. (libcurl drops
  // an empty fragment silently, so the text is looked at as well as the parsed URL.)
  if (url.find('#') != absl::string_view::npos) {
    return UrlProblem{"URL に # 以降（フラグメント）を含めないでください",
                      "the URL must not contain a fragment (a '#' and what follows it)"};
  }
  const UrlProblem not_absolute{
      "完全な URL を入力してください（例: https://example.go.jp/hook）",
      "enter a complete URL (e.g. https://example.go.jp/hook)"};
  const UrlProblem no_host{"URL にホスト名がありません（例: https://example.go.jp/hook）",
                           "the URL has no host name (e.g. https://example.go.jp/hook)"};
  // "scheme://" and then a host: libcurl alone would also take "https:/host" and
  // "https:///host" as "https://host".
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos || scheme_end == 0 ||
      !absl::ascii_isalpha(static_cast<unsigned char>(url[0])) ||
      url.substr(0, scheme_end).find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") !=
          absl::string_view::npos) {
    return not_absolute;
  }
  const absl::string_view after_scheme = url.substr(scheme_end + 3);
  if (after_scheme.empty() || after_scheme[0] == '/' || after_scheme[0] == '\\' ||
      after_scheme[0] == '?') {
    return no_host;
  }
  if (!EnsureCurlInitialized()) return not_absolute;
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (parsed == nullptr) return not_absolute;
  // Any scheme is parsed (CURLU_NON_SUPPORT_SCHEME) so that a wrong one is named below; with no
  // default scheme, a relative URL is refused.
  const CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(),
                                    CURLU_NON_SUPPORT_SCHEME);
  if (rc == CURLUE_NO_HOST) return no_host;
  if (rc != CURLUE_OK) return not_absolute;

  const std::string scheme =
      absl::AsciiStrToLower(UrlPart(parsed.get(), CURLUPART_SCHEME).value_or(""));
  if (scheme != "https" && !(allow_http && scheme == "http")) {
    const std::string shown = Excerpt(scheme, 10);
    if (allow_http) {
      return UrlProblem{
          absl::StrCat("URL は https:// または http:// で始めてください（", shown,
                       ":// は使えません）"),
          absl::StrCat("the URL must start with https:// or http:// (not ", shown, "://)")};
    }
    return UrlProblem{
        absl::StrCat("URL は https:// で始めてください（", shown, ":// は使えません）"),
        absl::StrCat("the URL must start with https:// (not ", shown, "://)")};
  }
  if (HasUserInfo(url) || UrlPart(parsed.get(), CURLUPART_USER).has_value() ||
      UrlPart(parsed.get(), CURLUPART_PASSWORD).has_value()) {
    return UrlProblem{
        "URL にユーザー名やパスワードを含めないでください（受信側は署名で送信元を確認します）",
        "the URL must not contain a user name or password (receivers verify the signature "
        "instead)"};
  }
  const std::optional<std::string> host = UrlPart(parsed.get(), CURLUPART_HOST);
  if (!host.has_value() || host->empty()) return no_host;
  if (UrlPart(parsed.get(), CURLUPART_FRAGMENT).has_value()) {
    return UrlProblem{"URL に # 以降（フラグメント）を含めないでください",
                      "the URL must not contain a fragment (a '#' and what follows it)"};
  }
  return std::nullopt;
}

// RFC 9110 token characters: what a header name may be made of.
bool IsToken(absl::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) continue;
    if (absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos) continue;
    return false;
  }
  return true;
}

// State of one call, shared with its callbacks.
struct Call {
  const EgressGuard* guard = nullptr;
  absl::Status refused;  // the first address the guard refused
  std::string body;
  size_t max_body = 0;
};

curl_socket_t OpenSocket(void* clientp, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* call = static_cast<Call*>(clientp);
  if (call->guard != nullptr) {
    absl::Status allowed =
        call->guard->Check(&address->addr, static_cast<socklen_t>(address->addrlen));
    if (!allowed.ok()) {
      if (call->refused.ok()) call->refused = std::move(allowed);
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t WriteBody(char* data, size_t size, size_t count, void* userdata) {
  auto* call = static_cast<Call*>(userdata);
  const size_t n = size * count;
  if (call->body.size() < call->max_body) {
    call->body.append(data, std::min(n, call->max_body - call->body.size()));
  }
  return n;  // the rest is read and discarded
}

// A duration as curl's milliseconds: at least 1 (0 would mean no limit), at most ~24 days.
long Millis(absl::Duration d) {
  int64_t ms = absl::ToInt64Milliseconds(d);
  if (ms < 1) ms = 1;
  if (ms > INT_MAX) ms = INT_MAX;
  return static_cast<long>(ms);
}

// "15", "0.5": seconds for a message.
std::string SecondsText(absl::Duration d) { return absl::StrCat(absl::ToDoubleSeconds(d)); }

HttpResponse Failed(HttpResponse::Failure failure, std::string error) {
  HttpResponse response;
  response.failure = failure;
  response.error = std::move(error);
  return response;
}

HttpResponse Post(const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body, const HttpOptions& options) {
  using Failure = HttpResponse::Failure;
  if (!EnsureCurlInitialized()) return Failed(Failure::kOther, "libcurl could not be initialised");
  if (std::optional<UrlProblem> problem = FindUrlProblem(url, options.allow_http)) {
    return Failed(Failure::kOther, absl::StrCat("bad URL: ", problem->en));
  }

  std::unique_ptr<curl_slist, ListDeleter> list;
  auto append = [&list](const std::string& line) {
    curl_slist* head = curl_slist_append(list.get(), line.c_str());
    if (head == nullptr) return false;  // the list is left as it was
    (void)list.release();  // `head` is the same list (or its first node)
    list.reset(head);
    return true;
  };
  for (const auto& [name, value] : headers) {
    if (!IsToken(name)) return Failed(Failure::kOther, "a header name is empty or not a token");
    if (value.find_first_of("\r\n") != std::string::npos ||
        value.find('\0') != std::string::npos) {
      return Failed(Failure::kOther,
                    absl::StrCat("the value of header ", name, " contains a line break"));
    }
    // "Name;" is libcurl's way to send a header with an empty value ("Name:" would remove it).
    if (!append(value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value))) {
      return Failed(Failure::kOther, "out of memory");
    }
  }
  if (!append("Expect:")) return Failed(Failure::kOther, "out of memory");

  std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
  if (handle == nullptr) return Failed(Failure::kOther, "libcurl could not make a handle");
  CURL* const h = handle.get();
  Call call;
  call.guard = options.guard;
  call.max_body = options.max_response_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const char* const protocols = options.allow_http ? "http,https" : "https";

  CURLcode set = CURLE_OK;
  auto keep = [&set](CURLcode rc) {
    if (set == CURLE_OK) set = rc;
  };
  keep(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer));
  keep(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  keep(curl_easy_setopt(h, CURLOPT_URL, url.c_str()));
  keep(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols));
  keep(curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols));
  keep(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
  keep(curl_easy_setopt(h, CURLOPT_PROXY, ""));
  keep(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, Millis(options.timeout)));
  keep(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, Millis(options.connect_timeout)));
  keep(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  keep(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  if (!options.ca_file.empty()) {
    keep(curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str()));
  }
  keep(curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str()));
  keep(curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get()));
  keep(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())));
  keep(curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data()));
  keep(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody));
  keep(curl_easy_setopt(h, CURLOPT_WRITEDATA, static_cast<void*>(&call)));
  if (options.guard != nullptr) {
    keep(curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket));
    keep(curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, static_cast<void*>(&call)));
  }
  if (set != CURLE_OK) {
    return Failed(Failure::kOther,
                  absl::StrCat("could not set up the request: ", curl_easy_strerror(set)));
  }

  const CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) {
    HttpResponse response;
    long status = 0;
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) {
      response.status = static_cast<int>(status);
    }
    curl_off_t retry_after = 0;
    if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
        retry_after > 0) {
      response.retry_after = absl::Seconds(retry_after);
    }
    response.body = std::move(call.body);
    return response;
  }

  // libcurl's own words: the error buffer when it says something, else the code's text.
  const std::string detail(
      error_buffer[0] != '\0'
          ? absl::StripTrailingAsciiWhitespace(absl::string_view(error_buffer))
          : absl::string_view(curl_easy_strerror(rc)));
  if (!call.refused.ok() && rc == CURLE_COULDNT_CONNECT) {
    return Failed(Failure::kRefusedAddress, std::string(call.refused.message()));
  }
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t connected_after_us = 0;
      const bool connected =
          curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected_after_us) == CURLE_OK &&
          connected_after_us > 0;
      if (!connected && options.connect_timeout < options.timeout) {
        return Failed(Failure::kTimeout, absl::StrCat("timed out after ",
                                                      SecondsText(options.connect_timeout),
                                                      " s while connecting"));
      }
      return Failed(Failure::kTimeout,
                    absl::StrCat("timed out after ", SecondsText(options.timeout), " s"));
    }
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Failed(Failure::kConnect, absl::StrCat("could not connect: ", detail));
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return Failed(Failure::kTls, absl::StrCat("TLS: ", detail));
    default: {
      const absl::string_view code_text = curl_easy_strerror(rc);
      if (detail == code_text) return Failed(Failure::kOther, detail);
      return Failed(Failure::kOther, absl::StrCat(code_text, " (", detail, ")"));
    }
  }
}

}  // namespace

HttpResponse HttpPost(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body, const HttpOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  HttpResponse response = Post(url, headers, body, options);
  response.latency = absl::FromChrono(std::chrono::steady_clock::now() - started);
  return response;
}

absl::Status CheckWebhookUrl(absl::string_view url, bool allow_http, absl::string_view field) {
  if (std::optional<UrlProblem> problem = FindUrlProblem(url, allow_http)) {
    return InvalidField(field, problem->ja, problem->en);
  }
  return absl::OkStatus();
}

}  // namespace rfs
