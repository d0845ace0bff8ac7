//! `pausegate attestation ID`: a settled pause's attestation, the DSSE
//! envelope of its decision (an in-toto statement), printed as one line of
//! JSON for a later step to keep or hand to a verifier. The keys that
//! verify it are published at `/.well-known/pausegate-attestation.pub`.

use std::process::ExitCode;

use super::client::Client;
use super::commands::api_failure;
use super::{IdArgs, exit, fail};

/// Prints the attestation of pause `args.id`; exit 2 when it has none yet
/// (still pending) or the call fails.
pub(crate) async fn run(args: IdArgs) -> ExitCode {
    let client = match Client::new(&args.client) {
        Ok(client) => client,
        Err(error) => return fail(&error),
    };
    match client.attestation(&args.id).await {
        Ok(envelope) => {
            // One line: it goes into a CI output or a file as it is.
            println!("{envelope}");
            ExitCode::from(exit::APPROVED)
        }
        Err(error) => api_failure(error),
    }
}
