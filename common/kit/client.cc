#include "common/kit/client.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/time/clock.h"

namespace rfs {
namespace {

std::string ReadFileOrEmpty(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  if (options.max_reconnect_backoff_ms > 0) {
    const int initial = std::min(200, options.max_reconnect_backoff_ms);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, initial);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, initial);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, options.max_reconnect_backoff_ms);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFileOrEmpty(options.ca_file);
    ssl.pem_cert_chain = ReadFileOrEmpty(options.cert_file);
    ssl.pem_private_key = ReadFileOrEmpty(options.key_file);
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(options.target, credentials, args);
}

void PrepareCall(grpc::ClientContext* context, const std::string& token, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
}

void PreparePeerAttempt(grpc::ClientContext* context, const std::string& token,
                        absl::Duration timeout, int attempt) {
  if (attempt == 0) return PrepareCall(context, token, timeout);
  PrepareCall(context, token, std::min(timeout, absl::Seconds(2)));
  context->set_wait_for_ready(true);
}

}  // namespace rfs
