"""Verifies pausegate's transparency log independently of its Rust code.

Usage:
  tlog_verify.py checkpoint VKEY_FILE NOTE_FILE
  tlog_verify.py proof VKEY_FILE PROOF_FILE ENTRY_FILE
  tlog_verify.py consistency VKEY_FILE OLD_NOTE NEW_NOTE PROOF_FILE
  tlog_verify.py tiles VKEY_FILE DIR
  tlog_verify.py dsse PEM_FILE ENVELOPE_FILE

checkpoint: a C2SP signed note (c2sp.org/signed-note, Ed25519) holding a
c2sp.org/tlog-checkpoint, signed by the vkey's key, its origin the key name.
proof: a c2sp.org/tlog-proof of the entry's bytes. consistency: PROOF_FILE
holds one base64 hash a line, proving OLD_NOTE's tree a prefix of
NEW_NOTE's. tiles: DIR holds `checkpoint` and the c2sp.org/tlog-tiles of
its tree; every hash tile and entry bundle is read and the root rebuilt.
dsse: a DSSE envelope holding an in-toto Statement v1, verified by
securesystemslib from the PEM alone (key ID: hex SHA-256 of its DER).

RFC 9162 proofs are checked by structural recursion on the definitions of
PATH (2.1.3.1) and SUBPROOF (2.1.4.1), not by the bit-walking of 2.1.3.2 and
2.1.4.2 that pausegate uses, so the two implementations share no steps.
Uses hashlib and cryptography (and securesystemslib for dsse) only. Prints
what it verified; exits non-zero on the first failure.
"""

import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DASH = "\u2014 ".encode()


def sha256(data):
    return hashlib.sha256(data).digest()


def node(left, right):
    return sha256(b"\x01" + left + right)


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def b64(text):
    return base64.b64decode(text, validate=True)


def read_vkey(path):
    name, key_id, key = open(path).read().strip().split("+", 2)
    typed = b64(key)
    assert typed[0] == 1 and len(typed) == 33, "not an Ed25519 vkey"
    assert sha256(name.encode() + b"\n" + typed)[:4].hex() == key_id, "key ID"
    return name, bytes.fromhex(key_id), Ed25519PublicKey.from_public_bytes(typed[1:])


def open_checkpoint(vkey, note):
    name, key_id, public = vkey
    split_at = note.rindex(b"\n\n")
    text, signatures = note[: split_at + 1], note[split_at + 2 :]
    assert signatures.endswith(b"\n"), "signatures end in a newline"
    verified = False
    for line in signatures[:-1].split(b"\n"):
        assert line.startswith(DASH), "signature line"
        signer, encoded = line[len(DASH) :].decode().split(" ", 1)
        signature = b64(encoded)
        if signer == name and signature[:4] == key_id:
            public.verify(signature[4:], text)  # raises InvalidSignature
            verified = True
    assert verified, "no signature by the log's key"
    origin, size, root = text.decode().split("\n")[:3]
    assert origin == name, "origin is the key's name"
    assert size == str(int(size)), "size is canonical"
    assert len(b64(root)) == 32, "root is 32 bytes"
    return int(size), b64(root)


def root_from_path(index, size, leaf, path):
    """MTH of the tree, from PATH(index, D[size]), last element outermost."""
    if size == 1:
        assert not path, "proof too long"
        return leaf
    assert path, "proof too short"
    k, outer = split(size), path[-1]
    if index < k:
        return node(root_from_path(index, k, leaf, path[:-1]), outer)
    return node(outer, root_from_path(index - k, size - k, leaf, path[:-1]))


def roots_from_subproof(m, n, whole, proof, first_root):
    """(MTH(D[0:m]), MTH(D[0:n])) of a subtree, from SUBPROOF(m, D[n], whole)."""
    if m == n:
        if whole:
            assert not proof, "proof too long"
            return first_root, first_root
        assert len(proof) == 1, "proof length"
        return proof[0], proof[0]
    assert proof, "proof too short"
    k, outer = split(n), proof[-1]
    if m <= k:
        old, new = roots_from_subproof(m, k, whole, proof[:-1], first_root)
        return old, node(new, outer)
    old, new = roots_from_subproof(m - k, n - k, False, proof[:-1], first_root)
    return node(outer, old), node(outer, new)


def check_proof(vkey, proof_text, entry):
    lines = proof_text.split("\n")
    assert lines.pop(0) == "c2sp.org/tlog-proof@v1", "header"
    if lines[0].startswith("extra "):
        lines.pop(0)
    index = int(lines.pop(0).removeprefix("index "))
    blank = lines.index("")
    path = [b64(line) for line in lines[:blank]]
    size, root = open_checkpoint(vkey, "\n".join(lines[blank + 1 :]).encode())
    assert 0 <= index < size, "index within the tree"
    leaf = sha256(b"\x00" + entry)
    assert root_from_path(index, size, leaf, path) == root, "inclusion"
    print(f"entry {index} is in the tree of {size}")


def check_consistency(vkey, old_note, new_note, proof_text):
    old_size, old_root = open_checkpoint(vkey, old_note)
    new_size, new_root = open_checkpoint(vkey, new_note)
    proof = [b64(line) for line in proof_text.split()]
    assert 0 < old_size <= new_size, "sizes"
    old, new = roots_from_subproof(old_size, new_size, True, proof, old_root)
    assert (old, new) == (old_root, new_root), "consistency"
    print(f"the tree of {old_size} is a prefix of the tree of {new_size}")


def tile_path(kind, index, width):
    groups = [f"{index % 1000:03d}"]
    while index >= 1000:
        index //= 1000
        groups.insert(0, f"x{index % 1000:03d}")
    partial = "" if width == 256 else f".p/{width}"
    return f"tile/{kind}/" + "/".join(groups) + partial


def read_level(directory, kind, count):
    """The `count` hashes (or entries) of a level, from its tiles."""
    items = []
    for index in range((count + 255) // 256):
        width = min(256, count - index * 256)
        data = open(os.path.join(directory, tile_path(kind, index, width)), "rb").read()
        if kind == "entries":
            while data:
                length = int.from_bytes(data[:2], "big")
                assert len(data) >= 2 + length, "bundle framing"
                items.append(data[2 : 2 + length])
                data = data[2 + length :]
        else:
            assert len(data) == 32 * width, "tile length"
            items += [data[i : i + 32] for i in range(0, len(data), 32)]
        assert len(items) == index * 256 + width, "tile width"
    return items


def check_tiles(vkey, directory):
    size, root = open_checkpoint(vkey, open(os.path.join(directory, "checkpoint"), "rb").read())
    entries = read_level(directory, "entries", size)
    below = read_level(directory, "0", size)
    assert [sha256(b"\x00" + e) for e in entries] == below, "bundles hash to level 0"
    assert mth(below) == root, "root from the level-0 tiles"
    level = 1
    while size >> (8 * level):
        hashes = read_level(directory, str(level), size >> (8 * level))
        assert hashes == [mth(below[i : i + 256]) for i in range(0, 256 * len(hashes), 256)]
        below, level = hashes, level + 1
    print(f"{size} entries and {level} tile levels rebuild the checkpoint's root")


def check_dsse(pem, envelope_text):
    from cryptography.hazmat.primitives import serialization
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    public = serialization.load_pem_public_key(pem)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = SSlibKey.from_crypto(public, keyid=hashlib.sha256(der).hexdigest())
    envelope = Envelope.from_dict(json.loads(envelope_text))
    envelope.verify([key], 1)  # raises VerificationError
    assert envelope.payload_type == "application/vnd.in-toto+json", "payload type"
    statement = json.loads(envelope.payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1", "_type"
    for subject in statement["subject"]:
        print(subject["name"], subject["digest"]["sha256"])
    print(statement["predicateType"], key.keyid)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "dsse":
        return check_dsse(open(args[0], "rb").read(), open(args[1]).read())
    vkey = read_vkey(args[0])
    if mode == "checkpoint":
        size, root = open_checkpoint(vkey, open(args[1], "rb").read())
        print(size, base64.b64encode(root).decode())
    elif mode == "proof":
        check_proof(vkey, open(args[1]).read(), open(args[2], "rb").read())
    elif mode == "consistency":
        notes = [open(path, "rb").read() for path in args[1:3]]
        check_consistency(vkey, *notes, open(args[3]).read())
    elif mode == "tiles":
        check_tiles(vkey, args[1])
    else:
        sys.exit(f"unknown mode {mode}")


main()
