//! `POST /api/v1/pauses` bodies, callbacks included (ADF's `callBackUri`,
//! `callback`, `callback_timeout`): parsing never panics, and what passes
//! validation keeps the rules (a title of 1–200 characters, data within
//! its size, a callback only to an allowed host over https).
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use libfuzzer_sys::fuzz_target;
use pausegate::domain::{CallbackPolicy, CreatePolicy, HostRule, NewPause, PauseRequest};

fuzz_target!(|bytes: &[u8]| {
    let Ok(request) = pausegate::http::parse_json_body::<PauseRequest>(bytes) else {
        return;
    };
    let policy = CreatePolicy {
        default_expires_in: chrono::Duration::hours(24),
        max_expires_in: chrono::Duration::days(30),
        targets: BTreeMap::from([("hook".to_owned(), vec!["ref".to_owned()])]),
        channels: BTreeSet::from(["ops".to_owned()]),
        default_remind_before: None,
        callbacks: CallbackPolicy {
            allowed_hosts: vec![HostRule::parse("*.*.logic.azure.com").unwrap()],
            aws_accounts: BTreeSet::from(["prod".to_owned()]),
        },
    };
    if let Ok(pause) = NewPause::parse(request, &policy) {
        let chars = pause.title.chars().count();
        assert!((1..=200).contains(&chars));
        assert!(serde_json::to_vec(&pause.data).unwrap().len() <= 256 * 1024);
        if let Some(callback) = pause.callback.as_ref().filter(|c| c.task_token.is_none()) {
            assert!(callback.url.starts_with("https://"), "{}", callback.url);
            let host = callback.view().host.unwrap_or_default();
            assert!(host.ends_with(".logic.azure.com"), "{host}");
        }
    }
});
