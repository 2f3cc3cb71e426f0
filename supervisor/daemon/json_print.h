// A fast printer for protobuf's JSON mapping, for the daemon's hot path.
//
// protobuf 3.21's MessageToJsonString goes through a type resolver and an
// object-writer pipeline that allocates per node; on a trivial execution it
// cost more than running the script. This walks the message with reflection
// and writes the same text the library writes with
// always_print_primitive_fields (proto3 JSON mapping: lowerCamelCase json
// names, 64-bit integers as strings, enums by name, bytes as base64,
// non-finite doubles as strings, and the library's string escaping). The
// unit test and tests/fuzz/json_print_fuzzer.cc hold it to byte equality
// with the library on the API's messages.
#pragma once

#include <string>

#include <google/protobuf/message.h>

namespace stockade::supervisor {

void AppendJson(const google::protobuf::Message& message, std::string* out);
std::string ToJson(const google::protobuf::Message& message);

}  // namespace stockade::supervisor
