//! `[windows.NAME]` and the `window` key of `[targets.NAME]`: the change
//! windows and which target keeps to which. The targets' `window` is taken
//! out of their tables here, before each integration reads its own keys.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::domain::{Window, WindowSpec, Windows};
use crate::integrations::kit::Raw;

/// The windows `specs` describe, with the `window` each of `targets` names
/// (removed from its table); errors name the key.
pub(super) fn resolve(
    specs: BTreeMap<String, WindowSpec>,
    targets: &mut BTreeMap<String, Raw>,
) -> Result<Arc<Windows>, String> {
    let windows = specs
        .into_iter()
        .map(|(name, spec)| Window::parse(&name, spec))
        .collect::<Result<Vec<_>, _>>()?;
    let mut kept = BTreeMap::new();
    for (name, raw) in targets.iter_mut() {
        let toml::Value::Table(table) = &mut raw.value else {
            continue;
        };
        match table.remove("window") {
            None => {}
            Some(toml::Value::String(window)) => {
                kept.insert(name.clone(), window);
            }
            Some(_) => return Err(format!("targets.{name}.window: must be a window's name")),
        }
    }
    Ok(Arc::new(Windows::new(windows, kept)?))
}
