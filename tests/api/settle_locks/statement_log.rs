//! The PostgreSQL server's statement log, read by a test: every statement
//! the sessions of one test database run (`log_statement = 'all'` is set on
//! that database alone, for sessions opened afterwards), with the backend
//! that ran it, in order. The log is the file `pg_current_logfile()` names
//! or, where the server writes to its standard error without a logging
//! collector (Debian's clusters), the file that standard error is, which
//! every backend inherits (`/proc/PID/fd/2`). Lines are read by the
//! `log_line_prefix`'s `[%p]` and `@%d` (Debian's default
//! `%m [%p] %q%u@%d `); see
//! <https://www.postgresql.org/docs/15/runtime-config-logging.html>.

use std::path::{Path, PathBuf};

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::pg::PgDatabase;

/// One logged statement and the backend that ran it.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub pid: u32,
    pub text: String,
}

impl Statement {
    /// True if the statement's text holds `word`, in any case.
    pub(crate) fn mentions(&self, word: &str) -> bool {
        self.text.to_lowercase().contains(&word.to_lowercase())
    }

    /// True if it sends a notification, as a command or a function (the
    /// word alone could be the `notify` column).
    pub(crate) fn notifies(&self) -> bool {
        self.mentions("pg_notify(") || self.starts_with("NOTIFY")
    }

    /// True if it starts listening on a channel.
    pub(crate) fn listens(&self) -> bool {
        self.starts_with("LISTEN")
    }

    fn starts_with(&self, command: &str) -> bool {
        self.text.trim_start().to_uppercase().starts_with(command)
    }
}

/// A test database's statements in the server's log, from a mark on.
pub(crate) struct StatementLog {
    path: PathBuf,
    from: u64,
    database: String,
}

impl StatementLog {
    /// Logs every statement of sessions opened on `database` from now on,
    /// and marks the log's end.
    pub(crate) async fn switch_on(database: &PgDatabase) -> Self {
        let name = database.url.rsplit('/').next().unwrap().to_owned();
        let mut conn = PgConnection::connect(&database.url).await.unwrap();
        let sql = format!("ALTER DATABASE {name} SET log_statement = 'all'");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .unwrap();
        let prefix: String = sqlx::query_scalar("SHOW log_line_prefix")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert!(
            prefix.contains("%p") && prefix.contains("%d"),
            "reading the log needs the backend's pid and the database in \
             log_line_prefix, which is {prefix:?}"
        );
        let path = log_file(&mut conn).await;
        let mut log = Self {
            path,
            from: 0,
            database: name,
        };
        log.mark();
        log
    }

    /// Reads only what is logged after now.
    pub(crate) fn mark(&mut self) {
        self.from = std::fs::metadata(&self.path)
            .unwrap_or_else(|e| panic!("the log {} cannot be read: {e}", self.path.display()))
            .len();
    }

    /// This database's statements logged since the mark, in order.
    pub(crate) fn statements(&self) -> Vec<Statement> {
        let bytes = std::fs::read(&self.path).unwrap();
        let since = bytes.get(self.from as usize..).unwrap_or_default();
        parse(&String::from_utf8_lossy(since), &self.database)
    }
}

/// Where the server writes its log.
async fn log_file(conn: &mut PgConnection) -> PathBuf {
    let current: Option<String> = sqlx::query_scalar("SELECT pg_current_logfile()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    if let Some(file) = current {
        let data: String = sqlx::query_scalar("SHOW data_directory")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        return Path::new(&data).join(file);
    }
    // No logging collector: the log is the backends' standard error.
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let path = std::fs::read_link(format!("/proc/{pid}/fd/2"))
        .unwrap_or_else(|e| panic!("PostgreSQL's log must be readable for this test: {e}"));
    assert!(
        path.is_file(),
        "PostgreSQL logs to {}, not a file",
        path.display()
    );
    path
}

/// The statements of `database` in `text`: `statement: …` (simple query)
/// and `execute NAME: …` (extended protocol) messages, with the lines a
/// multi-line statement continues on (they start with a tab).
fn parse(text: &str, database: &str) -> Vec<Statement> {
    let tag = format!("@{database} ");
    let mut found: Vec<Statement> = Vec::new();
    let mut continuing = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('\t') {
            if continuing && let Some(last) = found.last_mut() {
                last.text.push('\n');
                last.text.push_str(rest);
            }
            continue;
        }
        continuing = false;
        if !line.contains(&tag) {
            continue;
        }
        if let (Some(pid), Some(text)) = (pid_of(line), statement_of(line)) {
            found.push(Statement {
                pid,
                text: text.to_owned(),
            });
            continuing = true;
        }
    }
    found
}

/// The `[PID]` of a log line.
fn pid_of(line: &str) -> Option<u32> {
    let (_, rest) = line.split_once(" [")?;
    rest.split_once(']')?.0.parse().ok()
}

/// The statement a `LOG:` line reports, if it reports one.
fn statement_of(line: &str) -> Option<&str> {
    let (_, message) = line.split_once("LOG:  ")?;
    if let Some(statement) = message.strip_prefix("statement: ") {
        return Some(statement);
    }
    Some(message.strip_prefix("execute ")?.split_once(": ")?.1)
}

/// The statements run inside transactions, one list per transaction (from
/// `BEGIN` to `COMMIT` or `ROLLBACK` on one backend, both left out), and
/// those run outside any. A message of several commands (group commit
/// sends `BEGIN; SAVEPOINT g`, `ROLLBACK TO SAVEPOINT g; COMMIT`) counts
/// by its first and last; `ROLLBACK TO` a savepoint ends nothing.
pub(crate) fn by_transaction(statements: &[Statement]) -> (Vec<Vec<Statement>>, Vec<Statement>) {
    let mut open: std::collections::HashMap<u32, Vec<Statement>> = Default::default();
    let (mut transactions, mut outside) = (Vec::new(), Vec::new());
    for statement in statements {
        let word = statement.text.trim().to_uppercase();
        let last = word
            .trim_end_matches(';')
            .rsplit(';')
            .next()
            .unwrap_or("")
            .trim();
        if word.starts_with("BEGIN") || word.starts_with("START TRANSACTION") {
            open.insert(statement.pid, Vec::new());
        } else if last.starts_with("COMMIT")
            || (last.starts_with("ROLLBACK") && !last.starts_with("ROLLBACK TO"))
        {
            transactions.extend(open.remove(&statement.pid));
        } else if let Some(transaction) = open.get_mut(&statement.pid) {
            transaction.push(statement.clone());
        } else {
            outside.push(statement.clone());
        }
    }
    // Still open when the log was read: inside all the same.
    transactions.extend(open.into_values());
    (transactions, outside)
}

#[test]
fn both_kinds_of_log_line_are_read_and_transactions_split_by_backend() {
    let log = "\
2026-12-02 11:01:15.094 UTC [10] postgres@db_a LOG:  statement: BEGIN
2026-12-02 11:01:15.095 UTC [11] postgres@db_a LOG:  execute sqlx_s_1: SELECT pg_notify('c', '')
2026-12-02 11:01:15.096 UTC [10] postgres@db_a LOG:  execute <unnamed>: UPDATE pauses
\tSET state = $1
2026-12-02 11:01:15.096 UTC [10] postgres@db_a DETAIL:  parameters: $1 = 'approved'
2026-12-02 11:01:15.097 UTC [12] postgres@db_b LOG:  statement: SELECT 1
2026-12-02 11:01:15.098 UTC [10] postgres@db_a LOG:  statement: COMMIT
";
    let statements = parse(log, "db_a");
    assert_eq!(statements.len(), 4, "{statements:?}");
    let (transactions, outside) = by_transaction(&statements);
    assert_eq!(transactions.len(), 1);
    assert_eq!(transactions[0][0].text, "UPDATE pauses\nSET state = $1");
    assert_eq!(outside.len(), 1);
    assert!(outside[0].notifies() && outside[0].pid == 11);
    assert!(!transactions[0][0].notifies() && !transactions[0][0].listens());
}

#[test]
fn a_group_commits_savepoints_neither_open_nor_end_its_transaction() {
    let log = "\
2026-12-02 11:01:15.094 UTC [10] postgres@db_a LOG:  statement: BEGIN; SAVEPOINT g
2026-12-02 11:01:15.095 UTC [10] postgres@db_a LOG:  execute sqlx_s_1: UPDATE pauses SET state = $1
2026-12-02 11:01:15.096 UTC [10] postgres@db_a LOG:  statement: ROLLBACK TO SAVEPOINT g
2026-12-02 11:01:15.096 UTC [10] postgres@db_a LOG:  execute sqlx_s_1: UPDATE pauses SET state = $1
2026-12-02 11:01:15.097 UTC [10] postgres@db_a LOG:  statement: RELEASE SAVEPOINT g; SAVEPOINT g
2026-12-02 11:01:15.098 UTC [10] postgres@db_a LOG:  execute sqlx_s_1: UPDATE pauses SET state = $1
2026-12-02 11:01:15.099 UTC [10] postgres@db_a LOG:  statement: ROLLBACK TO SAVEPOINT g; COMMIT
2026-12-02 11:01:15.100 UTC [10] postgres@db_a LOG:  statement: SELECT 1
";
    let (transactions, outside) = by_transaction(&parse(log, "db_a"));
    assert_eq!(transactions.len(), 1, "{transactions:?}");
    let updates = transactions[0]
        .iter()
        .filter(|s| s.mentions("UPDATE"))
        .count();
    assert_eq!(updates, 3);
    assert_eq!(outside.len(), 1);
}
