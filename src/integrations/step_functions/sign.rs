//! Sending `SendTaskSuccess` or `SendTaskFailure`
//! over the JSON 1.0 protocol the API reference documents (`POST /`,
//! `X-Amz-Target: AWSStepFunctions.<Operation>`, `Content-Type:
//! application/x-amz-json-1.0`), signed with Signature Version 4 for the
//! service `states` by the `aws-sigv4` crate, at the time of the injected
//! clock. The endpoint is the account's (`https://states.{region}.amazonaws.com/`
//! unless `[aws.NAME] endpoint` says otherwise), never the caller's.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

use serde_json::Value;

use super::accounts::AwsAccount;
use crate::clock::Clock;
use crate::domain::DeliveryId;
use crate::outbox::{SendError, Sent, check, transport};

const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Calls `operation` with `body` through `account`.
pub(crate) async fn send(
    client: &reqwest::Client,
    clock: &dyn Clock,
    account: &AwsAccount,
    (operation, body): (&str, Value),
    delivery_id: &DeliveryId,
) -> Result<Sent, SendError> {
    let body = body.to_string();
    let target = format!("AWSStepFunctions.{operation}");
    let headers = [
        ("content-type", CONTENT_TYPE),
        ("x-amz-target", target.as_str()),
    ];
    let signed = signed_headers(account, clock, &headers, body.as_bytes())?;
    let what = format!("Step Functions {operation}");
    let mut request = client
        .post(&account.states_endpoint)
        .header("Pausegate-Delivery", delivery_id.as_str());
    for (name, value) in headers
        .iter()
        .map(|(n, v)| (*n, v.to_string()))
        .chain(signed)
    {
        request = request.header(name, value);
    }
    let response = request
        .body(body)
        .send()
        .await
        .map_err(|e| transport(&what, e))?;
    check(&what, response).await?;
    Ok(Sent::default())
}

/// The headers SigV4 adds (`authorization`, `x-amz-date`, and
/// `x-amz-security-token` for temporary credentials).
fn signed_headers(
    account: &AwsAccount,
    clock: &dyn Clock,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, SendError> {
    let fatal = |e: &dyn std::fmt::Display| SendError::Fatal {
        message: format!("cannot sign the Step Functions request: {e}"),
    };
    let identity = Credentials::new(
        account.access_key_id.expose(),
        account.secret_access_key.expose(),
        account
            .session_token
            .as_ref()
            .map(|t| t.expose().to_owned()),
        None,
        "pausegate-config",
    )
    .into();
    let time: SystemTime = clock.now().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&account.region)
        .name("states")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| fatal(&e))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        &account.states_endpoint,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| fatal(&e))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| fatal(&e))?.into_parts();
    let (added, _) = instructions.into_parts();
    Ok(added
        .into_iter()
        .map(|header| (header.name(), header.value().to_owned()))
        .collect())
}
