//! `[aws.NAME]`: an AWS account pausegate answers Step Functions with:
//! region, the variables holding its credentials (secrets never sit in the
//! file) and, for tests and private endpoints, the endpoint to call.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::{Env, Secret, parse_url};

/// `[aws.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AwsFile {
    /// `eu-west-1`.
    pub region: String,
    /// Names the variable holding the access key id.
    pub access_key_id_env: String,
    /// Names the variable holding the secret access key.
    pub secret_access_key_env: String,
    /// Names the variable holding a session token, for temporary credentials.
    pub session_token_env: Option<String>,
    /// Overrides `https://states.{region}.amazonaws.com/`.
    pub endpoint: Option<String>,
}

/// A resolved AWS account.
#[derive(Debug, Clone)]
pub(crate) struct AwsAccount {
    /// Region requests are signed for.
    pub region: String,
    /// Access key id.
    pub access_key_id: Secret,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Session token of temporary credentials.
    pub session_token: Option<Secret>,
    /// Where Step Functions is called.
    pub states_endpoint: String,
}

/// Resolves every `[aws.NAME]`, reading the secrets they name.
pub(crate) fn resolve_aws(
    files: BTreeMap<String, AwsFile>,
    env: &Env,
) -> Result<BTreeMap<String, AwsAccount>, String> {
    files
        .into_iter()
        .map(|(name, file)| {
            let key = |k: &str| format!("aws.{name}.{k}");
            let region_ok = !file.region.is_empty()
                && file
                    .region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !region_ok {
                return Err(format!(
                    "{}: {:?} is not a region like eu-west-1",
                    key("region"),
                    file.region
                ));
            }
            let states_endpoint = match file.endpoint {
                Some(url) => {
                    parse_url(&key("endpoint"), &url)?;
                    url
                }
                None => format!("https://states.{}.amazonaws.com/", file.region),
            };
            let account = AwsAccount {
                access_key_id: env.secret(&key("access_key_id_env"), &file.access_key_id_env)?,
                secret_access_key: env
                    .secret(&key("secret_access_key_env"), &file.secret_access_key_env)?,
                session_token: file
                    .session_token_env
                    .map(|var| env.secret(&key("session_token_env"), &var))
                    .transpose()?,
                region: file.region,
                states_endpoint,
            };
            Ok((name, account))
        })
        .collect()
}
