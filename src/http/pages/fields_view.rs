//! Input fields as the review page shows them: one entry per declared
//! field with its control, limits and the value to show (what was typed
//! when the page comes back with a problem, else the default).

use serde_json::{Map, Value, json};

use crate::domain::{FieldKind, InputField};

/// What the template needs to draw `fields`, showing `typed` values.
pub(crate) fn field_views(fields: &[InputField], typed: &Map<String, Value>) -> Vec<Value> {
    fields
        .iter()
        .map(|field| {
            let shown = typed.get(&field.name).or(field.default.as_ref());
            let text = match shown {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            let checked = matches!(shown, Some(Value::Bool(true)))
                || matches!(shown, Some(Value::String(s)) if s == "true" || s == "on");
            let mut view = json!({
                "name": field.name,
                "label": field.label.clone().unwrap_or_else(|| field.name.replace('_', " ")),
                "required": field.required,
                "value": text,
                "checked": checked,
            });
            let extra = match field.kind {
                FieldKind::Text => json!({"control": "text", "max_length": field.max_length}),
                FieldKind::Multiline => {
                    json!({"control": "multiline", "max_length": field.max_length})
                }
                FieldKind::Number => {
                    json!({"control": "number", "min": field.min, "max": field.max})
                }
                FieldKind::Boolean => json!({"control": "boolean"}),
                FieldKind::Choice => json!({"control": "choice", "options": field.options}),
            };
            if let (Some(view), Value::Object(extra)) = (view.as_object_mut(), extra) {
                view.extend(extra);
            }
            view
        })
        .collect()
}
