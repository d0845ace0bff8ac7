use super::*;
use crate::tlog::merkle::inclusion_proof;
use crate::tlog::note::Signer;
use crate::tlog::testing::{NOTE, SKEY, test_entries};

fn log() -> Signer {
    Signer::from_skey(SKEY).unwrap()
}

fn proof_of(index: u64) -> TlogProof {
    let leaves: Vec<Hash> = test_entries().iter().map(|e| leaf_hash(e)).collect();
    let path = inclusion_proof(index, 8, leaves.as_slice()).unwrap();
    TlogProof::new(index, path, NOTE.to_owned())
}

#[test]
fn a_proof_is_written_line_by_line_as_the_spec_shows() {
    let want = format!(
        "c2sp.org/tlog-proof@v1\nindex 0\n\
         lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=\n\
         Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=\n\
         a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=\n\n{NOTE}"
    );
    assert_eq!(proof_of(0).format(), want);
}

#[test]
fn every_entry_s_proof_round_trips_through_text_and_verifies_offline() {
    let verifier = log().verifier().clone();
    for (index, entry) in test_entries().iter().enumerate() {
        let proof = proof_of(index as u64);
        let parsed = TlogProof::parse(&proof.format()).unwrap();
        assert_eq!(parsed, proof);
        let checkpoint = parsed.verify_entry(entry, &verifier).unwrap();
        assert_eq!(
            (checkpoint.origin.as_str(), checkpoint.size),
            ("example.com/pausegate-test", 8)
        );
    }
}

#[test]
fn extra_data_round_trips_and_does_not_change_what_verifies() {
    let mut proof = proof_of(3);
    proof.extra = Some(b"opaque".to_vec());
    let text = proof.format();
    assert!(
        text.starts_with("c2sp.org/tlog-proof@v1\nextra b3BhcXVl\nindex 3\n"),
        "{text}"
    );
    let parsed = TlogProof::parse(&text).unwrap();
    assert_eq!(parsed, proof);
    parsed
        .verify_entry(&test_entries()[3], log().verifier())
        .unwrap();
}

#[test]
fn a_proof_for_a_one_entry_tree_has_no_hashes() {
    let signer = Signer::from_seed("example.com/log", &[5; 32]).unwrap();
    let checkpoint = Checkpoint::new("example.com/log", 1, leaf_hash(b"only"));
    let proof = TlogProof::new(0, Vec::new(), checkpoint.sign(&signer).unwrap());
    let text = proof.format();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\nexample.com/log\n1\n"));
    TlogProof::parse(&text)
        .unwrap()
        .verify_entry(b"only", signer.verifier())
        .unwrap();
}

#[test]
fn another_entry_a_changed_hash_or_index_or_a_foreign_key_is_refused() {
    let verifier = log().verifier().clone();
    let proof = proof_of(5);
    let refused = proof
        .verify_entry(&test_entries()[4], &verifier)
        .unwrap_err();
    assert!(matches!(refused, ProofError::Inclusion(_)), "{refused}");
    let mut changed = proof.clone();
    changed.path[1][0] ^= 1;
    assert!(matches!(
        changed.verify_entry(&test_entries()[5], &verifier),
        Err(ProofError::Inclusion(_))
    ));
    let mut moved = proof.clone();
    moved.index = 4;
    assert!(matches!(
        moved.verify_entry(&test_entries()[5], &verifier),
        Err(ProofError::Inclusion(_))
    ));
    let stranger = Signer::from_seed("example.com/pausegate-test", &[9; 32]).unwrap();
    let refused = proof
        .verify_entry(&test_entries()[5], stranger.verifier())
        .unwrap_err();
    assert!(matches!(refused, ProofError::Checkpoint(_)), "{refused}");
    let mut resized = proof;
    resized.checkpoint = resized.checkpoint.replace("\n8\n", "\n9\n");
    assert!(matches!(
        resized.verify_entry(&test_entries()[5], &verifier),
        Err(ProofError::Checkpoint(_))
    ));
}

#[test]
fn malformed_proofs_are_refused_naming_the_line() {
    let good = proof_of(2).format();
    let (_, tail) = good.split_once("index 2\n").unwrap();
    let hash = &tail[..tail.find('\n').unwrap() + 1];
    let cases = [
        (good.replacen("@v1", "@v2", 1), "header"),
        (good.replacen("index 2", "index 02", 1), "index"),
        (good.replacen("index 2", "index two", 1), "index"),
        (
            good.replacen("index 2\n", "extra !!\nindex 2\n", 1),
            "extra",
        ),
        (good.replacen(hash, "AAAA\n", 1), "hash"),
        (good.replacen(hash, "not base64\n", 1), "hash"),
        (
            format!("c2sp.org/tlog-proof@v1\nindex 2\n{}", hash.repeat(65)),
            "hash",
        ),
        (
            format!("c2sp.org/tlog-proof@v1\nindex 2\n{hash}"),
            "checkpoint",
        ),
        (
            "c2sp.org/tlog-proof@v1\nindex 2\n\n".to_owned(),
            "checkpoint",
        ),
        ("c2sp.org/tlog-proof@v1\n".to_owned(), "index"),
        (tail.to_owned(), "header"),
    ];
    for (text, want) in cases {
        match TlogProof::parse(&text) {
            Err(ProofError::Format { field, .. }) => assert_eq!(field, want, "{text:?}"),
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}
