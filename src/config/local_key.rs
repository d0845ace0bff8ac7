//! The first run's API key. `pausegate serve` on its embedded defaults
//! (loopback, a SQLite file) with no key configured would otherwise start
//! a server that refuses every call, which helps nobody trying it out. So
//! when, and only when, nothing else can reach the server (a loopback
//! address, not an Azure Functions handler, whose loopback port the host
//! exposes) and no caller of any kind is configured, a random key is made,
//! stored beside the database with owner-only permissions and reused on the
//! next start. A server on any other address keeps refusing until an
//! operator sets a key: a key nobody chose must never guard a network.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Secret, Settings};

/// Random bytes in a generated key (256 bits).
const KEY_BYTES: usize = 32;

/// Shortest stored key accepted on reuse: a generated one is 43 characters.
const MIN_STORED_LEN: usize = 32;

/// What happened to the first run's key at this start.
#[derive(Debug)]
pub enum LocalKey {
    /// A key was made and stored in `path`; show it this once.
    Generated {
        /// The key file.
        path: PathBuf,
        /// The new key.
        key: Secret,
    },
    /// The key stored in `path` on an earlier start is in use.
    Reused {
        /// The key file.
        path: PathBuf,
    },
}

/// Gives `settings` the first run's key when it qualifies (see the module
/// doc), creating or reading the key file; `None` leaves them as they are.
pub fn provide_local_key(settings: &mut Settings) -> Result<Option<LocalKey>, String> {
    let Some(path) = key_file(settings) else {
        return Ok(None);
    };
    let outcome = if path.exists() {
        settings.api_key = Some(read(&path)?);
        LocalKey::Reused { path }
    } else {
        let key = generate();
        write(&path, &key)?;
        settings.api_key = Some(key.clone());
        LocalKey::Generated { path, key }
    };
    Ok(Some(outcome))
}

/// The key file for these settings, or `None` when they do not qualify.
fn key_file(settings: &Settings) -> Option<PathBuf> {
    let unconfigured = settings.api_key.is_none()
        && settings.named_keys.is_empty()
        && settings.oidc_callers.is_empty();
    let private = settings.listen.ip().is_loopback() && !settings.azure_functions;
    if !(unconfigured && private) {
        return None;
    }
    sqlite_file(&settings.database_url).map(|database| {
        let mut name = database.as_os_str().to_owned();
        name.push(".api-key");
        PathBuf::from(name)
    })
}

/// The file a `sqlite:` URL names, as the store reads it; `None` for other
/// databases (several processes share those: one key per working folder
/// would not do) and for in-memory SQLite.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    let memory = path.is_empty() || path == ":memory:" || url.contains("mode=memory");
    (!memory).then(|| PathBuf::from(path))
}

fn generate() -> Secret {
    let mut bytes = [0u8; KEY_BYTES];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    Secret::new(URL_SAFE_NO_PAD.encode(bytes))
}

/// Creates `path` readable and writable by its owner only; never replaces
/// an existing file (another process may have just made it).
fn write(path: &Path, key: &Secret) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create the API key file {}: {e}", path.display()))?;
    writeln!(file, "{}", key.expose())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write the API key file {}: {e}", path.display()))
}

/// The stored key, refused when others may read the file or it holds
/// something too short to be a key.
fn read(path: &Path) -> Result<Secret, String> {
    let shown = path.display();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("cannot read the API key file {shown}: {e}"))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "the API key file {shown} may be read by others (mode {:o}); \
                 run `chmod 600 {shown}`, or delete it to make a new key",
                mode & 0o777
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the API key file {shown}: {e}"))?;
    let key = text.trim();
    if key.len() < MIN_STORED_LEN {
        return Err(format!(
            "the API key file {shown} holds no usable key (at least {MIN_STORED_LEN} \
             characters); delete it to make a new one"
        ));
    }
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Env, ServeArgs};

    fn settings(listen: &str, database: &str) -> Settings {
        let args = ServeArgs {
            listen: Some(listen.to_owned()),
            database_url: Some(database.to_owned()),
            ..ServeArgs::default()
        };
        Settings::from_text(args, "", &Env::from_pairs([])).unwrap()
    }

    #[test]
    fn only_a_keyless_loopback_server_on_a_sqlite_file_gets_a_key_file() {
        let local = settings("127.0.0.1:8080", "sqlite://pausegate.db");
        assert_eq!(
            key_file(&local),
            Some(PathBuf::from("pausegate.db.api-key"))
        );
        let absolute = settings("[::1]:8080", "sqlite:///var/lib/p/state.db?mode=rwc");
        assert_eq!(
            key_file(&absolute),
            Some(PathBuf::from("/var/lib/p/state.db.api-key"))
        );
        for (listen, database) in [
            ("0.0.0.0:8080", "sqlite://pausegate.db"),
            ("192.0.2.1:8080", "sqlite://pausegate.db"),
            ("127.0.0.1:8080", "postgres://u@127.0.0.1/p"),
            ("127.0.0.1:8080", "sqlite::memory:"),
        ] {
            assert_eq!(
                key_file(&settings(listen, database)),
                None,
                "{listen} {database}"
            );
        }
        let mut keyed = settings("127.0.0.1:8080", "sqlite://pausegate.db");
        keyed.api_key = Some(Secret::new("given-key-0123456789"));
        assert_eq!(key_file(&keyed), None);
        let mut functions = settings("127.0.0.1:8080", "sqlite://pausegate.db");
        functions.azure_functions = true;
        assert_eq!(key_file(&functions), None);
    }
}
