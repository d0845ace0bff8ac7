//! The pages people use in a browser: the review page a link opens (and
//! its form), the inbox of a signed-in person with the page where they
//! record that they are away, and sign-in itself. One
//! review-form flow serves the link and the inbox.

mod away;
mod fields_view;
mod form;
mod inbox;
mod local_path;
mod review;
mod sign_in;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;

pub use form::{ReviewForm, parse as parse_review_form};
pub(super) use review::notice;
pub(crate) use review::{decide_token, review_token};
pub(super) use sign_in::SignInState;

/// The review pages, the inbox and sign-in.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{token}", get(review::review).post(review::decide))
        .route("/assets/style.css", get(review::stylesheet))
        .route("/auth/login", get(sign_in::login))
        .route("/auth/callback", get(sign_in::callback))
        .route("/auth/logout", post(sign_in::logout))
        .route("/inbox", get(inbox::list).post(inbox::decide_many))
        .route("/inbox/away", get(away::show).post(away::record))
        .route("/inbox/away/{id}/withdraw", post(away::withdraw))
        .route("/inbox/{id}", get(inbox::show).post(inbox::decide_one))
}
