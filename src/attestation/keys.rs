//! The attestation key's forms: a configured private key read from a
//! PKCS#8 PEM (RFC 5958, RFC 7468 `PRIVATE KEY`, as `openssl genpkey
//! -algorithm EC -pkeyopt ec_paramgen_curve:P-256` writes it), the stored
//! forms (base64 of the PKCS#8 DER, and of the public key's
//! SubjectPublicKeyInfo DER, RFC 5480), and the published PEM bundle,
//! every key that ever signed, current first. A key's ID is the hex
//! SHA-256 of its SubjectPublicKeyInfo DER ([`DsseKey::keyid`]).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::tlog::dsse::{DsseKey, DsseSigner};

/// Reads a `-----BEGIN PRIVATE KEY-----` PEM holding an ECDSA P-256 key.
pub fn signer_from_pem(pem: &str) -> Result<DsseSigner, String> {
    if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
        return Err(
            "the key is in SEC1 form (BEGIN EC PRIVATE KEY): convert it with \
                    openssl pkcs8 -topk8 -nocrypt"
                .to_owned(),
        );
    }
    let body = pem
        .split_once("-----BEGIN PRIVATE KEY-----")
        .and_then(|(_, rest)| rest.split_once("-----END PRIVATE KEY-----"))
        .map(|(body, _)| body.split_whitespace().collect::<String>())
        .ok_or("expected a PEM starting with -----BEGIN PRIVATE KEY-----")?;
    let der = STANDARD
        .decode(body)
        .map_err(|e| format!("the PEM's base64 does not decode: {e}"))?;
    DsseSigner::from_pkcs8(&der).map_err(|e| e.to_string())
}

/// The private key as stored: base64 of its PKCS#8 DER.
pub fn to_stored(signer: &DsseSigner) -> Result<String, String> {
    let der = signer.to_pkcs8().map_err(|e| e.to_string())?;
    Ok(STANDARD.encode(der))
}

/// Reads a stored private key ([`to_stored`]).
pub fn from_stored(text: &str) -> Result<DsseSigner, String> {
    let der = STANDARD
        .decode(text)
        .map_err(|e| format!("a stored attestation key does not decode: {e}"))?;
    DsseSigner::from_pkcs8(&der).map_err(|e| e.to_string())
}

/// The public key as stored: base64 of its SubjectPublicKeyInfo DER.
pub fn public_to_stored(key: &DsseKey) -> String {
    STANDARD.encode(key.spki_der())
}

/// Reads a stored public key ([`public_to_stored`]).
pub fn public_from_stored(text: &str) -> Result<DsseKey, String> {
    let der = STANDARD
        .decode(text)
        .map_err(|e| format!("a stored attestation public key does not decode: {e}"))?;
    DsseKey::from_spki_der(&der).map_err(|e| e.to_string())
}

/// Every key as one text of `PUBLIC KEY` PEMs, in the order given.
pub fn pem_bundle(keys: &[DsseKey]) -> String {
    keys.iter().map(DsseKey::to_pem).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`.
    const OPENSSL_KEY: &str = "-----BEGIN PRIVATE KEY-----\n\
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNV+8vtE7NfnbVtm3\n\
        grS9zmzF1yXcmrZOqCRMLqdIbBGhRANCAARaPrZDr4UBLG3s3Fj6lM2Eql+SRIkT\n\
        K5XTXTHtHWY0oRdpEaW1DgU6AXYQ3/mxxjwQ6yjkwThSjGN73HNmW+I3\n\
        -----END PRIVATE KEY-----\n";

    /// Its public half, from `openssl pkey -pubout`.
    const OPENSSL_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\n\
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEWj62Q6+FASxt7NxY+pTNhKpfkkSJ\n\
        EyuV010x7R1mNKEXaRGltQ4FOgF2EN/5scY8EOso5ME4Uoxje9xzZlviNw==\n\
        -----END PUBLIC KEY-----\n";

    #[test]
    fn a_key_from_openssl_is_read_and_its_public_half_is_what_openssl_says() {
        let signer = signer_from_pem(OPENSSL_KEY).unwrap();
        let public = DsseKey::from_pem(OPENSSL_PUBLIC).unwrap();
        assert_eq!(signer.public_key(), &public);
        assert_eq!(signer.public_key().to_pem(), OPENSSL_PUBLIC);
    }

    #[test]
    fn a_stored_key_reads_back_as_itself() {
        let signer = DsseSigner::generate().unwrap();
        let again = from_stored(&to_stored(&signer).unwrap()).unwrap();
        assert_eq!(again.public_key(), signer.public_key());
        let public = public_from_stored(&public_to_stored(signer.public_key())).unwrap();
        assert_eq!(&public, signer.public_key());
    }

    #[test]
    fn what_is_not_a_pkcs8_p256_key_is_refused_saying_why() {
        let sec1 = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        assert!(signer_from_pem(sec1).unwrap_err().contains("pkcs8 -topk8"));
        assert!(
            signer_from_pem("hello")
                .unwrap_err()
                .contains("BEGIN PRIVATE KEY")
        );
        let ed25519 = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
        assert!(signer_from_pem(ed25519).is_err());
    }

    #[test]
    fn the_bundle_holds_every_key_in_order() {
        let (a, b) = (
            DsseSigner::generate().unwrap(),
            DsseSigner::generate().unwrap(),
        );
        let keys = [a.public_key().clone(), b.public_key().clone()];
        let bundle = pem_bundle(&keys);
        assert_eq!(bundle.matches("-----BEGIN PUBLIC KEY-----").count(), 2);
        assert!(bundle.starts_with(&a.public_key().to_pem()));
        assert!(bundle.ends_with(&b.public_key().to_pem()));
    }
}
