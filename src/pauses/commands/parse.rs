//! Reading a [`PauseRequest`] into a [`NewPause`]: each field through its
//! validated value or its domain rule, named by its path in the request.

use crate::domain::{
    Callback, CreatePolicy, IdempotencyKey, NewPause, Rules, Subject, Tag, Title, ValidationError,
    check_subject_count, parse_callback, parse_callback_timeout, parse_data, parse_description,
    parse_escalation, parse_expiry, parse_fields, parse_notify, parse_on_expire,
    parse_remind_before, parse_tags, parse_target, parse_target_params,
};

use super::{NotifyRequest, PauseRequest, SubjectRequest};

impl PauseRequest {
    /// Checks every field against the rules and `policy`. Who asked is
    /// never read from the request: the use case sets it.
    pub fn parse(self, policy: &CreatePolicy) -> Result<NewPause, ValidationError> {
        let target = parse_target("target", self.target, policy)?;
        let kinds = &*policy.callback_kinds;
        let callback = parse_callback(self.call_back_uri, self.callback, &policy.callbacks, kinds)?;
        let callback_timeout = parse_callback_timeout(self.callback_timeout)?;
        let notify = self.notify.unwrap_or_default();
        let escalate_to = self.escalate_to.as_ref().map(NotifyRequest::parts);
        Ok(NewPause {
            title: parse_title(self.title)?,
            description: parse_description(self.description)?,
            data: parse_data(self.data)?,
            target_params: parse_target_params(self.target_params, target.as_deref(), policy)?,
            target,
            on_reject: parse_target("on_reject", self.on_reject, policy)?,
            expires_in: parse_expiry(self.expires_in, callback_timeout, policy)?,
            on_expire: parse_on_expire(self.on_expire)?,
            notify: parse_notify("notify", &notify.email, &notify.channels, policy)?,
            // An orchestrator's retry carries the same callback: same pause.
            idempotency_key: match self.idempotency_key {
                Some(key) => Some(IdempotencyKey::parse("idempotency_key", &key)?),
                None => callback_key(callback.as_ref(), policy)?,
            },
            remind_before: parse_remind_before(self.remind_before, policy)?,
            callback,
            rules: Rules::parse(
                self.approvers,
                self.approvals_required,
                self.allow_self_approval,
            )?,
            requested_by: None,
            requester_identified_by: None,
            tags: parse_tags(self.tags)?,
            input_fields: parse_fields(self.input_fields)?,
            subjects: parse_subjects(self.subjects)?,
            escalation: parse_escalation(self.escalate_after, escalate_to, policy)?,
            group: self.group.map(|g| Tag::parse("group", &g)).transpose()?,
            window: self
                .window
                .map(|w| Tag::parse("window", &w))
                .transpose()?
                .map(Tag::into_string),
        })
    }
}

impl NotifyRequest {
    /// The addresses and channels, as the domain's rules read them.
    fn parts(&self) -> (&[String], &[String]) {
        (&self.email, &self.channels)
    }
}

fn parse_title(title: Option<String>) -> Result<Title, ValidationError> {
    let title = title.ok_or_else(|| ValidationError::new("title", "title is required"))?;
    Title::parse("title", &title)
}

/// The artefacts the request names, each named by its place
/// (`subjects[1].digest.sha256`) when refused.
fn parse_subjects(subjects: Option<Vec<SubjectRequest>>) -> Result<Vec<Subject>, ValidationError> {
    let subjects = subjects.unwrap_or_default();
    check_subject_count(subjects.len())?;
    let read = |(index, subject): (usize, SubjectRequest)| {
        let at = format!("subjects[{index}]");
        Subject::parse(&at, &subject.name, &subject.digest.sha256)
    };
    subjects.into_iter().enumerate().map(read).collect()
}

/// The key of a pause made for `callback`: what identifies the waiting
/// orchestrator, hashed.
pub(crate) fn callback_key(
    callback: Option<&Callback>,
    policy: &CreatePolicy,
) -> Result<Option<IdempotencyKey>, ValidationError> {
    callback
        .map(|c| {
            let key = Callback::key(&policy.callback_kinds.identity(c));
            IdempotencyKey::parse("idempotency_key", &key)
        })
        .transpose()
}
