//! A Python with the packages a stand-in needs (botocore for SigV4, PyJWT
//! and cryptography for GitHub App JWTs): the machine's `python3` if it
//! has them, else a virtual environment made once under the test target
//! folder from the package registry.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// A Python interpreter that can import every `(module, package)`'s module.
pub(crate) fn with(needs: &[(&str, &str)]) -> PathBuf {
    static MADE: Mutex<()> = Mutex::new(());
    let _once = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let system = PathBuf::from("python3");
    if needs.iter().all(|(module, _)| imports(&system, module)) {
        return system;
    }
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    }
    for (module, package) in needs {
        if !imports(&python, module) {
            run(Command::new(&python).args(["-m", "pip", "install", "-q", package]));
        }
        assert!(imports(&python, module), "{package} could not be installed");
    }
    python
}

fn imports(python: &PathBuf, module: &str) -> bool {
    Command::new(python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|out| out.status.success())
}

fn run(command: &mut Command) {
    let status = command.status().expect("python3 runs");
    assert!(status.success(), "{command:?} failed");
}
