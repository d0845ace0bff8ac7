//! The client commands other than `wait`'s loop: create, read, list,
//! decide and cancel, each a few calls to the API and a print.

use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use clap::Args;
use serde_json::{Value, json};

use super::client::{Client, ClientError};
use super::outage::Outage;
use super::output::{aligned, as_pause, describe, print_json, table};
use super::pause_body::pause_body;
use super::wait::{WaitOptions, wait_for_decision};
use super::{ClientArgs, IdArgs, WaitArgs, exit, fail, parse_timeout};
use crate::render::{readable, relative};

/// `pausegate pause`.
#[derive(Debug, Args)]
pub(crate) struct PauseArgs {
    /// One line saying what waits for a decision.
    #[arg(long)]
    pub title: String,
    /// More words for the reviewer.
    #[arg(long)]
    pub description: Option<String>,
    /// JSON handed to the pipeline that resumes: inline, or @FILE.
    #[arg(long)]
    pub data: Option<String>,
    /// Configured target to start on approval.
    #[arg(long)]
    pub target: Option<String>,
    /// Configured target to start on rejection or expiry.
    #[arg(long)]
    pub on_reject: Option<String>,
    /// How long the pause waits, e.g. 2h (server default: 24h).
    #[arg(long)]
    pub expires_in: Option<String>,
    /// What expiry does: expire, approve or reject.
    #[arg(long)]
    pub on_expire: Option<String>,
    /// Email this address a personal link (repeatable).
    #[arg(long = "email")]
    pub emails: Vec<String>,
    /// Post to this configured channel (repeatable).
    #[arg(long = "channel")]
    pub channels: Vec<String>,
    /// Label the pause, to find it by (repeatable, up to 10).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// An artefact the pause is about, NAME@sha256:HEX (repeatable, up to
    /// 64): the subject of its attestation.
    #[arg(long = "subject")]
    pub subjects: Vec<String>,
    /// Makes a retried command return the same pause.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Block until the pause is decided (exit codes as for `wait`).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (exit 3).
    #[arg(long, value_parser = parse_timeout, requires = "wait")]
    pub timeout: Option<Duration>,
    /// With --wait: print the review link even when the output is not a
    /// terminal (anyone who can read a CI log could then decide).
    #[arg(long, requires = "wait")]
    pub show_link: bool,
    /// With --timeout: cancel the pause when giving up, so nobody approves
    /// a step that no longer waits.
    #[arg(long, requires = "timeout")]
    pub cancel_on_timeout: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// `pausegate list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only pauses in this state: pending, approved, rejected, expired, cancelled.
    #[arg(long)]
    pub state: Option<String>,
    /// Only pauses with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// `pausegate approve` and `reject`.
#[derive(Debug, Args)]
pub(crate) struct DecideArgs {
    /// The pause id (pau_…).
    pub id: String,
    /// Why.
    #[arg(long)]
    pub comment: Option<String>,
    /// Who decides, as recorded [default: $USER, or pausegate-cli].
    #[arg(long)]
    pub actor: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Creates a pause, then prints it or waits for it.
pub(crate) async fn pause(args: PauseArgs) -> ExitCode {
    let client = match Client::new(&args.client) {
        Ok(client) => client,
        Err(error) => return fail(&error),
    };
    let mut body = match pause_body(&args) {
        Ok(body) => body,
        Err(error) => return fail(&error),
    };
    // Retries must find the first attempt's pause, never make a second.
    if body.get("idempotency_key").is_none() {
        body["idempotency_key"] = json!(fresh_idempotency_key());
    }
    let created = match create_retrying(&client, &body).await {
        Ok(created) => created,
        Err(error) => return api_failure(error),
    };
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    let review_url = created["review_url"].as_str().map(str::to_owned);
    if args.wait {
        let options = WaitOptions {
            timeout: args.timeout,
            review_url,
            show_link: args.show_link,
            json: args.client.json,
        };
        let code = wait_for_decision(&client, &id, options).await;
        if args.cancel_on_timeout && code == ExitCode::from(exit::TIMED_OUT) {
            match client.cancel(&id).await {
                Ok(_) => eprintln!("gave up waiting: pause {id} cancelled"),
                Err(error) => eprintln!("gave up waiting; cancelling pause {id} failed: {error}"),
            }
        }
        return code;
    }
    if args.client.json {
        print_json(&created);
    } else {
        let expires = match as_pause(&created) {
            Ok(p) => format!(
                "{} ({})",
                readable(p.expires_at),
                relative(p.expires_at, Utc::now())
            ),
            Err(_) => String::new(),
        };
        let rows = [
            ("id", id),
            ("review", review_url.unwrap_or_default()),
            ("expires", expires),
        ];
        println!("{}", aligned(&rows));
    }
    ExitCode::from(exit::APPROVED)
}

/// Creates the pause, riding out a server that is restarting or whose
/// database is briefly out of reach (the same key makes every try one).
async fn create_retrying(client: &Client, body: &Value) -> Result<Value, ClientError> {
    let mut outage = Outage::new(false);
    loop {
        match client.create(body).await {
            Err(ClientError::Unreachable { url, reason }) => match outage.next_retry() {
                Some(nap) => {
                    eprintln!("cannot reach pausegate at {url} ({reason}); retrying");
                    tokio::time::sleep(nap).await;
                }
                None => return Err(ClientError::Unreachable { url, reason }),
            },
            answered => return answered,
        }
    }
}

/// A key no other invocation will use.
fn fresh_idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    format!("cli-{}", hex::encode(bytes))
}

/// `pausegate wait ID`.
pub(crate) async fn wait(args: WaitArgs) -> ExitCode {
    let client = match Client::new(&args.client) {
        Ok(client) => client,
        Err(error) => return fail(&error),
    };
    let options = WaitOptions {
        timeout: args.timeout,
        review_url: None,
        show_link: false,
        json: args.client.json,
    };
    wait_for_decision(&client, &args.id, options).await
}

/// `pausegate status ID`.
pub(crate) async fn status(args: IdArgs) -> ExitCode {
    run(
        &args.client,
        |client| async move { client.get(&args.id).await },
    )
    .await
}

/// `pausegate cancel ID`.
pub(crate) async fn cancel(args: IdArgs) -> ExitCode {
    run(&args.client, |client| async move {
        client.cancel(&args.id).await
    })
    .await
}

/// `pausegate redeliver`.
#[derive(Debug, clap::Args)]
pub(crate) struct RedeliverArgs {
    /// The pause id (pau_…).
    pub id: String,
    /// The failed delivery's id (del_…), as `status --json` shows it.
    pub delivery: String,
    #[command(flatten)]
    pub client: super::ClientArgs,
}

/// `pausegate redeliver ID DELIVERY`.
pub(crate) async fn redeliver(args: RedeliverArgs) -> ExitCode {
    run(&args.client, |client| async move {
        client.redeliver(&args.id, &args.delivery).await
    })
    .await
}

/// `pausegate approve|reject ID`.
pub(crate) async fn decide(args: DecideArgs, verdict: &'static str) -> ExitCode {
    let comment = args.comment.clone();
    let actor = args
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "pausegate-cli".to_owned());
    run(&args.client, |client| async move {
        client
            .decide(&args.id, verdict, &actor, comment.as_deref())
            .await
    })
    .await
}

/// `pausegate list`: every page, newest first.
pub(crate) async fn list(args: ListArgs) -> ExitCode {
    let client = match Client::new(&args.client) {
        Ok(client) => client,
        Err(error) => return fail(&error),
    };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match client
            .list(
                args.state.as_deref(),
                args.tag.as_deref(),
                cursor.as_deref(),
            )
            .await
        {
            Ok(page) => page,
            Err(error) => return api_failure(error),
        };
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    if args.client.json {
        // The API's page shape, with every page read: nothing comes next.
        print_json(&serde_json::json!({"items": items, "next_cursor": null}));
        return ExitCode::from(exit::APPROVED);
    }
    match items.iter().map(as_pause).collect::<Result<Vec<_>, _>>() {
        Ok(pauses) => println!("{}", table(&pauses)),
        Err(error) => return fail(&error),
    }
    ExitCode::from(exit::APPROVED)
}

/// Runs one call and prints the pause it answers with.
async fn run<F, Fut>(args: &ClientArgs, call: F) -> ExitCode
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<Value, ClientError>>,
{
    let client = match Client::new(args) {
        Ok(client) => client,
        Err(error) => return fail(&error),
    };
    match call(client).await {
        Ok(value) if args.json => {
            print_json(&value);
            ExitCode::from(exit::APPROVED)
        }
        Ok(value) => match as_pause(&value) {
            Ok(pause) => {
                println!("{}", describe(&pause, Utc::now()));
                ExitCode::from(exit::APPROVED)
            }
            Err(error) => fail(&error),
        },
        Err(error) => api_failure(error),
    }
}

/// Every failure exits 2: a refused request is a usage error, never a
/// "not approved" that a pipeline could mistake for a decision.
pub(crate) fn api_failure(error: ClientError) -> ExitCode {
    match error {
        ClientError::Api(message)
        | ClientError::Declined(message)
        | ClientError::Refused(message) => fail(&message),
        unreachable @ ClientError::Unreachable { .. } => fail(&format!(
            "{unreachable}; is the server running? (set PAUSEGATE_URL)"
        )),
    }
}
