//! When a wait ends: after a duration, at the next local time of day in the customer's time
//! zone (DST-correct), or at an event's timeout.

use chrono::{Days, LocalResult, NaiveTime, TimeZone};

use crate::expr::Context;
use crate::kinds::Wait;
use crate::validate::{parse_duration_minutes, parse_time_of_day};

const MINUTE_MS: i64 = 60_000;

pub fn wake_at(wait: &Wait, ctx: &Context, now: i64) -> Option<i64> {
    if let Some(duration) = &wait.duration {
        return after(duration, now);
    }
    if let Some(time) = &wait.until_time {
        let zone = ctx.customer("time_zone").map(|z| z.to_string()).and_then(|z| z.parse::<chrono_tz::Tz>().ok()).unwrap_or(chrono_tz::UTC);
        return next_local_time(zone, parse_time_of_day(time)?, now);
    }
    wait.timeout.as_deref().and_then(|t| after(t, now))
}

fn after(duration: &str, now: i64) -> Option<i64> {
    let minutes = i64::try_from(parse_duration_minutes(duration)?).ok()?;
    now.checked_add(minutes.checked_mul(MINUTE_MS)?)
}

/// The first instant after `now` when the clock in `zone` shows `minutes` past midnight. A time
/// skipped by a DST jump happens an hour later; a repeated time happens at its first occurrence.
pub fn next_local_time(zone: chrono_tz::Tz, minutes: u32, now: i64) -> Option<i64> {
    let time = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0)?;
    let today = zone.timestamp_millis_opt(now).single()?.date_naive();
    for offset in 0..3 {
        let day = today.checked_add_days(Days::new(offset))?;
        let local = day.and_time(time);
        let instant = match zone.from_local_datetime(&local) {
            LocalResult::Single(t) => t,
            LocalResult::Ambiguous(first, _) => first,
            LocalResult::None => zone.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest()?,
        };
        if instant.timestamp_millis() > now {
            return Some(instant.timestamp_millis());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().map(|t| t.timestamp_millis()).unwrap_or_default()
    }

    #[test]
    fn next_nine_am_in_london_across_dst() {
        let london: chrono_tz::Tz = "Europe/London".parse().expect("zone");
        // Winter: 09:00 GMT is 09:00 UTC.
        assert_eq!(next_local_time(london, 540, ms(2026, 1, 10, 7, 0)), Some(ms(2026, 1, 10, 9, 0)));
        // After 09:00 it is tomorrow's.
        assert_eq!(next_local_time(london, 540, ms(2026, 1, 10, 9, 0)), Some(ms(2026, 1, 11, 9, 0)));
        // Across the spring change (29 March 2026): Saturday 09:00 GMT, Sunday 09:00 BST = 08:00 UTC.
        assert_eq!(next_local_time(london, 540, ms(2026, 3, 28, 10, 0)), Some(ms(2026, 3, 29, 8, 0)));
        // 01:30 does not exist on 29 March in London: it happens at 02:30 BST (01:30 UTC).
        assert_eq!(next_local_time(london, 90, ms(2026, 3, 29, 0, 0)), Some(ms(2026, 3, 29, 1, 30)));
    }
}
