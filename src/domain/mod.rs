//! Pure types and rules of pausegate, with no I/O: what a pause is, how its
//! state may change, what a token is, and how raw input becomes a valid pause.
//! Nothing here knows about HTTP, SQL, the clock or a random source: callers
//! pass `now` in, and the time and random bytes new ids and tokens are made
//! of (see `clock::Mint`).

mod approvers;
mod callback;
mod delivery;
mod duration;
mod fields;
mod idempotency;
mod ids;
mod input;
mod json_field;
mod object_only;
mod pause;
mod rules;
mod text;
pub mod time;
mod token;

pub use approvers::{MAX_IDENTITY_CHARS, OIDC_PREFIX, is_caller_name, oidc_identity};
pub use callback::{
    Callback, CallbackKinds, CallbackPolicy, CallbackRequest, CallbackView, HostRule,
    NoCallbackKinds, failure, outcome, outcome_message,
};
pub use delivery::{
    Delivery, DeliveryKind, DeliveryState, Event, NewDelivery, NextId, deliveries_on_settling,
    notifications_for_new, trigger_for,
};
pub use duration::{format_duration, parse_duration};
pub use fields::{FieldKind, InputField, check_inputs, parse_fields};
pub use idempotency::{KeyScope, request_fingerprint};
pub use ids::{DeliveryId, ID_RANDOM_BYTES, LeaseId, PauseId};
pub use input::{
    CreatePolicy, DecisionInput, Escalation, MAX_TAGS, NewPause, NotifyRequest, PauseRequest,
    ValidationError, parse_expires_in, parse_tag,
};
pub use json_field::{field_at, from_json};
pub use pause::{Decision, Notify, OnExpire, Pause, PauseState, Verdict, Via};
pub use rules::{IdentifiedBy, Rules, Ruling, Voucher, approvals_missing, rule_on};
pub use text::{Lines, escape_hidden, plain_name, readable, validate_comment, validate_name};
pub use token::{TOKEN_BYTES, Token, TokenHash};
