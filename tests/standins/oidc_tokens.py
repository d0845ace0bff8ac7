"""Makes an issuer's key set and tokens for the OIDC caller tests, with an
implementation independent of the server's (PyJWT and cryptography).

Usage: oidc_tokens.py ISSUER
Prints JSON: {"jwks": {...}, "tokens": {"good": ..., "wrong_issuer": ...}}.
"""

import json
import sys
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

issuer = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
jwk.update(kid="key-1", use="sig", alg="RS256")
now = int(time.time())
claims = {
    "iss": issuer,
    "aud": "pausegate",
    "sub": "repo:acme/app:ref:refs/heads/main",
    "iat": now,
    "exp": now + 300,
}


def signed(changes=None, signer=key, headers=None):
    return jwt.encode({**claims, **(changes or {})}, signer, algorithm="RS256",
                      headers={"kid": "key-1", **(headers or {})})


def unsigned():
    # alg "none": PyJWT writes it when asked for no algorithm.
    return jwt.encode({**claims}, None, algorithm="none")


tokens = {
    "good": signed(),
    "wrong_issuer": signed({"iss": issuer + "/elsewhere"}),
    "wrong_audience": signed({"aud": "someone-else"}),
    "expired": signed({"iat": now - 900, "exp": now - 600}),
    "alg_none": unsigned(),
    "wrong_subject": signed({"sub": "repo:other/app:ref:refs/heads/main"}),
    "forged": signed(signer=stranger),
    "unknown_key": signed(headers={"kid": "key-2"}),
    # Subjects an attacker might get an issuer to sign: shaped like an
    # address, or ending in one.
    "address_subject": signed({"sub": "ana@example.com"}),
    "domain_subject": signed({"sub": "repo:acme/x@example.com"}),
}
print(json.dumps({"jwks": {"keys": [jwk]}, "tokens": tokens}))
