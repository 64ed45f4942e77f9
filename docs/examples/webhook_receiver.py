#!/usr/bin/env python3
"""A receiver of rfs webhooks that verifies their signatures (docs/api.md "Webhooks").

rfs-notification POSTs each event of a subscription to the subscription's URL, signed as the
Standard Webhooks specification says (https://www.standardwebhooks.com/), with three headers:

    webhook-id         the event's id: the same on every retry of the event
    webhook-timestamp  when the request was signed, in Unix seconds
    webhook-signature  "v1,<base64>"; during a secret rotation several, separated by spaces
                       (one per secret that signs)

The signature is base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")), where the
key is the base64-decoded part of the secret after "whsec_" and <body> is the raw request body:
verify before parsing (JSON parsed and written again would not match).

    python3 webhook_receiver.py --port 8080 --secret whsec_... [--secret whsec_OLD...] [--out FILE]

It prints "listening on PORT" first (with --port 0, the port the system chose). A verified
event gets 204 and one line of JSON, {"id": ..., "type": ..., "body": <the event>}, appended to
--out (or printed on standard output). A request gets 401 when no signature matches a --secret
or its timestamp is more than 5 minutes from now (a replay, or a clock that is off), and 400
when its body is not JSON; each rejection is counted on a line of standard error. During a
rotation (rfsctl subscriptions rotate) give --secret twice, the new secret and the old one.
Standard library only (Python 3.7+).
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 5 * 60  # how far webhook-timestamp may be from now, either way


def secret_key(secret):
    """The HMAC key of a secret "whsec_<base64>": the base64-decoded part after "whsec_"."""
    if not secret.startswith("whsec_"):
        raise argparse.ArgumentTypeError("a secret starts with whsec_")
    try:
        return base64.b64decode(secret[len("whsec_"):], validate=True)
    except ValueError as e:  # binascii.Error
        raise argparse.ArgumentTypeError(f"not base64 after whsec_: {e}")


def signature(key, msg_id, timestamp, body):
    """base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")), as bytes."""
    # http.server decodes headers as Latin-1: encoding them so gives back the bytes sent.
    content = f"{msg_id}.{timestamp}.".encode("latin-1") + body
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest())


def verify(keys, headers, body):
    """None when one of the keys signed the request within the tolerance, else why not."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    try:
        skew = time.time() - int(timestamp)
    except ValueError:
        return f"webhook-timestamp {timestamp!r} is not Unix seconds"
    if abs(skew) > TOLERANCE_S:
        return f"webhook-timestamp is {abs(skew):.0f} s from now (more than {TOLERANCE_S} s)"
    # Entries are "v1,<base64>", separated by spaces; other versions are not ours to check.
    given = [entry[len("v1,"):].encode("latin-1")
             for entry in signatures.split() if entry.startswith("v1,")]
    for key in keys:
        expected = signature(key, msg_id, timestamp, body)
        # compare_digest: a comparison whose time does not tell how much of it matched.
        if any(hmac.compare_digest(expected, sig) for sig in given):
            return None
    return "no signature matches a --secret"


class Receiver(BaseHTTPRequestHandler):
    # HTTP/1.1: connections are kept for the next event, and "Expect: 100-continue" is answered.
    protocol_version = "HTTP/1.1"
    keys = []          # the HMAC keys of the --secret flags
    out = sys.stdout   # where verified events go (--out)
    lock = threading.Lock()  # requests are handled on threads of their own
    rejected = 0

    def do_POST(self):
        body = self.read_body()
        why = verify(self.keys, self.headers, body)
        if why:
            return self.reject(401, why)
        try:
            event = json.loads(body)
        except ValueError as e:  # not JSON, or not UTF-8
            return self.reject(400, f"body is not JSON: {e}")
        line = json.dumps({
            "id": self.headers["webhook-id"],
            "type": event.get("type") if isinstance(event, dict) else None,
            "body": event,
        })
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()
        self.send_response(204)
        self.end_headers()

    def read_body(self):
        """The raw body: Content-Length bytes, or the chunks of a chunked body."""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0], 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return body
            body += self.rfile.read(size)
            self.rfile.readline()  # the line end after the chunk

    def reject(self, status, why):
        with self.lock:
            Receiver.rejected += 1
            print(f"rejected {Receiver.rejected}: {status} {why}", file=sys.stderr, flush=True)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass  # no access log: standard error carries only the rejections


def main():
    parser = argparse.ArgumentParser(
        description="Receives rfs webhooks and verifies their Standard Webhooks signatures.")
    parser.add_argument("--port", type=int, default=8080,
                        help="port to listen on; 0: a free one (printed)")
    parser.add_argument("--secret", type=secret_key, action="append", required=True,
                        help="the subscription's signing secret, whsec_...; "
                             "give it twice during a rotation (new and old)")
    parser.add_argument("--out", help="append verified events to this file (default: stdout)")
    args = parser.parse_args()
    Receiver.keys = args.secret
    if args.out:
        Receiver.out = open(args.out, "a", encoding="utf-8")
    server = ThreadingHTTPServer(("", args.port), Receiver)
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
