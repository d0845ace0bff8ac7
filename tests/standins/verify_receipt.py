"""Verifies pausegate receipts independently, from the JWK Set alone.

Usage: verify_receipt.py JWKS_FILE RECEIPTS_FILE PAUSES_FILE
RECEIPTS_FILE holds one receipt (JWS) per line in chain order; PAUSES_FILE
is a JSON list with each pause as the API returns it, in the same order.
Checks each signature, the chain, and that the receipt signs the pause's
title, the SHA-256 of its description, of its data (compact JSON, keys
sorted) and of each decision's comment. Prints one line per receipt,
exits non-zero on the first that does not verify.
Uses PyJWT (with cryptography for EdDSA), hashlib and json only.
"""

import hashlib
import json
import sys

import jwt


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def check_text(claims, pause):
    assert claims["title"] == pause["title"], (claims["title"], pause["title"])
    assert claims["description_sha256"] == sha256(pause["description"]), "description"
    assert len(claims["decisions"]) == len(pause["decisions"]), "decisions"
    for signed, decision in zip(claims["decisions"], pause["decisions"]):
        comment = decision.get("comment")
        expected = None if comment is None else sha256(comment)
        assert signed.get("comment_sha256") == expected, (signed, comment)


def main():
    jwks = json.load(open(sys.argv[1]))
    receipts = open(sys.argv[2]).read().split()
    pauses = json.load(open(sys.argv[3]))
    keys = {k["kid"]: jwt.PyJWK(k, algorithm="EdDSA") for k in jwks["keys"]}
    previous = None
    for receipt, pause in zip(receipts, pauses):
        kid = jwt.get_unverified_header(receipt)["kid"]
        claims = jwt.decode(receipt, keys[kid].key, algorithms=["EdDSA"])
        compact = json.dumps(
            pause["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert claims["data_sha256"] == sha256(compact), (claims["data_sha256"], compact)
        check_text(claims, pause)
        # Receipts chained before the transparency log name the one before
        # them; those signed since name none (the log orders them).
        if previous is not None and "prev" in claims:
            assert claims["prev"] == hashlib.sha256(previous.encode()).hexdigest(), "chain"
        assert ("seq" in claims) == ("prev" in claims), "seq and prev come together"
        previous = receipt
        print(claims.get("seq", "-"), claims["sub"], claims["outcome"], kid)


main()
