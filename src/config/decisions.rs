//! `[policies.NAME]` and `[receipts]`: the Rego policies asked when a pause
//! is created, and the keys that sign decision receipts and attestations.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::secret::Env;
use crate::policies::PolicySet;
use crate::receipts::SigningKey;
use crate::tlog::dsse::DsseSigner;

/// `[policies.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// The Rego file (relative to the working directory, as `templates_dir`).
    pub file: PathBuf,
}

/// `[receipts]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptsFile {
    /// Names the variable holding an Ed25519 private key (PKCS#8 PEM, as
    /// `openssl genpkey -algorithm ed25519` writes it). Without it, a key
    /// generated on first start and stored in the database signs.
    pub signing_key_env: Option<String>,
    /// Names the variable holding an ECDSA P-256 private key (PKCS#8 PEM,
    /// as `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`
    /// writes it) that signs attestations. Without it, a key generated on
    /// first start and stored in the database signs.
    pub attestation_key_env: Option<String>,
}

/// Compiles the policies, in name order.
pub(crate) fn resolve_policies(
    files: std::collections::BTreeMap<String, PolicyFile>,
) -> Result<Arc<PolicySet>, String> {
    let entries: Vec<(String, PathBuf)> = files.into_iter().map(|(n, f)| (n, f.file)).collect();
    PolicySet::load(&entries).map(Arc::new)
}

/// The configured signing key, if any.
pub(crate) fn resolve_receipt_key(
    file: Option<ReceiptsFile>,
    env: &Env,
) -> Result<Option<SigningKey>, String> {
    let Some(variable) = file.and_then(|f| f.signing_key_env) else {
        return Ok(None);
    };
    let pem = env.secret("receipts.signing_key_env", &variable)?;
    SigningKey::from_pem(pem.expose())
        .map(Some)
        .map_err(|e| format!("receipts.signing_key_env: {variable}: {e}"))
}

/// The configured attestation key, if any.
pub(crate) fn resolve_attestation_key(
    file: Option<&ReceiptsFile>,
    env: &Env,
) -> Result<Option<Arc<DsseSigner>>, String> {
    let Some(variable) = file.and_then(|f| f.attestation_key_env.as_deref()) else {
        return Ok(None);
    };
    let pem = env.secret("receipts.attestation_key_env", variable)?;
    crate::attestation::keys::signer_from_pem(pem.expose())
        .map(|signer| Some(Arc::new(signer)))
        .map_err(|e| format!("receipts.attestation_key_env: {variable}: {e}"))
}
