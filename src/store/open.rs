//! Opening a store: the backend named by the database URL, its schema
//! brought up to date, and the keys that sign receipts and attestations
//! chosen (the configured one, else the stored one, else a new one).

use std::sync::Arc;

use chrono::Utc;

use super::{PostgresBackend, SqliteBackend, Store, StoreError, sql};
use crate::clock::Mint;
use crate::receipts::{Notary, SigningKey};
use crate::tlog::dsse::DsseSigner;

/// How receipts are signed: with the configured key, or else with the key
/// stored in the database (generated on first start).
#[derive(Debug, Clone, Default)]
pub struct ReceiptSetup {
    /// The configured signing key, if any.
    pub key: Option<SigningKey>,
    /// The configured attestation key, if any (else the stored one, else
    /// a new one, stored).
    pub attestation_key: Option<Arc<DsseSigner>>,
    /// The public URL, named in each receipt's `iss`.
    pub issuer: Option<String>,
    /// Only reading (an audit): the stored keys are left as they are, and
    /// nothing will be signed.
    pub read_only: bool,
}

/// Opens the backend named by `url` (`sqlite://…` or `postgres://…`) and
/// brings its schema up to date, signing receipts with a stored key
/// (generated on first start). `timeout` bounds every wait for the
/// database afterwards (a connection, SQLite's write lock).
pub async fn open(url: &str, timeout: std::time::Duration) -> Result<Arc<dyn Store>, StoreError> {
    open_with(url, timeout, ReceiptSetup::default()).await
}

/// [`open`], with receipts signed as `setup` says.
pub async fn open_with(
    url: &str,
    timeout: std::time::Duration,
    setup: ReceiptSetup,
) -> Result<Arc<dyn Store>, StoreError> {
    open_minting(url, timeout, setup, Mint::system()).await
}

/// [`open_with`], the ids the store makes itself (leases, and the
/// deliveries of expiry and supersession) made by `mint`.
pub async fn open_minting(
    url: &str,
    timeout: std::time::Duration,
    setup: ReceiptSetup,
    mint: Mint,
) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        let backend = SqliteBackend::open(url, timeout).await.map_err(|e| {
            StoreError::Unavailable(format!("cannot open the SQLite database {url}: {e}"))
        })?;
        return Ok(Arc::new(with_notary(backend, setup, mint).await?));
    }
    // PostgreSQL URLs are not repeated in errors: they may hold a password.
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let backend = PostgresBackend::open(url, timeout).await?;
        return Ok(Arc::new(with_notary(backend, setup, mint).await?));
    }
    Err(StoreError::Internal(
        "the database URL must start with sqlite: or postgres:// \
         (for example sqlite://pausegate.db or postgres://user@host/pausegate)"
            .to_owned(),
    ))
}

/// The store over `backend`, its signing key chosen (and recorded) first.
async fn with_notary<B: sql::Backend>(
    backend: B,
    setup: ReceiptSetup,
    mint: Mint,
) -> Result<sql::store::SqlStore<B>, StoreError> {
    // The keys' created_at is bookkeeping, not a decision: the wall clock will do.
    let now = Utc::now();
    if setup.read_only {
        let unused = SigningKey::generate().map_err(StoreError::internal)?;
        let notary = Notary::new(unused, None).map_err(StoreError::internal)?;
        return Ok(sql::store::SqlStore::new(backend, notary, mint));
    }
    let (configured, attestation) = (setup.key, setup.attestation_key);
    let (key, attester) = backend
        .write(sql::work(move |c| {
            Box::pin(async move {
                let key = sql::receipts::choose_key(c, configured, now).await?;
                let attester = sql::attestation_keys::choose_key(c, attestation, now).await?;
                Ok((key, attester))
            })
        }))
        .await?;
    let notary = Notary::new(key, setup.issuer).map_err(StoreError::internal)?;
    Ok(sql::store::SqlStore::new(backend, notary, mint).with_attester(attester))
}
