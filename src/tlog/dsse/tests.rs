use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

const TYPE: &str = "application/vnd.in-toto+json";

/// The RFC 8410 §10.1 example: an Ed25519 key, not a P-256 one.
const ED25519_PEM: &str = "-----BEGIN PUBLIC KEY-----\n\
MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
-----END PUBLIC KEY-----\n";

#[test]
fn pae_encodes_the_spec_example() {
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
    assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    // Lengths count bytes, not characters.
    assert_eq!(pae("\u{e9}", b"x"), "DSSEv1 2 \u{e9} 1 x".as_bytes());
}

#[test]
fn an_envelope_verifies_from_the_published_pem_alone_and_names_its_key() {
    let signer = DsseSigner::generate().unwrap();
    let envelope = signer.sign(TYPE, b"{\"a\":1}").unwrap();
    let pem = signer.public_key().to_pem();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"));
    let key = DsseKey::from_pem(&pem).unwrap();
    assert_eq!(key.keyid(), hex::encode(Sha256::digest(key.spki_der())));
    assert_eq!(envelope.signatures[0].keyid, key.keyid());
    let verified = key.verify(&envelope).unwrap();
    assert_eq!(
        (verified.payload_type.as_str(), verified.payload.as_slice()),
        (TYPE, &b"{\"a\":1}"[..])
    );
    // DER: a SEQUENCE of two INTEGERs, not 64 raw bytes.
    let sig = STANDARD.decode(&envelope.signatures[0].sig).unwrap();
    assert_eq!(sig[0], 0x30);
}

#[test]
fn a_changed_payload_type_payload_or_signature_is_refused() {
    let signer = DsseSigner::generate().unwrap();
    let key = signer.public_key();
    let envelope = signer.sign(TYPE, b"approved").unwrap();
    let unverified = Err(DsseError::Unverified {
        keyid: key.keyid().to_owned(),
    });
    let mut retyped = envelope.clone();
    retyped.payload_type = "application/json".into();
    assert_eq!(key.verify(&retyped), unverified);
    let mut changed = envelope.clone();
    changed.payload = STANDARD.encode(b"rejected");
    assert_eq!(key.verify(&changed), unverified);
    let mut forged = envelope.clone();
    let mut sig = STANDARD.decode(&forged.signatures[0].sig).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    forged.signatures[0].sig = STANDARD.encode(sig);
    assert_eq!(key.verify(&forged), unverified);
}

#[test]
fn the_key_id_is_only_a_hint_and_another_key_verifies_nothing() {
    let signer = DsseSigner::generate().unwrap();
    let mut envelope = signer.sign(TYPE, b"body").unwrap();
    envelope.signatures[0].keyid = "someone else".into();
    assert!(signer.public_key().verify(&envelope).is_ok());
    let stranger = DsseSigner::generate().unwrap();
    let refused = stranger.public_key().verify(&envelope);
    assert!(matches!(refused, Err(DsseError::Unverified { .. })));
    // A stranger's signature beside the real one does not hide it.
    let mut both = stranger.sign(TYPE, b"body").unwrap();
    both.signatures.extend(envelope.signatures);
    assert!(signer.public_key().verify(&both).is_ok());
}

#[test]
fn url_safe_and_unpadded_base64_are_accepted() {
    let signer = DsseSigner::generate().unwrap();
    let mut envelope = signer.sign(TYPE, b"\xfb\xff\xfe payload").unwrap();
    envelope.payload = URL_SAFE_NO_PAD.encode(b"\xfb\xff\xfe payload");
    let sig = STANDARD.decode(&envelope.signatures[0].sig).unwrap();
    envelope.signatures[0].sig = URL_SAFE_NO_PAD.encode(sig);
    let verified = signer.public_key().verify(&envelope).unwrap();
    assert_eq!(verified.payload, b"\xfb\xff\xfe payload");
}

#[test]
fn malformed_envelopes_are_refused_naming_the_field() {
    let signer = DsseSigner::generate().unwrap();
    let envelope = signer.sign(TYPE, b"body").unwrap();
    let field_of = |envelope: &Envelope| match signer.public_key().verify(envelope) {
        Err(DsseError::Envelope { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    let mut bad = envelope.clone();
    bad.payload = "not base64!".into();
    assert_eq!(field_of(&bad), "payload");
    let mut none = envelope.clone();
    none.signatures.clear();
    assert_eq!(field_of(&none), "signatures");
    let mut many = envelope.clone();
    many.signatures = vec![envelope.signatures[0].clone(); MAX_SIGNATURES + 1];
    assert_eq!(field_of(&many), "signatures");
    let mut garbled = envelope;
    garbled.signatures[0].sig = "***".into();
    assert_eq!(field_of(&garbled), "signatures[0].sig");
}

#[test]
fn the_envelope_serializes_with_the_spec_s_field_names() {
    let signer = DsseSigner::generate().unwrap();
    let json = serde_json::to_value(signer.sign(TYPE, b"x").unwrap()).unwrap();
    assert_eq!(json["payload"], "eA==");
    assert_eq!(json["payloadType"], TYPE);
    assert_eq!(json["signatures"][0]["keyid"], signer.public_key().keyid());
    assert!(json["signatures"][0]["sig"].is_string());
}

#[test]
fn a_stored_key_reads_back_as_the_same_key() {
    let signer = DsseSigner::generate().unwrap();
    let again = DsseSigner::from_pkcs8(&signer.to_pkcs8().unwrap()).unwrap();
    assert_eq!(again.public_key(), signer.public_key());
    assert!(!format!("{again:?}").contains("pair"));
}

#[test]
fn keys_that_are_not_ecdsa_p256_are_refused() {
    assert!(matches!(
        DsseKey::from_pem(ED25519_PEM),
        Err(DsseError::Key(_))
    ));
    assert!(matches!(
        DsseKey::from_pem("no pem here"),
        Err(DsseError::Key(_))
    ));
    assert!(matches!(
        DsseKey::from_spki_der(b"\x30\x00"),
        Err(DsseError::Key(_))
    ));
    assert!(matches!(
        DsseSigner::from_pkcs8(b"\x30\x00"),
        Err(DsseError::Key(_))
    ));
}
