"""Verifies pausegate receipts independently, from the JWK Set alone.

Usage: verify_receipt.py JWKS_FILE RECEIPTS_FILE DATA_FILE
RECEIPTS_FILE holds one receipt (JWS) per line in chain order; DATA_FILE
is a JSON list with each pause's `data`, in the same order. Prints one
line per receipt, exits non-zero on the first that does not verify.
Uses PyJWT (with cryptography for EdDSA), hashlib and json only.
"""

import hashlib
import json
import sys

import jwt


def main():
    jwks = json.load(open(sys.argv[1]))
    receipts = open(sys.argv[2]).read().split()
    datas = json.load(open(sys.argv[3]))
    keys = {k["kid"]: jwt.PyJWK(k, algorithm="EdDSA") for k in jwks["keys"]}
    previous = None
    for receipt, data in zip(receipts, datas):
        kid = jwt.get_unverified_header(receipt)["kid"]
        claims = jwt.decode(receipt, keys[kid].key, algorithms=["EdDSA"])
        compact = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        expected = hashlib.sha256(compact.encode()).hexdigest()
        assert claims["data_sha256"] == expected, (claims["data_sha256"], expected)
        if previous is not None:
            assert claims["prev"] == hashlib.sha256(previous.encode()).hexdigest(), "chain"
        previous = receipt
        print(claims["seq"], claims["sub"], claims["outcome"], kid)


main()
