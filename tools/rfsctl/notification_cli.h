// What the rfsctl commands of rfs-notification's webhooks and contacts share
// (webhook_commands.cc, contacts_commands.cc): the client at --notification_addr with the
// globals and the command line, one call with its error printed, the pages of a list, and the
// words and output both print. Header-only; used from one thread.
#pragma once

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/base/japan_time.h"
#include "common/kit/client.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/events_commands.h"
#include "tools/rfsctl/kpi_commands.h"

ABSL_DECLARE_FLAG(std::string, notification_addr);

namespace rfs::rfsctl::notification_cli {

namespace nv1 = notification::v1;

// A flag of commands.cc (--page_size, --page_token, --all), found by name: rfsctl links
// commands.cc, this library does not. `otherwise` when there is no such flag of type T.
template <typename T>
T CommandFlag(absl::string_view name, T otherwise) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr) return otherwise;
  const absl::optional<T> value = flag->TryGet<T>();
  return value.has_value() ? *value : otherwise;
}

// The client of rfs-notification at --notification_addr, with the globals and the command line.
class NotificationClient {
 public:
  NotificationClient(const EventsGlobals& g, std::vector<std::string> command_line)
      : g_(g), command_line_(std::move(command_line)) {
    ChannelOptions options;
    options.target = absl::GetFlag(FLAGS_notification_addr);
    options.tls = g.tls;
    options.ca_file = g.ca_file;
    stub_ = nv1::Notification::NewStub(MakeChannel(options));
  }
  const EventsGlobals& g() const { return g_; }
  bool en() const { return g_.english; }
  nv1::Notification::Stub& stub() const { return *stub_; }
  // The token, the language and a deadline of --timeout_s, or `at_least` when that is longer.
  void Prepare(grpc::ClientContext* ctx, absl::Duration at_least = absl::ZeroDuration()) const {
    PrepareContext(ctx, g_.token, std::max(g_.timeout, at_least), g_.english);
  }
  // The values of --NAME on the command line, in order; empty when it is not there (absl
  // cannot tell a flag given empty, --description=, from one not given).
  std::vector<std::string> Given(absl::string_view name) const {
    return RepeatedFlagValues(command_line_, name);
  }
  // Whether the boolean flag --NAME is on the command line: --NAME, --NAME=V or --noNAME (a
  // boolean takes no separate value, so Given would read the next argument as one).
  bool BoolGiven(absl::string_view name) const {
    for (const std::string& arg : command_line_) {
      absl::string_view a = arg;
      if (a == "--") break;
      if (!absl::ConsumePrefix(&a, "-")) continue;
      absl::ConsumePrefix(&a, "-");
      if (a == name || a == absl::StrCat("no", name) ||
          absl::StartsWith(a, absl::StrCat(name, "="))) {
        return true;
      }
    }
    return false;
  }

 private:
  const EventsGlobals& g_;
  std::vector<std::string> command_line_;
  std::unique_ptr<nv1::Notification::Stub> stub_;
};

// A unary method of the stub.
template <typename Request, typename Response>
using Rpc = grpc::Status (nv1::Notification::Stub::*)(grpc::ClientContext*, const Request&,
                                                      Response*);

// One call: 0, or its error printed and the exit code (10 + the gRPC code).
template <typename Request, typename Response>
int Call(const NotificationClient& c, Rpc<Request, Response> rpc, const Request& req,
         Response* resp, absl::Duration at_least = absl::ZeroDuration()) {
  grpc::ClientContext ctx;
  c.Prepare(&ctx, at_least);
  const grpc::Status s = (c.stub().*rpc)(&ctx, req, resp);
  if (s.ok()) return 0;
  std::fflush(stdout);
  return FailRpc(s, c.en());
}

inline std::string Trimmed(absl::string_view text) {
  return std::string(absl::StripAsciiWhitespace(text));
}

// "2026-05-01 09:30:15", in Japan time.
inline std::string When(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(t.seconds()),
                          JapanTimeZone());
}

inline void PrintJson(const google::protobuf::Message& m) {
  std::string json = ToJson(m);
  if (json.empty() || json.back() != '\n') json += '\n';
  std::fputs(json.c_str(), stdout);
}

// On stderr, when pages are left: how to read on.
inline void SayMore(const NotificationClient& c, const std::string& next_page_token) {
  if (next_page_token.empty()) return;
  std::fflush(stdout);
  const std::string text =
      c.en() ? absl::StrCat("more follow: --page_token ", next_page_token, ", or --all")
             : absl::StrCat("続きがあります: --page_token ", next_page_token, " か --all");
  std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace rfs::rfsctl::notification_cli
