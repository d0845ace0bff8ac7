//! The review form (`POST /r/{token}`): never panics, and a field it
//! returns is valid UTF-8 by construction.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(form) = pausegate::http::parse_review_form(bytes) {
        for field in [&form.decision, &form.comment, &form.name]
            .into_iter()
            .flatten()
        {
            assert!(std::str::from_utf8(field.as_bytes()).is_ok());
        }
    }
});
