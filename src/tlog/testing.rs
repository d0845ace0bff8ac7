//! What the tests share: the eight test entries of transparency-dev/merkle
//! (`testonly/constants.go`), and the research notes' checkpoint of them
//! signed with Go's published test seed.

use super::merkle::{Hash, leaf_hash};

/// The signer key of the checkpoint below (Go's `PeterNeumann` seed).
pub(crate) const SKEY: &str =
    "PRIVATE+KEY+example.com/pausegate-test+fa661206+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
/// Its verifier key.
pub(crate) const VKEY: &str =
    "example.com/pausegate-test+fa661206+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/// The checkpoint of the eight test entries, signed by `SKEY`.
pub(crate) const NOTE: &str = "example.com/pausegate-test\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n\u{2014} example.com/pausegate-test +mYSBvWt2SXrqSLBJLlN6wnEXpimNCqoY2s9haqURoMCXrNt+qZXDLQvgvn1sElNS42uDkHoge86RM5qTguJg8B58Qc=\n";

/// The eight test entries.
pub(crate) fn test_entries() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| hex::decode(h).unwrap())
    .collect()
}

/// Their leaf hashes.
pub(crate) fn test_leaves() -> Vec<Hash> {
    test_entries().iter().map(|e| leaf_hash(e)).collect()
}
