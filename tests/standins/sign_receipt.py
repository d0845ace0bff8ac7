"""Signs receipt claims as any JOSE signer would, independently of pausegate.

Usage: sign_receipt.py CLAIMS_FILE OUT_DIR [KEY_FILE]
Signs the JSON object in CLAIMS_FILE as a compact JWS (RFC 7515 §7.1:
BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)) with
EdDSA over Ed25519 (RFC 8037 §3.1), the header naming the key by its
RFC 7638 thumbprint. The key is the PKCS#8 DER document, base64, in
KEY_FILE (as pausegate stores its keys), or else a fresh one, whose JWK
Set (RFC 7517 §5) is written to OUT_DIR/jwks.json: a forger's own keys.
The receipt goes to OUT_DIR/receipt.jws. Uses cryptography, hashlib,
base64 and json only.
"""

import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def stored_key(text):
    """The Ed25519 key in a PKCS#8 document (RFC 5958), v1 or v2: its
    privateKey is an OCTET STRING wrapping the 32-byte seed (RFC 8410 §7),
    DER 04 22 04 20 <seed>; v2's trailing public key is not needed."""
    der = base64.b64decode(text.strip())
    at = der.index(bytes.fromhex("04220420")) + 4
    return Ed25519PrivateKey.from_private_bytes(der[at : at + 32])


def main():
    claims = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    if len(sys.argv) > 3:
        key = stored_key(open(sys.argv[3]).read())
    else:
        key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    x = b64url(raw)
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    kid = b64url(hashlib.sha256(members.encode()).digest())
    header = {"alg": "EdDSA", "typ": "JWT", "kid": kid}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(
        json.dumps(claims, ensure_ascii=False).encode()
    )
    signature = key.sign(signing_input.encode())
    with open(os.path.join(out, "receipt.jws"), "w") as f:
        f.write(signing_input + "." + b64url(signature))
    if len(sys.argv) <= 3:
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}
        with open(os.path.join(out, "jwks.json"), "w") as f:
            json.dump({"keys": [jwk]}, f)


main()
