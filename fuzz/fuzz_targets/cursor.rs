//! List cursors (`?cursor=`): never panics; an accepted cursor writes back
//! to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pausegate::pauses::cursor::{decode, encode};

fuzz_target!(|text: &str| {
    if let Ok(cursor) = decode(text) {
        assert_eq!(decode(&encode(&cursor)).ok(), Some(cursor));
    }
});
