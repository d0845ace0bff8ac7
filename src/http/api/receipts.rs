//! `GET /api/v1/pauses/{id}/receipt` (behind the API key) and
//! `GET /.well-known/jwks.json` (public): a settled pause's signed receipt,
//! and the keys anyone can verify receipts with.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::AppState;
use super::params::IdParam;
use crate::http::error::{ApiError, ErrorBody};
use crate::receipts::{Jwks, ReceiptClaims};

/// A pause's receipt.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReceiptBody {
    /// The JWS (compact form, EdDSA/Ed25519): verify it with the key its
    /// header's `kid` names in `/.well-known/jwks.json`.
    receipt: String,
    /// Its number here, in the order receipts were stored.
    seq: i64,
    /// The key that signed it.
    kid: String,
    /// Hex SHA-256 of `receipt` (a chained receipt's `prev` names it so).
    hash: String,
    /// What it says (the JWS payload, already verified here).
    claims: ReceiptClaims,
    /// Its index in the transparency log; `null` until integrated (within
    /// a second or so of settling).
    log_index: Option<u64>,
    /// Once integrated: its inclusion proof in C2SP tlog-proof form, with
    /// the signed checkpoint it leads to; check it against `/log/vkey`.
    #[schema(example = "c2sp.org/tlog-proof@v1\nindex 41\n…")]
    log_proof: Option<String>,
}

/// `GET /api/v1/pauses/{id}/receipt`.
#[utoipa::path(get, path = "/api/v1/pauses/{id}/receipt", tag = "pauses",
    operation_id = "receipt",
    params(("id" = String, Path, description = "pau_…")),
    responses(
        (status = 200, description = "The signed receipt of the settled pause", body = ReceiptBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
        (status = 409, description = "Still pending, or settled before receipts were signed", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn receipt(
    State(state): State<AppState>,
    IdParam(id): IdParam,
) -> Result<Json<ReceiptBody>, ApiError> {
    let (receipt, claims) = state.pauses.receipt(&id).await?;
    let proof = match receipt.log_index {
        Some(_) => state.log.proof(&id).await?,
        None => None,
    };
    Ok(Json(ReceiptBody {
        receipt: receipt.jws,
        seq: receipt.seq,
        kid: receipt.kid,
        hash: receipt.hash,
        claims,
        log_index: receipt.log_index,
        log_proof: proof.map(|p| p.format()),
    }))
}

/// `GET /.well-known/jwks.json`.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "receipts",
    operation_id = "jwks",
    responses((status = 200, description = "Every key that signed receipts here, current first", body = Jwks)))]
pub(crate) async fn jwks(State(state): State<AppState>) -> Result<Json<Jwks>, ApiError> {
    Ok(Json(state.pauses.receipt_keys().await?))
}
