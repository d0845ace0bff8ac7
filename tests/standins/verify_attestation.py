"""Verifies a pausegate attestation independently, from the published keys alone.

Usage: verify_attestation.py KEYS_PEM ENVELOPE_FILE SCHEMA_FILE
KEYS_PEM is /.well-known/pausegate-attestation.pub as served: one or more
PEM public keys. Each key's ID is the hex SHA-256 of its
SubjectPublicKeyInfo DER; securesystemslib picks the key an envelope's
signature names by that ID and checks the DSSE signature (PAE over the
payload type and payload). Then the payload must be an in-toto Statement
v1 whose predicate validates against SCHEMA_FILE (JSON Schema, checked
with jsonschema). Prints the statement as JSON on success; exits non-zero
on the first failure. Uses securesystemslib, cryptography and jsonschema.
"""

import hashlib
import json
import re
import sys

import jsonschema
from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

PEM = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----\s*", re.S)


def published_keys(bundle):
    keys = []
    for block in PEM.findall(bundle):
        public = serialization.load_pem_public_key(block)
        der = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        keys.append(SSlibKey.from_crypto(public, keyid=hashlib.sha256(der).hexdigest()))
    assert keys, "no PEM public key in the bundle"
    return keys


def main():
    keys = published_keys(open(sys.argv[1], "rb").read())
    envelope = Envelope.from_dict(json.load(open(sys.argv[2])))
    envelope.verify(keys, 1)  # raises VerificationError
    assert envelope.payload_type == "application/vnd.in-toto+json", "payload type"
    statement = json.loads(envelope.payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1", "_type"
    schema = json.load(open(sys.argv[3]))
    jsonschema.validate(statement["predicate"], schema)
    print(json.dumps(statement, sort_keys=True))


if __name__ == "__main__":
    main()
