//! The artefacts a pause is about ([`Subject`]): what the request named
//! in `subjects`, each a name and the SHA-256 of its content, such as a
//! container image and its digest. They become the `subject` of the
//! pause's attestation (an in-toto Statement v1; in-toto/attestation
//! `spec/v1/resource_descriptor.md` and `digest_set.md`: a digest is
//! lowercase hex), so a deploy can check that what it is about to run is
//! what was approved.

use serde::{Deserialize, Serialize};

use super::text::{Lines, readable};
use super::validation::ValidationError;

/// Most subjects on one pause.
pub const MAX_SUBJECTS: usize = 64;
/// Longest subject name, in characters.
const MAX_SUBJECT_NAME_CHARS: usize = 256;

/// One artefact a pause is about: checked when the pause was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subject {
    /// What the artefact is called, such as an image reference
    /// (`registry.example/app`) or a file name: 1–256 characters, one line.
    #[schema(min_length = 1, max_length = 256)]
    name: String,
    /// Its digests.
    digest: SubjectDigest,
}

/// A subject's digest: SHA-256 only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubjectDigest {
    /// The SHA-256 of the artefact, 64 lowercase hex digits.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    sha256: String,
}

impl Subject {
    /// Reads the subject named `name` whose SHA-256 is `sha256`, given as
    /// `field` (`subjects[1]`): an error names `field.name` or
    /// `field.digest.sha256`.
    pub fn parse(field: &str, name: &str, sha256: &str) -> Result<Self, ValidationError> {
        let at = format!("{field}.name");
        readable(&at, name, Lines::One)?;
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_SUBJECT_NAME_CHARS {
            let problem = format!("must be 1-{MAX_SUBJECT_NAME_CHARS} characters, not {chars}");
            return Err(ValidationError::new(&at, format!("{at} {problem}")));
        }
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if sha256.len() != 64 || !sha256.bytes().all(lower_hex) {
            let at = format!("{field}.digest.sha256");
            return Err(ValidationError::new(
                &at,
                format!("{at} must be a SHA-256 in 64 lowercase hex digits, not {sha256:?}"),
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            digest: SubjectDigest {
                sha256: sha256.to_owned(),
            },
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its SHA-256, lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.digest.sha256
    }
}

/// Checks the count of subjects a request names; each is read with
/// [`Subject::parse`] by the caller, which knows their shape.
pub fn check_subject_count(count: usize) -> Result<(), ValidationError> {
    if count > MAX_SUBJECTS {
        return Err(ValidationError::new(
            "subjects",
            format!("subjects names {count} artefacts; the most allowed is {MAX_SUBJECTS}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

    #[test]
    fn a_subject_is_a_readable_name_and_a_lowercase_sha256() {
        let subject = Subject::parse("subjects[0]", "registry.example/app", DIGEST).unwrap();
        assert_eq!(
            (subject.name(), subject.sha256()),
            ("registry.example/app", DIGEST)
        );
        let json = serde_json::to_value(&subject).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "registry.example/app", "digest": {"sha256": DIGEST}})
        );
    }

    #[test]
    fn a_bad_name_or_digest_is_refused_by_its_path() {
        let long = "x".repeat(257);
        let upper = DIGEST.to_uppercase();
        let cases = [
            ("", DIGEST, "subjects[1].name"),
            (long.as_str(), DIGEST, "subjects[1].name"),
            ("two\nlines", DIGEST, "subjects[1].name"),
            ("app", upper.as_str(), "subjects[1].digest.sha256"),
            ("app", &DIGEST[1..], "subjects[1].digest.sha256"),
            ("app", "sha256:abc", "subjects[1].digest.sha256"),
        ];
        for (name, sha256, field) in cases {
            let error = Subject::parse("subjects[1]", name, sha256).unwrap_err();
            assert_eq!(error.field, field, "{name:?} {sha256:?}");
            assert!(error.message.starts_with(field), "{}", error.message);
        }
        assert!(Subject::parse("s", &"é".repeat(256), DIGEST).is_ok());
    }

    #[test]
    fn at_most_64_subjects_are_named() {
        assert!(check_subject_count(64).is_ok());
        assert_eq!(check_subject_count(65).unwrap_err().field, "subjects");
    }
}
