//! Azure Data Factory: starting a pipeline on approval (target kind
//! `azure_data_factory`, through "Pipelines - Create Run"), answering a
//! pipeline's WebHook activity that waits (callback kind `adf_webhook`,
//! ADF's `callBackUri`), and the original Azure Functions recipe's
//! `PipelinePause`/`PipelineRestart` endpoints (`[azure_recipe]`). Each
//! file cites the documents it follows.

mod callback;
mod recipe;
mod target;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::kit::Target;
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: Some(openapi),
};

/// `[azure_recipe]`: which Data Factory target starts the pipelines that
/// `POST /api/PipelinePause` names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AzureRecipeFile {
    /// An `azure_data_factory` target whose `overridable` holds `factory`,
    /// `resource_group` and `pipeline`.
    target: String,
}

fn register(registry: &mut Registry, sections: &mut Sections, _: &Setup) -> Result<(), String> {
    let tokens = Arc::new(crate::integrations::entra::TokenCache::default());
    registry.target_kind(target::KIND, move |name, raw, env| {
        target::resolve(name, raw, env, tokens.clone())
    });
    registry.callback_kind(Arc::new(callback::WebhookActivity));
    registry.uri_callback(callback::KIND);
    let recipe: Option<AzureRecipeFile> = sections
        .take("azure_recipe")
        .map(|raw| raw.parse("azure_recipe"))
        .transpose()?;
    let name = recipe.map(|r| r.target);
    if let Some(name) = name.clone() {
        registry.check(move |targets| check_recipe_target(&name, targets));
    }
    let routes = recipe::RecipeTarget(name.map(Arc::from));
    registry.routes(move |_| recipe::router(routes.clone()));
    Ok(())
}

/// `[azure_recipe] target` must be a Data Factory target that lets each
/// pause name its factory, resource group and pipeline, as the recipe's
/// callers do.
fn check_recipe_target(name: &str, targets: &BTreeMap<String, Target>) -> Result<(), String> {
    let key = "azure_recipe.target";
    let Some(target) = targets.get(name) else {
        return Err(format!("{key}: there is no target {name:?} in [targets]"));
    };
    if target.starter.kind() != target::KIND {
        return Err(format!(
            "{key}: target {name:?} must be of kind \"{}\"",
            target::KIND
        ));
    }
    let missing: Vec<&str> = ["factory", "resource_group", "pipeline"]
        .into_iter()
        .filter(|k| !target.overridable.iter().any(|o| o == k))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{key}: target {name:?} must list {} in overridable, so each request can name them",
            missing.join(", ")
        ));
    }
    Ok(())
}

/// The recipe's endpoints, for the OpenAPI document.
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(recipe::pipeline_pause))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
