//! The keys that sign attestations (ECDSA P-256): choosing the one to sign
//! with at start-up (the configured one, else the stored one, else a new
//! one, stored) and reading every key that ever signed, current first, so
//! each stays published and older attestations keep verifying. As the
//! receipt keys in [`super::receipts`], in a table of their own.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::rows::to_millis;
use super::{Conn, args};
use crate::attestation::keys::{from_stored, public_from_stored, public_to_stored, to_stored};
use crate::store::StoreError;
use crate::tlog::dsse::{DsseKey, DsseSigner};

/// Every key that signed attestations here, the current one first.
pub async fn public_keys<C: Conn>(c: &mut C) -> Result<Vec<DsseKey>, StoreError> {
    let stored: Vec<String> = c
        .fetch_all(
            "SELECT public_key FROM attestation_keys \
             ORDER BY retired_at IS NOT NULL, created_at DESC, keyid"
                .into(),
            Vec::new(),
        )
        .await?;
    stored
        .iter()
        .map(|text| public_from_stored(text).map_err(StoreError::internal))
        .collect()
}

/// The key to sign with from now on: `configured` when given (its public
/// half recorded), else the newest stored key, else a new one, stored.
/// Every other key is marked retired, and stays published.
pub async fn choose_key<C: Conn>(
    c: &mut C,
    configured: Option<Arc<DsseSigner>>,
    now: DateTime<Utc>,
) -> Result<Arc<DsseSigner>, StoreError> {
    let signer = match configured {
        Some(signer) => {
            record_key(c, signer.public_key(), None, now).await?;
            signer
        }
        None => match stored_key(c).await? {
            Some(signer) => Arc::new(signer),
            None => {
                let signer = DsseSigner::generate().map_err(StoreError::internal)?;
                let private = to_stored(&signer).map_err(StoreError::internal)?;
                record_key(c, signer.public_key(), Some(private), now).await?;
                Arc::new(signer)
            }
        },
    };
    c.execute(
        "UPDATE attestation_keys SET retired_at = CASE WHEN keyid = $1 THEN NULL ELSE \
         COALESCE(retired_at, $2) END"
            .into(),
        args![signer.public_key().keyid(), to_millis(now)],
    )
    .await?;
    Ok(signer)
}

async fn stored_key<C: Conn>(c: &mut C) -> Result<Option<DsseSigner>, StoreError> {
    let stored: Option<String> = c
        .fetch_optional(
            "SELECT private_key FROM attestation_keys WHERE private_key IS NOT NULL \
             ORDER BY retired_at IS NOT NULL, created_at DESC LIMIT 1"
                .into(),
            Vec::new(),
        )
        .await?;
    stored
        .map(|text| from_stored(&text).map_err(StoreError::internal))
        .transpose()
}

async fn record_key<C: Conn>(
    c: &mut C,
    key: &DsseKey,
    private: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO attestation_keys (keyid, public_key, private_key, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (keyid) DO NOTHING"
            .into(),
        args![key.keyid(), public_to_stored(key), private, to_millis(now)],
    )
    .await?;
    Ok(())
}
