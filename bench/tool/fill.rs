//! Filler straight into a database, for the scale and delivery figures:
//! pending pauses (with token hashes, optionally real tokens written to a
//! file), or approved pauses each with a trigger waiting in the outbox.
//! Seconds for a million rows, where the API would take minutes. Rows are
//! named `pau_<prefix>…` so several fills can share a database.

use std::fmt::Write as _;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pausegate::clock::Mint;
use pausegate::domain::Token;
use serde_json::json;
use sqlx::Connection;

/// `fill`: insert rows directly.
#[derive(clap::Args)]
pub(crate) struct FillArgs {
    #[arg(long)]
    database_url: String,
    /// Pending pauses to insert.
    #[arg(long, default_value_t = 0)]
    pending: i64,
    /// Milliseconds from now until the pending pauses expire.
    #[arg(long, default_value_t = 30 * 86_400_000)]
    expires_in_ms: i64,
    /// Approved pauses, each with a pending trigger of `target`.
    #[arg(long, default_value_t = 0)]
    approved: i64,
    #[arg(long, default_value = "hook")]
    target: String,
    /// Pending pauses start `target` when approved.
    #[arg(long)]
    with_target: bool,
    /// Distinguishes the rows of one fill from another's.
    #[arg(long, default_value = "fill")]
    prefix: String,
    /// Mint a real token for each pending pause and write "id token"
    /// lines here (otherwise their token hashes are random bytes).
    #[arg(long)]
    tokens_out: Option<PathBuf>,
}

/// `$1` count, `$2` prefix, `$3` first created_at (ms), `$4` expires_at,
/// `$5` now, `$6` target, `$7` the pending pauses' target (or NULL).
struct Statements {
    pending: &'static str,
    random_tokens: &'static str,
    approved: &'static str,
}

const SQLITE: Statements = Statements {
    pending: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
        INSERT INTO pauses (id, state, title, description, data, target, on_expire, notify,
                            created_at, expires_at)
        SELECT printf('pau_%s%016d', $2, i), 'pending', 'filler', '', '{\"rows\": 1}', $7,
               'expire', '{\"email\":[],\"channels\":[]}', $3 + i, $4 FROM n WHERE $1 > 0",
    random_tokens: "INSERT INTO tokens (hash, pause_id, kind, created_at)
        SELECT randomblob(32), id, 'creator', created_at FROM pauses
        WHERE id >= 'pau_' || $2 AND id < 'pau_' || $2 || '~' AND state = 'pending'",
    approved: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
        INSERT INTO pauses (id, state, title, description, data, target, on_expire, notify,
                            created_at, expires_at, decided_at)
        SELECT printf('pau_%sa%015d', $2, i), 'approved', 'filler', '', '{\"rows\": 1}', $6,
               'expire', '{\"email\":[],\"channels\":[]}', $3 + i, $4, $5 FROM n WHERE $1 > 0",
};

const POSTGRES: Statements = Statements {
    pending: "INSERT INTO pauses (id, state, title, description, data, target, on_expire, notify,
                            created_at, expires_at)
        SELECT 'pau_' || $2 || lpad(i::text, 16, '0'), 'pending', 'filler', '',
               '{\"rows\": 1}', $7, 'expire', '{\"email\":[],\"channels\":[]}', $3 + i, $4
        FROM generate_series(1, $1) AS i",
    random_tokens: "INSERT INTO tokens (hash, pause_id, kind, created_at)
        SELECT decode(md5(id) || md5(id || 'x'), 'hex'), id, 'creator', created_at FROM pauses
        WHERE id >= 'pau_' || $2 AND id < 'pau_' || $2 || '~' AND state = 'pending'",
    approved: "INSERT INTO pauses (id, state, title, description, data, target, on_expire,
                            notify, created_at, expires_at, decided_at)
        SELECT 'pau_' || $2 || 'a' || lpad(i::text, 15, '0'), 'approved', 'filler', '',
               '{\"rows\": 1}', $6, 'expire', '{\"email\":[],\"channels\":[]}', $3 + i, $4, $5
        FROM generate_series(1, $1) AS i",
};

/// The trigger deliveries of the approved filler (same SQL on both).
const TRIGGERS: &str = "INSERT INTO deliveries (id, pause_id, kind, destination, event, state,
        next_attempt_at, created_at, updated_at)
    SELECT 'del_' || substr(id, 5), id, 'trigger', $6, 'pause.approved', 'pending', $5, $5, $5
    FROM pauses WHERE id >= 'pau_' || $2 || 'a' AND id < 'pau_' || $2 || 'a~'";

/// The values of `$1`…`$7` for one statement.
#[derive(Clone)]
enum Value {
    Int(i64),
    Text(Option<String>),
}

pub(crate) async fn fill(args: FillArgs) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    // Filler is older than anything the benchmark creates through the API.
    let first = now - 10 * 86_400_000;
    let values = |count: i64| {
        vec![
            Value::Int(count),
            Value::Text(Some(args.prefix.clone())),
            Value::Int(first),
            Value::Int(now + args.expires_in_ms),
            Value::Int(now),
            Value::Text(Some(args.target.clone())),
            Value::Text(args.with_target.then(|| args.target.clone())),
        ]
    };
    let mut steps = vec![(STATEMENT_PENDING, values(args.pending))];
    let tokens = minted(&args);
    if tokens.is_empty() {
        steps.push((STATEMENT_RANDOM_TOKENS, values(args.pending)));
    }
    steps.push((STATEMENT_APPROVED, values(args.approved)));
    steps.push((STATEMENT_TRIGGERS, values(args.approved)));
    for chunk in tokens.chunks(500) {
        steps.push(token_insert(chunk, now));
    }
    if args.database_url.starts_with("sqlite:") {
        run_sqlite(&args.database_url, &steps)?;
    } else {
        run_postgres(&args.database_url, &steps).await?;
    }
    if let Some(path) = &args.tokens_out {
        let lines: String = tokens.iter().fold(String::new(), |mut out, (id, token)| {
            let _ = writeln!(out, "{id} {}", token.expose());
            out
        });
        std::fs::write(path, lines)?;
    }
    // The middle of the pending filler, as a list cursor: a deep page.
    let middle = args.pending / 2 + 1;
    let id = format!("pau_{}{middle:016}", args.prefix);
    let cursor = URL_SAFE_NO_PAD.encode(format!("{}:{id}", first + middle));
    println!(
        "{}",
        json!({"filled": args.pending + args.approved, "deep_cursor": cursor})
    );
    Ok(())
}

const STATEMENT_PENDING: usize = 0;
const STATEMENT_RANDOM_TOKENS: usize = 1;
const STATEMENT_APPROVED: usize = 2;
const STATEMENT_TRIGGERS: usize = 3;

/// A real token for each pending pause, when asked for.
fn minted(args: &FillArgs) -> Vec<(String, Token)> {
    if args.tokens_out.is_none() {
        return Vec::new();
    }
    let mint = Mint::system();
    (1..=args.pending)
        .map(|i| (format!("pau_{}{i:016}", args.prefix), mint.token()))
        .collect()
}

/// A multi-row insert of token hashes, as a statement with its own values
/// (a statement index past the fixed ones marks it).
fn token_insert(chunk: &[(String, Token)], now: i64) -> (usize, Vec<Value>) {
    let mut values = Vec::with_capacity(chunk.len() * 2);
    for (id, token) in chunk {
        values.push(Value::Text(Some(id.clone())));
        values.push(Value::Text(Some(hex::encode(token.hash().as_bytes()))));
    }
    values.push(Value::Int(now));
    (usize::MAX, values)
}

fn sql_for(statements: &Statements, step: usize, values: &[Value], blob: &str) -> String {
    match step {
        STATEMENT_PENDING => statements.pending.to_owned(),
        STATEMENT_RANDOM_TOKENS => statements.random_tokens.to_owned(),
        STATEMENT_APPROVED => statements.approved.to_owned(),
        STATEMENT_TRIGGERS => TRIGGERS.to_owned(),
        _ => {
            let rows = (values.len() - 1) / 2;
            let last = values.len();
            let tuples: Vec<String> = (0..rows)
                .map(|r| {
                    let (id, hash) = (2 * r + 1, 2 * r + 2);
                    format!(
                        "(${id}, {}, 'creator', ${last})",
                        blob.replace('N', &hash.to_string())
                    )
                })
                .collect();
            format!(
                "INSERT INTO tokens (pause_id, hash, kind, created_at) VALUES {}",
                tuples.join(", ")
            )
        }
    }
}

fn run_sqlite(url: &str, steps: &[(usize, Vec<Value>)]) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(url.trim_start_matches("sqlite://"))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let tx = conn.unchecked_transaction()?;
    for (step, values) in steps {
        let sql = sql_for(&SQLITE, *step, values, "unhex($N)");
        let mut statement = tx.prepare(&sql)?;
        for index in 1..=statement.parameter_count() {
            let name = statement.parameter_name(index).unwrap_or_default();
            let number: usize = name.trim_start_matches('$').parse()?;
            let value: rusqlite::types::Value = match &values[number - 1] {
                Value::Int(n) => (*n).into(),
                Value::Text(t) => t.clone().into(),
            };
            statement.raw_bind_parameter(index, value)?;
        }
        statement.raw_execute()?;
    }
    tx.commit()?;
    conn.execute_batch(FILLED_TABLES)?;
    Ok(())
}

async fn run_postgres(url: &str, steps: &[(usize, Vec<Value>)]) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    for (step, values) in steps {
        let sql = sql_for(&POSTGRES, *step, values, "decode($N, 'hex')");
        // PostgreSQL wants $1…$k, each bound: number what is used, bind that.
        let used: Vec<usize> = (1..=values.len()).filter(|n| mentions(&sql, *n)).collect();
        // Marked first so a new number is never mistaken for an old one.
        let mut renumbered = sql.clone();
        for (new, old) in used.iter().enumerate() {
            renumbered = replace_placeholder(&renumbered, *old, &format!("\u{1}{}\u{2}", new + 1));
        }
        let renumbered = renumbered.replace('\u{1}', "$").replace('\u{2}', "");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(renumbered));
        for old in &used {
            query = match &values[old - 1] {
                Value::Int(n) => query.bind(*n),
                Value::Text(t) => query.bind(t.clone()),
            };
        }
        query.execute(&mut conn).await?;
    }
    // Only the tables filled (as on SQLite): analysing the empty ones (decisions,
    // receipts) would record them as empty, and the server's prepared
    // statements would then scan them whole for the rest of the run, as no
    // long-running database ever would.
    sqlx::query("ANALYZE pauses, tokens, deliveries")
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Gathers statistics on the tables a fill writes, and no others (SQLite
/// analyses one at a time).
const FILLED_TABLES: &str = "ANALYZE pauses; ANALYZE tokens; ANALYZE deliveries";

/// Replaces each `$number` (not the start of a longer number) with `with`.
fn replace_placeholder(sql: &str, number: usize, with: &str) -> String {
    let needle = format!("${number}");
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(&needle) {
        let after = &rest[at + needle.len()..];
        out.push_str(&rest[..at]);
        if after.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            out.push_str(&needle);
        } else {
            out.push_str(with);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// True if `$number` appears in `sql` (not as the start of a longer number).
fn mentions(sql: &str, number: usize) -> bool {
    let needle = format!("${number}");
    sql.match_indices(&needle).any(|(at, _)| {
        !sql[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}
