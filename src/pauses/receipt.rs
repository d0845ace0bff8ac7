//! Reading a settled pause's signed receipt and the keys that verify it.

use super::{PauseError, Pauses};
use crate::domain::{PauseId, PauseState};
use crate::receipts::{Jwks, Receipt, ReceiptClaims, verify};

impl Pauses {
    /// The signed receipt of pause `id` with what it says, checked against
    /// the published keys. A pending pause has none yet.
    pub async fn receipt(&self, id: &PauseId) -> Result<(Receipt, ReceiptClaims), PauseError> {
        let pause = self.get(id).await?;
        if pause.state == PauseState::Pending {
            return Err(PauseError::Conflict(
                "the pause is still pending: its receipt is signed when it settles".to_owned(),
            ));
        }
        let Some(receipt) = self.store.receipt(&pause.id).await? else {
            return Err(PauseError::Conflict(
                "the pause settled before this server signed receipts".to_owned(),
            ));
        };
        let claims = verify(&receipt.jws, &self.receipt_keys().await?)
            .map_err(|why| PauseError::Internal(anyhow::anyhow!("the receipt of {id}: {why}")))?;
        Ok((receipt, claims))
    }

    /// Every key that signed receipts here, as a JWK Set.
    pub async fn receipt_keys(&self) -> Result<Jwks, PauseError> {
        Ok(Jwks::of(&self.store.receipt_keys().await?))
    }
}
