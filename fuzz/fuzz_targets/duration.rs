//! Durations (`expires_in`, `?timeout=`, config keys): never panics, and a
//! parsed duration written back parses to the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pausegate::domain::{format_duration, parse_duration};

fuzz_target!(|text: &str| {
    if let Ok(duration) = parse_duration(text) {
        assert!(duration > chrono::Duration::zero());
        let written = format_duration(duration);
        assert_eq!(
            parse_duration(&written).ok(),
            Some(duration),
            "{text:?} → {written:?}"
        );
    }
});
