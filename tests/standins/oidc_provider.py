"""A stand-in OpenID Connect provider for the sign-in tests that need no
browser, signing with an implementation independent of the server's
(PyJWT and cryptography). It checks each request as the specifications
say and answers as a provider does:

- GET /.well-known/openid-configuration (OpenID Connect Discovery 1.0 §4).
- GET /keys: the JWK set (RFC 7517) holding its one RS256 key.
- GET /authorize (OpenID Connect Core 1.0 §3.1.2.1, RFC 7636 §4.3):
  `response_type=code`, this client's id, `scope` with `openid`, `state`,
  `nonce`, and an S256 `code_challenge`. The person signing in is chosen by
  the test the way a person would pick an account on the provider's page:
  `login=ADDRESS`, with `email_verified=true|false|absent` (default true).
  Answers 303 to `redirect_uri?code=…&state=…&iss=…` (RFC 9207). What a
  faulty or hostile provider would send is chosen the same way: `omit=CLAIM`
  leaves a claim out of the ID token, `nbf_in=SECONDS` sets its `nbf` that
  far ahead, `kid=ID` names a key it does not publish.
- POST /token (OpenID Connect Core 1.0 §3.1.3.1, RFC 6749 §2.3.1, RFC 7636
  §4.6): client_secret_basic with the form-encoded id and secret, the code
  once, the same `redirect_uri`, and a `code_verifier` whose S256 is the
  challenge. Answers {"access_token", "token_type", "id_token"} with an ID
  token carrying iss, aud, sub, email, email_verified, nonce, iat, exp.
- GET /fetches: {"keys": N}, how often the key set was fetched.
Anything else answers 400 {"error", "error_description"}.

Usage: oidc_provider.py CLIENT_ID CLIENT_SECRET
Prints "issuer http://127.0.0.1:PORT" once listening.
"""

import base64
import hashlib
import json
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID, CLIENT_SECRET = sys.argv[1:3]
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWK = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
JWK.update(kid="stand-in-1", use="sig", alg="RS256")
CODES = {}
FETCHES = {"keys": 0}


def s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    def issuer(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, status, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, error, why):
        self.answer(400, {"error": error, "error_description": why})

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        issuer = self.issuer()
        if url.path == "/.well-known/openid-configuration":
            self.answer(200, {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/keys",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            })
        elif url.path == "/keys":
            FETCHES["keys"] += 1
            self.answer(200, {"keys": [JWK]})
        elif url.path == "/fetches":
            self.answer(200, FETCHES)
        elif url.path == "/authorize":
            self.authorize(query)
        else:
            self.answer(404, {"error": "not_found"})

    def authorize(self, query):
        problems = []
        if query.get("response_type") != "code":
            problems.append("response_type is not code")
        if query.get("client_id") != CLIENT_ID:
            problems.append("unknown client_id")
        if "openid" not in query.get("scope", "").split():
            problems.append("scope lacks openid")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problems.append("no S256 code_challenge")
        for needed in ("state", "nonce", "redirect_uri", "login"):
            if not query.get(needed):
                problems.append(f"no {needed}")
        if problems:
            return self.refuse("invalid_request", "; ".join(problems))
        code = secrets.token_urlsafe(24)
        CODES[code] = query
        back = urlencode({"code": code, "state": query["state"], "iss": self.issuer()})
        self.answer(303, headers=[("Location", f"{query['redirect_uri']}?{back}")])

    def do_POST(self):
        if urlsplit(self.path).path != "/token":
            return self.answer(404, {"error": "not_found"})
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return self.refuse("invalid_client", "no client_secret_basic")
        who, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if (unquote_plus(who), unquote_plus(secret)) != (CLIENT_ID, CLIENT_SECRET):
            return self.refuse("invalid_client", "wrong client id or secret")
        asked = CODES.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or asked is None:
            return self.refuse("invalid_grant", "unknown or used code")
        if form.get("redirect_uri") != asked["redirect_uri"]:
            return self.refuse("invalid_grant", "redirect_uri differs")
        if s256(form.get("code_verifier", "")) != asked["code_challenge"]:
            return self.refuse("invalid_grant", "code_verifier does not match")
        self.answer(200, {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(asked),
        })

    def id_token(self, asked):
        now = int(time.time())
        claims = {
            "iss": self.issuer(), "aud": CLIENT_ID, "sub": f"user-{asked['login']}",
            "email": asked["login"], "nonce": asked["nonce"], "iat": now, "exp": now + 300,
        }
        verified = asked.get("email_verified", "true")
        if verified != "absent":
            claims["email_verified"] = verified == "true"
        if "nbf_in" in asked:
            claims["nbf"] = now + int(asked["nbf_in"])
        claims.pop(asked.get("omit", ""), None)
        kid = asked.get("kid", "stand-in-1")
        return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": kid})

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"issuer http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
