use std::io::Write;

use super::*;

fn write_config(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

fn load(text: &str, args: ServeArgs, env: &Env) -> Result<Settings, String> {
    let file = write_config(text);
    Settings::load(
        ServeArgs {
            config: Some(file.path().to_owned()),
            ..args
        },
        env,
    )
}

#[test]
fn defaults_need_no_file() {
    let settings = Settings::load(ServeArgs::default(), &Env::from_pairs([])).unwrap();
    assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(settings.database_url, "sqlite://pausegate.db");
    assert_eq!(settings.public_url, None);
    assert!(settings.api_key.is_none());
    assert_eq!(settings.default_expires_in, Duration::hours(24));
    assert_eq!(settings.max_expires_in, Duration::days(30));
}

#[test]
fn flags_beat_the_file() {
    let text = "listen = \"127.0.0.1:9000\"\ndatabase_url = \"sqlite://file.db\"\n";
    let from_file = load(text, ServeArgs::default(), &Env::from_pairs([])).unwrap();
    assert_eq!(from_file.listen.to_string(), "127.0.0.1:9000");
    let args = ServeArgs {
        listen: Some("127.0.0.1:9100".to_owned()),
        ..ServeArgs::default()
    };
    let from_flag = load(text, args, &Env::from_pairs([])).unwrap();
    assert_eq!(from_flag.listen.to_string(), "127.0.0.1:9100");
    assert_eq!(from_flag.database_url, "sqlite://file.db");
}

#[test]
fn an_unknown_key_names_the_file_and_key() {
    let file = write_config("listen = \"127.0.0.1:1\"\nlisten_port = 5\n");
    let error = Settings::load(
        ServeArgs {
            config: Some(file.path().to_owned()),
            ..ServeArgs::default()
        },
        &Env::from_pairs([]),
    )
    .unwrap_err();
    assert!(
        error.contains(&file.path().display().to_string()),
        "{error}"
    );
    assert!(error.contains("listen_port"), "{error}");
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        ("default_expires_in = \"soon\"", "default_expires_in"),
        ("listen = \"nowhere\"", "listen"),
        ("public_url = \"ftp://x\"", "public_url"),
        ("[targets.t]\nkind = \"carrier_pigeon\"", "carrier_pigeon"),
    ];
    for (text, key) in cases {
        let error = load(text, ServeArgs::default(), &Env::from_pairs([])).unwrap_err();
        assert!(error.contains(key), "{text}: {error}");
    }
}

#[test]
fn the_api_key_can_come_from_a_variable_named_in_the_file() {
    let env = Env::from_pairs([("MY_KEY", "k1")]);
    let settings = load("api_key_env = \"MY_KEY\"", ServeArgs::default(), &env).unwrap();
    assert_eq!(settings.api_key.unwrap().expose(), "k1");
}

#[test]
fn delivery_settings_have_defaults_and_checks() {
    let settings = Settings::load(ServeArgs::default(), &Env::from_pairs([])).unwrap();
    assert_eq!(settings.delivery.max_attempts, 10);
    assert_eq!(
        settings.delivery.timeout,
        std::time::Duration::from_secs(30)
    );
    let error = load(
        "[delivery]\nmax_attempts = 0",
        ServeArgs::default(),
        &Env::from_pairs([]),
    )
    .unwrap_err();
    assert!(error.contains("delivery.max_attempts"), "{error}");
}

#[test]
fn listen_takes_a_host_name_and_warns_about_links_on_every_interface() {
    let args = |listen: &str| ServeArgs {
        listen: Some(listen.to_owned()),
        api_key: Some("k".to_owned()),
        ..ServeArgs::default()
    };
    let env = Env::from_pairs([]);
    let named = Settings::from_text(args("localhost:8080"), "", &env).unwrap();
    assert_eq!(named.listen.port(), 8080);
    assert!(named.listen.ip().is_loopback());
    assert!(named.warnings().is_empty());
    let everywhere = Settings::from_text(args("0.0.0.0:8080"), "", &env).unwrap();
    assert!(everywhere.warnings()[0].contains("--public-url"));
    let error = Settings::from_text(args("no such host:80"), "", &env).unwrap_err();
    assert!(error.starts_with("listen:"), "{error}");
}

#[test]
fn notify_is_on_unless_the_database_section_switches_it_off() {
    let env = Env::from_pairs([]);
    let on = load("", ServeArgs::default(), &env).unwrap();
    assert_eq!(on.wakeups, crate::store::Wakeups::Notify);
    let off = load("[database]\nnotify = false\n", ServeArgs::default(), &env).unwrap();
    assert_eq!(off.wakeups, crate::store::Wakeups::Poll);
}
