//! Ending sign-in sessions on the server. A session is a signed cookie
//! ([`super::session`]), which the browser forgets at sign-out but a copy
//! of would not: so signing out also records the session's id in the
//! store, which every replica sharing the database asks before trusting
//! a session. The record is kept only until the session would have
//! expired anyway.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::session::Session;
use crate::store::{Store, StoreError};

/// The sessions ended by signing out, as the store keeps them.
pub struct SignedOut {
    store: Arc<dyn Store>,
}

impl SignedOut {
    /// Sessions ended in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Ends `session` for every replica, as of `now`.
    pub async fn end(&self, session: &Session, now: DateTime<Utc>) -> Result<(), StoreError> {
        let expires_at = DateTime::from_timestamp(session.expires, 0).unwrap_or(now);
        self.store.end_session(&session.id, expires_at, now).await
    }

    /// Whether `session` may still be used at `now`: not expired, and not
    /// ended by signing out.
    pub async fn live(&self, session: &Session, now: DateTime<Utc>) -> Result<bool, StoreError> {
        if session.expires <= now.timestamp() {
            return Ok(false);
        }
        Ok(!self.store.session_ended(&session.id).await?)
    }
}
