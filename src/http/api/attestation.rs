//! `GET /api/v1/pauses/{id}/attestation` (behind the API key): a settled
//! pause's decision as an in-toto Statement v1 in a DSSE envelope; and,
//! public, the keys anyone verifies it with: every key that ever signed,
//! current first, as PEMs (`/.well-known/pausegate-attestation.pub`) and
//! as JSON with their key IDs (`/.well-known/pausegate-attestation-keys.json`).
//! A signature's `keyid` is the hex SHA-256 of its key's
//! SubjectPublicKeyInfo DER, so a verifier holding the PEM derives it.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde::Serialize;

use super::AppState;
use super::params::IdParam;
use crate::attestation::keys::pem_bundle;
use crate::http::error::{ApiError, ErrorBody};
use crate::tlog::dsse::Envelope;

/// A DSSE envelope (secure-systems-lab/dsse `envelope.md`).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct EnvelopeBody {
    /// Base64 of the in-toto Statement v1 (JSON) whose predicate is
    /// pausegate's decision (`docs/attestation-predicate.schema.json`).
    payload: String,
    /// Always `application/vnd.in-toto+json`.
    #[serde(rename = "payloadType")]
    payload_type: String,
    /// One ECDSA P-256 signature over the payload's PAE.
    signatures: Vec<SignatureBody>,
}

/// One signature of an envelope.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SignatureBody {
    /// Hex SHA-256 of the signing key's SubjectPublicKeyInfo DER.
    keyid: String,
    /// Base64 of the DER ECDSA signature.
    sig: String,
}

impl From<Envelope> for EnvelopeBody {
    fn from(envelope: Envelope) -> Self {
        let signatures = envelope.signatures.into_iter();
        Self {
            payload: envelope.payload,
            payload_type: envelope.payload_type,
            signatures: signatures
                .map(|s| SignatureBody {
                    keyid: s.keyid,
                    sig: s.sig,
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/pauses/{id}/attestation`.
#[utoipa::path(get, path = "/api/v1/pauses/{id}/attestation", tag = "pauses",
    operation_id = "attestation",
    params(("id" = String, Path, description = "pau_…")),
    responses(
        (status = 200, description = "The settled pause's decision, signed: an in-toto statement in a DSSE envelope", body = EnvelopeBody),
        (status = 401, description = "No or wrong API key", body = ErrorBody),
        (status = 404, description = "No such pause", body = ErrorBody),
        (status = 409, description = "Still pending, or settled before receipts were signed", body = ErrorBody),
    ),
    security(("api_key" = [])))]
pub(crate) async fn attestation(
    State(state): State<AppState>,
    IdParam(id): IdParam,
) -> Result<Json<EnvelopeBody>, ApiError> {
    let envelope = state.pauses.attestation(&id).await?;
    Ok(Json(envelope.into()))
}

/// `GET /.well-known/pausegate-attestation.pub`.
#[utoipa::path(get, path = "/.well-known/pausegate-attestation.pub", tag = "receipts",
    operation_id = "attestation_pem",
    responses((status = 200, description = "Every key that signed attestations here, current first: PEM public keys (SubjectPublicKeyInfo, ECDSA P-256)",
        body = String, content_type = "application/x-pem-file")))]
pub(crate) async fn public_keys_pem(
    State(state): State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    let keys = state.pauses.attestation_keys().await?;
    Ok((
        [(CONTENT_TYPE, "application/x-pem-file")],
        pem_bundle(&keys),
    ))
}

/// The keys that verify attestations.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AttestationKeys {
    /// Every key that signed attestations here, the current one first.
    keys: Vec<AttestationKey>,
}

/// One key that verifies attestations.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AttestationKey {
    /// What an envelope's signature names it by: hex SHA-256 of its
    /// SubjectPublicKeyInfo DER.
    keyid: String,
    /// The public key (ECDSA P-256) as a `PUBLIC KEY` PEM.
    pem: String,
}

/// `GET /.well-known/pausegate-attestation-keys.json`.
#[utoipa::path(get, path = "/.well-known/pausegate-attestation-keys.json", tag = "receipts",
    operation_id = "attestation_keys",
    responses((status = 200, description = "Every key that signed attestations here, current first, with its key ID", body = AttestationKeys)))]
pub(crate) async fn public_keys(
    State(state): State<AppState>,
) -> Result<Json<AttestationKeys>, ApiError> {
    let keys = state.pauses.attestation_keys().await?;
    let keys = keys.iter().map(|key| AttestationKey {
        keyid: key.keyid().to_owned(),
        pem: key.to_pem(),
    });
    Ok(Json(AttestationKeys {
        keys: keys.collect(),
    }))
}
