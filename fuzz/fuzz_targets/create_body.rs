//! `POST /api/v1/pauses` bodies, callbacks included (`callBackUri`,
//! `callback`, `callback_timeout`): parsing never panics, and what passes
//! validation keeps the rules (a title of 1–200 characters, data within
//! its size, a callback URL only to an allowed host over https).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pausegate::config::{Env, ServeArgs, Settings};
use pausegate::domain::CreatePolicy;
use pausegate::pauses::PauseRequest;

/// One target, one channel and one allowed callback host, with every
/// integration's callback kinds.
fn policy() -> &'static CreatePolicy {
    static POLICY: OnceLock<CreatePolicy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let config = "[targets.hook]\nkind = \"webhook\"\nurl = \"https://hooks.example.com/\"\n\
                      [callbacks]\nallowed_hosts = [\"*.*.logic.azure.com\"]\n";
        let settings = Settings::from_text(ServeArgs::default(), config, &Env::from_pairs([]))
            .expect("the fuzz config loads");
        settings.create_policy()
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(request) = pausegate::http::parse_json_body::<PauseRequest>(bytes) else {
        return;
    };
    if let Ok(pause) = request.parse(policy()) {
        let chars = pause.title.as_str().chars().count();
        assert!((1..=200).contains(&chars));
        assert!(serde_json::to_vec(&pause.data).unwrap().len() <= 256 * 1024);
        if let Some(callback) = pause.callback.as_ref().filter(|c| !c.url.is_empty()) {
            assert!(callback.url.starts_with("https://"), "{}", callback.url);
            let host = callback.view().host.unwrap_or_default();
            assert!(host.ends_with(".logic.azure.com"), "{host}");
        }
    }
});
