#!/usr/bin/env python3
"""An agency system's client of rfs, written from the protos alone (see docs/api.md).

Generate the Python modules first (Debian: protobuf-compiler, protobuf-compiler-grpc,
python3-grpcio, python3-protobuf):

    protoc -I protos --python_out=gen --grpc_out=gen \
        --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin $(find protos -name '*.proto')

then run with RFS_ADDR (host:port or unix:///path), RFS_TOKEN (a bearer JWT) and
PYTHONPATH=gen. It checks health, lists plans, reads one, and shows how an error arrives:
its message in the language asked for, and its details (rfs.common.v1.ErrorDetails) with the
field at fault.
"""
import os
import sys

import grpc
from google.protobuf import any_pb2

from rfs.common.v1 import common_pb2
from rfs.registry.v1 import registry_pb2, registry_pb2_grpc

ADDR = os.environ.get("RFS_ADDR", "localhost:50051")
TOKEN = os.environ["RFS_TOKEN"]


def health(channel, service):
    """grpc.health.v1.Health/Check without its generated code: the request is field 1 (the
    service name, a string); the response is field 1 (status: 1 SERVING, 2 NOT_SERVING)."""
    name = service.encode()
    check = channel.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=lambda s: (b"\x0a" + bytes([len(s)]) + s) if s else b"",
        response_deserializer=lambda b: b)
    reply = check(name, timeout=5)
    return {b"\x08\x01": "SERVING", b"\x08\x02": "NOT_SERVING"}.get(reply, repr(reply))


def _varint(data, i):
    value, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def error_details(err):
    """rfs.common.v1.ErrorDetails of an RpcError: the grpc-status-details-bin trailer holds a
    google.rpc.Status {1: code, 2: message, 3: repeated google.protobuf.Any details}."""
    for key, value in err.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        i = 0
        while i < len(value):
            tag, i = _varint(value, i)
            if tag & 7 == 0:  # a varint (the code)
                _, i = _varint(value, i)
                continue
            size, i = _varint(value, i)
            if tag >> 3 == 3:
                detail = any_pb2.Any.FromString(value[i:i + size])
                if detail.Is(common_pb2.ErrorDetails.DESCRIPTOR):
                    out = common_pb2.ErrorDetails()
                    detail.Unpack(out)
                    return out
            i += size
    return None


def main():
    channel = grpc.insecure_channel(ADDR)  # grpc.secure_channel(...) where TLS is on
    print("health:", health(channel, "rfs.registry.v1.PlanRegistry"))

    # Every call carries the token; accept-language picks the language of error messages
    # ("en" or "ja"; without it: Japanese, then English on the next line).
    metadata = [("authorization", "Bearer " + TOKEN), ("accept-language", "en")]
    stub = registry_pb2_grpc.PlanRegistryStub(channel)
    page = stub.ListPlans(registry_pb2.ListPlansRequest(page_size=10), metadata=metadata,
                          timeout=10)
    for plan in page.plans:
        print("plan:", plan.name, registry_pb2.PlanStage.Name(plan.stage), plan.title)
    if page.plans:
        full = stub.GetPlan(registry_pb2.GetPlanRequest(name=page.plans[0].name),
                            metadata=metadata, timeout=10)
        print("indicators of", full.name + ":", len(full.indicators))

    try:
        stub.GetPlan(registry_pb2.GetPlanRequest(name="A-1"), metadata=metadata, timeout=10)
    except grpc.RpcError as err:
        print("error:", err.code().name, err.details())
        details = error_details(err)
        if details is not None:
            print("  ja:", details.message_ja)
            for v in details.field_violations:
                print("  field:", v.field, "-", v.description_en)
    return 0


if __name__ == "__main__":
    sys.exit(main())
