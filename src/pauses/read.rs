//! Reading pauses: by id, by the token a link carries, and as pages of a
//! list. Every read first settles a pause whose expiry has passed.

use super::{DEFAULT_PAGE, MAX_PAGE};
use super::{Listing, PauseError, Pauses, Review, cursor};
use crate::domain::{Pause, PauseId, PauseState, Tag, Token, ValidationError};
use crate::store::ListQuery;

impl Pauses {
    /// The pause with this id.
    pub async fn get(&self, id: &PauseId) -> Result<Pause, PauseError> {
        let pause = self.store.pause(id).await?.ok_or(PauseError::NotFound)?;
        self.settle_if_due(pause).await
    }

    /// What a token opens. A pause that expired undecided answers
    /// `Expired`; one decided (by a person or by `on_expire`) shows its outcome.
    pub async fn review(&self, token: &str) -> Result<Review, PauseError> {
        let token = Token::parse(token).ok_or(PauseError::NotFound)?;
        let (record, pause) = self
            .store
            .token(&token.hash())
            .await?
            .ok_or(PauseError::NotFound)?;
        let pause = self.settle_if_due(pause).await?;
        if pause.state == PauseState::Expired {
            return Err(PauseError::Expired(Box::new(pause)));
        }
        Ok(Review {
            pause,
            token: record,
        })
    }

    /// A page of pauses, newest first, optionally in one state.
    pub async fn list(
        &self,
        state: Option<&str>,
        limit: Option<u32>,
        cursor: Option<&str>,
        tag: Option<&str>,
    ) -> Result<Listing, PauseError> {
        let tag = tag
            .map(|tag| Tag::parse("tag", tag).map(Tag::into_string))
            .transpose()?;
        let state = state
            .map(|text| {
                PauseState::parse(text).ok_or_else(|| {
                    ValidationError::new(
                        "state",
                        format!(
                            "state must be pending, approved, rejected, expired or cancelled, got {text:?}"
                        ),
                    )
                })
            })
            .transpose()?;
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            let message = format!("limit must be between 1 and {MAX_PAGE}, got {limit}");
            return Err(ValidationError::new("limit", message).into());
        }
        // `?cursor=` with nothing after it is the first page, as with no cursor.
        let after = cursor
            .filter(|text| !text.is_empty())
            .map(cursor::decode)
            .transpose()?;
        let page = self
            .store
            .list_pauses(&ListQuery {
                state,
                tag,
                limit,
                after,
            })
            .await?;
        // Settle only what this page shows past its expiry; the sweep
        // handles the rest in the background.
        let mut items = Vec::with_capacity(page.items.len());
        for pause in page.items {
            items.push(self.settle_if_due(pause).await?);
        }
        Ok(Listing {
            items,
            next_cursor: page.next.as_ref().map(cursor::encode),
        })
    }
}
