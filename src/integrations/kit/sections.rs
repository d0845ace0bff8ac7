//! A part of the config file an integration reads itself: a `[targets.NAME]`
//! or `[channels.NAME]` table, or one of its top-level sections
//! (`[NAME_app]`). The core keeps it as TOML with the line it starts on,
//! and the integration turns it into its own type (with
//! `deny_unknown_fields`), so an unknown key or a wrong type is still an
//! error naming the key and the line.

use serde::de::DeserializeOwned;

/// A table as written, with where it starts.
#[derive(Debug, Clone)]
pub struct Raw {
    /// The table's contents.
    pub value: toml::Value,
    /// The 1-based line of the config file it starts on, when known.
    pub line: Option<usize>,
}

impl Raw {
    /// A table read from `text`, whose value spans `span` of it.
    pub fn spanned(value: toml::Spanned<toml::Value>, text: &str) -> Self {
        let start = value.span().start.min(text.len());
        let line = text[..start].matches('\n').count() + 1;
        Self {
            value: value.into_inner(),
            line: Some(line),
        }
    }

    /// The table's `kind` (targets and channels): the registry's key.
    pub fn kind(&self) -> Option<&str> {
        self.value.get("kind")?.as_str()
    }

    /// Reads the table as `T`, without its `kind`; an error names `key`
    /// (`targets.hook`) and the line.
    pub fn parse<T: DeserializeOwned>(&self, key: &str) -> Result<T, String> {
        let mut value = self.value.clone();
        if let toml::Value::Table(table) = &mut value
            && table.get("kind").is_some_and(toml::Value::is_str)
        {
            table.remove("kind");
        }
        value.try_into().map_err(|e: toml::de::Error| {
            let at = self
                .line
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            format!("{key}{at}: {}", e.message().trim())
        })
    }
}
