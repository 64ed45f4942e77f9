// The API-helper kit of gRPC handlers: what every rfs handler does around its one call into the
// service logic, written once.
//
//   HandleUnary    a synchronous unary method: authenticate, run the logic, map its status.
//   ServeRawUnary  a callback unary method on raw bytes whose answer is already serialized
//                  (a cached plan, a stored report): authenticate, parse the request (on an
//                  arena), run the logic, which answers later through a RawDone.
//   ServeStream    a callback server-streaming method: authenticate, then hand the producer a
//                  StreamHandle to push messages into; the StreamWriter reactor writes them one
//                  at a time.
//   ServeRawStream the same on raw bytes: messages serialized once (BufferOf) and shared by
//                  every stream they go to (a fan-out of one event to many watchers).
//
// Every helper authenticates first (TokenVerifier::Authenticate: a call without a valid bearer
// token never reaches the logic or the request parser) and maps every absl::Status through the
// one mapping, ToGrpcStatus (common/base/status.h), in the language the caller asked for with
// `accept-language`. Request logging and the per-RPC metrics happen in the server interceptor
// (common/kit/metrics.cc), for every method of every service: the helpers add no log line and no
// metric of their own.
//
// The helpers are stateless functions, safe to call from any number of gRPC threads. A
// StreamHandle is thread-safe; see its comment for lifetimes.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <google/protobuf/arena.h>
#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>
#include <grpcpp/support/slice.h>
#include <grpcpp/support/status.h>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/base/status.h"
#include "common/kit/auth.h"

namespace rfs {

// ---------------------------------------------------------------------------------------------
// Requests as the kit hands them to the logic.

// Drops, at every depth (nested messages, repeated and map entries), the fields of `message`
// that this build's schema does not know. Every helper below does it to every request before
// the logic sees it: a client could otherwise send megabytes in an unknown field of a valid
// request that a service would store with the message and serve to every reader, past every
// limit the service checks on the fields it knows. (Bytes inside a google.protobuf.Any are its
// value, not unknown fields: a service that accepts an Any checks what it unpacks.)
inline void DropUnknownFields(google::protobuf::Message* message) {
  message->DiscardUnknownFields();
}

// ---------------------------------------------------------------------------------------------
// Synchronous unary methods.

// Authenticates the caller, runs `op(principal, request)` and moves its result into `*resp`.
//
// `op` is called as `absl::StatusOr<Response> op(const Principal&, const Request&)`, on the
// calling (gRPC) thread, only when the token is valid, with `*req` as the kit cleaned it: fields
// this build does not know are dropped at every depth (see DropUnknownFields), so no service
// can store or serve bytes a client smuggled past its schema. A failed authentication
// (UNAUTHENTICATED) or a failed `op` becomes the returned grpc::Status, in the caller's
// language; `*resp` is then untouched.
//
//   grpc::Status Service::ListPlans(grpc::ServerContext* ctx, const v1::ListPlansRequest* req,
//                                   v1::ListPlansResponse* resp) {
//     return HandleUnary(*verifier_, ctx, req, resp,
//                        [&](const Principal& who, const v1::ListPlansRequest& request) {
//                          return registry_->ListPlans(who, request);
//                        });
//   }
template <typename Request, typename Response, typename Op>
grpc::Status HandleUnary(const TokenVerifier& verifier, grpc::ServerContext* ctx,
                         const Request* req, Response* resp, Op op) {
  absl::StatusOr<Principal> who = verifier.Authenticate(*ctx);
  if (!who.ok()) return ToGrpcStatus(who.status(), LanguageOf(*ctx));
  // gRPC made the request for this call alone, as a mutable object, and hands it over const;
  // it is cleaned in place rather than copied (a plan can be megabytes).
  Request* request = const_cast<Request*>(req);
  DropUnknownFields(request);
  absl::StatusOr<Response> result =
      op(static_cast<const Principal&>(*who), static_cast<const Request&>(*request));
  if (!result.ok()) return ToGrpcStatus(result.status(), LanguageOf(*ctx));
  *resp = std::move(*result);
  return grpc::Status::OK;
}

// ---------------------------------------------------------------------------------------------
// Callback unary methods on raw bytes (WithRawCallbackMethod_<Method>).

// Finishes a call served by ServeRawUnary: OK with the slice as the whole serialized response,
// or the status mapped in the caller's language (chosen when the call arrived). Call it exactly
// once, from any thread; it does not block. Dropping it uncalled leaves the call hanging until
// the client's deadline or the server's shutdown.
using RawDone = absl::AnyInvocable<void(absl::StatusOr<grpc::Slice>)>;

// A slice that takes `bytes` over without copying them (the slice frees the string when gRPC
// is done with it). For handing a serialized response to RawDone.
grpc::Slice SliceOf(std::string bytes);

namespace rpc_internal {
// DumpToSingleSlice + ParseFromArray; false when the bytes are not a `message`.
// ... and drops the fields the schema does not know (DropUnknownFields).
bool ParseRawRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message* message);
// INVALID_ARGUMENT "リクエストが <type_name> として読めません" / "request is not a <type_name>".
absl::Status UnreadableRequest(absl::string_view type_name);
// The RawDone of ServeRawUnary.
RawDone FinishRaw(grpc::ServerUnaryReactor* reactor, grpc::ByteBuffer* resp, Language language);
}  // namespace rpc_internal

// Serves a raw callback unary method whose request is a `Request`. Authenticates the caller,
// parses `*req` into a `Request`, then calls
//
//   void op(const Principal& who, const Request& request, RawDone done)
//
// synchronously, on the calling gRPC thread. `op` must not block (it runs in a callback-API
// reaction) and answers through `done`, then or later, from any thread.
//
// Lifetime: `who` and `request` live only until `op` returns. The request is parsed on an
// arena on this function's stack (one allocation for a request of hundreds of strings, e.g.
// an inline plan), so whatever `op` or `done` needs later must be copied out before `op`
// returns. `resp` and the reactor stay valid until `done` runs.
//
// The request has no unknown fields at any depth (DropUnknownFields).
//
// A failed authentication finishes the call at once with UNAUTHENTICATED; bytes that are not a
// `Request` with INVALID_ARGUMENT "リクエストが <Request> として読めません" / "request is not a
// <Request>" (the message type's short name); `op` is not called in either case. Statuses are
// in the caller's language.
//
//   grpc::ServerUnaryReactor* Service::GetPlan(grpc::CallbackServerContext* ctx,
//                                              const grpc::ByteBuffer* req,
//                                              grpc::ByteBuffer* resp) {
//     return ServeRawUnary<v1::GetPlanRequest>(
//         *verifier_, ctx, req, resp,
//         [this](const Principal& who, const v1::GetPlanRequest& request, RawDone done) {
//           registry_->GetPlanAsync(who, request, std::move(done));
//         });
//   }
template <typename Request, typename Op>
grpc::ServerUnaryReactor* ServeRawUnary(const TokenVerifier& verifier,
                                        grpc::CallbackServerContext* ctx,
                                        const grpc::ByteBuffer* req, grpc::ByteBuffer* resp,
                                        Op op) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const Language language = LanguageOf(*ctx);
  absl::StatusOr<Principal> who = verifier.Authenticate(*ctx);
  if (!who.ok()) {
    reactor->Finish(ToGrpcStatus(who.status(), language));
    return reactor;
  }
  google::protobuf::Arena arena;
  Request* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
  if (!rpc_internal::ParseRawRequest(*req, request)) {
    reactor->Finish(
        ToGrpcStatus(rpc_internal::UnreadableRequest(Request::descriptor()->name()), language));
    return reactor;
  }
  op(static_cast<const Principal&>(*who), static_cast<const Request&>(*request),
     rpc_internal::FinishRaw(reactor, resp, language));
  return reactor;
}

// ---------------------------------------------------------------------------------------------
// Callback server-streaming methods (WithCallbackMethod_<Method>).

// Messages a stream holds, pushed and not yet written, unless told otherwise.
inline constexpr size_t kDefaultStreamCapacity = 256;

namespace rpc_internal {
// RESOURCE_EXHAUSTED, bilingual: the client read too slowly and `capacity` messages waited.
absl::Status StreamOverflow(size_t capacity);
}  // namespace rpc_internal

template <typename Message>
class StreamWriter;

// The producer's end of a server stream: messages pushed here are written to the client in
// order, one write in flight at a time.
//
// Buffer: at most `capacity()` messages wait, counting the one being written. A Push that
// finds the buffer full means the client reads more slowly than the producer produces: the
// stream is closed to the producer (that Push and every later one return false), the messages
// not yet written are dropped, and the call finishes with RESOURCE_EXHAUSTED "the client reads
// too slowly" (bilingual, in the caller's language) once the write in flight completes. The
// producer is never blocked and memory per stream stays bounded.
//
// Thread-safety: every method may be called from any thread, concurrently. None blocks (no
// gRPC call is made while the handle's lock is held).
//
// Lifetime: the handle is shared by the producer and the StreamWriter reactor. The reactor
// deletes itself when gRPC is done with the call (OnDone); the handle stays valid as long as
// the producer keeps it and then just reports the stream closed: Push returns false, Finish
// does nothing.
template <typename Message>
class StreamHandle {
 public:
  StreamHandle(const StreamHandle&) = delete;
  StreamHandle& operator=(const StreamHandle&) = delete;

  // Queues `message` for writing. True when it was queued; false once the stream is closed (the
  // producer finished it, the client cancelled or went away, the deadline passed, the server
  // is shutting down) or when this push found the buffer full (see above; the stream is then
  // closed too). A message refused is dropped.
  bool Push(Message message) ABSL_LOCKS_EXCLUDED(mu_);

  // Ends the stream with `status` (mapped in the caller's language) after the messages already
  // queued are written. Closes the stream to the producer: later Pushes return false. Does
  // nothing when the stream is already closed (its status is then already decided: CANCELLED
  // for a cancelled call, RESOURCE_EXHAUSTED after an overflow, or the first Finish's).
  void Finish(absl::Status status) ABSL_LOCKS_EXCLUDED(mu_);

  // False once the stream is closed (every later Push is refused). A snapshot: the stream may
  // close right after it says true.
  bool open() const ABSL_LOCKS_EXCLUDED(mu_);

  // Sets what runs, once, when the stream closes other than by this handle's Finish: the
  // client cancelled or went away, the deadline passed, the server shut the call down, or the
  // buffer overflowed. It runs on a gRPC thread, inside a callback-API reaction: it must not
  // block, and should only tell the producer to stop (e.g. unsubscribe); it may call Push
  // (false) and Finish (no-op). When the stream has already closed that way, `callback` runs
  // at once on the calling thread. A later call replaces a callback not yet run. Not run at
  // all when the producer's Finish came first.
  void OnClose(absl::AnyInvocable<void()> callback) ABSL_LOCKS_EXCLUDED(mu_);

  // The most messages that wait to be written (at least 1).
  size_t capacity() const { return capacity_; }

  // Messages waiting to be written, counting the one being written. A snapshot.
  size_t queued() const ABSL_LOCKS_EXCLUDED(mu_);
  // For a producer that paces itself instead of overflowing the buffer (it pushes while
  // queued() is low, then waits for room): runs `callback` once, as soon as fewer than `below`
  // messages wait — at once on the calling thread when that is already so. Never runs once the
  // stream is closed (the callback is then dropped with the handle: capture weak pointers). It
  // runs on a gRPC thread inside a reaction: it must not block (hand the work to an executor).
  // A later call replaces a callback not yet run.
  void OnSpace(size_t below, absl::AnyInvocable<void()> callback) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class StreamWriter<Message>;

  // The next gRPC operation for the thread that holds the right to issue it (busy_).
  struct Action {
    StreamWriter<Message>* writer = nullptr;
    const Message* write = nullptr;     // StartWrite this, or
    std::optional<grpc::Status> finish;  // Finish with this, or neither: nothing to do.
  };

  StreamHandle(StreamWriter<Message>* writer, size_t capacity, Language language)
      : capacity_(capacity == 0 ? 1 : capacity), language_(language), writer_(writer) {}

  // Called by the reactor's reactions.
  void WriteDone(bool ok) ABSL_LOCKS_EXCLUDED(mu_);
  void Cancelled() ABSL_LOCKS_EXCLUDED(mu_);
  void Done() ABSL_LOCKS_EXCLUDED(mu_);

  // Takes the right to issue operations when nobody holds it, and says what to issue.
  Action AcquireLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // For the holder of the right: the next write, else the pending Finish, else gives it up.
  Action NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Closes the stream to the producer and drops what is not being written.
  void CloseLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The OnClose callback when it is due now (closed by anything but the producer's Finish).
  absl::AnyInvocable<void()> TakeCloseCallbackLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Issues `action` (without the lock).
  static void Issue(Action action);

  const size_t capacity_;
  const Language language_;
  mutable absl::Mutex mu_;
  // The reactor; null once gRPC is done with the call (OnDone).
  StreamWriter<Message>* writer_ ABSL_GUARDED_BY(mu_);
  // Pushed, not yet written. While a write is in flight it is the front (a deque never moves
  // its elements on push_back, so the pointer handed to StartWrite stays valid).
  std::deque<Message> queue_ ABSL_GUARDED_BY(mu_);
  // Someone holds the right to issue the next operation: a write is in flight, or Finish has
  // been (or is about to be) issued. Only the holder issues StartWrite or Finish, so one write
  // is in flight at a time and nothing is issued after Finish (the reactor may then be gone).
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  // Push refuses messages.
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // The status to finish with once the queue is written.
  std::optional<grpc::Status> finish_ ABSL_GUARDED_BY(mu_);
  // Finish has been issued.
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // The producer's Finish closed the stream (no OnClose callback then).
  bool producer_finished_ ABSL_GUARDED_BY(mu_) = false;
  // The stream closed other than by the producer's Finish and the callback was due.
  bool close_reported_ ABSL_GUARDED_BY(mu_) = false;
  absl::AnyInvocable<void()> on_close_ ABSL_GUARDED_BY(mu_);
  // OnSpace: what runs once fewer than `space_below_` messages wait.
  absl::AnyInvocable<void()> on_space_ ABSL_GUARDED_BY(mu_);
  size_t space_below_ ABSL_GUARDED_BY(mu_) = 0;
};

// The reactor of a server stream of `Message`s, fed through its StreamHandle. Made by
// ServeStream (or by Create, for a streaming method that authenticates otherwise) and returned
// to gRPC from the method handler; gRPC owns it from then on and it deletes itself in OnDone.
// Do not call the base class's StartWrite or Finish: use the handle. The reactions below are
// called by gRPC only.
template <typename Message>
class StreamWriter final : public grpc::ServerWriteReactor<Message> {
 public:
  // A reactor for the call of `ctx`, whose handle holds at most `capacity` messages and maps
  // statuses in the language of the call's `accept-language`. Return it from the handler.
  static StreamWriter* Create(grpc::CallbackServerContext* ctx,
                              size_t capacity = kDefaultStreamCapacity) {
    return new StreamWriter(capacity, LanguageOf(*ctx));
  }

  // The producer's handle; copy the shared_ptr to keep it beyond the handler.
  const std::shared_ptr<StreamHandle<Message>>& handle() const { return handle_; }

  void OnWriteDone(bool ok) override { handle_->WriteDone(ok); }
  void OnCancel() override { handle_->Cancelled(); }
  void OnDone() override {
    handle_->Done();
    delete this;
  }

 private:
  StreamWriter(size_t capacity, Language language)
      : handle_(new StreamHandle<Message>(this, capacity, language)) {}

  const std::shared_ptr<StreamHandle<Message>> handle_;
};

// Serves a callback server-streaming method. Authenticates the caller: without a valid token
// the call finishes at once with UNAUTHENTICATED (in the caller's language) and `start` is not
// called. Otherwise calls
//
//   void start(const Principal& who, const Request& request,
//              std::shared_ptr<StreamHandle<Message>> stream)
//
// synchronously on the calling gRPC thread; `start` must not block. It may push and finish
// right away, or keep `stream` and feed it later from any thread (e.g. an event subscription
// that unsubscribes in stream->OnClose). `who` and `request` live only until `start` returns:
// copy what is needed later. The request has no unknown fields at any depth
// (DropUnknownFields). `capacity`: see StreamHandle.
//
//   grpc::ServerWriteReactor<v1::Event>* Service::WatchEvents(grpc::CallbackServerContext* ctx,
//                                                             const v1::WatchEventsRequest* req) {
//     return ServeStream<v1::Event>(*verifier_, ctx, req,
//         [this](const Principal& who, const v1::WatchEventsRequest& request,
//                std::shared_ptr<StreamHandle<v1::Event>> stream) {
//           bus_->Subscribe(who, request.filter(), std::move(stream));
//         });
//   }
template <typename Message, typename Request, typename Start>
grpc::ServerWriteReactor<Message>* ServeStream(const TokenVerifier& verifier,
                                               grpc::CallbackServerContext* ctx,
                                               const Request* request, Start start,
                                               size_t capacity = kDefaultStreamCapacity) {
  StreamWriter<Message>* writer = StreamWriter<Message>::Create(ctx, capacity);
  absl::StatusOr<Principal> who = verifier.Authenticate(*ctx);
  if (!who.ok()) {
    writer->handle()->Finish(who.status());
    return writer;
  }
  // As in HandleUnary: gRPC's own mutable request for this call, cleaned in place.
  DropUnknownFields(const_cast<Request*>(request));
  start(static_cast<const Principal&>(*who), *request, writer->handle());
  return writer;
}

// The raw form of ServeStream, for a stream whose messages are sent to many callers alike: its
// messages are grpc::ByteBuffers, so one serialized message is shared by every stream it goes
// to (a ByteBuffer copy takes a reference on the same slices, not a copy of the bytes; see
// BufferOf). The request arrives as bytes (WithRawCallbackMethod_<Method>) and is parsed as
// ServeRawUnary does: on an arena on this function's stack, unknown fields dropped, bytes that
// are not a `Request` finished with INVALID_ARGUMENT and `start` not called. Otherwise as
// ServeStream.
template <typename Request, typename Start>
grpc::ServerWriteReactor<grpc::ByteBuffer>* ServeRawStream(
    const TokenVerifier& verifier, grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
    Start start, size_t capacity = kDefaultStreamCapacity) {
  StreamWriter<grpc::ByteBuffer>* writer = StreamWriter<grpc::ByteBuffer>::Create(ctx, capacity);
  absl::StatusOr<Principal> who = verifier.Authenticate(*ctx);
  if (!who.ok()) {
    writer->handle()->Finish(who.status());
    return writer;
  }
  google::protobuf::Arena arena;
  Request* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
  if (!rpc_internal::ParseRawRequest(*req, request)) {
    writer->handle()->Finish(rpc_internal::UnreadableRequest(Request::descriptor()->name()));
    return writer;
  }
  start(static_cast<const Principal&>(*who), static_cast<const Request&>(*request),
        writer->handle());
  return writer;
}

// `message` serialized once, as a ByteBuffer of one slice: for ServeRawStream's handles (copy
// it for each stream) and raw unary responses.
grpc::ByteBuffer BufferOf(const google::protobuf::MessageLite& message);

// ---------------------------------------------------------------------------------------------
// Implementation details of StreamHandle.

template <typename Message>
bool StreamHandle<Message>::Push(Message message) {
  Action action;
  bool queued = false;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return false;
    if (queue_.size() >= capacity_) {
      CloseLocked(ToGrpcStatus(rpc_internal::StreamOverflow(capacity_), language_));
    } else {
      queue_.push_back(std::move(message));
      queued = true;
    }
    action = AcquireLocked();
  }
  Issue(std::move(action));
  return queued;
}

template <typename Message>
void StreamHandle<Message>::Finish(absl::Status status) {
  grpc::Status mapped = ToGrpcStatus(status, language_);
  Action action;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    producer_finished_ = true;
    finish_ = std::move(mapped);
    action = AcquireLocked();
  }
  Issue(std::move(action));
}

template <typename Message>
bool StreamHandle<Message>::open() const {
  absl::MutexLock lock(&mu_);
  return !closed_;
}

template <typename Message>
void StreamHandle<Message>::OnClose(absl::AnyInvocable<void()> callback) {
  {
    absl::MutexLock lock(&mu_);
    if (!close_reported_) {
      on_close_ = std::move(callback);
      return;
    }
  }
  callback();
}

template <typename Message>
size_t StreamHandle<Message>::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

template <typename Message>
void StreamHandle<Message>::OnSpace(size_t below, absl::AnyInvocable<void()> callback) {
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;  // dropped (outside the lock, on return)
    if (queue_.size() >= below) {
      on_space_ = std::move(callback);
      space_below_ = below;
      return;
    }
  }
  callback();
}

template <typename Message>
void StreamHandle<Message>::WriteDone(bool ok) {
  Action action;
  absl::AnyInvocable<void()> space;
  {
    absl::MutexLock lock(&mu_);
    // No later write would succeed: keep only the message just written, then finish.
    if (!ok) CloseLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
    if (!queue_.empty()) queue_.pop_front();  // the message just written
    if (on_space_ && !closed_ && queue_.size() < space_below_) {
      space = std::move(on_space_);
      on_space_ = nullptr;
    }
    action = NextLocked();
  }
  Issue(std::move(action));
  if (space) space();
}

template <typename Message>
void StreamHandle<Message>::Cancelled() {
  Action action;
  absl::AnyInvocable<void()> callback;
  {
    absl::MutexLock lock(&mu_);
    CloseLocked(grpc::Status::CANCELLED);
    action = AcquireLocked();
    callback = TakeCloseCallbackLocked();
  }
  Issue(std::move(action));
  if (callback) callback();
}

template <typename Message>
void StreamHandle<Message>::Done() {
  absl::AnyInvocable<void()> callback;
  {
    absl::MutexLock lock(&mu_);
    writer_ = nullptr;
    closed_ = true;
    queue_.clear();
    callback = TakeCloseCallbackLocked();
  }
  if (callback) callback();
}

template <typename Message>
typename StreamHandle<Message>::Action StreamHandle<Message>::AcquireLocked() {
  if (busy_ || writer_ == nullptr) return {};
  busy_ = true;
  return NextLocked();
}

template <typename Message>
typename StreamHandle<Message>::Action StreamHandle<Message>::NextLocked() {
  if (finished_ || writer_ == nullptr) return {};
  Action action;
  action.writer = writer_;
  if (!queue_.empty()) {
    action.write = &queue_.front();
  } else if (finish_.has_value()) {
    finished_ = true;
    action.finish = *finish_;
  } else {
    busy_ = false;
    return {};
  }
  return action;
}

template <typename Message>
void StreamHandle<Message>::CloseLocked(grpc::Status status) {
  closed_ = true;
  // Keep only the message being written (the front while a write is in flight).
  if (busy_ && !finished_) {
    if (queue_.size() > 1) queue_.erase(queue_.begin() + 1, queue_.end());
  } else {
    queue_.clear();
  }
  if (!finish_.has_value()) finish_ = std::move(status);
}

template <typename Message>
absl::AnyInvocable<void()> StreamHandle<Message>::TakeCloseCallbackLocked() {
  if (producer_finished_ || close_reported_) return nullptr;
  close_reported_ = true;
  return std::move(on_close_);
}

template <typename Message>
void StreamHandle<Message>::Issue(Action action) {
  if (action.writer == nullptr) return;
  if (action.write != nullptr) {
    action.writer->StartWrite(action.write);
  } else if (action.finish.has_value()) {
    action.writer->Finish(*std::move(action.finish));
  }
}

}  // namespace rfs
