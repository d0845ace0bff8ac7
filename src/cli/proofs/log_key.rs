//! The log key a verifier trusts: the C2SP signed-note verifier key
//! (`origin+keyid+base64(0x01 || Ed25519 key)`, <https://c2sp.org/signed-note>)
//! checkpoints must be signed with. Given outright (`--vkey`, the text or
//! a file holding it), or fetched from a server's `/log/vkey`: a pinned
//! issuer's, or, for `log verify URL` without `--vkey`, the very server
//! being checked, which is said to be unpinned in every verdict.

use std::path::Path;

use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::note::Verifier;

/// A log key and where it came from, in words.
pub(super) struct LogKey {
    /// The key.
    pub verifier: Verifier,
    /// Where it came from: `--vkey FILE`, a URL, and whether it is pinned.
    pub source: String,
}

impl LogKey {
    /// The key `--vkey` gives: a vkey, or a file holding one.
    pub(super) fn given(text: &str) -> Result<Self, String> {
        let (vkey, source) = match Path::new(text).is_file() {
            true => (
                std::fs::read_to_string(text)
                    .map_err(|e| format!("--vkey: cannot read {text}: {e}"))?,
                format!("--vkey {text} (pinned)"),
            ),
            false => (text.to_owned(), "--vkey (pinned)".to_owned()),
        };
        let verifier = Verifier::from_vkey(vkey.trim()).map_err(|e| {
            format!("--vkey {text}: {e} (give the text of /log/vkey, or a file holding it)")
        })?;
        Ok(Self { verifier, source })
    }

    /// The key the server at `base` publishes at `/log/vkey`; `pinned`
    /// says whether the user chose to trust that server.
    pub(super) async fn published(base: &str, pinned: bool) -> Result<Self, String> {
        let url = format!("{}/log/vkey", base.trim().trim_end_matches('/'));
        let text = super::fetch::key_text(&url).await?;
        let verifier =
            Verifier::from_vkey(text.trim()).map_err(|e| format!("the key at {url}: {e}"))?;
        let source = match pinned {
            true => format!("{url} (the pinned issuer's)"),
            false => format!(
                "{url}: the server's own word, not pinned (pin it with --vkey, saved from \
                 /log/vkey when you set up)"
            ),
        };
        Ok(Self { verifier, source })
    }

    /// Its vkey and where it came from, for a verdict.
    pub(super) fn describe(&self) -> String {
        format!("log key {} from {}", self.verifier.vkey(), self.source)
    }

    /// Opens the signed checkpoint `note`; the error names `what` it is
    /// and says it was changed or is another log's.
    pub(super) fn open(&self, note: &[u8], what: &str) -> Result<Checkpoint, String> {
        Checkpoint::open(note, &self.verifier).map_err(|e| {
            format!(
                "{what}: {e}: it was changed, or is not signed by the log key {}",
                self.verifier.vkey()
            )
        })
    }
}
