//! A stand-in for the action's own release download: the wheels the
//! release workflow publishes (the one for this machine carries the built
//! binary, the others a script that fails) and their SHA256SUMS, served by
//! a real HTTP server on port 0 under `/{repository}/releases/download/{tag}/`
//! as GitHub serves release files. Every request is recorded, so a test can
//! also see that nothing asked the package index it stands in for
//! (`/simple/`, where `PIP_INDEX_URL` points).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The repository the stand-in release belongs to.
pub(crate) const REPOSITORY: &str = "acme/pausegate";

/// The published files, made once per test run (the binary is large).
struct Published {
    dir: PathBuf,
    wheel: String,
}

/// The wheel platform tag of the machine running the tests, as maturin
/// names it.
fn this_platform() -> String {
    let arch = std::env::consts::ARCH;
    if cfg!(target_os = "macos") {
        let arch = if arch == "aarch64" { "arm64" } else { arch };
        format!("macosx_11_0_{arch}")
    } else if cfg!(target_env = "musl") {
        format!("musllinux_1_2_{arch}")
    } else {
        format!("manylinux_2_17_{arch}.manylinux2014_{arch}")
    }
}

/// Every platform the release workflow builds for, this machine's first.
fn platforms() -> Vec<String> {
    let others = [
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "manylinux_2_17_aarch64.manylinux2014_aarch64",
        "musllinux_1_2_x86_64",
        "musllinux_1_2_aarch64",
        "macosx_10_12_x86_64.macosx_11_0_arm64.macosx_10_12_universal2",
    ];
    let mine = this_platform();
    std::iter::once(mine.clone())
        .chain(
            others
                .iter()
                .map(|t| (*t).to_owned())
                .filter(|t| *t != mine),
        )
        .collect()
}

fn published() -> &'static Published {
    static PUBLISHED: OnceLock<Published> = OnceLock::new();
    PUBLISHED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/action/publish_release.py");
        let status = Command::new("python3")
            .arg(script)
            .arg(&dir)
            .arg(version())
            .arg(env!("CARGO_BIN_EXE_pausegate"))
            .args(platforms())
            .status()
            .unwrap();
        assert!(status.success(), "the stand-in release was published");
        let wheel = format!("pausegate-{}-py3-none-{}.whl", version(), this_platform());
        Published { dir, wheel }
    })
}

/// The crate's version, which the wheels and the tag carry.
pub(crate) fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

struct Served {
    dir: PathBuf,
    tag: String,
    sums: Option<String>,
    requests: Mutex<Vec<String>>,
}

/// A running stand-in release server.
pub(crate) struct Release {
    /// `http://127.0.0.1:PORT`: the `github.server_url` of the stand-in.
    pub server_url: String,
    /// The release tag.
    pub tag: String,
    /// The wheel for this machine.
    pub wheel: String,
    served: Arc<Served>,
}

impl Release {
    /// Serves the published release under tag `v{version}`.
    pub(crate) async fn serve() -> Self {
        Self::serve_with_sums(None).await
    }

    /// Like [`Release::serve`], but SHA256SUMS claims a different SHA-256
    /// for this machine's wheel, as if the file had been swapped.
    pub(crate) async fn serve_with_a_wrong_checksum() -> Self {
        let published = tokio::task::spawn_blocking(published).await.unwrap();
        let sums = std::fs::read_to_string(published.dir.join("SHA256SUMS")).unwrap();
        let line = sums
            .lines()
            .find(|l| l.ends_with(&published.wheel))
            .unwrap();
        let flipped = if line.starts_with('0') { "1" } else { "0" };
        let wrong = format!("{flipped}{}", &line[1..]);
        Self::serve_with_sums(Some(sums.replace(line, &wrong))).await
    }

    async fn serve_with_sums(sums: Option<String>) -> Self {
        let published = tokio::task::spawn_blocking(published).await.unwrap();
        let served = Arc::new(Served {
            dir: published.dir.clone(),
            tag: format!("v{}", version()),
            sums,
            requests: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server_url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().fallback(file).with_state(served.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            server_url,
            tag: served.tag.clone(),
            wheel: published.wheel.clone(),
            served,
        }
    }

    /// The `github` context of a workflow using the action at this release.
    pub(crate) fn github_context(&self) -> Value {
        json!({
            "action_repository": REPOSITORY,
            "action_ref": self.tag,
            "server_url": self.server_url,
        })
    }

    /// Where the release's file `name` is downloaded from.
    pub(crate) fn url_of(&self, name: &str) -> String {
        format!(
            "{}/{REPOSITORY}/releases/download/{}/{name}",
            self.server_url, self.tag
        )
    }

    /// The published file `name` on disk.
    pub(crate) fn path_of(&self, name: &str) -> PathBuf {
        self.served.dir.join(name)
    }

    /// The package index this server stands in for (nothing may use it).
    pub(crate) fn index_url(&self) -> String {
        format!("{}/simple/", self.server_url)
    }

    /// Every request that was not for one of the release's files: a
    /// package index lookup, or a guess at another release.
    pub(crate) fn index_lookups(&self) -> Vec<String> {
        let files = format!("/{REPOSITORY}/releases/download/{}/", self.tag);
        self.requests()
            .into_iter()
            .filter(|path| !path.starts_with(&files))
            .collect()
    }

    /// Every path asked for so far.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.served.requests.lock().unwrap().clone()
    }
}

async fn file(State(served): State<Arc<Served>>, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    served.requests.lock().unwrap().push(path.clone());
    let prefix = format!("/{REPOSITORY}/releases/download/{}/", served.tag);
    let Some(name) = path.strip_prefix(&prefix).filter(|n| !n.contains('/')) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let (Some(sums), "SHA256SUMS") = (&served.sums, name) {
        return sums.clone().into_response();
    }
    match tokio::fs::read(served.dir.join(name)).await {
        Ok(bytes) => bytes.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
