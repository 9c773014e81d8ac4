//! Timestamps: unix milliseconds everywhere, shown in the console's display zone (UTC+8 by
//! default, the operators' zone) so the server render and the browser render agree.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset, macros::format_description};

/// Milliseconds since the unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// The zone used to show times: China Standard Time.
pub const DISPLAY_OFFSET_HOURS: i8 = 8;

impl Timestamp {
    fn to_display(self) -> Option<OffsetDateTime> {
        let offset = UtcOffset::from_hms(DISPLAY_OFFSET_HOURS, 0, 0).ok()?;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .map(|t| t.to_offset(offset))
    }

    /// `2026-11-23 14:05:09`
    pub fn format(self) -> String {
        let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        self.to_display()
            .and_then(|t| t.format(&fmt).ok())
            .unwrap_or_else(|| "—".to_owned())
    }

    /// `14:05:09.123`, for event timelines.
    pub fn format_time_ms(self) -> String {
        let fmt = format_description!("[hour]:[minute]:[second].[subsecond digits:3]");
        self.to_display()
            .and_then(|t| t.format(&fmt).ok())
            .unwrap_or_else(|| "—".to_owned())
    }

    /// RFC 3339 in UTC, for `<time datetime=…>` and JSON exports.
    pub fn rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default()
    }
}

/// `1.2 s`, `2 min 03 s`, `1 h 02 min`.
pub fn format_duration_ms(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1_000 {
        return format!("{ms} ms");
    }
    if ms < 60_000 {
        return format!("{:.1} s", ms as f64 / 1000.0);
    }
    let secs = ms / 1000;
    if secs < 3600 {
        return format!("{} min {:02} s", secs / 60, secs % 60);
    }
    format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60)
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
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(format_duration_ms(250), "250 ms");
        assert_eq!(format_duration_ms(1_500), "1.5 s");
        assert_eq!(format_duration_ms(123_000), "2 min 03 s");
        assert_eq!(format_duration_ms(3_720_000), "1 h 02 min");
    }
}
