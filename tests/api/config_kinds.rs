//! Config tables each read by its kind's integration, loaded as a whole
//! file through the public settings: every kind at once, errors naming
//! `targets.NAME.key` and the file's variables, and the example targets.

use std::io::Write;

use chrono::Duration;
use pausegate::config::{Env, ServeArgs, Settings};

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
fn an_unknown_key_inside_a_target_is_refused() {
    let text = "[targets.t]\nkind = \"webhook\"\nurl = \"http://x\"\nsecrt_env = \"X\"\n";
    let error = load(text, ServeArgs::default(), &Env::from_pairs([])).unwrap_err();
    assert!(error.contains("secrt_env"), "{error}");
}

#[test]
fn bad_target_values_name_their_key() {
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

#[test]
fn a_teams_app_channel_names_what_it_lacks() {
    let app =
        "[teams_app]\ntenant_id = \"t\"\napp_id = \"a\"\nclient_secret_env = \"TEAMS_SECRET\"\n";
    let env = Env::from_pairs([("TEAMS_SECRET", "s")]);
    let cases = [
        (
            "[channels.ops]\nkind = \"teams_app\"\nconversation = \"19:x@thread.tacv2\"\n"
                .to_owned(),
            "channels.ops: a teams_app channel needs a [teams_app] section",
        ),
        (
            format!("{app}\n[channels.ops]\nkind = \"teams_app\"\n"),
            "channels.ops.conversation",
        ),
        (
            format!("{app}\n[channels.ops]\nkind = \"teams_app\"\nconversation = \"19:x y\"\n"),
            "channels.ops.conversation",
        ),
        (
            app.replace("app_id = \"a\"", "app_id = \"a/../b\""),
            "teams_app.app_id",
        ),
        (
            format!("{app}login_url = \"ftp://x\"\n"),
            "teams_app.login_url",
        ),
    ];
    for (text, expected) in cases {
        let error = load(&text, ServeArgs::default(), &env).unwrap_err();
        assert!(error.contains(expected), "{text}: {error}");
    }
    let good = format!(
        "{app}\n[channels.ops]\nkind = \"teams_app\"\nconversation = \"19:x@thread.tacv2\"\n"
    );
    assert!(load(&good, ServeArgs::default(), &env).is_ok());
}
