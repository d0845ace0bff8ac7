//! Renders the HTML pages from minijinja templates embedded in the binary,
//! and words for times ("in 3 hours"). HTML templates auto-escape, so
//! titles, descriptions and data from callers cannot inject markup.

use chrono::{DateTime, Utc};
use minijinja::Environment;
use serde::Serialize;

/// The embedded templates: name and source.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("outcome.html", include_str!("../templates/outcome.html")),
    ("notice.html", include_str!("../templates/notice.html")),
];

/// The page stylesheet, served at `/assets/style.css`.
pub const STYLESHEET: &str = include_str!("../templates/style.css");

/// Holds the compiled templates.
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// Compiles the embedded templates; a broken one is an error here, at
    /// start-up, not when a page is first shown.
    pub fn embedded() -> anyhow::Result<Self> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        Ok(Self { env })
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: impl Serialize) -> anyhow::Result<String> {
        let template = self.env.get_template(name)?;
        Ok(template.render(minijinja::value::Serde(context))?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

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
    }
}
