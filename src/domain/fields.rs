//! Inputs: typed fields a pause declares (`input_fields`) and the approver
//! fills in (text with length and pattern, multi-line text, a number with
//! bounds, a yes/no, a choice), with defaults and required flags. The
//! declarations are checked when the pause is made; the values when a
//! decision is, and the typed values travel with the pause as `inputs`.

use regex_lite::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::object_only::object_only;
use super::pause::Verdict;
use super::text::{Lines, readable};
use super::validation::ValidationError;

const MAX_FIELDS: usize = 20;
const MAX_TEXT: u32 = 10_000;

/// One field the approver fills in. Flat, with the limits that apply to
/// its `type` (serde's `flatten` cannot carry numbers here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(remote = "Self")]
pub struct InputField {
    /// The key in `inputs`: a lowercase letter, then letters, digits or `_`.
    pub name: String,
    /// What the page shows; the name when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The kind of value.
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// Must be filled in to approve (a rejection needs nothing).
    #[serde(default)]
    pub required: bool,
    /// The value when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Text: fewest characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// Text and multi-line: most characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Text: a regular expression the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Number: the smallest allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Number: the largest allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Choice: the choices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

object_only!(InputField, "a JSON object with name and type");

/// The kinds of field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Multiline,
    /// A number.
    Number,
    /// Yes or no.
    Boolean,
    /// One of `options`.
    Choice,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ValidationError {
    ValidationError::new(field, message)
}

/// Checks the declarations a pause asks for.
pub fn parse_fields(fields: Option<Vec<InputField>>) -> Result<Vec<InputField>, ValidationError> {
    let fields = fields.unwrap_or_default();
    if fields.len() > MAX_FIELDS {
        return Err(invalid(
            "input_fields",
            format!("at most {MAX_FIELDS} fields"),
        ));
    }
    for (index, field) in fields.iter().enumerate() {
        let at = format!("input_fields[{index}]");
        let good_name = field.name.len() <= 40
            && field.name.starts_with(|c: char| c.is_ascii_lowercase())
            && field
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !good_name {
            let message = format!(
                "{at}.name {:?} must be a lowercase letter then letters, digits or _ (up to 40)",
                field.name
            );
            return Err(invalid(format!("{at}.name"), message));
        }
        if fields[..index].iter().any(|f| f.name == field.name) {
            return Err(invalid(
                format!("{at}.name"),
                format!("{at}.name {:?} is declared twice", field.name),
            ));
        }
        check_readable(&at, field)?;
        check_limits(field).map_err(|m| invalid(&at, format!("{at}: {m}")))?;
        if let Some(default) = &field.default {
            convert(field, default, &format!("{at}.default"))?;
        }
    }
    Ok(fields)
}

/// The label, the choices and the pattern are shown on the review page:
/// the one rule for readable text, each named by its place.
fn check_readable(at: &str, field: &InputField) -> Result<(), ValidationError> {
    if let Some(label) = &field.label {
        let name = format!("{at}.label");
        readable(&name, label, Lines::One)?;
        if label.chars().count() > 100 {
            return Err(invalid(
                &name,
                format!("{name} must be up to 100 characters"),
            ));
        }
    }
    for (index, option) in field.options.iter().enumerate() {
        readable(&format!("{at}.options[{index}]"), option, Lines::One)?;
    }
    if let Some(pattern) = &field.pattern {
        readable(&format!("{at}.pattern"), pattern, Lines::One)?;
    }
    Ok(())
}

fn check_limits(field: &InputField) -> Result<(), String> {
    let kind = field.kind;
    let wrong = |what: &str, kinds: &str| Err(format!("{what} applies to {kinds} fields only"));
    if field.min_length.is_some() && kind != FieldKind::Text {
        return wrong("min_length", "text");
    }
    if field.max_length.is_some() && !matches!(kind, FieldKind::Text | FieldKind::Multiline) {
        return wrong("max_length", "text and multiline");
    }
    if field.pattern.is_some() && kind != FieldKind::Text {
        return wrong("pattern", "text");
    }
    if (field.min.is_some() || field.max.is_some()) && kind != FieldKind::Number {
        return wrong("min and max", "number");
    }
    if !field.options.is_empty() && kind != FieldKind::Choice {
        return wrong("options", "choice");
    }
    if field.min_length.unwrap_or(0) > field.max_length.unwrap_or(MAX_TEXT)
        || field.max_length.unwrap_or(0) > MAX_TEXT
    {
        return Err(format!(
            "lengths must satisfy min_length <= max_length <= {MAX_TEXT}"
        ));
    }
    if let Some(pattern) = &field.pattern {
        if pattern.len() > 200 {
            return Err("pattern must be at most 200 characters".to_owned());
        }
        whole(pattern).map_err(|e| format!("pattern does not compile: {e}"))?;
    }
    if let (Some(min), Some(max)) = (field.min, field.max)
        && min > max
    {
        return Err("min must not be above max".to_owned());
    }
    let options = &field.options;
    let distinct = options
        .iter()
        .enumerate()
        .all(|(i, o)| !options[..i].contains(o));
    let bad_options = options.is_empty()
        || options.len() > 50
        || !distinct
        || options.iter().any(String::is_empty);
    if kind == FieldKind::Choice && bad_options {
        return Err("options must be 1 to 50 distinct, non-empty choices".to_owned());
    }
    Ok(())
}

/// A pattern that must match the whole value.
fn whole(pattern: &str) -> Result<Regex, regex_lite::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

/// `given` as `field` wants it, from JSON or from a form's text; errors
/// name `key`, where the value was given.
fn convert(field: &InputField, given: &Value, key: &str) -> Result<Value, ValidationError> {
    // Text is checked by the one rule for readable text first: the page
    // and the receipts show it.
    if let Value::String(text) = given {
        let lines = match field.kind {
            FieldKind::Multiline => Lines::Many,
            _ => Lines::One,
        };
        readable(key, text, lines)?;
    }
    typed(field, given).map_err(|m| invalid(key, format!("{key} {m}")))
}

/// `given` typed as `field` wants it; the problem as the rest of a sentence.
fn typed(field: &InputField, given: &Value) -> Result<Value, String> {
    let max_length = field.max_length.unwrap_or(MAX_TEXT);
    match (field.kind, given) {
        (FieldKind::Text, Value::String(text)) => {
            let chars = text.chars().count() as u32;
            let min_length = field.min_length.unwrap_or(0);
            if chars < min_length || chars > max_length {
                return Err(format!("must be {min_length} to {max_length} characters"));
            }
            if let Some(pattern) = &field.pattern
                && !whole(pattern).is_ok_and(|re| re.is_match(text))
            {
                return Err(format!("must match {pattern}"));
            }
            Ok(given.clone())
        }
        (FieldKind::Multiline, Value::String(text)) => {
            if text.chars().count() as u32 > max_length {
                return Err(format!("must be at most {max_length} characters"));
            }
            Ok(given.clone())
        }
        (FieldKind::Number, value) => number(field, value),
        (FieldKind::Boolean, Value::Bool(_)) => Ok(given.clone()),
        (FieldKind::Boolean, Value::String(s)) => match s.as_str() {
            "true" | "on" | "yes" => Ok(Value::Bool(true)),
            "false" | "off" | "no" | "" => Ok(Value::Bool(false)),
            _ => Err("must be true or false".to_owned()),
        },
        (FieldKind::Choice, Value::String(choice)) if field.options.contains(choice) => {
            Ok(given.clone())
        }
        (FieldKind::Choice, _) => Err(format!("must be one of {}", field.options.join(", "))),
        (FieldKind::Text | FieldKind::Multiline, _) => Err("must be text".to_owned()),
        (FieldKind::Boolean, _) => Err("must be true or false".to_owned()),
    }
}

fn number(field: &InputField, value: &Value) -> Result<Value, String> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
    .ok_or("must be a number")?;
    if field.min.is_some_and(|m| number < m) || field.max.is_some_and(|m| number > m) {
        let bound = |b: Option<f64>| b.map_or("any".to_owned(), |b| b.to_string());
        return Err(format!(
            "must be between {} and {}",
            bound(field.min),
            bound(field.max)
        ));
    }
    // Whole numbers stay integers: 3, not 3.0.
    if number.fract() == 0.0 && number.abs() < 9e15 {
        return Ok(Value::from(number as i64));
    }
    Ok(serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number))
}

/// The approver's values, checked against `fields` and typed; defaults
/// fill what was left out. Required fields must be there to approve.
pub fn check_inputs(
    fields: &[InputField],
    given: &Map<String, Value>,
    verdict: Verdict,
) -> Result<Map<String, Value>, ValidationError> {
    if let Some(unknown) = given.keys().find(|k| !fields.iter().any(|f| &f.name == *k)) {
        return Err(invalid(
            format!("inputs.{unknown}"),
            format!("inputs.{unknown} is not a field of this pause"),
        ));
    }
    let mut values = Map::new();
    for field in fields {
        let key = format!("inputs.{}", field.name);
        let given = given.get(&field.name).filter(|v| !is_blank(v));
        match given.or(field.default.as_ref()) {
            Some(value) => {
                values.insert(field.name.clone(), convert(field, value, &key)?);
            }
            None if field.required && verdict == Verdict::Approve => {
                return Err(invalid(&key, format!("{key} is required")));
            }
            // An unticked box is a no.
            None if field.kind == FieldKind::Boolean => {
                values.insert(field.name.clone(), Value::Bool(false));
            }
            None => {}
        }
    }
    Ok(values)
}

fn is_blank(value: &Value) -> bool {
    value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields() -> Vec<InputField> {
        serde_json::from_value(json!([
            {"name": "ticket", "type": "text", "pattern": "CHG-[0-9]+", "required": true},
            {"name": "rows", "type": "number", "min": 0, "max": 100},
            {"name": "rollback", "type": "boolean"},
            {"name": "env", "type": "choice", "options": ["staging", "prod"], "default": "staging"},
            {"name": "notes", "type": "multiline", "max_length": 20}
        ]))
        .unwrap()
    }

    #[test]
    fn form_text_becomes_typed_values_with_defaults() {
        let fields = parse_fields(Some(fields())).unwrap();
        let given = json!({"ticket": "CHG-42", "rows": "7", "rollback": "on"});
        let values = check_inputs(&fields, given.as_object().unwrap(), Verdict::Approve).unwrap();
        assert_eq!(
            Value::Object(values),
            json!({"ticket": "CHG-42", "rows": 7, "rollback": true, "env": "staging"})
        );
    }

    #[test]
    fn each_bad_value_names_its_field() {
        let fields = fields();
        for (given, field) in [
            (json!({"ticket": "CHG-x"}), "inputs.ticket"),
            (json!({"ticket": "CHG-1", "rows": 101}), "inputs.rows"),
            (json!({"ticket": "CHG-1", "env": "dev"}), "inputs.env"),
            (
                json!({"ticket": "CHG-1", "notes": "x".repeat(21)}),
                "inputs.notes",
            ),
            (json!({"ticket": "CHG-1", "colour": "red"}), "inputs.colour"),
            (json!({}), "inputs.ticket"),
        ] {
            let error =
                check_inputs(&fields, given.as_object().unwrap(), Verdict::Approve).unwrap_err();
            assert_eq!(error.field, field, "{given}");
        }
        let rejecting = check_inputs(&fields, &Map::new(), Verdict::Reject);
        assert!(rejecting.is_ok(), "a rejection needs no required field");
    }

    #[test]
    fn bad_declarations_are_refused() {
        for bad in [
            json!([{"name": "Bad", "type": "text"}]),
            json!([{"name": "a", "type": "text"}, {"name": "a", "type": "boolean"}]),
            json!([{"name": "a", "type": "text", "pattern": "("}]),
            json!([{"name": "a", "type": "choice", "options": []}]),
            json!([{"name": "a", "type": "number", "min": 5, "max": 1}]),
            json!([{"name": "a", "type": "number", "default": "x"}]),
        ] {
            let fields: Vec<InputField> = serde_json::from_value(bad.clone()).unwrap();
            assert!(parse_fields(Some(fields)).is_err(), "{bad}");
        }
    }
}
