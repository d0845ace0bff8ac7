//! Reading `[windows.NAME]` as written into a [`Window`]; every error names
//! its key (`windows.weekdays.open[0].from`).

use std::str::FromStr;

use chrono::{NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{DuringFreeze, Freeze, Weekly, Window};

/// `[windows.NAME]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// An IANA time zone name (`Europe/Amsterdam`).
    pub time_zone: String,
    /// Weekly open hours; none means open at every hour outside freezes.
    #[serde(default)]
    pub open: Vec<OpenSpec>,
    /// Closed periods.
    #[serde(default)]
    pub freezes: Vec<FreezeSpec>,
    /// `hold` (the default) or `refuse`.
    pub during_freeze: Option<String>,
}

/// One line of weekly open hours.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenSpec {
    /// `mon` … `sun`.
    pub days: Vec<String>,
    /// `HH:MM`, local time.
    pub from: String,
    /// `HH:MM`, local time, after `from`; `24:00` is the end of the day.
    pub until: String,
}

/// One freeze.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeSpec {
    /// `YYYY-MM-DDTHH:MM`, local time.
    pub from: String,
    /// `YYYY-MM-DDTHH:MM`, local time, after `from`.
    pub until: String,
    /// Why, shown to people.
    pub reason: Option<String>,
}

impl Window {
    /// The window `[windows.name]` describes.
    pub fn parse(name: &str, spec: WindowSpec) -> Result<Self, String> {
        let key = |k: &str| format!("windows.{name}.{k}");
        let zone = Tz::from_str(&spec.time_zone).map_err(|_| {
            format!(
                "{}: {:?} is not an IANA time zone name (such as \"Europe/Amsterdam\")",
                key("time_zone"),
                spec.time_zone
            )
        })?;
        let open = (spec.open.iter().enumerate())
            .map(|(i, o)| weekly(&key(&format!("open[{i}]")), o))
            .collect::<Result<Vec<_>, _>>()?;
        let freezes = (spec.freezes.iter().enumerate())
            .map(|(i, f)| freeze(&key(&format!("freezes[{i}]")), zone, f))
            .collect::<Result<Vec<_>, _>>()?;
        let during_freeze = match spec.during_freeze.as_deref() {
            None | Some("hold") => DuringFreeze::Hold,
            Some("refuse") => DuringFreeze::Refuse,
            Some(other) => {
                return Err(format!(
                    "{}: {other:?} is neither \"hold\" nor \"refuse\"",
                    key("during_freeze")
                ));
            }
        };
        Ok(Self {
            name: name.to_owned(),
            zone,
            open,
            freezes,
            during_freeze,
        })
    }
}

fn weekly(key: &str, spec: &OpenSpec) -> Result<Weekly, String> {
    if spec.days.is_empty() {
        return Err(format!("{key}.days: name at least one day (mon … sun)"));
    }
    let days = spec
        .days
        .iter()
        .map(|d| day(d).ok_or_else(|| format!("{key}.days: {d:?} is not a day (mon … sun)")))
        .collect::<Result<Vec<_>, _>>()?;
    let time = |k: &str, text: &str| {
        NaiveTime::parse_from_str(text, "%H:%M")
            .map_err(|_| format!("{key}.{k}: {text:?} is not a time of day as HH:MM"))
    };
    let from = time("from", &spec.from)?;
    let until = match spec.until.as_str() {
        "24:00" => None,
        text => Some(time("until", text)?),
    };
    if until.is_some_and(|until| until <= from) {
        return Err(format!(
            "{key}.until: must be after from ({}); a window past midnight is two lines, \
             the first until 24:00",
            spec.from
        ));
    }
    Ok(Weekly { days, from, until })
}

/// `mon` or `monday`, any case.
fn day(text: &str) -> Option<Weekday> {
    const NAMES: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    let text = text.to_ascii_lowercase();
    NAMES
        .into_iter()
        .find(|(name, _)| text == *name || text == name[..3])
        .map(|(_, day)| day)
}

fn freeze(key: &str, zone: Tz, spec: &FreezeSpec) -> Result<Freeze, String> {
    // A local time the clock shows twice starts a freeze at its first
    // showing and ends one at its last, so the freeze covers both.
    let at = |k: &str, text: &str| {
        let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map_err(|_| {
            format!("{key}.{k}: {text:?} is not a local date and time as YYYY-MM-DDTHH:MM")
        })?;
        let found = zone.from_local_datetime(&local);
        let at = if k == "until" {
            found.latest()
        } else {
            found.earliest()
        };
        at.map(|at| at.with_timezone(&Utc))
            .ok_or_else(|| format!("{key}.{k}: {text} does not occur in {}", zone.name()))
    };
    let (from, until) = (at("from", &spec.from)?, at("until", &spec.until)?);
    if until <= from {
        return Err(format!("{key}.until: must be after from ({})", spec.from));
    }
    Ok(Freeze {
        from,
        until,
        reason: spec.reason.clone(),
    })
}
