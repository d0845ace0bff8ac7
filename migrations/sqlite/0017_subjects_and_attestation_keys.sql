-- Attestations: the artefacts a pause request names (`subjects`, a JSON
-- array of {name, digest: {sha256}}, NULL when none), and the ECDSA P-256
-- keys that sign attestations (base64 DER: the public key's
-- SubjectPublicKeyInfo, and a generated key's PKCS#8 private half).
ALTER TABLE pauses ADD COLUMN subjects TEXT;
CREATE TABLE attestation_keys (
    keyid       TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    private_key TEXT,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);
