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

const FULL: &str = r#"
default_expires_in = "2h"
max_expires_in = "7d"

[targets.sales-part2]
kind = "azure_data_factory"
tenant_id = "t"
client_id = "c"
client_secret_env = "ADF_SECRET"
subscription_id = "s"
resource_group = "rg"
factory = "f"
pipeline = "p"
overridable = ["pipeline"]

[targets.deploy-hook]
kind = "webhook"
url = "https://ci.example.com/resume"
secret_env = "HOOK_SECRET"

[targets.release]
kind = "github_workflow"
owner = "acme"
repo = "app"
workflow = "deploy.yml"
ref = "main"
token_env = "GH_TOKEN"

[targets.nightly]
kind = "airflow_dag"
base_url = "http://airflow:8080"
dag_id = "nightly"

[channels.ops-slack]
kind = "slack"
webhook_url_env = "SLACK_WEBHOOK"
"#;

fn full_env() -> Env {
    Env::from_pairs([
        ("ADF_SECRET", "s3cret"),
        ("HOOK_SECRET", "h"),
        ("GH_TOKEN", "g"),
        ("SLACK_WEBHOOK", "https://hooks.slack.com/services/x"),
    ])
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
fn a_full_file_loads_every_kind() {
    let settings = load(FULL, ServeArgs::default(), &full_env()).unwrap();
    assert_eq!(settings.targets.len(), 4);
    assert_eq!(settings.default_expires_in, Duration::hours(2));
    let adf = &settings.targets["sales-part2"];
    assert_eq!(adf.overridable, vec!["pipeline"]);
    let kinds: Vec<&str> = settings
        .targets
        .values()
        .map(|t| t.starter.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            "webhook",
            "airflow_dag",
            "github_workflow",
            "azure_data_factory"
        ]
    );
    assert_eq!(settings.channels["ops-slack"].poster.kind(), "slack");
    let policy = settings.create_policy();
    assert!(policy.targets.contains_key("nightly"));
    assert!(policy.channels.contains("ops-slack"));
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
fn an_unknown_key_inside_a_target_is_refused() {
    let text = "[targets.t]\nkind = \"webhook\"\nurl = \"http://x\"\nsecrt_env = \"X\"\n";
    let error = load(text, ServeArgs::default(), &Env::from_pairs([])).unwrap_err();
    assert!(error.contains("secrt_env"), "{error}");
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        ("default_expires_in = \"soon\"", "default_expires_in"),
        ("listen = \"nowhere\"", "listen"),
        ("public_url = \"ftp://x\"", "public_url"),
        (
            "[targets.t]\nkind = \"webhook\"\nurl = \"not a url\"",
            "targets.t.url",
        ),
        ("[targets.t]\nkind = \"carrier_pigeon\"", "carrier_pigeon"),
        (
            "[targets.t]\nkind = \"webhook\"\nurl = \"http://x\"\nmax_per_hour = 0",
            "targets.t.max_per_hour",
        ),
        (
            "[targets.t]\nkind = \"airflow_dag\"\nbase_url = \"http://a\"\ndag_id = \"d\"\noverridable = [\"base_url\"]",
            "targets.t.overridable",
        ),
        (
            "[azure_recipe]\ntarget = \"nowhere\"",
            "azure_recipe.target",
        ),
        (
            "[azure_recipe]\ntarget = \"t\"\n[targets.t]\nkind = \"webhook\"\nurl = \"http://x\"",
            "azure_recipe.target",
        ),
    ];
    for (text, key) in cases {
        let error = load(text, ServeArgs::default(), &Env::from_pairs([])).unwrap_err();
        assert!(error.contains(key), "{text}: {error}");
    }
}

#[test]
fn a_missing_secret_variable_stops_start_up() {
    let env = Env::from_pairs([
        ("HOOK_SECRET", "h"),
        ("GH_TOKEN", "g"),
        ("SLACK_WEBHOOK", "https://x"),
    ]);
    let error = load(FULL, ServeArgs::default(), &env).unwrap_err();
    assert!(
        error.contains("targets.sales-part2.client_secret_env"),
        "{error}"
    );
    assert!(error.contains("ADF_SECRET"), "{error}");
}

#[test]
fn the_api_key_can_come_from_a_variable_named_in_the_file() {
    let env = Env::from_pairs([("MY_KEY", "k1")]);
    let settings = load("api_key_env = \"MY_KEY\"", ServeArgs::default(), &env).unwrap();
    assert_eq!(settings.api_key.unwrap().expose(), "k1");
}

#[test]
fn a_bad_adf_parameter_source_names_its_key() {
    let broken = FULL.replace(
        "overridable = [\"pipeline\"]",
        "parameters = { x = \"nonsense\" }",
    );
    let error = load(&broken, ServeArgs::default(), &full_env()).unwrap_err();
    assert!(
        error.contains("targets.sales-part2.parameters.x"),
        "{error}"
    );
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
fn the_example_targets_load() {
    let env = Env::from_pairs([
        ("SALES_ADF_SECRET", "s"),
        ("HOOK_SECRET", "h"),
        ("GH_TOKEN", "g"),
        ("AIRFLOW_TOKEN", "a"),
        ("ARGO_TOKEN", "t"),
    ]);
    let text = include_str!("../../examples/targets.toml");
    let settings = load(text, ServeArgs::default(), &env).unwrap();
    assert_eq!(settings.targets.len(), 5);
    assert_eq!(settings.targets["sales-part2"].max_per_hour, Some(1200));
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
fn a_config_with_several_unset_variables_names_them_all_in_file_order() {
    let text = "[targets.a]\nkind = \"webhook\"\nurl = \"https://a.example.com/\"\n\
                secret_env = \"A_SECRET\"\n[channels.ops]\nkind = \"slack\"\n\
                webhook_url_env = \"OPS_HOOK\"\n";
    let error = Settings::from_text(ServeArgs::default(), text, &Env::from_pairs([])).unwrap_err();
    let a = error.find("targets.a.secret_env").expect("names the first");
    let ops = error
        .find("channels.ops.webhook_url_env")
        .expect("names the second");
    assert!(
        a < ops && error.starts_with("2 environment variables"),
        "{error}"
    );
}
