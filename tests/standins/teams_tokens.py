"""Makes the Bot Framework's key set and the tokens the Bot Connector would
send a bot, for the Teams bot tests, with an implementation independent of
the server's (PyJWT and cryptography).

Usage: teams_tokens.py APP_ID SERVICE_URL
Prints JSON: {"jwks": {...}, "tokens": {"good": ..., "expired": ...}}.
"""

import json
import sys
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

app_id, service_url = sys.argv[1], sys.argv[2]


def public(key, kid, endorsements):
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=kid, use="sig", endorsements=endorsements)
    return jwk


teams_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
webchat_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
now = int(time.time())
claims = {
    "iss": "https://api.botframework.com",
    "aud": app_id,
    "serviceurl": service_url,
    "nbf": now - 10,
    "iat": now - 10,
    "exp": now + 3600,
}


def signed(changes=None, signer=teams_key, kid="teams-key"):
    return jwt.encode({**claims, **(changes or {})}, signer, algorithm="RS256",
                      headers={"kid": kid})


tokens = {
    "good": signed(),
    "wrong_audience": signed({"aud": "00000000-0000-0000-0000-00000000ffff"}),
    # Past the 5 minutes of clock skew the Bot Framework allows.
    "expired": signed({"iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}),
    "forged": signed(signer=stranger),
    "wrong_issuer": signed({"iss": "https://sts.example.com"}),
    # A key the Bot Framework endorses for another channel only.
    "unendorsed": signed(signer=webchat_key, kid="webchat-key"),
    "other_service": signed({"serviceurl": "https://elsewhere.example.com/"}),
}
jwks = {"keys": [public(teams_key, "teams-key", ["msteams"]),
                 public(webchat_key, "webchat-key", ["webchat"])]}
print(json.dumps({"jwks": jwks, "tokens": tokens}))
