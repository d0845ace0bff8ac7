//! The transparency log, public and read-only, as C2SP tlog-tiles
//! (<https://c2sp.org/tlog-tiles>) lays it out: `GET /log/checkpoint` (the
//! signed note of the newest tree), `GET /log/tile/<L>/<N>[.p/<W>]` (hash
//! tiles) and `GET /log/tile/entries/<N>[.p/<W>]` (entry bundles: the
//! receipts' JWSs), plus `GET /log/vkey`, the key checkpoints are signed
//! with (C2SP signed-note verifier key). Full tiles never change and are
//! cached for a year, as the spec allows; the checkpoint and partial tiles
//! change as the log grows and are not cached.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::receipt_log::{LogError, Served};
use crate::store::StoreError;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const CHANGING: &str = "no-cache";

impl From<LogError> for ApiError {
    fn from(error: LogError) -> Self {
        match error {
            LogError::BadPath(why) => Self::invalid("path", why),
            LogError::NotFound(why) => Self::NotFound(why),
            LogError::Store(StoreError::Unavailable(why) | StoreError::Contended(why)) => {
                Self::Unavailable(why)
            }
            LogError::Store(other) => Self::Internal(anyhow::anyhow!(other)),
        }
    }
}

fn text(body: String, cache: &'static str) -> Response {
    let headers = [
        (CONTENT_TYPE, "text/plain; charset=utf-8"),
        (CACHE_CONTROL, cache),
    ];
    (headers, body).into_response()
}

/// `GET /log/checkpoint`.
#[utoipa::path(get, path = "/log/checkpoint", tag = "log", operation_id = "log_checkpoint",
    responses(
        (status = 200, description = "The newest checkpoint: a C2SP signed note naming the \
            log's origin, size and root hash", body = String, content_type = "text/plain"),
        (status = 404, description = "Nothing signed yet", body = ErrorBody),
    ))]
pub(crate) async fn checkpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (_, note) = state.log.checkpoint().await?;
    Ok(text(note, CHANGING))
}

/// `GET /log/vkey`.
#[utoipa::path(get, path = "/log/vkey", tag = "log", operation_id = "log_vkey",
    responses((status = 200, description = "The verifier key of the log's checkpoints \
        (`origin+keyid+base64(0x01 || Ed25519 key)`)", body = String, content_type = "text/plain")))]
pub(crate) async fn vkey(State(state): State<AppState>) -> Response {
    // The key is fixed when the database is first used: an hour is safe.
    text(format!("{}\n", state.log.vkey()), "public, max-age=3600")
}

/// `GET /log/tile/{path}`.
#[utoipa::path(get, path = "/log/tile/{path}", tag = "log", operation_id = "log_tile",
    params(("path" = String, Path, description = "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`")),
    responses(
        (status = 200, description = "A hash tile (concatenated 32-byte hashes) or an entry \
            bundle (each entry a big-endian 16-bit length and its bytes)",
            body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 400, description = "Not a tile path", body = ErrorBody),
        (status = 404, description = "Beyond the newest checkpoint", body = ErrorBody),
    ))]
pub(crate) async fn tile(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let Served { bytes, immutable } = state.log.tile(&format!("tile/{path}")).await?;
    let cache = if immutable { IMMUTABLE } else { CHANGING };
    let headers = [
        (CONTENT_TYPE, "application/octet-stream"),
        (CACHE_CONTROL, cache),
    ];
    Ok((headers, bytes).into_response())
}
