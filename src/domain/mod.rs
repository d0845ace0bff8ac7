//! Pure types and rules of pausegate, with no I/O: what a pause is, how its
//! state may change, what a token is, the validated values a pause is made
//! of, and the rules a new pause must follow. The requests callers send are
//! the use cases' commands (`pauses::commands`), read with these rules.
//! Nothing here knows about HTTP, SQL, the clock or a random source: callers
//! pass `now` in, and the time and random bytes new ids and tokens are made
//! of (see `clock::Mint`).

mod approvers;
mod callback;
mod delegation;
mod delivery;
mod duration;
mod fields;
mod glob;
mod idempotency;
mod ids;
mod json_field;
mod new_pause;
mod object_only;
mod pause;
mod rules;
mod subjects;
mod text;
pub mod time;
mod token;
mod validation;
mod values;
mod window;

pub use approvers::{
    MAX_IDENTITY_CHARS, OIDC_PREFIX, ON_CALL_SERVICES, is_caller_name, oidc_identity,
    on_call_schedule,
};
pub use callback::{
    Callback, CallbackKinds, CallbackPolicy, CallbackRequest, CallbackView, HostRule,
    NoCallbackKinds, failure, outcome, outcome_message, parse_callback, parse_callback_timeout,
};
pub use delegation::{DelegateAsked, Delegation};
pub use delivery::{
    Delivery, DeliveryKind, DeliveryState, Event, NewDelivery, NextId, deliveries_on_settling,
    notifications_for_new, trigger_for,
};
pub use duration::{format_duration, parse_duration};
pub use fields::{FieldKind, InputField, check_inputs, parse_fields};
pub use glob::star_match;
pub use idempotency::KeyScope;
pub use ids::{DelegationId, DeliveryId, ID_RANDOM_BYTES, LeaseId, PauseId};
pub use json_field::{field_at, from_json};
pub use new_pause::{
    CreatePolicy, Escalation, NewPause, parse_data, parse_description, parse_escalation,
    parse_expires_in, parse_expiry, parse_notify, parse_on_expire, parse_remind_before, parse_tags,
    parse_target, parse_target_params,
};
pub(crate) use object_only::object_only;
pub use pause::{Decision, Notify, OnExpire, Pause, PauseState, Verdict, Via};
pub use rules::{
    IdentifiedBy, OnCallResolution, Rules, Ruling, Voucher, approvals_missing, rule_on,
};
pub use subjects::{MAX_SUBJECTS, Subject, SubjectDigest, check_subject_count};
pub use text::{Lines, escape_hidden, plain_name, readable, validate_comment};
pub use token::{TOKEN_BYTES, Token, TokenHash};
pub use validation::{
    MAX_COMMENT_CHARS, MAX_DATA_BYTES, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_RECIPIENTS,
    MAX_TAGS, MAX_TITLE_CHARS, ValidationError,
};
pub use values::{
    ActorName, ChannelName, EmailAddress, IdempotencyKey, SecretText, Tag, TargetName, Title,
};
pub use window::{
    DuringFreeze, Freeze, FreezeSpec, HeldStart, OpenSpec, Released, Window, WindowSpec, Windows,
};
