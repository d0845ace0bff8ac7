//! A settled pause's attestation: its decision as an in-toto statement in
//! a DSSE envelope, signed with the store's attestation key (see
//! [`crate::attestation`]), and the keys that verify attestations.

use super::{PauseError, Pauses};
use crate::attestation;
use crate::domain::{PauseId, PauseState};
use crate::tlog::dsse::{DsseKey, Envelope};

impl Pauses {
    /// The signed attestation of pause `id`, whose receipt is at
    /// `log_index` in the transparency log if it is in it yet. It says
    /// what the pause's verified receipt says, so a pending pause, or one
    /// settled before receipts were signed, has none.
    pub async fn attestation(&self, id: &PauseId) -> Result<Envelope, PauseError> {
        let pause = self.get(id).await?;
        if pause.state == PauseState::Pending {
            return Err(PauseError::Conflict(
                "the pause is still pending: its attestation says how it settled".to_owned(),
            ));
        }
        let (receipt, claims) = self.receipt(id).await?;
        let signer = self.store.attester().ok_or_else(|| {
            PauseError::Internal(anyhow::anyhow!("this store signs no attestations"))
        })?;
        // The log index, once the integrator has taken the receipt.
        let log_index = receipt.log_index;
        let statement = attestation::statement(&pause, &claims, &receipt.hash, log_index)
            .map_err(|e| PauseError::Internal(anyhow::anyhow!("the attestation of {id}: {e}")))?;
        statement
            .sign(&signer)
            .map_err(|e| PauseError::Internal(anyhow::anyhow!("signing the attestation: {e}")))
    }

    /// Every key that signed attestations here, the current one first.
    pub async fn attestation_keys(&self) -> Result<Vec<DsseKey>, PauseError> {
        Ok(self.store.attestation_keys().await?)
    }
}
