//! The transparency log's formats checked by an independent implementation:
//! a tree, signed checkpoints, tlog-proofs, consistency proofs, tiles and
//! entry bundles, and a DSSE envelope, all made by `pausegate::tlog`, are
//! verified by `tests/standins/tlog_verify.py` (hashlib, `cryptography`,
//! and securesystemslib for DSSE), which shares no code with it; and one
//! changed byte in any of them makes that verifier refuse it.

use std::path::PathBuf;
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pausegate::tlog::checkpoint::Checkpoint;
use pausegate::tlog::dsse::{DsseSigner, Envelope};
use pausegate::tlog::merkle::{Hash, consistency_proof, inclusion_proof, leaf_hash, root_of};
use pausegate::tlog::note::Signer;
use pausegate::tlog::proof::TlogProof;
use pausegate::tlog::statement::{Statement, Subject};
use pausegate::tlog::tiles::{entry_bundle, new_tiles};
use serde_json::json;
use tempfile::TempDir;

const ORIGIN: &str = "example.com/pausegate-test-log";

/// A log of `n` entries of varied lengths, in memory, and its key.
struct Log {
    entries: Vec<Vec<u8>>,
    leaves: Vec<Hash>,
    signer: Signer,
    dir: TempDir,
    python: PathBuf,
}

impl Log {
    fn new(n: usize) -> Self {
        let entries: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("receipt {i} {}", "x".repeat(i % 97)).into_bytes())
            .collect();
        let leaves = entries.iter().map(|e| leaf_hash(e)).collect();
        let signer = Signer::from_seed(ORIGIN, &[42; 32]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vkey"), signer.verifier().vkey()).unwrap();
        let python = crate::python::with(&[
            ("cryptography", "cryptography"),
            ("securesystemslib", "securesystemslib[crypto]==1.6.0"),
        ]);
        Self {
            entries,
            leaves,
            signer,
            dir,
            python,
        }
    }

    fn checkpoint(&self, size: u64) -> String {
        let root = root_of(&self.leaves[..size as usize]);
        Checkpoint::new(ORIGIN, size, root)
            .sign(&self.signer)
            .unwrap()
    }

    /// Writes `contents` to `name` in the log's folder; its path.
    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn python_verifier(&self, args: &[&str]) -> Output {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/standins/tlog_verify.py");
        let output = Command::new(&self.python).arg(script).args(args).output();
        output.unwrap()
    }

    /// What the Python verifier printed, which must be a success.
    fn accepts(&self, args: &[&str]) -> String {
        let output = self.python_verifier(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?} refused: {stderr}");
        String::from_utf8(output.stdout).unwrap()
    }

    fn refuses(&self, args: &[&str]) {
        let output = self.python_verifier(args);
        assert!(
            !output.status.success(),
            "{args:?} accepted: {:?}",
            output.stdout
        );
    }

    fn vkey(&self) -> String {
        self.dir.path().join("vkey").to_str().unwrap().to_owned()
    }
}

/// `text` with the byte at `at` changed.
fn flipped(text: &[u8], at: usize) -> Vec<u8> {
    let mut changed = text.to_vec();
    changed[at] ^= 0x01;
    changed
}

fn proof_lines(proof: &[Hash]) -> String {
    proof.iter().map(|h| STANDARD.encode(h) + "\n").collect()
}

#[test]
fn checkpoints_and_inclusion_proofs_verify_in_python_and_a_changed_byte_fails() {
    let log = Log::new(300);
    let note = log.checkpoint(300);
    let note_file = log.write("checkpoint-300", &note);
    let root = STANDARD.encode(root_of(&log.leaves));
    assert_eq!(
        log.accepts(&["checkpoint", &log.vkey(), &note_file]),
        format!("300 {root}\n")
    );
    let resized = log.write("resized", note.replacen("\n300\n", "\n301\n", 1));
    log.refuses(&["checkpoint", &log.vkey(), &resized]);
    for index in [0u64, 1, 150, 255, 256, 299] {
        let path = inclusion_proof(index, 300, log.leaves.as_slice()).unwrap();
        let proof = TlogProof::new(index, path.clone(), note.clone()).format();
        let proof_file = log.write(&format!("proof-{index}"), &proof);
        let entry = log.write(&format!("entry-{index}"), &log.entries[index as usize]);
        let said = log.accepts(&["proof", &log.vkey(), &proof_file, &entry]);
        assert_eq!(said, format!("entry {index} is in the tree of 300\n"));
        let changed_entry = flipped(&log.entries[index as usize], 3);
        let changed_entry = log.write("changed-entry", changed_entry);
        log.refuses(&["proof", &log.vkey(), &proof_file, &changed_entry]);
        let mut bad_path = path;
        bad_path[0] = flipped(&bad_path[0], 31).try_into().unwrap();
        let bad = TlogProof::new(index, bad_path, note.clone()).format();
        log.refuses(&["proof", &log.vkey(), &log.write("bad-proof", bad), &entry]);
    }
}

#[test]
fn a_checkpoint_signed_by_another_key_under_the_same_name_is_refused_in_python() {
    let log = Log::new(10);
    let impostor = Signer::from_seed(ORIGIN, &[7; 32]).unwrap();
    let forged = Checkpoint::new(ORIGIN, 10, root_of(&log.leaves))
        .sign(&impostor)
        .unwrap();
    log.refuses(&["checkpoint", &log.vkey(), &log.write("forged", forged)]);
}

#[test]
fn consistency_proofs_verify_in_python_and_a_changed_hash_fails() {
    let log = Log::new(300);
    let pairs = [
        (1, 300),
        (7, 8),
        (8, 300),
        (255, 256),
        (256, 300),
        (299, 300),
        (300, 300),
    ];
    for (m, n) in pairs {
        let old = log.write(&format!("old-{m}"), log.checkpoint(m));
        let new = log.write(&format!("new-{n}"), log.checkpoint(n));
        let proof = consistency_proof(m, n, log.leaves.as_slice()).unwrap();
        let file = log.write(&format!("proof-{m}-{n}"), proof_lines(&proof));
        let said = log.accepts(&["consistency", &log.vkey(), &old, &new, &file]);
        assert_eq!(
            said,
            format!("the tree of {m} is a prefix of the tree of {n}\n")
        );
        for i in 0..proof.len() {
            let mut bad = proof.clone();
            bad[i] = flipped(&bad[i], 0).try_into().unwrap();
            let bad = log.write("bad-proof", proof_lines(&bad));
            log.refuses(&["consistency", &log.vkey(), &old, &new, &bad]);
        }
    }
    // A proof for other sizes does not pass for these.
    let (old, new) = (
        log.write("old", log.checkpoint(7)),
        log.write("new", log.checkpoint(9)),
    );
    let other = consistency_proof(7, 8, log.leaves.as_slice()).unwrap();
    let other = log.write("other", proof_lines(&other));
    log.refuses(&["consistency", &log.vkey(), &old, &new, &other]);
}

/// Writes the tiles and entry bundles that growing the log to each of
/// `sizes` adds, and the checkpoint of the last size.
fn write_tiles(log: &Log, sizes: &[u64]) {
    let mut old = 0;
    for &size in sizes {
        for tile in new_tiles(old, size) {
            let hashes = tile.hashes(&log.leaves[..size as usize]).unwrap();
            log.write(&tile.path(), hashes);
            if tile.level == 0 {
                let first = tile.index as usize * 256;
                let bundle = entry_bundle(&log.entries[first..first + usize::from(tile.width)]);
                log.write(&tile.entries_path(), bundle.unwrap());
            }
        }
        old = size;
    }
    log.write("checkpoint", log.checkpoint(old));
}

#[test]
fn tiles_from_the_library_rebuild_the_checkpoint_in_python_and_a_changed_byte_fails() {
    let log = Log::new(600);
    write_tiles(&log, &[1, 300, 513, 600]);
    let dir = log.dir.path().to_str().unwrap().to_owned();
    let said = log.accepts(&["tiles", &log.vkey(), &dir]);
    assert_eq!(
        said,
        "600 entries and 2 tile levels rebuild the checkpoint's root\n"
    );
    for name in [
        "tile/0/001",
        "tile/0/002.p/88",
        "tile/1/000.p/2",
        "tile/entries/000",
    ] {
        let path = log.dir.path().join(name);
        let original = std::fs::read(&path).unwrap();
        std::fs::write(&path, flipped(&original, original.len() - 5)).unwrap();
        log.refuses(&["tiles", &log.vkey(), &dir]);
        std::fs::write(&path, original).unwrap();
    }
    log.accepts(&["tiles", &log.vkey(), &dir]);
}

#[test]
fn a_dsse_statement_verifies_with_securesystemslib_from_the_pem_alone() {
    let log = Log::new(1);
    let signer = DsseSigner::generate().unwrap();
    let digest = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
    let subject = vec![Subject::new("registry.example/app", digest).unwrap()];
    let predicate = json!({"outcome": "approved", "log_index": 0});
    let statement = Statement::new(subject, "https://example.com/decision/v1", predicate).unwrap();
    let envelope = statement.sign(&signer).unwrap();
    let pem = log.write("key.pem", signer.public_key().to_pem());
    let file = log.write("envelope.json", serde_json::to_vec(&envelope).unwrap());
    let said = log.accepts(&["dsse", &pem, &file]);
    let keyid = signer.public_key().keyid();
    let want = format!("registry.example/app {digest}\nhttps://example.com/decision/v1 {keyid}\n");
    assert_eq!(said, want);
    for changed in changed_envelopes(&envelope) {
        let file = log.write("changed.json", serde_json::to_vec(&changed).unwrap());
        log.refuses(&["dsse", &pem, &file]);
    }
    let stranger = DsseSigner::generate().unwrap();
    let other_pem = log.write("other.pem", stranger.public_key().to_pem());
    log.refuses(&[
        "dsse",
        &other_pem,
        &log.write("envelope.json", serde_json::to_vec(&envelope).unwrap()),
    ]);
}

/// The envelope with one byte of its payload, its signature or its
/// payload type changed.
fn changed_envelopes(envelope: &Envelope) -> Vec<Envelope> {
    let payload = STANDARD.decode(&envelope.payload).unwrap();
    let at = payload.windows(8).position(|w| w == b"approved").unwrap();
    let mut payload_changed = envelope.clone();
    payload_changed.payload = STANDARD.encode(flipped(&payload, at));
    let sig = STANDARD.decode(&envelope.signatures[0].sig).unwrap();
    let mut sig_changed = envelope.clone();
    sig_changed.signatures[0].sig = STANDARD.encode(flipped(&sig, sig.len() - 1));
    let mut type_changed = envelope.clone();
    type_changed.payload_type = "application/vnd.in-toto+jsoN".into();
    vec![payload_changed, sig_changed, type_changed]
}
