use super::*;

/// golang.org/x/mod/sumdb/note's example key and note.
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                          then you don't know what your problem is.\n";
const PETER_LINE: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const ENOCH_LINE: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter_note() -> String {
    format!("{PETER_TEXT}\n{PETER_LINE}")
}

fn peter() -> Verifier {
    Verifier::from_vkey(PETER_VKEY).unwrap()
}

#[test]
fn the_c2sp_example_note_verifies_and_its_vkey_round_trips() {
    let vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    let note = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    let verifier = Verifier::from_vkey(vkey).unwrap();
    assert_eq!(
        (verifier.name(), verifier.key_id()),
        ("example.com/foo", 0x530d903a)
    );
    assert_eq!(verifier.vkey(), vkey);
    let opened = open(note.as_bytes(), &[verifier]).unwrap();
    assert_eq!(opened.text, "This is an example message.\n");
    assert_eq!(opened.verified.len(), 1);
}

#[test]
fn the_go_example_note_is_signed_byte_for_byte_from_its_skey() {
    let signer = Signer::from_skey(PETER_SKEY).unwrap();
    assert_eq!(signer.verifier().vkey(), PETER_VKEY);
    let seed = hex::decode("810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173");
    let from_seed = Signer::from_seed("PeterNeumann", &seed.unwrap().try_into().unwrap()).unwrap();
    assert_eq!(from_seed.verifier(), signer.verifier());
    assert_eq!(sign(PETER_TEXT, &[&signer]).unwrap(), peter_note());
    let opened = open(peter_note().as_bytes(), &[peter()]).unwrap();
    assert_eq!(opened.text, PETER_TEXT);
}

#[test]
fn a_failing_signature_by_a_known_key_rejects_the_note_even_beside_a_good_one() {
    let enoch = Verifier::from_vkey(ENOCH_VKEY).unwrap();
    let both = format!("{PETER_TEXT}\n{PETER_LINE}{ENOCH_LINE}");
    let opened = open(both.as_bytes(), &[peter(), enoch.clone()]).unwrap();
    assert_eq!(opened.verified.len(), 2);
    let forged = ENOCH_LINE.replace("rwz+eBzm", "rwz+eBzn");
    let tampered = format!("{PETER_TEXT}\n{PETER_LINE}{forged}");
    assert_eq!(
        open(tampered.as_bytes(), &[peter(), enoch]),
        Err(NoteError::InvalidSignature {
            name: "EnochRoot".into(),
            key_id: 0xaf0cfe78
        })
    );
    // Not knowing Enoch's key, the same note opens, Enoch's line unchecked.
    let opened = open(tampered.as_bytes(), &[peter()]).unwrap();
    assert_eq!(opened.unverified[0].name, "EnochRoot");
}

#[test]
fn a_note_signed_by_no_known_key_is_refused() {
    let enoch = Verifier::from_vkey(ENOCH_VKEY).unwrap();
    assert_eq!(
        open(peter_note().as_bytes(), &[enoch]),
        Err(NoteError::Unverified)
    );
    assert_eq!(
        open(peter_note().as_bytes(), &[]),
        Err(NoteError::Unverified)
    );
}

#[test]
fn a_signature_sharing_only_the_name_of_a_known_key_is_ignored_not_trusted() {
    let impostor = Signer::from_seed("PeterNeumann", &[7; 32]).unwrap();
    assert_ne!(impostor.verifier().key_id(), peter().key_id());
    let note = sign(PETER_TEXT, &[&impostor]).unwrap();
    assert_eq!(
        open(note.as_bytes(), &[peter()]),
        Err(NoteError::Unverified)
    );
}

#[test]
fn a_changed_text_fails_the_known_signature() {
    let changed = peter_note().replace("problem,", "problems,");
    assert!(matches!(
        open(changed.as_bytes(), &[peter()]),
        Err(NoteError::InvalidSignature { .. })
    ));
}

#[test]
fn malformed_notes_are_refused_with_the_reason() {
    let cases = [
        peter_note().replace("\n\n", "\r\n\n"),
        peter_note().replace("\n\n", "\n"),
        peter_note().trim_end().to_owned(),
        peter_note().replace('\u{2014}', "-"),
        peter_note().replace("PeterNeumann x08", "Peter+Neumann x08"),
        format!("{PETER_TEXT}\n\u{2014} PeterNeumann AAAA\n"),
        format!("{PETER_TEXT}\n\u{2014} PeterNeumann\n"),
        format!("{PETER_TEXT}\n{}", PETER_LINE.repeat(MAX_SIGNATURES + 1)),
    ];
    for case in cases {
        let refused = open(case.as_bytes(), &[peter()]);
        assert!(
            matches!(
                refused,
                Err(NoteError::Malformed(_) | NoteError::BadName(_))
            ),
            "{case:?} gave {refused:?}"
        );
    }
    assert!(open(b"text\n\n\xff\n", &[peter()]).is_err());
}

#[test]
fn repeated_signatures_are_counted_once() {
    let twice = format!("{PETER_TEXT}\n{PETER_LINE}{PETER_LINE}");
    assert_eq!(
        open(twice.as_bytes(), &[peter()]).unwrap().verified.len(),
        1
    );
}

#[test]
fn a_text_with_blank_lines_signs_and_opens_to_the_same_text() {
    let signer = Signer::from_skey(PETER_SKEY).unwrap();
    let text = "first\n\nthird\n\n";
    let note = sign(text, &[&signer]).unwrap();
    assert_eq!(open(note.as_bytes(), &[peter()]).unwrap().text, text);
    assert!(sign("no newline", &[&signer]).is_err());
    assert!(sign("tab\there\n", &[&signer]).is_err());
    assert!(sign("fine\n", &[]).is_err());
}

#[test]
fn key_names_follow_the_rules() {
    assert!(is_valid_name("example.com/log"));
    for bad in ["", "a b", "a+b", "a\u{a0}b", "a\u{2003}b", "a\tb"] {
        assert!(!is_valid_name(bad), "{bad:?}");
        assert_eq!(
            Verifier::new(bad, [1; 32]),
            Err(NoteError::BadName(bad.into()))
        );
    }
}

#[test]
fn vkeys_with_a_wrong_id_type_or_encoding_are_refused() {
    let wrong_id = PETER_VKEY.replace("c74f20a3", "c74f20a4");
    let wrong_type = "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    for bad in [
        wrong_id.as_str(),
        wrong_type,
        "PeterNeumann+c74f20a3+!!",
        "PeterNeumann",
    ] {
        assert!(
            matches!(Verifier::from_vkey(bad), Err(NoteError::BadKey(_))),
            "{bad}"
        );
    }
    let upper = PETER_VKEY.replace("c74f20a3", "C74F20A3");
    assert!(Verifier::from_vkey(&upper).is_err());
}

#[test]
fn a_vkey_whose_base64_holds_a_plus_round_trips() {
    let signer = (0..=255u8)
        .map(|i| Signer::from_seed("example.com/log", &[i; 32]).unwrap())
        .find(|s| s.verifier().vkey().rsplit('+').count() > 3)
        .expect("some key's base64 holds a '+'");
    let vkey = signer.verifier().vkey();
    assert_eq!(&Verifier::from_vkey(&vkey).unwrap(), signer.verifier());
}
