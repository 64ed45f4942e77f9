# rfs_proto_library(<target> <proto>...): a static library of the C++ messages and gRPC stubs of
# the .proto files (paths relative to the calling directory, which is also the import root, so
# includes read "rfs/<package>/v1/<name>.pb.h"). Generated code is not ours to warn about: it is
# compiled with -w and its headers are SYSTEM includes, so -Werror applies to our code only.
function(rfs_proto_library target)
  add_library(${target} STATIC ${ARGN})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++)
  target_include_directories(${target} SYSTEM PUBLIC ${CMAKE_CURRENT_BINARY_DIR})
  target_compile_options(${target} PRIVATE -w)
  protobuf_generate(TARGET ${target} LANGUAGE cpp
    IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR}
    PROTOC_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  get_target_property(grpc_cpp_plugin gRPC::grpc_cpp_plugin LOCATION)
  protobuf_generate(TARGET ${target} LANGUAGE grpc
    GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
    PLUGIN "protoc-gen-grpc=${grpc_cpp_plugin}"
    IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR}
    PROTOC_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
endfunction()
