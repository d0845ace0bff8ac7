//! Fetching what the verifiers read from a server: trust anchors (key
//! sets, the log's verifier key) only over https, or http to a loopback
//! host, redirects included ([`check_fetchable`]); the log's checkpoint
//! and tiles from any URL, since their signature and hashes are checked
//! against a key the user pinned.

use std::time::Duration;

use crate::receipts::trust::check_fetchable;
use crate::tlog::merkle::Hash;
use crate::tlog::tiles::Tile;

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The text at `url`, which holds keys: https only (loopback excepted),
/// and a redirect must meet the same rule, or it would undo it.
pub(super) async fn key_text(url: &str) -> Result<String, String> {
    check_fetchable(url)?;
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        match check_fetchable(attempt.url().as_str()) {
            Ok(()) if attempt.previous().len() < 5 => attempt.follow(),
            Ok(()) => attempt.error("too many redirects"),
            Err(why) => attempt.error(why),
        }
    });
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(redirects)
        .build()
        .map_err(|e| format!("cannot fetch {url}: {e}"))?;
    let bytes = get(&client, url).await?;
    String::from_utf8(bytes).map_err(|_| format!("{url} is not UTF-8 text"))
}

/// A log served under `base`: `base/log/checkpoint`, `base/log/tile/…`.
pub(super) struct LogServer {
    client: reqwest::Client,
    /// The server's URL, without a trailing `/`.
    pub base: String,
}

impl LogServer {
    /// The log of the server at `base`.
    pub(super) fn new(base: &str) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        let base = base.trim().trim_end_matches('/').to_owned();
        Ok(Self { client, base })
    }

    /// The URL of `path` under the log (`checkpoint`, `tile/0/000`, …).
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}/log/{path}", self.base)
    }

    /// The bytes at `path` under the log; the error names the URL.
    pub(super) async fn get(&self, path: &str) -> Result<Vec<u8>, String> {
        get(&self.client, &self.url(path)).await
    }

    /// The hashes of the hash tile `tile`; the error names its URL when
    /// it cannot be fetched or is not `width` hashes.
    pub(super) async fn hashes(&self, tile: &Tile) -> Result<Vec<Hash>, String> {
        let bytes = self.get(&tile.path()).await?;
        if bytes.len() != usize::from(tile.width) * 32 {
            return Err(format!(
                "{} holds {} bytes, not {} hashes of 32 bytes: the tile was changed",
                self.url(&tile.path()),
                bytes.len(),
                tile.width
            ));
        }
        let hashes = bytes.chunks_exact(32);
        Ok(hashes.map(|h| h.try_into().expect("32 bytes")).collect())
    }
}

/// The body at `url`, which must answer 200.
async fn get(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("cannot fetch {url}: {e}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("cannot read {url}: {e}"))?;
    if !status.is_success() {
        let said = String::from_utf8_lossy(&body);
        let said: String = said.chars().take(200).collect();
        return Err(format!("{url} answered {status}: {}", said.trim()));
    }
    Ok(body.to_vec())
}
