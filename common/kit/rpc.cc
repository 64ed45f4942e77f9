#include "common/kit/rpc.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"

namespace rfs {

grpc::Slice SliceOf(std::string bytes) {
  if (bytes.empty()) return grpc::Slice();
  auto* owned = new std::string(std::move(bytes));
  return grpc::Slice(
      owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
}

grpc::ByteBuffer BufferOf(const google::protobuf::MessageLite& message) {
  grpc::Slice slice = SliceOf(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

namespace rpc_internal {

bool ParseRawRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message* message) {
  grpc::Slice slice;
  if (!bytes.DumpToSingleSlice(&slice).ok() ||
      !message->ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
    return false;
  }
  DropUnknownFields(message);
  return true;
}

absl::Status UnreadableRequest(absl::string_view type_name) {
  return Bilingual(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("リクエストが ", type_name, " として読めません"),
                   absl::StrCat("request is not a ", type_name));
}

RawDone FinishRaw(grpc::ServerUnaryReactor* reactor, grpc::ByteBuffer* resp, Language language) {
  return [reactor, resp, language](absl::StatusOr<grpc::Slice> bytes) {
    if (!bytes.ok()) return reactor->Finish(ToGrpcStatus(bytes.status(), language));
    *resp = grpc::ByteBuffer(&*bytes, 1);
    reactor->Finish(grpc::Status::OK);
  };
}

absl::Status StreamOverflow(size_t capacity) {
  return Bilingual(
      absl::StatusCode::kResourceExhausted,
      absl::StrCat("受信が追いつかないため、ストリームを終了しました（送信待ちのメッセージが ",
                   capacity, " 件に達しました）。受信を速めて、もう一度接続してください"),
      absl::StrCat("stream ended: the client reads too slowly (", capacity,
                   " messages were waiting to be sent); read faster and reconnect"));
}

}  // namespace rpc_internal
}  // namespace rfs
