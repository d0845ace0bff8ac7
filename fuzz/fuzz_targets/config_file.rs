//! The TOML config file: any text either loads or is refused with a
//! message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pausegate::config::{Env, ServeArgs, Settings};

fuzz_target!(|text: &str| {
    let env = Env::from_pairs([
        ("HOOK_SECRET", "s"),
        ("GH_TOKEN", "t"),
        ("SLACK", "https://x.y/z"),
    ]);
    if let Err(message) = Settings::from_text(ServeArgs::default(), text, &env) {
        assert!(!message.is_empty());
    }
});
