//! The trust anchors `pausegate verify` is given: public keys (`--key`),
//! a key set (`--jwks FILE|URL`), pinned issuers (`--issuer URL`, else
//! `PAUSEGATE_TRUSTED_ISSUERS`, comma-separated) whose key sets are
//! fetched from `{issuer}/.well-known/jwks.json`. Without any, nothing is
//! trusted: the issuer a receipt names is the signer's own say-so (see
//! [`crate::receipts::trust`]). This module reads the files and fetches
//! the key sets; the rules live there.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::receipts::trust::{Anchor, Pinned, Trusted, claimed_issuer, jwks_url, verify_trusted};
use crate::receipts::{Jwks, PublicKey};

/// The variable listing trusted issuers when `--issuer` is not given.
pub(crate) const TRUSTED_ISSUERS_ENV: &str = "PAUSEGATE_TRUSTED_ISSUERS";

/// What the verifier trusts, with the key sets of pinned issuers fetched
/// once each.
pub(crate) struct Trust {
    /// Keys given outright (`--key` or `--jwks`).
    given: Option<Anchor>,
    pinned: Pinned,
    fetched: HashMap<String, Anchor>,
}

impl Trust {
    /// The anchors given as flags, or else the issuers in the environment.
    pub(crate) async fn from_args(
        keys: &[PathBuf],
        jwks: Option<&str>,
        issuers: &[String],
    ) -> Result<Self, String> {
        let pinned = match issuers.is_empty() {
            false => Pinned::new(issuers).map_err(|e| format!("--issuer {e}"))?,
            true => match std::env::var(TRUSTED_ISSUERS_ENV) {
                Ok(list) => Pinned::new(&list.split(',').collect::<Vec<_>>())
                    .map_err(|e| format!("{TRUSTED_ISSUERS_ENV}: {e}"))?,
                Err(_) => Pinned::default(),
            },
        };
        let given = match (keys, jwks) {
            ([], None) => None,
            ([], Some(source)) => Some(Anchor {
                keys: key_set(source).await.map_err(|e| format!("--jwks {e}"))?,
                source: source.to_owned(),
            }),
            (files, _) => Some(key_files(files)?),
        };
        Ok(Self {
            given,
            pinned,
            fetched: HashMap::new(),
        })
    }

    /// Checks `jws` against what is trusted; the error names what is
    /// wrong, or how to pin a trust anchor when there is none.
    pub(crate) async fn check(&mut self, jws: &str) -> Result<(Trusted, String), String> {
        if let Some(anchor) = &self.given {
            let trusted = verify_trusted(jws, anchor, &self.pinned)?;
            return Ok((trusted, anchor.source.clone()));
        }
        if self.pinned.is_empty() {
            return Err(nothing_pinned(jws));
        }
        let issuer = self.pinned.select(claimed_issuer(jws).as_deref())?;
        if !self.fetched.contains_key(issuer) {
            let source = jwks_url(issuer);
            let keys = key_set(&source).await?;
            self.fetched
                .insert(issuer.to_owned(), Anchor { keys, source });
        }
        let anchor = &self.fetched[issuer];
        Ok((
            verify_trusted(jws, anchor, &self.pinned)?,
            anchor.source.clone(),
        ))
    }
}

/// Why nothing can be verified without an anchor, and how to give one.
fn nothing_pinned(jws: &str) -> String {
    let named = match claimed_issuer(jws) {
        Some(issuer) => format!("the receipt says its issuer is {issuer}"),
        None => "the receipt names no issuer".to_owned(),
    };
    format!(
        "{named}, but a receipt cannot vouch for itself: nothing says which keys to trust. \
         Pin the pausegate server you trust with --issuer https://your-pausegate \
         (its /.well-known/jwks.json is fetched), or give --jwks FILE|URL (a key set you \
         keep), --key FILE (a public key: PEM or JWK), or {TRUSTED_ISSUERS_ENV} \
         (trusted servers, comma-separated)"
    )
}

/// The public keys in `files`, as one anchor.
fn key_files(files: &[PathBuf]) -> Result<Anchor, String> {
    let mut keys = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--key: cannot read {}: {e}", file.display()))?;
        let key =
            PublicKey::from_text(&text).map_err(|e| format!("--key {}: {e}", file.display()))?;
        keys.push(key);
    }
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    Ok(Anchor {
        keys: Jwks::of(&keys),
        source: format!("key file {}", names.join(", ")),
    })
}

/// The JWK Set in the file or at the URL `source`.
pub(super) async fn key_set(source: &str) -> Result<Jwks, String> {
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        super::fetch::key_text(source)
            .await
            .map_err(|e| format!("the key set: {e}"))?
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| format!("{source} is not a JWK Set: {e}"))
}
