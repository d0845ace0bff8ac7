//! in-toto Statement v1 (in-toto/attestation `spec/v1/statement.md`):
//!
//! ```json
//! {"_type": "https://in-toto.io/Statement/v1",
//!  "subject": [{"name": "<name>", "digest": {"sha256": "<lowercase hex>"}}],
//!  "predicateType": "<URI>",
//!  "predicate": {...}}
//! ```
//!
//! carried in a DSSE envelope of payload type
//! `application/vnd.in-toto+json` (`spec/v1/envelope.md`). At least one
//! subject, each with a name and a SHA-256 digest (`digest_set.md`: lower
//! case hex); the predicate type is an absolute URI; the predicate a JSON
//! object.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::dsse::{DsseError, DsseKey, DsseSigner, Envelope};

/// The `_type` of a Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Why a statement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// A field is not valid; `field` is its JSON path.
    #[error("the statement's {field} {problem}")]
    Field {
        /// Such as `subject[0].digest.sha256`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The envelope did not verify.
    #[error(transparent)]
    Dsse(#[from] DsseError),
}

fn field_error(field: impl Into<String>, problem: impl Into<String>) -> StatementError {
    StatementError::Field {
        field: field.into(),
        problem: problem.into(),
    }
}

/// An artefact the statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Its name, such as an image reference or a file name.
    pub name: String,
    /// Its digests.
    pub digest: SubjectDigest,
}

/// A subject's digest set: SHA-256 only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectDigest {
    /// The lowercase hex SHA-256.
    pub sha256: String,
}

impl Subject {
    /// The subject `name` whose SHA-256 is `sha256` (lowercase hex).
    pub fn new(name: &str, sha256: &str) -> Result<Self, StatementError> {
        let subject = Self {
            name: name.to_owned(),
            digest: SubjectDigest {
                sha256: sha256.to_owned(),
            },
        };
        subject.check(0)?;
        Ok(subject)
    }

    fn check(&self, index: usize) -> Result<(), StatementError> {
        if self.name.is_empty() {
            return Err(field_error(format!("subject[{index}].name"), "is empty"));
        }
        let hex = &self.digest.sha256;
        let lower_hex = hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex.len() != 64 || !lower_hex {
            let field = format!("subject[{index}].digest.sha256");
            return Err(field_error(field, "is not 64 lowercase hex digits"));
        }
        Ok(())
    }
}

/// An in-toto Statement v1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// What it is about: one or more artefacts.
    pub subject: Vec<Subject>,
    /// The URI naming the predicate's meaning and schema.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// What it says about them.
    pub predicate: Value,
}

impl Statement {
    /// The statement that `predicate` (of type `predicate_type`) holds
    /// for `subject`.
    pub fn new(
        subject: Vec<Subject>,
        predicate_type: &str,
        predicate: Value,
    ) -> Result<Self, StatementError> {
        let statement = Self {
            statement_type: STATEMENT_TYPE.to_owned(),
            subject,
            predicate_type: predicate_type.to_owned(),
            predicate,
        };
        statement.check()?;
        Ok(statement)
    }

    fn check(&self) -> Result<(), StatementError> {
        if self.statement_type != STATEMENT_TYPE {
            return Err(field_error("_type", format!("is not {STATEMENT_TYPE}")));
        }
        if self.subject.is_empty() {
            return Err(field_error("subject", "is empty"));
        }
        for (index, subject) in self.subject.iter().enumerate() {
            subject.check(index)?;
        }
        if url::Url::parse(&self.predicate_type).is_err() {
            return Err(field_error("predicateType", "is not an absolute URI"));
        }
        if !self.predicate.is_object() {
            return Err(field_error("predicate", "is not a JSON object"));
        }
        Ok(())
    }

    /// The statement as JSON bytes, the envelope's payload.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a statement always serializes")
    }

    /// The statement in a DSSE envelope signed by `signer`.
    pub fn sign(&self, signer: &DsseSigner) -> Result<Envelope, StatementError> {
        Ok(signer.sign(PAYLOAD_TYPE, &self.to_json())?)
    }

    /// The statement of an envelope that `key` signed, read from exactly
    /// the bytes that were verified.
    pub fn open(envelope: &Envelope, key: &DsseKey) -> Result<Self, StatementError> {
        let verified = key.verify(envelope)?;
        if verified.payload_type != PAYLOAD_TYPE {
            return Err(field_error("payloadType", format!("is not {PAYLOAD_TYPE}")));
        }
        let statement: Self = serde_json::from_slice(&verified.payload)
            .map_err(|e| field_error("payload", format!("is not a statement: {e}")))?;
        statement.check()?;
        Ok(statement)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const DIGEST: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn statement() -> Statement {
        let subject = vec![Subject::new("registry.example/app", DIGEST).unwrap()];
        Statement::new(
            subject,
            "https://example.com/decision/v1",
            json!({"outcome": "approved"}),
        )
        .unwrap()
    }

    #[test]
    fn a_statement_serializes_in_the_spec_s_shape() {
        let json: Value = serde_json::from_slice(&statement().to_json()).unwrap();
        assert_eq!(
            json,
            json!({
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [{"name": "registry.example/app", "digest": {"sha256": DIGEST}}],
                "predicateType": "https://example.com/decision/v1",
                "predicate": {"outcome": "approved"}
            })
        );
    }

    #[test]
    fn a_signed_statement_opens_with_the_key_and_not_with_another() {
        let signer = DsseSigner::generate().unwrap();
        let envelope = statement().sign(&signer).unwrap();
        assert_eq!(envelope.payload_type, PAYLOAD_TYPE);
        assert_eq!(
            Statement::open(&envelope, signer.public_key()).unwrap(),
            statement()
        );
        let stranger = DsseSigner::generate().unwrap();
        let refused = Statement::open(&envelope, stranger.public_key());
        assert!(matches!(
            refused,
            Err(StatementError::Dsse(DsseError::Unverified { .. }))
        ));
    }

    #[test]
    fn a_signed_envelope_of_another_payload_type_is_not_a_statement() {
        let signer = DsseSigner::generate().unwrap();
        let envelope = signer
            .sign("application/json", &statement().to_json())
            .unwrap();
        let refused = Statement::open(&envelope, signer.public_key()).unwrap_err();
        assert!(refused.to_string().contains("payloadType"), "{refused}");
    }

    #[test]
    fn bad_fields_are_refused_by_their_path() {
        fn field_of<T: std::fmt::Debug>(result: Result<T, StatementError>) -> String {
            match result {
                Err(StatementError::Field { field, .. }) => field,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(field_of(Subject::new("", DIGEST)), "subject[0].name");
        assert_eq!(
            field_of(Subject::new("a", &DIGEST.to_uppercase())),
            "subject[0].digest.sha256"
        );
        assert_eq!(
            field_of(Subject::new("a", &DIGEST[1..])),
            "subject[0].digest.sha256"
        );
        let subject = statement().subject;
        let predicate = json!({});
        assert_eq!(
            field_of(Statement::new(vec![], "https://x/y", predicate.clone())),
            "subject"
        );
        assert_eq!(
            field_of(Statement::new(subject.clone(), "not a uri", predicate)),
            "predicateType"
        );
        assert_eq!(
            field_of(Statement::new(subject, "https://x/y", json!([1]))),
            "predicate"
        );
    }
}
