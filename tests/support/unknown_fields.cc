#include "tests/support/unknown_fields.h"

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>

namespace rfs::testing {

void Smuggle(google::protobuf::Message* message, size_t bytes) {
  message->GetReflection()->MutableUnknownFields(message)->AddLengthDelimited(
      999, std::string(bytes, 'u'));
}

size_t UnknownBytes(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  size_t bytes = reflection->GetUnknownFields(message).SpaceUsedExcludingSelfLong();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        bytes += UnknownBytes(reflection->GetRepeatedMessage(message, field, i));
      }
    } else {
      bytes += UnknownBytes(reflection->GetMessage(message, field));
    }
  }
  return bytes;
}

}  // namespace rfs::testing
