//! The statements on the hot paths (every request, every background tick),
//! with sample arguments, so a test can ask each backend for its query
//! plan and check that each is an index range whatever the size of the
//! tables.

use chrono::{DateTime, Utc};

use super::rows::to_millis;
use super::{Args, Dialect, args, claim, outbox, pauses, settle};
use crate::domain::{ID_RANDOM_BYTES, PauseId, PauseState};
use crate::store::{Cursor, ListQuery};

/// A named statement and arguments to plan it with.
pub struct HotQuery {
    /// What it is for.
    pub name: &'static str,
    /// Its SQL in the dialect.
    pub sql: String,
    /// Sample values for its placeholders.
    pub args: Args,
}

/// Every hot statement, planned with plausible values.
pub fn hot_queries(dialect: &Dialect, now: DateTime<Utc>) -> Vec<HotQuery> {
    let at = to_millis(now);
    let id = PauseId::from_parts(u64::try_from(at).unwrap_or(0), &[7; ID_RANDOM_BYTES]);
    let cursor = Cursor {
        created_at: now,
        id: id.clone(),
    };
    let page = |state: Option<PauseState>, after: Option<Cursor>| ListQuery {
        state,
        tag: None,
        limit: 50,
        after,
    };
    let tagged = |after: Option<Cursor>| ListQuery {
        tag: Some("team:data".to_owned()),
        ..page(None, after)
    };
    let list = |name, query: ListQuery| {
        let (sql, args) = pauses::list_sql(dialect, &query);
        HotQuery { name, sql, args }
    };
    vec![
        query(
            "token and its pause",
            pauses::token_sql(dialect),
            args![&[7u8; 32][..]],
        ),
        query(
            "a pause by id",
            pauses::load_sql(dialect),
            args![id.as_str()],
        ),
        query(
            "lock a pause to settle it",
            settle::lock_one_sql(dialect),
            args![id.as_str()],
        ),
        list("list, first page", page(None, None)),
        list("list, later page", page(None, Some(cursor.clone()))),
        list(
            "list by state, first page",
            page(Some(PauseState::Pending), None),
        ),
        list(
            "list by state, later page",
            page(Some(PauseState::Pending), Some(cursor.clone())),
        ),
        list("list by tag, first page", tagged(None)),
        list("list by tag, later page", tagged(Some(cursor))),
        query(
            "pauses due to expire",
            settle::due_sql(dialect),
            args![at, 500i64],
        ),
        query("next expiry", pauses::NEXT_EXPIRY.to_owned(), Vec::new()),
        query(
            "a new pause's group: its pending pauses",
            settle::group_pending_sql(dialect),
            args!["deploy:prod", id.as_str()],
        ),
        query(
            "a new pause's group: its turn",
            settle::GROUP_TURN.to_owned(),
            args!["deploy:prod"],
        ),
        query(
            "an inbox: pending, soonest expiry first",
            pauses::pending_soonest_sql(dialect),
            args![500i64],
        ),
        query(
            "settle",
            settle::SETTLE.to_owned(),
            args!["approved", at, id.as_str()],
        ),
        query(
            "deliveries due",
            claim::claim_sql(dialect),
            args![at, 64i64],
        ),
        query("next delivery due", outbox::NEXT_DUE.to_owned(), Vec::new()),
        query(
            "finish a delivery",
            outbox::FINISH.to_owned(),
            args![
                "delivered",
                None::<String>,
                None::<String>,
                at,
                at,
                "del_x",
                "lse_x"
            ],
        ),
    ]
}

fn query(name: &'static str, sql: String, args: Args) -> HotQuery {
    HotQuery { name, sql, args }
}
