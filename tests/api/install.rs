//! What operators install: the systemd unit passes `systemd-analyze
//! verify`, and `pausegate healthcheck` says whether a server is ready.

use std::process::Command;

use crate::helpers::TestApp;

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let unit = include_str!("../../examples/systemd/pausegate.service")
        .replace("/usr/local/bin/pausegate", env!("CARGO_BIN_EXE_pausegate"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pausegate.service");
    std::fs::write(&path, unit).unwrap();
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze is installed");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(
        !said.contains("pausegate.service"),
        "no warning about the unit: {said}"
    );
}

#[test]
fn healthcheck_exits_0_for_a_ready_server_and_1_for_none() {
    let mut server = TestApp::builder().binary();
    let check = |url: &str, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pausegate"))
            .args(["healthcheck", "--url", url])
            .args(extra)
            .env_remove("PAUSEGATE_URL")
            .output()
            .unwrap()
    };
    assert_eq!(check(&server.base, &[]).status.code(), Some(0));
    assert_eq!(check(&server.base, &["--live"]).status.code(), Some(0));
    assert!(server.terminate());
    let gone = check(&server.base, &[]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("/readyz"));
}
