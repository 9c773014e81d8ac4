//! Timestamps: unix milliseconds everywhere, shown in the console's display zone (UTC+8 by
//! default, the operators' zone) so the server render and the browser render agree.

use crate::i18n::{Lang, Localized, Text};
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};

/// Milliseconds since the unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// The zone used to show times: China Standard Time.
pub const DISPLAY_OFFSET_HOURS: i8 = 8;

// Formatted by hand rather than with `time`'s formatting machinery: this code also runs in the
// browser, where every formatting feature is paid for in bundle size.
impl Timestamp {
    fn at_offset(self, hours: i8) -> Option<OffsetDateTime> {
        let offset = UtcOffset::from_hms(hours, 0, 0).ok()?;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .map(|t| t.to_offset(offset))
    }

    /// `2026-11-23 14:05:09`
    pub fn format(self) -> String {
        match self.at_offset(DISPLAY_OFFSET_HOURS) {
            Some(t) => format!("{} {}", date_of(t), clock_of(t)),
            None => "—".to_owned(),
        }
    }

    /// `14:05:09.123`, for event timelines.
    pub fn format_time_ms(self) -> String {
        match self.at_offset(DISPLAY_OFFSET_HOURS) {
            Some(t) => format!("{}.{:03}", clock_of(t), t.millisecond()),
            None => "—".to_owned(),
        }
    }

    /// RFC 3339 in UTC, for `<time datetime=…>` and JSON exports.
    pub fn rfc3339(self) -> String {
        match self.at_offset(0) {
            Some(t) if t.millisecond() == 0 => format!("{}T{}Z", date_of(t), clock_of(t)),
            Some(t) => format!("{}T{}.{:03}Z", date_of(t), clock_of(t), t.millisecond()),
            None => String::new(),
        }
    }
}

/// `83%`: a share rounded to a whole percent, `—` when there is nothing to count.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".to_owned();
    }
    format!("{}%", (part * 200 + whole) / (2 * whole))
}

/// A length of time in milliseconds, written in the reader's language with a readable unit:
/// `1.2 s` / `1.2 秒`, `2 min 03 s` / `2 分 03 秒`, `1 h 02 min` / `1 小时 02 分`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DurationMs(pub i64);

/// A moment as people read it here: `2026-11-23 14:05:09` in display time, in both languages.
impl Localized for Timestamp {
    fn fmt_in(&self, _: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.format())
    }
}

impl Localized for DurationMs {
    fn fmt_in(&self, lang: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match DurationParts::of(self.0) {
            DurationParts::Ms(ms) => Text::DurMs { ms },
            DurationParts::Secs(secs, tenths) => Text::DurSecs { secs, tenths },
            DurationParts::Minutes(min, sec) => Text::DurMinutes { min, sec },
            DurationParts::Hours(h, min) => Text::DurHours { h, min },
        };
        text.fmt_in(lang, f)
    }
}

/// A duration cut into the unit it reads best in: under a second in ms, under a minute in
/// seconds and tenths, under an hour in minutes and seconds, else hours and minutes. Negative
/// lengths read as 0 ms. Shared by the translated wording and the table-free one.
enum DurationParts {
    Ms(i64),
    Secs(i64, i64),
    Minutes(i64, i64),
    Hours(i64, i64),
}

impl DurationParts {
    fn of(ms: i64) -> Self {
        let ms = ms.max(0);
        let secs = ms / 1000;
        if ms < 1_000 {
            Self::Ms(ms)
        } else if ms < 60_000 {
            // Tenths by integer arithmetic (no float formatting code in the browser bundle).
            let tenths = (ms + 50) / 100;
            Self::Secs(tenths / 10, tenths % 10)
        } else if secs < 3600 {
            Self::Minutes(secs / 60, secs % 60)
        } else {
            Self::Hours(secs / 3600, (secs % 3600) / 60)
        }
    }
}

/// `ms` as a person reads a duration (`1 分 05 秒`, `1 min 05 s`), the same as [`DurationMs`]
/// but without the translation table: the islands use it in the browser.
pub fn duration_words(ms: i64, zh: bool) -> String {
    let (ms_, s, min, h) = if zh {
        ("毫秒", "秒", "分", "小时")
    } else {
        ("ms", "s", "min", "h")
    };
    match DurationParts::of(ms) {
        DurationParts::Ms(n) => format!("{n} {ms_}"),
        DurationParts::Secs(n, t) => format!("{n}.{t} {s}"),
        DurationParts::Minutes(m, n) => format!("{m} {min} {n:02} {s}"),
        DurationParts::Hours(n, m) => format!("{n} {h} {m:02} {min}"),
    }
}

/// A duration in English, for the CLI and logs.
pub fn format_duration_ms(ms: i64) -> String {
    DurationMs(ms).render(Lang::En)
}

/// A size in bytes as people read it: `950 B`, `12.3 KB`, `1.8 MB` (1 KB = 1,000 bytes).
pub fn format_bytes(n: u64) -> String {
    // Tenths by integer arithmetic (no float formatting code in the browser bundle).
    let tenths = |unit: u64| (n * 10 + unit / 2) / unit;
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => {
            let t = tenths(1_000);
            format!("{}.{} KB", t / 10, t % 10)
        }
        _ => {
            let t = tenths(1_000_000);
            format!("{}.{} MB", t / 10, t % 10)
        }
    }
}

/// `2026-11-23`
fn date_of(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// `14:05:09`
fn clock_of(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_shown_in_china_time() {
        // 2026-01-01T00:00:00Z
        let t = Timestamp(1_767_225_600_000);
        assert_eq!(t.format(), "2026-01-01 08:00:00");
        assert_eq!(t.rfc3339(), "2026-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(1_767_225_600_123).rfc3339(),
            "2026-01-01T00:00:00.123Z"
        );
        assert_eq!(
            Timestamp(1_767_225_600_123).format_time_ms(),
            "08:00:00.123"
        );
    }

    #[test]
    fn sizes_pick_a_readable_unit() {
        assert_eq!(format_bytes(950), "950 B");
        assert_eq!(format_bytes(12_345), "12.3 KB");
        assert_eq!(format_bytes(1_800_000), "1.8 MB");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(format_duration_ms(250), "250 ms");
        assert_eq!(format_duration_ms(1_500), "1.5 s");
        assert_eq!(format_duration_ms(59_960), "60.0 s");
        assert_eq!(percent(2, 3), "67%");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(format_duration_ms(123_000), "2 min 03 s");
        assert_eq!(format_duration_ms(3_720_000), "1 h 02 min");
        let zh = |ms| DurationMs(ms).render(Lang::Zh);
        assert_eq!(zh(250), "250 毫秒");
        assert_eq!(zh(1_500), "1.5 秒");
        assert_eq!(zh(123_000), "2 分 03 秒");
        assert_eq!(zh(3_720_000), "1 小时 02 分");
        assert_eq!(zh(-5), "0 毫秒");
        // The islands' table-free wording reads the same as the table's.
        for ms in [-5, 250, 1_500, 59_960, 123_000, 3_720_000] {
            assert_eq!(duration_words(ms, true), zh(ms));
            assert_eq!(duration_words(ms, false), format_duration_ms(ms));
        }
    }
}
