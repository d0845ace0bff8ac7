"""A stand-in for the parts of GitHub's REST API a GitHub App answering
deployment protection rules calls, checking each request as GitHub
documents it, with PyJWT and cryptography as the independent verifier:

- POST /app/installations/{id}/access_tokens: `Authorization: Bearer <JWT>`
  where the JWT is RS256, signed by the App's key (verified with its
  public key), `iss` the App id, `iat` not in the future, `exp` at most 10
  minutes after `iat` and not passed; answers 201 {"token", "expires_at"}.
- POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule:
  `Authorization: Bearer <a token minted here>`, body {"environment_name",
  "state": "approved" | "rejected", "comment"}; answers 204.
Both need `Accept: application/vnd.github+json` and
`X-GitHub-Api-Version: 2022-11-28`.

Usage: github.py LOG_FILE APP_ID PUBLIC_KEY_PEM FAIL_FIRST_REVIEWS LEEWAY
(LEEWAY: seconds of clock drift allowed, as GitHub allows some.)
Prints its port; appends {"kind", "path", "body", "problems"} per request.
"""

import datetime
import json
import re
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt

LOG, APP_ID, PUBLIC_KEY, FAIL_FIRST, LEEWAY = sys.argv[1:6]
PUBLIC = open(PUBLIC_KEY).read()
state = {"issued": set(), "to_fail": int(FAIL_FIRST)}


def common_problems(headers):
    problems = []
    if headers.get("Accept") != "application/vnd.github+json":
        problems.append(f"Accept is {headers.get('Accept')}")
    if headers.get("X-GitHub-Api-Version") != "2022-11-28":
        problems.append("no X-GitHub-Api-Version: 2022-11-28")
    return problems


def bearer(headers):
    value = headers.get("Authorization", "")
    return value[len("Bearer "):] if value.startswith("Bearer ") else None


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        problems = common_problems(self.headers)
        if re.fullmatch(r"/app/installations/\d+/access_tokens", self.path):
            kind, body = "token", None
            problems += self.check_jwt()
        elif re.fullmatch(r"/repos/[^/]+/[^/]+/actions/runs/\d+/deployment_protection_rule", self.path):
            kind, body = "review", json.loads(raw)
            if bearer(self.headers) not in state["issued"]:
                problems.append("not an installation token minted here")
            if set(body) - {"environment_name", "state", "comment"}:
                problems.append(f"unknown members {set(body)}")
            if not isinstance(body.get("environment_name"), str):
                problems.append("environment_name missing")
            if body.get("state") not in ("approved", "rejected"):
                problems.append(f"state {body.get('state')}")
        else:
            kind, body = "unknown", None
            problems.append(f"unknown path {self.path}")
        with open(LOG, "a") as log:
            log.write(json.dumps({"kind": kind, "path": self.path, "body": body, "problems": problems}) + "\n")
        if problems:
            return self.answer(401 if kind == "token" else 422, {"message": "; ".join(problems)})
        if kind == "token":
            token = f"ghs_standin_{len(state['issued'])}"
            state["issued"].add(token)
            expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
            return self.answer(201, {"token": token, "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ")})
        if state["to_fail"] > 0:
            state["to_fail"] -= 1
            return self.answer(503, {"message": "unavailable"})
        self.send_response(204)
        self.end_headers()

    def check_jwt(self):
        token = bearer(self.headers)
        if token is None:
            return ["no bearer JWT"]
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, PUBLIC, algorithms=["RS256"], options={"require": ["iat", "exp", "iss"]}, leeway=int(LEEWAY))
        except jwt.PyJWTError as error:
            return [f"JWT refused: {error}"]
        problems = []
        if header.get("alg") != "RS256":
            problems.append(f"alg {header.get('alg')}")
        if str(claims["iss"]) != APP_ID:
            problems.append(f"iss {claims['iss']}")
        if claims["iat"] > time.time() + int(LEEWAY):
            problems.append("iat in the future")
        if claims["exp"] - claims["iat"] > 600:
            problems.append("exp more than 10 minutes after iat")
        return problems

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
