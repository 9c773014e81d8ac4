//! Test tasks as the pages see them: lists, one task, today's overview, image uploads.

use super::Core;
use crate::db;
use crate::error::OrInternal;
use ::time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use app::domain::*;
use app::error::AppError;
use app::i18n::Msg;

fn display_offset() -> UtcOffset {
    UtcOffset::from_hms(DISPLAY_OFFSET_HOURS, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// `YYYY-MM-DD` in display time → unix ms of that day's start.
pub fn day_start_ms(day: &str) -> Option<i64> {
    let mut parts = day.trim().splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    let date = Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()?;
    let t = PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(display_offset());
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The start of today in display time.
pub fn today_start_ms(now_ms: i64) -> i64 {
    let now = OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(display_offset());
    let start = now.replace_time(Time::MIDNIGHT);
    i64::try_from(start.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

pub async fn list_tasks(core: &Core, filter: TaskFilter) -> Result<TaskPage, AppError> {
    let from = match filter.from.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => {
            Some(day_start_ms(d).ok_or_else(|| AppError::field("from", Msg::ErrBadRequest))?)
        }
        None => None,
    };
    let to = match filter.to.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => Some(
            day_start_ms(d).ok_or_else(|| AppError::field("to", Msg::ErrBadRequest))?
                + 24 * 3600 * 1000,
        ),
        None => None,
    };
    db::task::list(&core.db.read, &filter, from, to, TASK_PAGE_SIZE)
        .await
        .or_internal()
}

pub async fn get_task(core: &Core, id: TaskId) -> Result<TaskView, AppError> {
    db::task::view(&core.db.read, id)
        .await
        .or_internal()?
        .ok_or(AppError::NotFound)
}

pub async fn get_task_detail(core: &Core, id: TaskId) -> Result<TaskDetail, AppError> {
    let task = get_task(core, id).await?;
    let events = db::task_event::after(&core.db.read, id, 0)
        .await
        .or_internal()?;
    Ok(TaskDetail { task, events })
}

pub async fn overview(core: &Core) -> Result<Overview, AppError> {
    let since = today_start_ms(core.clock.now_ms());
    db::task::overview(&core.db.read, since).await.or_internal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_china_time() {
        // 2026-01-01 00:00 +08:00 = 2025-12-31T16:00:00Z
        assert_eq!(day_start_ms("2026-01-01"), Some(1_767_196_800_000));
        assert_eq!(day_start_ms("2026-13-01"), None);
        assert_eq!(day_start_ms("yesterday"), None);
        assert_eq!(
            today_start_ms(1_767_196_800_000 + 5 * 3600 * 1000),
            1_767_196_800_000
        );
    }
}
