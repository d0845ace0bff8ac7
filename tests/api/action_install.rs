//! The action's install step on its own: a checksum that does not match
//! fails it before anything runs, an action with no release to install
//! from fails with what to do instead, and a mirror's URL or a local file
//! with its SHA-256 is installed. None of them asks a package index for a
//! name (the stand-in records every request).

use std::path::Path;

use serde_json::json;

use crate::action_release::{Release, version};
use crate::github_action::{Runner, first_pending, inputs};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_wrong_checksum_fails_the_install_step_and_nothing_is_installed_or_run() {
    let app = TestApp::builder().start().await;
    let release = Release::serve_with_a_wrong_checksum().await;
    let runner = Runner::using(&release);
    let extra = json!({"install": "release", "timeout": "1s"});
    let (answer, log, runner) = runner.run_in_background(inputs(&app, extra)).await;
    assert_eq!(answer["status"], 1, "{log}");
    assert!(log.contains("checksum mismatch"), "fails loudly:\n{log}");
    assert!(log.contains(&release.wheel), "names the file:\n{log}");
    assert!(!runner.installed().exists(), "nothing installed");
    assert_eq!(answer["outputs"]["pause-id"], "", "no pause step ran");
    assert_eq!(first_pending(&app).await, None);

    // A mirror's file with a SHA-256 that is not its own fails the same way.
    let mirror = json!({
        "install": "release",
        "install-url": release.url_of(&release.wheel),
        "install-sha256": "0".repeat(64),
        "timeout": "1s",
    });
    let (answer, log, runner) = Runner::using(&release)
        .run_in_background(inputs(&app, mirror))
        .await;
    assert_eq!(answer["status"], 1, "{log}");
    assert!(log.contains("checksum mismatch"), "{log}");
    assert!(!runner.installed().exists());
    assert_eq!(release.index_lookups(), Vec::<String>::new());
}

#[tokio::test]
async fn without_a_release_to_install_from_the_step_fails_and_asks_no_package_index() {
    let app = TestApp::builder().start().await;
    let release = Release::serve().await;
    let runner = Runner::without_release_context(&release);
    // The defaults: before, `install: pip` asked the index for "pausegate".
    let extra = json!({"timeout": "1s"});
    let defaults = {
        let mut all = inputs(&app, extra);
        all.as_object_mut().unwrap().remove("install");
        all
    };
    let (answer, log, runner) = runner.run_in_background(defaults).await;
    assert_eq!(answer["status"], 1, "{log}");
    assert!(
        log.contains("set the release input"),
        "says what to do:\n{log}"
    );
    assert!(!runner.installed().exists());
    assert_eq!(
        release.index_lookups(),
        Vec::<String>::new(),
        "no package index was asked for a name"
    );
}

#[tokio::test]
async fn a_mirror_url_or_a_local_path_with_its_sha256_installs_that_file() {
    let app = TestApp::builder().start().await;
    let release = Release::serve().await;
    let sha256 = sha256_of(&release.path_of(&release.wheel)).await;
    for source in [
        json!({"install-url": release.url_of(&release.wheel), "install-sha256": sha256}),
        json!({"install-path": release.path_of(&release.wheel), "install-sha256": sha256}),
    ] {
        let mut extra = source.clone();
        extra["timeout"] = json!("1s");
        extra["install"] = json!("release");
        let runner = Runner::without_release_context(&release);
        let (answer, log, runner) = runner.run_in_background(inputs(&app, extra)).await;
        assert_eq!(
            answer["status"], 3,
            "installed, then gave up waiting: {log}"
        );
        assert_eq!(answer["outputs"]["outcome"], "timed-out");
        assert!(runner.installed().exists(), "{source}");
        assert!(log.contains(&format!("pausegate {}", version())), "{log}");
    }
    assert_eq!(release.index_lookups(), Vec::<String>::new());
}

async fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = tokio::fs::read(path).await.unwrap();
    hex::encode(Sha256::digest(&bytes))
}
