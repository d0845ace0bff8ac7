//! Sign-in to the pages: `/auth/login` sends the browser to the provider
//! with a fresh state, nonce and PKCE verifier (kept in a short-lived
//! signed cookie), `/auth/callback` checks what comes back and sets the
//! session cookie (`HttpOnly`, `SameSite=Lax`, `Secure` when the public URL
//! is https) and returns to `next` only if it is a path on this site
//! ([`super::local_path`]). `/auth/logout` ends the session on the server
//! too ([`SignedOut`]: a copied cookie stops working on every replica),
//! clears the cookie and goes through the provider's own sign-out when it
//! has one. Every form of a session carries its CSRF token.

use axum::extract::{Query, Request, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::AppState;
use super::local_path::local_path;
use super::review::notice;
use crate::identity::session::{CookieKey, PendingSignIn, Session, pkce_challenge, random_text};
use crate::identity::{Provider, SignInError, SignedOut};

const SESSION: &str = "pausegate_session";
const PENDING: &str = "pausegate_sign_in";
/// Where a sign-in returns without a good `next`.
const DEFAULT_NEXT: &str = "/inbox";
/// How long a browser may take at the provider.
const PENDING_SECONDS: i64 = 600;

/// What sign-in needs: the provider, the cookie key, and whether cookies
/// must be `Secure`.
pub struct SignInState {
    /// The OpenID Connect provider.
    pub provider: Provider,
    /// Signs the cookies.
    pub key: CookieKey,
    /// Cookies only over https.
    pub secure: bool,
    /// The sessions ended by signing out.
    pub signed_out: SignedOut,
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn set_cookie(sign_in: &SignInState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if sign_in.secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).expect("cookie values are base64url")
}

fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

/// The signed-in person, if the request carries a live session: signed
/// by our key, unexpired, and not ended by signing out on any replica.
/// `Err` is the page to answer when the database cannot say.
pub(crate) async fn session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Session>, Box<Response>> {
    let Some(sign_in) = state.sign_in.as_ref() else {
        return Ok(None);
    };
    let Some(session) =
        cookie(headers, SESSION).and_then(|c| sign_in.key.open::<Session>(SESSION, c))
    else {
        return Ok(None);
    };
    match sign_in.signed_out.live(&session, state.pauses.now()).await {
        Ok(live) => Ok(live.then_some(session)),
        Err(error) => {
            tracing::warn!(error = %error, "could not check a session");
            Err(Box::new(unavailable(
                state,
                "The sign-in could not be checked",
            )))
        }
    }
}

fn unavailable(state: &AppState, heading: &str) -> Response {
    let why = "The database is out of reach for now. Please try again in a moment.";
    notice(state, StatusCode::SERVICE_UNAVAILABLE, heading, why)
}

/// Whether a form's `csrf` is this session's.
pub(crate) fn csrf_ok(session: &Session, presented: Option<&str>) -> bool {
    presented.is_some_and(|p| bool::from(p.as_bytes().ct_eq(session.csrf.as_bytes())))
}

fn not_configured(state: &AppState) -> Response {
    notice(
        state,
        StatusCode::NOT_FOUND,
        "Sign-in is not set up",
        "This server has no [sign_in] provider.",
    )
}

fn callback_url(state: &AppState) -> String {
    format!("{}/auth/callback", state.public_url)
}

/// `?next=` of the login.
#[derive(Deserialize)]
pub(crate) struct LoginParams {
    next: Option<String>,
}

/// `GET /auth/login?next=/inbox`: off to the provider.
pub(crate) async fn login(
    State(state): State<AppState>,
    Query(params): Query<LoginParams>,
) -> Response {
    let Some(sign_in) = state.sign_in.clone() else {
        return not_configured(&state);
    };
    // Only a path on this server: never an open redirect.
    let next = params
        .next
        .and_then(|n| local_path(&state.public_url, &n))
        .unwrap_or_else(|| DEFAULT_NEXT.to_owned());
    let pending = PendingSignIn {
        state: random_text(),
        nonce: random_text(),
        verifier: random_text(),
        next,
        expires: state.pauses.now().timestamp() + PENDING_SECONDS,
    };
    let challenge = pkce_challenge(&pending.verifier);
    let url = sign_in
        .provider
        .authorization_url(
            &callback_url(&state),
            &pending.state,
            &pending.nonce,
            &challenge,
        )
        .await;
    match url {
        Ok(url) => {
            let mut response = redirect(&url);
            let sealed = sign_in.key.seal(PENDING, &pending);
            let cookie = set_cookie(&sign_in, PENDING, &sealed, PENDING_SECONDS);
            response.headers_mut().insert(SET_COOKIE, cookie);
            response
        }
        Err(error) => provider_down(&state, &error.to_string()),
    }
}

fn provider_down(state: &AppState, why: &str) -> Response {
    tracing::warn!(error = %why, "sign-in failed");
    notice(state, StatusCode::BAD_GATEWAY, "Sign-in did not work", why)
}

/// What the provider sends back.
#[derive(Deserialize)]
pub(crate) struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/callback`: checks the answer and starts the session.
pub(crate) async fn callback(
    State(state): State<AppState>,
    Query(params): Query<CallbackParams>,
    headers: HeaderMap,
) -> Response {
    let Some(sign_in) = state.sign_in.clone() else {
        return not_configured(&state);
    };
    let now = state.pauses.now().timestamp();
    let pending: Option<PendingSignIn> = cookie(&headers, PENDING)
        .and_then(|c| sign_in.key.open(PENDING, c))
        .filter(|p: &PendingSignIn| p.expires > now);
    let refuse = |why: &str| notice(&state, StatusCode::BAD_REQUEST, "Sign-in did not work", why);
    let Some(pending) = pending else {
        return refuse("The sign-in took too long or started elsewhere. Please try again.");
    };
    if let Some(error) = params.error {
        let detail = params.error_description.unwrap_or_default();
        return refuse(&format!("The provider said: {error} {detail}"));
    }
    if params.state.as_deref() != Some(pending.state.as_str()) {
        return refuse("The answer does not belong to this sign-in. Please try again.");
    }
    if params
        .iss
        .as_deref()
        .is_some_and(|iss| iss.trim_end_matches('/') != sign_in.provider.issuer())
    {
        return refuse("The answer came from another provider.");
    }
    let Some(code) = params.code else {
        return refuse("The provider sent no code.");
    };
    let person = match sign_in
        .provider
        .finish(
            &callback_url(&state),
            &code,
            &pending.verifier,
            &pending.nonce,
        )
        .await
    {
        Ok(person) => person,
        Err(SignInError::Unverified(why)) => {
            tracing::warn!(error = %why, "sign-in refused");
            return notice(&state, StatusCode::FORBIDDEN, "Sign-in did not work", &why);
        }
        Err(error) => return provider_down(&state, &error.to_string()),
    };
    start_session(&state, &sign_in, person, &pending.next, now)
}

/// Sets the new session's cookie and returns to `next`, checked again
/// (a sign-in under way may have begun before `next` was checked).
fn start_session(
    state: &AppState,
    sign_in: &SignInState,
    person: crate::identity::Person,
    next: &str,
    now: i64,
) -> Response {
    let lifetime = sign_in.provider.session_lifetime().num_seconds();
    let session = Session {
        id: random_text(),
        email: person.email,
        groups: person.groups,
        expires: now + lifetime,
        csrf: random_text(),
    };
    tracing::info!(email = %session.email, "signed in");
    let next = local_path(&state.public_url, next);
    let mut response = redirect(next.as_deref().unwrap_or(DEFAULT_NEXT));
    let sealed = sign_in.key.seal(SESSION, &session);
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, set_cookie(sign_in, SESSION, &sealed, lifetime));
    headers.append(SET_COOKIE, set_cookie(sign_in, PENDING, "", 0));
    response
}

/// `POST /auth/logout` (with the session's CSRF token): ends the session.
pub(crate) async fn logout(State(state): State<AppState>, request: Request) -> Response {
    let Some(sign_in) = state.sign_in.clone() else {
        return not_configured(&state);
    };
    let headers = request.headers().clone();
    let form = super::inbox::read_pairs(request).await.unwrap_or_default();
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    if let Err(page) = end_session(&state, &sign_in, &headers, csrf).await {
        return *page;
    }
    let back = format!("{}/", state.public_url);
    let to = sign_in
        .provider
        .end_session_url(&back)
        .await
        .unwrap_or(back);
    let mut response = redirect(&to);
    response
        .headers_mut()
        .insert(SET_COOKIE, set_cookie(&sign_in, SESSION, "", 0));
    response
}

/// Ends the request's live session, if it has one, for every replica:
/// only with its CSRF token, so another site cannot sign anyone out.
async fn end_session(
    state: &AppState,
    sign_in: &SignInState,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<(), Box<Response>> {
    let Some(session) = session(state, headers).await? else {
        return Ok(());
    };
    if !csrf_ok(&session, csrf) {
        let why = "The form is stale; open the page again.";
        return Err(Box::new(notice(
            state,
            StatusCode::FORBIDDEN,
            "Not signed out",
            why,
        )));
    }
    if let Err(error) = sign_in.signed_out.end(&session, state.pauses.now()).await {
        tracing::warn!(error = %error, "could not end a session");
        return Err(Box::new(unavailable(state, "Not signed out")));
    }
    Ok(())
}
