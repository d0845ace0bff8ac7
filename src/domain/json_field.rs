//! Which field of a JSON document a type error is in, as a path into it
//! (`notify.email[1]`, `input_fields[0].type`, `callback.devops.job_id`):
//! the path `serde_path_to_error` tracked while reading, and for a missing
//! field the name serde's message gives, so an error keeps its field as
//! data from the JSON to the caller.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

use super::validation::ValidationError;

/// The field `path` (tracked under `prefix`) points at; a missing field
/// named by serde's `message` is added to it. `None` for the document as
/// a whole.
pub fn field_at(prefix: &str, path: &Path, message: &str) -> Option<String> {
    let mut field = prefix.to_owned();
    for segment in path {
        match segment {
            Segment::Map { key } => push_name(&mut field, key),
            Segment::Enum { variant } => push_name(&mut field, variant),
            Segment::Seq { index } => field.push_str(&format!("[{index}]")),
            Segment::Unknown => {}
        }
    }
    if let Some(missing) = missing_field(message) {
        push_name(&mut field, missing);
    }
    (!field.is_empty()).then_some(field)
}

fn push_name(field: &mut String, name: &str) {
    if !field.is_empty() {
        field.push('.');
    }
    field.push_str(name);
}

/// The field serde's "missing field `x`" message names; the path stops at
/// the object it is missing from.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// `value`, found at `field` of a request, read as `T`; an error names the
/// path inside it (`callback.devops.job_id`) and says what serde said.
pub fn from_json<T: DeserializeOwned>(field: &str, value: Value) -> Result<T, ValidationError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let message = error.inner().to_string();
        let at = field_at(field, error.path(), &message).unwrap_or_else(|| field.to_owned());
        ValidationError::new(&at, format!("{at}: {message}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // Read only to be refused.
    struct Task {
        job_id: String,
        ids: Vec<u32>,
    }

    fn field_of(value: Value) -> String {
        from_json::<Task>("callback.devops", value)
            .unwrap_err()
            .field
    }

    #[test]
    fn a_type_error_a_missing_and_an_unknown_field_are_each_named_by_path() {
        let cases = [
            (json!({"job_id": 5, "ids": []}), "callback.devops.job_id"),
            (
                json!({"job_id": "j", "ids": [1, "x"]}),
                "callback.devops.ids[1]",
            ),
            (json!({"ids": []}), "callback.devops.job_id"),
            (
                json!({"job_id": "j", "ids": [], "x": 1}),
                "callback.devops.x",
            ),
            (json!("x"), "callback.devops"),
        ];
        for (value, field) in cases {
            assert_eq!(field_of(value.clone()), field, "{value}");
        }
        let error = from_json::<Task>("callback.devops", json!({"ids": []})).unwrap_err();
        assert!(
            error
                .message
                .starts_with("callback.devops.job_id: missing field")
        );
    }
}
