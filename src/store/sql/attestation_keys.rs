//! The keys that sign attestations (ECDSA P-256): choosing the one to sign
//! with at start-up (the configured one, else the stored one, else a new
//! one, stored) and reading every key that ever signed, current first, so
//! each stays published and older attestations keep verifying. As the
//! receipt keys in [`super::receipts`], in a table of their own, by the
//! same code ([`super::keys`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Conn, keys};
use crate::attestation::keys::public_from_stored;
use crate::store::StoreError;
use crate::tlog::dsse::{DsseKey, DsseSigner};

/// Every key that signed attestations here, the current one first.
pub async fn public_keys<C: Conn>(c: &mut C) -> Result<Vec<DsseKey>, StoreError> {
    let stored = keys::public_texts::<C, Arc<DsseSigner>>(c).await?;
    stored
        .iter()
        .map(|text| public_from_stored(text).map_err(StoreError::internal))
        .collect()
}

/// The key to sign attestations with from now on: `configured` when
/// given, else the newest stored key, else a new one (see [`keys`]).
pub async fn choose_key<C: Conn>(
    c: &mut C,
    configured: Option<Arc<DsseSigner>>,
    now: DateTime<Utc>,
) -> Result<Arc<DsseSigner>, StoreError> {
    keys::choose(c, configured, now).await
}
