//! Opening a store: the backend named by the database URL, its schema
//! brought up to date, the keys that sign receipts and attestations
//! chosen (the configured one, else the stored one, else a new one) and
//! the transparency log's key (the stored one, else a new one).

use std::sync::Arc;

use chrono::Utc;

use super::{PostgresBackend, SqliteBackend, Store, StoreError, Wakeups, sql};
use crate::clock::Mint;
use crate::receipts::{Notary, SigningKey};
use crate::tlog::dsse::DsseSigner;
use crate::tlog::note::Signer;

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
    open_minting(url, timeout, setup, Mint::system(), Wakeups::default()).await
}

/// [`open_with`], the ids the store makes itself (leases, and the
/// deliveries of expiry and supersession) made by `mint`, and other
/// processes sharing the database told of settled pauses as `wakeups` says.
pub async fn open_minting(
    url: &str,
    timeout: std::time::Duration,
    setup: ReceiptSetup,
    mint: Mint,
    wakeups: Wakeups,
) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        let backend = SqliteBackend::open(url, timeout).await.map_err(|e| {
            StoreError::Unavailable(format!("cannot open the SQLite database {url}: {e}"))
        })?;
        return Ok(Arc::new(with_notary(backend, setup, mint).await?));
    }
    // PostgreSQL URLs are not repeated in errors: they may hold a password.
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let backend = PostgresBackend::open(url, timeout, wakeups).await?;
        return Ok(Arc::new(with_notary(backend, setup, mint).await?));
    }
    Err(StoreError::Internal(
        "the database URL must start with sqlite: or postgres:// \
         (for example sqlite://pausegate.db or postgres://user@host/pausegate)"
            .to_owned(),
    ))
}

/// The store over `backend`, its receipt and log keys chosen (and
/// recorded) first.
async fn with_notary<B: sql::Backend>(
    backend: B,
    setup: ReceiptSetup,
    mint: Mint,
) -> Result<sql::store::SqlStore<B>, StoreError> {
    // The keys' created_at is bookkeeping, not a decision: the wall clock will do.
    let now = Utc::now();
    let fresh_seed = random_seed()?;
    if setup.read_only {
        let unused = SigningKey::generate().map_err(StoreError::internal)?;
        let notary = Notary::new(unused, None).map_err(StoreError::internal)?;
        let stored = backend
            .read(sql::work(|c| {
                Box::pin(async move { sql::log::stored_key(c).await })
            }))
            .await?;
        let (origin, seed) =
            stored.unwrap_or_else(|| (DEFAULT_ORIGIN.to_owned(), hex::encode(fresh_seed)));
        let signer = log_signer(&origin, &seed)?;
        return Ok(sql::store::SqlStore::new(backend, notary, signer, mint));
    }
    let (configured, attestation) = (setup.key, setup.attestation_key);
    let origin = log_origin(setup.issuer.as_deref());
    let (key, attester, (origin, seed)) = backend
        .write(sql::work(move |c| {
            Box::pin(async move {
                let key = sql::receipts::choose_key(c, configured, now).await?;
                let attester = sql::attestation_keys::choose_key(c, attestation, now).await?;
                let log = sql::log::choose_key(c, &origin, &fresh_seed, now).await?;
                Ok((key, attester, log))
            })
        }))
        .await?;
    let notary = Notary::new(key, setup.issuer).map_err(StoreError::internal)?;
    let signer = log_signer(&origin, &seed)?;
    let store = sql::store::SqlStore::new(backend, notary, signer, mint);
    Ok(store.with_attester(attester))
}

/// The log's name when the server has no public URL.
const DEFAULT_ORIGIN: &str = "pausegate.invalid/log";

/// The log's origin (its name in checkpoints, fixed at the first start):
/// the public URL without its scheme, then `/log`, as C2SP
/// tlog-checkpoint recommends a schema-less URL.
fn log_origin(public_url: Option<&str>) -> String {
    let Some(url) = public_url else {
        return DEFAULT_ORIGIN.to_owned();
    };
    let bare = url.split_once("://").map_or(url, |(_, rest)| rest);
    let bare = bare.trim_end_matches('/');
    match crate::tlog::note::is_valid_name(bare) && !bare.is_empty() {
        true => format!("{bare}/log"),
        false => DEFAULT_ORIGIN.to_owned(),
    }
}

fn log_signer(origin: &str, seed: &str) -> Result<Signer, StoreError> {
    let seed: [u8; 32] = hex::decode(seed)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| StoreError::internal("the stored log key is not a 32-byte seed"))?;
    Signer::from_seed(origin, &seed).map_err(StoreError::internal)
}

fn random_seed() -> Result<[u8; 32], StoreError> {
    let mut seed = [0u8; 32];
    aws_lc_rs::rand::fill(&mut seed).map_err(|_| StoreError::internal("no randomness"))?;
    Ok(seed)
}
