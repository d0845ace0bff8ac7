//! The targets a pause starts (`target`, `on_reject`) and the overrides
//! of their settings it may ask for (`target_params`).

use serde_json::Value;

use super::{CreatePolicy, join_names};
use crate::domain::text;
use crate::domain::validation::ValidationError;
use crate::domain::values::TargetName;

/// A target named as `field`, which must be configured.
pub fn parse_target(
    field: &str,
    name: Option<String>,
    policy: &CreatePolicy,
) -> Result<Option<TargetName>, ValidationError> {
    let Some(name) = name else { return Ok(None) };
    let name = TargetName::parse(field, &name)?;
    if policy.targets.contains_key(name.as_str()) {
        return Ok(Some(name));
    }
    let known = join_names(policy.targets.keys());
    Err(ValidationError::new(
        field,
        format!("{field} {name:?} is not a configured target (configured: {known})"),
    ))
}

/// `target_params`: an object of strings, setting only keys `target` lets
/// a pause override; each value a plain name (it becomes part of a
/// request to another system).
pub fn parse_target_params(
    params: Option<Value>,
    target: Option<&str>,
    policy: &CreatePolicy,
) -> Result<Option<Value>, ValidationError> {
    let Some(params) = params else {
        return Ok(None);
    };
    let field = "target_params";
    let Value::Object(map) = &params else {
        return Err(ValidationError::new(
            field,
            "target_params must be a JSON object",
        ));
    };
    let Some(target) = target else {
        return Err(ValidationError::new(field, "target_params needs a target"));
    };
    let allowed = &policy.targets[target];
    if let Some(key) = map.keys().find(|key| !allowed.contains(key)) {
        let allowed = join_names(allowed.iter());
        return Err(ValidationError::new(
            field,
            format!(
                "target_params may not set {key:?}: target {target:?} lets a pause override only: {allowed}"
            ),
        ));
    }
    for (key, value) in map {
        let name = format!("target_params.{key}");
        let Some(text) = value.as_str() else {
            return Err(ValidationError::new(
                &name,
                format!("{name} must be a string"),
            ));
        };
        text::plain_name(&name, text)?;
    }
    Ok(Some(params))
}
