//! Renders pages and emails from minijinja templates embedded in the
//! binary; a `templates_dir` may replace any of them by name. Every
//! template is compiled and rendered once with sample data at start-up, so
//! a broken one stops the server instead of failing a send later. HTML
//! templates auto-escape, so titles, descriptions and data from callers
//! cannot inject markup. [`About`] is what every page, email and channel
//! message says of who asked and what approving does.

mod about;

use std::path::Path;

use chrono::{DateTime, Utc};
use minijinja::Environment;
use serde::Serialize;
use serde_json::json;

pub use about::{About, Words};

use crate::domain::Pause;

/// The embedded templates: name and source.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("outcome.html", include_str!("../templates/outcome.html")),
    ("notice.html", include_str!("../templates/notice.html")),
    ("inbox.html", include_str!("../templates/inbox.html")),
    ("away.html", include_str!("../templates/away.html")),
    (
        "email_request.txt",
        include_str!("../templates/email_request.txt"),
    ),
    (
        "email_request.html",
        include_str!("../templates/email_request.html"),
    ),
];

/// The page stylesheet, served at `/assets/style.css`.
pub const STYLESHEET: &str = include_str!("../templates/style.css");

/// Holds the compiled templates, and the words for what the configured
/// targets and the callback kinds are.
pub struct Renderer {
    env: Environment<'static>,
    words: about::Words,
}

impl Renderer {
    /// The embedded templates only.
    pub fn embedded() -> anyhow::Result<Self> {
        Self::load(None)
    }

    /// The embedded templates, each replaced by a file of the same name in
    /// `dir` when there is one. Errors name the file and the problem.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        for (name, embedded) in TEMPLATES {
            let (origin, source) = match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(path) => {
                    let source = std::fs::read_to_string(&path)
                        .map_err(|e| anyhow::anyhow!("template {}: {e}", path.display()))?;
                    (path.display().to_string(), source)
                }
                None => (format!("embedded template {name}"), (*embedded).to_owned()),
            };
            env.add_template_owned(*name, source)
                .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        }
        let renderer = Self {
            env,
            words: about::Words::default(),
        };
        renderer.check_every_template()?;
        Ok(renderer)
    }

    /// Says what targets and callbacks are in `words` (see [`Renderer::about`]).
    pub fn with_words(mut self, words: Words) -> Self {
        self.words = words;
        self
    }

    /// Who asked for `pause` and what approving it does, as sentences.
    pub fn about(&self, pause: &Pause) -> About {
        about::about(pause, &self.words)
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: impl Serialize) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        let context = serde_json::to_value(context)?;
        Ok(template.render(template_value(&context))?)
    }

    /// Renders each template with sample data, so mistakes that only show
    /// when rendering (an unknown filter, a bad expression) surface now.
    fn check_every_template(&self) -> anyhow::Result<()> {
        let pause = json!({
            "id": "pau_sample", "state": "approved", "title": "Sample", "description": "d",
            "data": {"k": 1}, "target": "t", "on_reject": null, "decisions": [], "deliveries": []
        });
        let sample = json!({
            "pause": pause, "data": "{}", "expires_words": "in 1 hour", "expires_at": "x",
            "created_words": "just now", "recipient": "a@example.com", "heading": "h",
            "summary": "s", "message": "m", "triggers": [{"state": "pending", "text": "t"}],
            "refresh_url": "x", "decision": {"comment": "c"}, "review_url": "http://x/r/t",
            "data_summary": ["k: 1"], "reminder": true, "subject": "s", "csrf": "c",
            "email": "a@example.com", "tag": "t",
            "about": {"requester": "Requested by r.", "approving": "Approving starts t (an HTTP POST).",
                      "rejecting": null},
            "items": [{"id": "pau_x", "title": "T", "expires_words": "in 1 hour", "tags": ["t"],
                       "progress": "1 of 2 approvals"}],
            "sent": {"delegate": "b@example.com", "starts_at": "", "ends_at": "x", "tag": ""},
            "mine": [{"id": "dlg_x", "person": "a@example.com", "delegate": "b@example.com",
                      "span": "from x until y", "tag": "t"}],
            "theirs": [{"id": "dlg_y", "person": "c@example.com", "delegate": "a@example.com",
                        "span": "from x until y", "tag": null}],
            "done": "d", "problem": "p", "field": "f",
        });
        for (name, _) in TEMPLATES {
            self.render(name, &sample)
                .map_err(|e| anyhow::anyhow!("template {name} does not render: {e:#}"))?;
        }
        Ok(())
    }
}

/// Says how far `at` is from `now` in words: "in 3 hours", "5 minutes ago".
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    if seconds.abs() < 10 {
        return "just now".to_owned();
    }
    let words = span_in_words(seconds.unsigned_abs());
    if seconds >= 0 {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}

/// `text` cut to at most `max_chars` characters, ending in "…" when cut.
pub fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// A readable UTC time: "2026-11-24 19:00 UTC".
pub fn readable(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn span_in_words(seconds: u64) -> String {
    let (amount, unit) = match seconds {
        0..60 => (seconds, "second"),
        60..3_600 => (seconds / 60, "minute"),
        3_600..86_400 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    if amount == 1 {
        format!("1 {unit}")
    } else {
        format!("{amount} {unit}s")
    }
}

/// JSON as a template value. Numbers go through here rather than serde:
/// pausegate keeps every JSON number exactly as sent (`arbitrary_precision`),
/// a form serde hands other formats as a struct, not a number.
fn template_value(value: &serde_json::Value) -> minijinja::Value {
    use serde_json::Value as Json;
    match value {
        Json::Null => minijinja::Value::from(()),
        Json::Bool(b) => minijinja::Value::from(*b),
        Json::Number(n) => n
            .as_i64()
            .map(minijinja::Value::from)
            .or_else(|| n.as_u64().map(minijinja::Value::from))
            .or_else(|| n.as_f64().map(minijinja::Value::from))
            .unwrap_or_else(|| minijinja::Value::from(n.to_string())),
        Json::String(text) => minijinja::Value::from(text.as_str()),
        Json::Array(items) => items.iter().map(template_value).collect(),
        Json::Object(fields) => fields
            .iter()
            .map(|(key, value)| (key.clone(), template_value(value)))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn shortening_keeps_short_text_and_marks_a_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "ab…");
        assert_eq!(shorten("ééé", 2).chars().count(), 2);
    }

    #[test]
    fn times_read_as_words() {
        let now = Utc::now();
        assert_eq!(relative(now + Duration::hours(3), now), "in 3 hours");
        assert_eq!(relative(now + Duration::minutes(90), now), "in 1 hour");
        assert_eq!(relative(now + Duration::days(2), now), "in 2 days");
        assert_eq!(relative(now + Duration::seconds(1), now), "just now");
        assert_eq!(relative(now + Duration::seconds(45), now), "in 45 seconds");
        assert_eq!(relative(now - Duration::minutes(5), now), "5 minutes ago");
    }

    #[test]
    fn every_embedded_template_compiles_and_escapes() {
        let renderer = Renderer::embedded().unwrap();
        let html = renderer
            .render(
                "notice.html",
                serde_json::json!({"heading": "<b>x</b>", "message": "m", "status": 404}),
            )
            .unwrap();
        assert!(html.contains("&lt;b&gt;x&lt;"), "{html}");
        assert!(!html.contains("<b>"));
        let text = renderer
            .render(
                "email_request.txt",
                serde_json::json!({"pause": {"title": "<b>"}, "review_url": "u"}),
            )
            .unwrap();
        assert!(
            text.contains("<b>"),
            "plain-text emails are not HTML-escaped"
        );
    }

    #[test]
    fn a_templates_dir_overrides_by_name_and_a_broken_one_stops_start_up() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("notice.html"),
            "<p>custom {{ heading }}</p>",
        )
        .unwrap();
        let renderer = Renderer::load(Some(dir.path())).unwrap();
        let html = renderer
            .render("notice.html", json!({"heading": "hi"}))
            .unwrap();
        assert_eq!(html, "<p>custom hi</p>");

        std::fs::write(dir.path().join("email_request.txt"), "{% if %}").unwrap();
        let error = Renderer::load(Some(dir.path())).err().unwrap().to_string();
        assert!(error.contains("email_request.txt"), "{error}");

        std::fs::write(
            dir.path().join("email_request.txt"),
            "{{ pause.title | nosuchfilter }}",
        )
        .unwrap();
        let error = Renderer::load(Some(dir.path())).err().unwrap().to_string();
        assert!(error.contains("email_request.txt"), "{error}");
    }
}
