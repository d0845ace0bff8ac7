//! Durations as people write them in requests and config: `"90s"`, `"15m"`,
//! `"24h"`, `"7d"`, or whole seconds (`"3600"`).

use chrono::Duration;

/// Parses `"90s"`, `"15m"`, `"24h"`, `"7d"` or whole seconds into a positive
/// duration. The error says what was expected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let expected = || {
        format!(
            "expected a duration like \"90s\", \"15m\", \"24h\", \"7d\" or whole seconds, got {text:?}"
        )
    };
    let (digits, unit_seconds) = match text.char_indices().last() {
        Some((i, 's')) => (&text[..i], 1),
        Some((i, 'm')) => (&text[..i], 60),
        Some((i, 'h')) => (&text[..i], 3_600),
        Some((i, 'd')) => (&text[..i], 86_400),
        Some(_) => (text, 1),
        None => return Err(expected()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(expected());
    }
    let amount: i64 = digits.parse().map_err(|_| expected())?;
    let seconds = amount
        .checked_mul(unit_seconds)
        .filter(|s| *s <= 100 * 365 * 86_400)
        .ok_or_else(|| format!("{text:?} is too long a duration"))?;
    if seconds == 0 {
        return Err(format!("must be a positive duration, got {text:?}"));
    }
    Ok(Duration::seconds(seconds))
}

/// Writes a duration in the largest unit that divides it: `30d`, `24h`, `90s`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.num_seconds();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds % size == 0 && seconds >= size {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_form_parses() {
        assert_eq!(parse_duration("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::minutes(15)));
        assert_eq!(parse_duration("24h"), Ok(Duration::hours(24)));
        assert_eq!(parse_duration("7d"), Ok(Duration::days(7)));
        assert_eq!(parse_duration("1"), Ok(Duration::seconds(1)));
        assert_eq!(parse_duration("3600"), Ok(Duration::hours(1)));
    }

    #[test]
    fn nonsense_zero_and_overflow_are_refused() {
        for bad in [
            "soon",
            "",
            "h",
            "-5s",
            "1.5h",
            "5 h",
            "0s",
            "0",
            "99999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should be refused");
        }
        assert!(parse_duration("soon").unwrap_err().contains("\"soon\""));
    }

    #[test]
    fn durations_format_in_their_largest_whole_unit() {
        assert_eq!(format_duration(Duration::days(30)), "30d");
        assert_eq!(format_duration(Duration::hours(36)), "36h");
        assert_eq!(format_duration(Duration::seconds(90)), "90s");
        assert_eq!(format_duration(Duration::minutes(15)), "15m");
    }
}
