"""A stand-in for the AWS Step Functions API that checks every request the
way the service would, with botocore as the independent implementation:

- the JSON 1.0 protocol from botocore's own service model (`POST /`,
  `X-Amz-Target: <targetPrefix>.<Operation>`, `Content-Type:
  application/x-amz-json-<jsonVersion>`), the body against the operation's
  input shape (known members, required members, string lengths);
- the Signature Version 4 `Authorization` header recomputed by
  botocore.auth.SigV4Auth from the signed headers, for the service's
  signing name and the configured region and credentials.

Usage: step_functions.py LOG_FILE ACCESS_KEY SECRET_KEY REGION FAIL_FIRST
Prints the port it listens on, then serves until killed. Each request is
appended to LOG_FILE as one JSON line: {"operation", "body", "problems",
"delivery"}; a request with problems is answered 400 as AWS would.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

LOG, ACCESS_KEY, SECRET_KEY, REGION, FAIL_FIRST = sys.argv[1:6]
MODEL = botocore.session.get_session().get_service_model("stepfunctions")
META = MODEL.metadata
state = {"to_fail": int(FAIL_FIRST)}


def shape_problems(operation, body):
    """What the operation's input shape says is wrong with `body`."""
    shape = MODEL.operation_model(operation).input_shape
    problems = [f"unknown member {k}" for k in body if k not in shape.members]
    problems += [f"missing {k}" for k in shape.required_members if k not in body]
    for name, member in shape.members.items():
        value = body.get(name)
        if value is None:
            continue
        if member.type_name == "string":
            if not isinstance(value, str):
                problems.append(f"{name} is not a string")
                continue
            low, high = member.metadata.get("min", 0), member.metadata.get("max")
            if len(value) < low or (high is not None and len(value) > high):
                problems.append(f"{name} has length {len(value)}, not {low}..{high}")
    return problems


def signature_problems(handler, raw):
    """Recomputes the signature with botocore and compares."""
    authorization = handler.headers.get("Authorization", "")
    prefix = "AWS4-HMAC-SHA256 "
    if not authorization.startswith(prefix):
        return ["no SigV4 Authorization header"]
    parts = dict(p.strip().split("=", 1) for p in authorization[len(prefix):].split(","))
    amz_date = handler.headers.get("X-Amz-Date", "")
    service = META.get("signingName", META["endpointPrefix"])
    scope = f"{ACCESS_KEY}/{amz_date[:8]}/{REGION}/{service}/aws4_request"
    problems = []
    if parts.get("Credential") != scope:
        problems.append(f"credential scope {parts.get('Credential')} is not {scope}")
    signed = parts.get("SignedHeaders", "").split(";")
    for needed in ("content-type", "host", "x-amz-date", "x-amz-target"):
        if needed not in signed:
            problems.append(f"{needed} is not signed")
    headers = {name: handler.headers.get(name) for name in signed}
    request = AWSRequest(method="POST", url=f"http://{handler.headers['Host']}/", data=raw, headers=headers)
    request.context["timestamp"] = amz_date
    token = handler.headers.get("X-Amz-Security-Token")
    auth = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, token), service, REGION)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if parts.get("Signature") != expected:
        problems.append("the signature does not verify")
    return problems


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        target = self.headers.get("X-Amz-Target", "")
        operation = target.removeprefix(META["targetPrefix"] + ".")
        problems = []
        if self.path != "/":
            problems.append(f"path {self.path} is not /")
        if self.headers.get("Content-Type") != f"application/x-amz-json-{META['jsonVersion']}":
            problems.append(f"content type {self.headers.get('Content-Type')}")
        if not target.startswith(META["targetPrefix"] + ".") or operation not in MODEL.operation_names:
            problems.append(f"unknown target {target}")
            body = {}
        else:
            body = json.loads(raw)
            problems += shape_problems(operation, body)
        problems += signature_problems(self, raw)
        with open(LOG, "a") as log:
            entry = {"operation": operation, "body": body, "problems": problems,
                     "delivery": self.headers.get("Pausegate-Delivery")}
            log.write(json.dumps(entry) + "\n")
        if problems:
            kind = "InvalidSignatureException" if "signature" in str(problems) else "ValidationException"
            self.answer(400, {"__type": kind, "message": "; ".join(problems)})
        elif state["to_fail"] > 0:
            state["to_fail"] -= 1
            self.answer(503, {"__type": "ServiceUnavailable", "message": "try again"})
        else:
            self.answer(200, {})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
