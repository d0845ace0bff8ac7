//! Signing keys kept in a table of their own (receipt keys, attestation
//! keys): choosing the one to sign with at start-up (the configured one,
//! its public half recorded; else the newest stored one; else a new one,
//! stored) and reading every public key that ever signed, current first,
//! so each stays published and what it signed keeps verifying. Written
//! once for every kind of key through [`StoredKey`].

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::rows::to_millis;
use super::{Conn, args};
use crate::attestation::keys::{from_stored, public_to_stored, to_stored};
use crate::receipts::SigningKey;
use crate::store::StoreError;
use crate::tlog::dsse::DsseSigner;

/// A kind of signing key and how its table stores it: `TABLE` has the
/// columns `ID`, `public_key`, `private_key` (NULL for a configured key),
/// `created_at` and `retired_at`.
pub trait StoredKey: Sized {
    /// The table.
    const TABLE: &'static str;
    /// Its key id column.
    const ID: &'static str;
    /// A new key.
    fn generate() -> Result<Self, String>;
    /// The key read back from its stored private half.
    fn from_private(text: &str) -> Result<Self, String>;
    /// Its id.
    fn id(&self) -> String;
    /// Its public half as stored.
    fn public_text(&self) -> String;
    /// Its private half as stored.
    fn private_text(&self) -> Result<String, String>;
}

impl StoredKey for SigningKey {
    const TABLE: &'static str = "receipt_keys";
    const ID: &'static str = "kid";
    fn generate() -> Result<Self, String> {
        SigningKey::generate()
    }
    fn from_private(text: &str) -> Result<Self, String> {
        SigningKey::from_stored(text)
    }
    fn id(&self) -> String {
        self.public().kid.clone()
    }
    fn public_text(&self) -> String {
        self.public().x.clone()
    }
    fn private_text(&self) -> Result<String, String> {
        Ok(self.to_stored())
    }
}

impl StoredKey for Arc<DsseSigner> {
    const TABLE: &'static str = "attestation_keys";
    const ID: &'static str = "keyid";
    fn generate() -> Result<Self, String> {
        DsseSigner::generate()
            .map(Arc::new)
            .map_err(|e| e.to_string())
    }
    fn from_private(text: &str) -> Result<Self, String> {
        from_stored(text).map(Arc::new)
    }
    fn id(&self) -> String {
        self.public_key().keyid().to_owned()
    }
    fn public_text(&self) -> String {
        public_to_stored(self.public_key())
    }
    fn private_text(&self) -> Result<String, String> {
        to_stored(self)
    }
}

/// The key to sign with from now on (see the module docs); every other
/// key of its kind is marked retired, and stays published.
pub async fn choose<C: Conn, K: StoredKey>(
    c: &mut C,
    configured: Option<K>,
    now: DateTime<Utc>,
) -> Result<K, StoreError> {
    let key = match configured {
        Some(key) => {
            record(c, &key, None, now).await?;
            key
        }
        None => match newest(c).await? {
            Some(key) => key,
            None => {
                let key = K::generate().map_err(StoreError::internal)?;
                let private = key.private_text().map_err(StoreError::internal)?;
                record(c, &key, Some(private), now).await?;
                key
            }
        },
    };
    let sql = format!(
        "UPDATE {} SET retired_at = CASE WHEN {} = $1 THEN NULL ELSE COALESCE(retired_at, $2) END",
        K::TABLE,
        K::ID
    );
    c.execute(sql.into(), args![key.id(), to_millis(now)])
        .await?;
    Ok(key)
}

/// Every stored public half of kind `K`, the current key's first.
pub async fn public_texts<C: Conn, K: StoredKey>(c: &mut C) -> Result<Vec<String>, StoreError> {
    let sql = format!(
        "SELECT public_key FROM {} ORDER BY retired_at IS NOT NULL, created_at DESC, {}",
        K::TABLE,
        K::ID
    );
    c.fetch_all(sql.into(), Vec::new()).await
}

async fn newest<C: Conn, K: StoredKey>(c: &mut C) -> Result<Option<K>, StoreError> {
    let sql = format!(
        "SELECT private_key FROM {} WHERE private_key IS NOT NULL \
         ORDER BY retired_at IS NOT NULL, created_at DESC LIMIT 1",
        K::TABLE
    );
    let stored: Option<String> = c.fetch_optional(sql.into(), Vec::new()).await?;
    stored
        .map(|text| K::from_private(&text).map_err(StoreError::internal))
        .transpose()
}

async fn record<C: Conn, K: StoredKey>(
    c: &mut C,
    key: &K,
    private: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO {} ({}, public_key, private_key, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT ({}) DO NOTHING",
        K::TABLE,
        K::ID,
        K::ID
    );
    let values = args![key.id(), key.public_text(), private, to_millis(now)];
    c.execute(sql.into(), values).await?;
    Ok(())
}
