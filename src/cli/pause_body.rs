//! The body of `POST /api/v1/pauses` from `pausegate pause`'s flags:
//! `--data` inline or from a file, and `--subject NAME@sha256:HEX`, each
//! error saying which flag and where.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::commands::PauseArgs;

/// The request body from the flags; `--data` errors say where parsing failed.
pub(crate) fn pause_body(args: &PauseArgs) -> Result<Value, String> {
    let mut body = Map::new();
    body.insert("title".into(), json!(args.title));
    let optional = [
        ("description", &args.description),
        ("target", &args.target),
        ("on_reject", &args.on_reject),
        ("expires_in", &args.expires_in),
        ("on_expire", &args.on_expire),
        ("idempotency_key", &args.idempotency_key),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            body.insert(key.into(), json!(value));
        }
    }
    if let Some(data) = &args.data {
        body.insert("data".into(), parse_data(data)?);
    }
    if !args.tags.is_empty() {
        body.insert("tags".into(), json!(args.tags));
    }
    if !args.subjects.is_empty() {
        let subjects: Result<Vec<Value>, String> =
            args.subjects.iter().map(|s| parse_subject(s)).collect();
        body.insert("subjects".into(), Value::Array(subjects?));
    }
    if !args.emails.is_empty() || !args.channels.is_empty() {
        body.insert(
            "notify".into(),
            json!({"email": args.emails, "channels": args.channels}),
        );
    }
    Ok(Value::Object(body))
}

/// `--subject registry.example/app@sha256:HEX`: the name is what comes
/// before the last `@sha256:` (an image reference's digest form); the
/// server checks both parts.
fn parse_subject(subject: &str) -> Result<Value, String> {
    let (name, sha256) = subject.rsplit_once("@sha256:").ok_or_else(|| {
        format!("--subject {subject:?} is not NAME@sha256:HEX (an artefact and its SHA-256)")
    })?;
    Ok(json!({"name": name, "digest": {"sha256": sha256}}))
}

/// `--data '{"a": 1}'` or `--data @file.json`.
pub(crate) fn parse_data(data: &str) -> Result<Value, String> {
    let (origin, text) = match data.strip_prefix('@') {
        Some(path) => {
            let text = std::fs::read_to_string(Path::new(path))
                .map_err(|e| format!("--data @{path}: cannot read the file: {e}"))?;
            (format!("--data @{path}"), text)
        }
        None => ("--data".to_owned(), data.to_owned()),
    };
    serde_json::from_str(&text).map_err(|e| format!("{origin} is not valid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_inline_and_from_a_file_and_says_where_it_fails() {
        assert_eq!(parse_data(r#"{"a": 1}"#).unwrap(), json!({"a": 1}));
        let error = parse_data(r#"{"a": }"#).unwrap_err();
        assert!(
            error.starts_with("--data is not valid JSON") && error.contains("line 1 column 7"),
            "{error}"
        );

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data.json");
        std::fs::write(&file, "{\n  \"run_date\": \"2026-11-23\",\n}").unwrap();
        let error = parse_data(&format!("@{}", file.display())).unwrap_err();
        assert!(
            error.contains("data.json is not valid JSON") && error.contains("line 3"),
            "{error}"
        );
        std::fs::write(&file, "[1, 2]").unwrap();
        assert_eq!(
            parse_data(&format!("@{}", file.display())).unwrap(),
            json!([1, 2])
        );
        let missing = parse_data("@/nowhere/x.json").unwrap_err();
        assert!(missing.contains("cannot read"), "{missing}");
    }

    #[test]
    fn a_subject_is_split_at_its_last_sha256_digest() {
        let digest = "ab".repeat(32);
        let image = format!("registry.example:5000/app@sha256:{digest}");
        assert_eq!(
            parse_subject(&image).unwrap(),
            json!({"name": "registry.example:5000/app", "digest": {"sha256": digest}})
        );
        let error = parse_subject("registry.example/app:1.2").unwrap_err();
        assert!(error.contains("NAME@sha256:HEX"), "{error}");
    }
}
