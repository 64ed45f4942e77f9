// Tests of common/kit/rpc.h against a real gRPC server on a loopback port, serving the test-only
// rfs.testing.v1.Kit (tests/common/protos/rfs/testing/v1/kit.proto) with each helper, and a real
// TokenVerifier with an HS256 key.
#include "common/kit/rpc.h"

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/errors.h"
#include "common/domain/reference_data.h"
#include "rfs/testing/v1/kit.grpc.pb.h"
#include "rfs/testing/v1/kit.pb.h"
#include "tests/support/process.h"
#include "tests/support/unknown_fields.h"

namespace rfs {
namespace {

using testing::v1::CountReply;
using testing::v1::CountRequest;
using testing::v1::EchoReply;
using testing::v1::EchoRequest;
using testing::v1::Kit;
using testing::Smuggle;
using testing::UnknownBytes;
using Stream = std::shared_ptr<StreamHandle<CountReply>>;
using RawStream = std::shared_ptr<StreamHandle<grpc::ByteBuffer>>;

// How long a test waits for something that should happen at once. Generous: it only bounds a
// failing test.
constexpr absl::Duration kWait = absl::Seconds(20);
constexpr char kSubject[] = "clerk-1";

VerificationKey Key() { return {VerificationKey::Algorithm::kHs256, std::string(40, 'k')}; }

// Echo's logic: the text and the caller's subject, or the failure EchoRequest.fail_code asks
// for.
absl::StatusOr<EchoReply> EchoOf(const Principal& who, const EchoRequest& request) {
  if (request.fail_code() != 0) {
    return Bilingual(static_cast<absl::StatusCode>(request.fail_code()),
                     absl::StrCat("エコーできません: ", request.text()),
                     absl::StrCat("cannot echo: ", request.text()));
  }
  EchoReply reply;
  reply.set_text(request.text());
  reply.set_subject(who.subject);
  *reply.mutable_request() = request;
  return reply;
}


// A stream opened by Count and handed to the test, which plays its producer.
struct OpenedStream {
  std::string subject;
  CountRequest request;
  Stream stream;
};

// Echo with HandleUnary, RawEcho with ServeRawUnary (answering from another thread), Count with
// ServeStream, RawCount with ServeRawStream. Slow is left unimplemented (tests/common/kit/server_test.cc serves it).
class KitService final
    : public Kit::WithRawCallbackMethod_RawCount<
          Kit::WithCallbackMethod_Count<Kit::WithRawCallbackMethod_RawEcho<Kit::Service>>> {
 public:
  explicit KitService(const TokenVerifier* verifier) : verifier_(verifier) {}
  // After the server has shut down (every RawDone has run by then).
  ~KitService() override {
    absl::MutexLock lock(&mu_);
    for (std::thread& worker : workers_) worker.join();
  }

  grpc::Status Echo(grpc::ServerContext* ctx, const EchoRequest* req, EchoReply* resp) override {
    return HandleUnary(*verifier_, ctx, req, resp,
                       [&](const Principal& who, const auto& request) { return EchoOf(who, request); });
  }

  grpc::ServerUnaryReactor* RawEcho(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                    grpc::ByteBuffer* resp) override {
    return ServeRawUnary<EchoRequest>(
        *verifier_, ctx, req, resp,
        [this](const Principal& who, const EchoRequest& request, RawDone done) {
          // `who` and `request` (on the helper's arena) end when this returns: copies go along.
          absl::MutexLock lock(&mu_);
          workers_.emplace_back(
              [who = who, request = EchoRequest(request), done = std::move(done)]() mutable {
                absl::StatusOr<EchoReply> reply = EchoOf(who, request);
                if (!reply.ok()) return done(reply.status());
                done(SliceOf(reply->SerializeAsString()));
              });
        });
  }

  grpc::ServerWriteReactor<CountReply>* Count(grpc::CallbackServerContext* ctx,
                                              const CountRequest* req) override {
    const size_t capacity =
        req->capacity() > 0 ? static_cast<size_t>(req->capacity()) : kDefaultStreamCapacity;
    return ServeStream<CountReply>(
        *verifier_, ctx, req,
        [this](const Principal& who, const CountRequest& request, Stream stream) {
          absl::MutexLock lock(&mu_);
          ++opened_;
          streams_.push_back({who.subject, request, std::move(stream)});
        },
        capacity);
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* RawCount(grpc::CallbackServerContext* ctx,
                                                      const grpc::ByteBuffer* req) override {
    return ServeRawStream<CountRequest>(
        *verifier_, ctx, req, [this](const Principal&, const CountRequest&, RawStream stream) {
          absl::MutexLock lock(&mu_);
          ++opened_;
          raw_streams_.push_back(std::move(stream));
        });
  }

  // The next stream RawCount opened, waiting for it; null when none comes.
  RawStream NextRawStream() {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &KitService::HasRawStream), kWait)) {
      return nullptr;
    }
    RawStream next = std::move(raw_streams_.front());
    raw_streams_.erase(raw_streams_.begin());
    return next;
  }

  // The next stream Count opened, waiting for it; nullopt when none comes.
  std::optional<OpenedStream> NextStream() {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &KitService::HasStream), kWait)) {
      return std::nullopt;
    }
    OpenedStream next = std::move(streams_.front());
    streams_.erase(streams_.begin());
    return next;
  }

  // How many times ServeStream called its `start`.
  int opened() {
    absl::MutexLock lock(&mu_);
    return opened_;
  }

 private:
  bool HasStream() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !streams_.empty(); }
  bool HasRawStream() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !raw_streams_.empty(); }

  const TokenVerifier* verifier_;
  absl::Mutex mu_;
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<OpenedStream> streams_ ABSL_GUARDED_BY(mu_);
  std::vector<RawStream> raw_streams_ ABSL_GUARDED_BY(mu_);
  int opened_ ABSL_GUARDED_BY(mu_) = 0;
};

class RpcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto reference = ReferenceData::Load(testing::DataDir());
    ASSERT_TRUE(reference.ok()) << reference.status();
    reference_ = reference->release();
  }

  void SetUp() override {
    verifier_ = std::make_unique<TokenVerifier>(Key(), reference_);
    service_ = std::make_unique<KitService>(verifier_.get());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = Kit::NewStub(channel_);
    auto token = MintToken(Key(), {kSubject, Role::kPrefecture, "160008", "", absl::Hours(1)});
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = *token;
  }

  void TearDown() override {
    StopServer();
    service_.reset();
  }

  // Shuts the server down; every reactor has run OnDone when this returns.
  void StopServer() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_->Wait();
    server_.reset();
  }

  // A client context with a deadline, the caller's token unless `with_token` is false, and
  // `accept-language` when `language` is not empty.
  std::unique_ptr<grpc::ClientContext> Context(const std::string& language = "",
                                               bool with_token = true) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + kWait));
    if (with_token) ctx->AddMetadata("authorization", "Bearer " + token_);
    if (!language.empty()) ctx->AddMetadata("accept-language", language);
    return ctx;
  }

  // Calls RawEcho with `bytes` as the request, whatever they are.
  grpc::Status RawCall(grpc::ClientContext* ctx, const std::string& bytes) {
    grpc::GenericStub stub(channel_);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(ctx, "/rfs.testing.v1.Kit/RawEcho", grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  // Calls Echo (raw = false) or RawEcho (raw = true).
  grpc::Status EchoCall(bool raw, grpc::ClientContext* ctx, const EchoRequest& request,
                        EchoReply* reply) {
    return raw ? stub_->RawEcho(ctx, request, reply) : stub_->Echo(ctx, request, reply);
  }

  static const ReferenceData* reference_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<KitService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Kit::Stub> stub_;
  std::string token_;
};

const ReferenceData* RpcTest::reference_ = nullptr;

CountReply Numbered(int n, size_t payload_bytes = 0) {
  CountReply reply;
  reply.set_n(n);
  reply.set_payload(std::string(payload_bytes, 'x'));
  return reply;
}

TEST_F(RpcTest, EveryHelperRefusesACallWithoutToken) {
  EchoRequest request;
  request.set_text("hello");
  for (bool raw : {false, true}) {
    EchoReply reply;
    auto ctx = Context("en", /*with_token=*/false);
    grpc::Status status = EchoCall(raw, ctx.get(), request, &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "raw=" << raw;
    EXPECT_EQ(reply.text(), "") << "raw=" << raw;
  }
  // Authentication comes before parsing: unreadable bytes without a token are UNAUTHENTICATED.
  auto raw_ctx = Context("en", /*with_token=*/false);
  EXPECT_EQ(RawCall(raw_ctx.get(), "\x0a\x05" "ab").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  auto stream_ctx = Context("en", /*with_token=*/false);
  std::unique_ptr<grpc::ClientReader<CountReply>> reader =
      stub_->Count(stream_ctx.get(), CountRequest());
  CountReply message;
  EXPECT_FALSE(reader->Read(&message));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_->opened(), 0) << "the producer was started for an unauthenticated call";
}

TEST_F(RpcTest, ValidTokenEchoesWithTheCallersSubject) {
  EchoRequest request;
  request.set_text("富山県 hello");
  for (bool raw : {false, true}) {
    EchoReply reply;
    auto ctx = Context();
    grpc::Status status = EchoCall(raw, ctx.get(), request, &reply);
    ASSERT_TRUE(status.ok()) << "raw=" << raw << ": " << status.error_message();
    EXPECT_EQ(reply.text(), "富山県 hello") << "raw=" << raw;
    EXPECT_EQ(reply.subject(), kSubject) << "raw=" << raw;
  }
}

TEST_F(RpcTest, HandlerErrorIsMappedInTheCallersLanguage) {
  EchoRequest request;
  request.set_text("x");
  request.set_fail_code(static_cast<int>(absl::StatusCode::kAborted));
  struct Case {
    std::string language;
    std::string message;
  };
  const Case cases[] = {{"en", "cannot echo: x"},
                        {"ja", "エコーできません: x"},
                        {"", "エコーできません: x\ncannot echo: x"}};
  for (bool raw : {false, true}) {
    for (const Case& c : cases) {
      EchoReply reply;
      auto ctx = Context(c.language);
      grpc::Status status = EchoCall(raw, ctx.get(), request, &reply);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED)
          << "raw=" << raw << " language=" << c.language;
      EXPECT_EQ(status.error_message(), c.message) << "raw=" << raw << " language=" << c.language;
      EXPECT_FALSE(status.error_details().empty()) << "bilingual details travel along";
    }
  }
}

// A client can put fields of a newer (or made-up) schema anywhere in a request; the logic of a
// service never sees them, so it cannot store or serve them (the rule of every helper).
TEST_F(RpcTest, EveryHelperDropsUnknownFieldsAtEveryDepth) {
  EchoRequest request;
  request.set_text("known");
  request.mutable_inner()->set_text("inner");
  request.mutable_inner()->mutable_child()->set_text("child");
  request.add_items()->set_text("item");
  (*request.mutable_by_name())["k"].set_text("value");
  Smuggle(&request, 1000);
  Smuggle(request.mutable_inner(), 1000);
  Smuggle(request.mutable_inner()->mutable_child(), 1000);
  Smuggle(request.mutable_items(0), 1000);
  Smuggle(&(*request.mutable_by_name())["k"], 1000);
  // The test's own reading: five smuggled fields, one at each depth.
  ASSERT_GE(UnknownBytes(request), 4000u);
  for (bool raw : {false, true}) {
    EchoReply reply;
    auto ctx = Context();
    grpc::Status status = EchoCall(raw, ctx.get(), request, &reply);
    ASSERT_TRUE(status.ok()) << "raw=" << raw << ": " << status.error_message();
    EXPECT_EQ(UnknownBytes(reply.request()), 0u) << "raw=" << raw;
    // What the schema knows arrives whole.
    EXPECT_EQ(reply.request().inner().child().text(), "child") << "raw=" << raw;
    EXPECT_EQ(reply.request().items(0).text(), "item") << "raw=" << raw;
    EXPECT_EQ(reply.request().by_name().at("k").text(), "value") << "raw=" << raw;
  }
  CountRequest count;
  count.mutable_inner()->set_text("inner");
  Smuggle(&count, 1000);
  Smuggle(count.mutable_inner(), 1000);
  auto ctx = Context();
  std::unique_ptr<grpc::ClientReader<CountReply>> reader = stub_->Count(ctx.get(), count);
  std::optional<OpenedStream> opened = service_->NextStream();
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(UnknownBytes(opened->request), 0u);
  EXPECT_EQ(opened->request.inner().text(), "inner");
  opened->stream->Finish(absl::OkStatus());
  CountReply message;
  while (reader->Read(&message)) {
  }
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(RpcTest, RawRequestThatDoesNotParseIsInvalidArgument) {
  // Field 1, length 5, but only 2 bytes follow.
  const std::string garbage = "\x0a\x05" "ab";
  auto en = Context("en");
  grpc::Status status = RawCall(en.get(), garbage);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "request is not a EchoRequest");
  auto ja = Context("ja");
  status = RawCall(ja.get(), garbage);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "リクエストが EchoRequest として読めません");
  // The same call with a well-formed request goes through (the garbage was the only fault).
  EchoRequest request;
  request.set_text("ok");
  auto ok = Context("en");
  EXPECT_TRUE(RawCall(ok.get(), request.SerializeAsString()).ok());
}

TEST_F(RpcTest, StreamDeliversPushedMessagesInOrderThenTheProducersStatus) {
  constexpr int kMessages = 50;
  CountRequest request;
  request.set_capacity(kMessages + 1);  // the producer pushes faster than anything is written
  auto ctx = Context("en");
  std::unique_ptr<grpc::ClientReader<CountReply>> reader = stub_->Count(ctx.get(), request);

  std::optional<OpenedStream> opened = service_->NextStream();
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->subject, kSubject);
  EXPECT_EQ(opened->request.capacity(), kMessages + 1);
  Stream stream = opened->stream;
  EXPECT_EQ(stream->capacity(), static_cast<size_t>(kMessages + 1));
  EXPECT_TRUE(stream->open());
  for (int n = 1; n <= kMessages; ++n) ASSERT_TRUE(stream->Push(Numbered(n))) << n;
  stream->Finish(Bilingual(absl::StatusCode::kAborted, "50 まで数えました", "counted to 50"));
  EXPECT_FALSE(stream->open());
  EXPECT_FALSE(stream->Push(Numbered(kMessages + 1))) << "a push after Finish is refused";
  stream->Finish(absl::InternalError("a second Finish changes nothing"));

  std::vector<int> received;
  CountReply message;
  while (reader->Read(&message)) received.push_back(message.n());
  grpc::Status status = reader->Finish();
  ASSERT_EQ(received.size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(received[i], i + 1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(status.error_message(), "counted to 50");
}

// ServeRawStream: authenticated like every helper, and one serialized message pushed to two
// streams reaches both, in order (each handle holds a reference to the same bytes).
TEST_F(RpcTest, RawStreamsShareOneSerializedMessage) {
  auto anonymous = Context("en", /*with_token=*/false);
  std::unique_ptr<grpc::ClientReader<CountReply>> refused =
      stub_->RawCount(anonymous.get(), CountRequest());
  CountReply message;
  EXPECT_FALSE(refused->Read(&message));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_->opened(), 0);

  constexpr int kMessages = 20;
  auto a_ctx = Context("en");
  std::unique_ptr<grpc::ClientReader<CountReply>> a = stub_->RawCount(a_ctx.get(), CountRequest());
  RawStream a_stream = service_->NextRawStream();
  ASSERT_NE(a_stream, nullptr);
  auto b_ctx = Context("en");
  std::unique_ptr<grpc::ClientReader<CountReply>> b = stub_->RawCount(b_ctx.get(), CountRequest());
  RawStream b_stream = service_->NextRawStream();
  ASSERT_NE(b_stream, nullptr);
  for (int n = 1; n <= kMessages; ++n) {
    const grpc::ByteBuffer bytes = BufferOf(Numbered(n));
    ASSERT_TRUE(a_stream->Push(bytes)) << n;
    ASSERT_TRUE(b_stream->Push(bytes)) << n;
  }
  a_stream->Finish(absl::OkStatus());
  b_stream->Finish(absl::OkStatus());
  for (auto* reader : {a.get(), b.get()}) {
    std::vector<int> received;
    while (reader->Read(&message)) received.push_back(message.n());
    EXPECT_TRUE(reader->Finish().ok());
    ASSERT_EQ(received.size(), static_cast<size_t>(kMessages));
    for (int i = 0; i < kMessages; ++i) EXPECT_EQ(received[i], i + 1);
  }
}

TEST_F(RpcTest, StreamFinishedOkEndsOkAfterItsMessages) {
  auto ctx = Context();
  std::unique_ptr<grpc::ClientReader<CountReply>> reader =
      stub_->Count(ctx.get(), CountRequest());
  std::optional<OpenedStream> opened = service_->NextStream();
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->stream->capacity(), kDefaultStreamCapacity);
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(opened->stream->Push(Numbered(n)));
  opened->stream->Finish(absl::OkStatus());

  std::vector<int> received;
  CountReply message;
  while (reader->Read(&message)) received.push_back(message.n());
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(received, (std::vector<int>{1, 2, 3}));
}

TEST_F(RpcTest, ClientCancellingMidStreamClosesItForTheProducer) {
  CountRequest request;
  request.set_capacity(8);
  auto ctx = Context("en");
  std::unique_ptr<grpc::ClientReader<CountReply>> reader = stub_->Count(ctx.get(), request);
  std::optional<OpenedStream> opened = service_->NextStream();
  ASSERT_TRUE(opened.has_value());
  Stream stream = opened->stream;
  // Shared: the callback may outlive this test body if it fails early.
  auto closed = std::make_shared<absl::Notification>();
  stream->OnClose([closed] { closed->Notify(); });

  ASSERT_TRUE(stream->Push(Numbered(1)));
  CountReply message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.n(), 1);
  ctx->TryCancel();

  ASSERT_TRUE(closed->WaitForNotificationWithTimeout(kWait)) << "the producer was not told";
  EXPECT_FALSE(stream->open());
  EXPECT_FALSE(stream->Push(Numbered(2)));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // A callback set after the close runs at once.
  bool late = false;
  stream->OnClose([&late] { late = true; });
  EXPECT_TRUE(late);

  // The reactor is gone once the server has stopped; the producer's handle is still safe to
  // use and still says closed.
  StopServer();
  EXPECT_FALSE(stream->open());
  EXPECT_FALSE(stream->Push(Numbered(3)));
  stream->Finish(absl::OkStatus());
}

TEST_F(RpcTest, ReaderThatLetsTheBufferFillGetsResourceExhausted) {
  constexpr int kCapacity = 4;
  // Far more than the transport buffers between a server and a client that does not read
  // (flow-control windows and socket buffers: a few MiB); only bounds a failing test.
  constexpr int kMaxPushes = 2000;
  constexpr size_t kPayloadBytes = 128 << 10;
  CountRequest request;
  request.set_capacity(kCapacity);
  auto ctx = Context("en");
  std::unique_ptr<grpc::ClientReader<CountReply>> reader = stub_->Count(ctx.get(), request);
  std::optional<OpenedStream> opened = service_->NextStream();
  ASSERT_TRUE(opened.has_value());
  Stream stream = opened->stream;
  auto closed = std::make_shared<absl::Notification>();
  stream->OnClose([closed] { closed->Notify(); });

  // The client reads nothing until the producer has been refused.
  int pushed = 0;
  while (pushed < kMaxPushes && stream->Push(Numbered(pushed + 1, kPayloadBytes))) ++pushed;
  ASSERT_LT(pushed, kMaxPushes) << "the buffer never filled";
  EXPECT_GE(pushed, kCapacity) << "refused before the buffer was full";
  EXPECT_FALSE(stream->open());
  EXPECT_FALSE(stream->Push(Numbered(pushed + 1)));

  // What had been written arrives, in order and without gaps, then the status.
  std::vector<int> received;
  CountReply message;
  while (reader->Read(&message)) received.push_back(message.n());
  grpc::Status status = reader->Finish();
  EXPECT_LE(received.size(), static_cast<size_t>(pushed));
  for (size_t i = 0; i < received.size(); ++i) EXPECT_EQ(received[i], static_cast<int>(i) + 1);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(),
            "stream ended: the client reads too slowly (4 messages were waiting to be sent); "
            "read faster and reconnect");
  EXPECT_TRUE(closed->WaitForNotificationWithTimeout(kWait)) << "the producer was not told";
}

}  // namespace
}  // namespace rfs
