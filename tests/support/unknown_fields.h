// Unknown protobuf fields, as a client of a newer schema (or an attacker) sends them: for the
// tests of the kit's rule that no service sees, stores or serves them (common/kit/rpc.h
// DropUnknownFields).
#pragma once

#include <cstddef>

#include <google/protobuf/message.h>

namespace rfs::testing {

// Adds a field numbered 999, of `bytes` bytes, that no schema of rfs knows.
void Smuggle(google::protobuf::Message* message, size_t bytes);

// Bytes of unknown fields in `message` and in every message inside it (0 when there are none).
size_t UnknownBytes(const google::protobuf::Message& message);

}  // namespace rfs::testing
