//! Contact governance, in a fixed order: consent → quiet hours (defer) → frequency caps.
//! Pure: the caller supplies the customer's consents, time zone and contact history.
//! (Suppression lists and cross-journey arbitration belong to the engine, which sees all
//! journeys; the order here is the same.)

use serde::{Deserialize, Serialize};

use crate::interpret::timing::next_local_time;
use crate::kinds::{Channel, Purpose};
use crate::settings::Settings;
use crate::validate::{parse_duration_minutes, parse_time_of_day};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressReason {
    NoConsent,
    FrequencyCap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Send,
    /// Inside quiet hours: send at this instant instead (the end of the quiet window).
    Defer(i64),
    Suppress(SuppressReason),
}

/// A contact to judge.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub channel: Channel,
    pub purpose: Option<Purpose>,
    pub mandatory: bool,
}

/// Judge `request` at `now` for a customer in `zone` who consents per `consents` and was
/// contacted at `history` (epoch ms and channel, any order).
pub fn judge(request: Request, consents: bool, settings: &Settings, zone: chrono_tz::Tz, history: &[(i64, Channel)], now: i64) -> Verdict {
    if !consents {
        return Verdict::Suppress(SuppressReason::NoConsent);
    }
    if let Some(until) = quiet_until(request.channel, settings, zone, now) {
        return Verdict::Defer(until);
    }
    // Mandatory service messages may bypass marketing caps, never consent.
    let service = request.mandatory && request.purpose == Some(Purpose::Service);
    if !service {
        for cap in &settings.frequency_caps {
            let Some(minutes) = parse_duration_minutes(&cap.per) else { continue };
            let since = now - i64::try_from(minutes).unwrap_or(i64::MAX / 120_000) * 60_000;
            let counted = history
                .iter()
                .filter(|(at, channel)| *at > since && *at <= now && cap.channel.is_none_or(|c| c == *channel))
                .count();
            if cap.channel.is_none_or(|c| c == request.channel) && counted >= cap.max as usize {
                return Verdict::Suppress(SuppressReason::FrequencyCap);
            }
        }
    }
    Verdict::Send
}

/// If `now` is inside the journey's quiet hours for `channel` in `zone`, when they end.
fn quiet_until(channel: Channel, settings: &Settings, zone: chrono_tz::Tz, now: i64) -> Option<i64> {
    let quiet = settings.quiet_hours.as_ref()?;
    if !quiet.channels.is_empty() && !quiet.channels.contains(&channel) {
        return None;
    }
    let (start, end) = (parse_time_of_day(&quiet.start)?, parse_time_of_day(&quiet.end)?);
    let next_start = next_local_time(zone, start, now)?;
    let next_end = next_local_time(zone, end, now)?;
    // Inside the window exactly when its end comes before its next start.
    (next_end < next_start).then_some(next_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{FrequencyCap, QuietHours};

    const H: i64 = 3_600_000;
    // 2026-01-10 00:00 UTC (winter: London = UTC).
    const MIDNIGHT: i64 = 1_768_003_200_000;

    fn settings() -> Settings {
        Settings {
            quiet_hours: Some(QuietHours { start: "21:00".into(), end: "08:00".into(), channels: vec![Channel::Sms] }),
            frequency_caps: vec![FrequencyCap { channel: None, max: 1, per: "1d".into() }],
            ..Settings::default()
        }
    }

    fn london() -> chrono_tz::Tz {
        "Europe/London".parse().expect("zone")
    }

    const SMS: Request = Request { channel: Channel::Sms, purpose: Some(Purpose::Marketing), mandatory: false };

    #[test]
    fn order_is_consent_then_quiet_hours_then_caps() {
        let s = settings();
        assert_eq!(judge(SMS, false, &s, london(), &[], MIDNIGHT + 23 * H), Verdict::Suppress(SuppressReason::NoConsent));
        assert_eq!(judge(SMS, true, &s, london(), &[], MIDNIGHT + 23 * H), Verdict::Defer(MIDNIGHT + 32 * H));
        assert_eq!(judge(SMS, true, &s, london(), &[], MIDNIGHT + 12 * H), Verdict::Send);
        let history = [(MIDNIGHT + 10 * H, Channel::Email)];
        assert_eq!(judge(SMS, true, &s, london(), &history, MIDNIGHT + 12 * H), Verdict::Suppress(SuppressReason::FrequencyCap));
        assert_eq!(judge(SMS, true, &s, london(), &history, MIDNIGHT + 35 * H), Verdict::Send, "the cap window rolls");
        let email = Request { channel: Channel::Email, ..SMS };
        assert_eq!(judge(email, true, &s, london(), &[], MIDNIGHT + 23 * H), Verdict::Send, "quiet hours cover sms only");
        let reminder = Request { channel: Channel::Sms, purpose: Some(Purpose::Service), mandatory: true };
        assert_eq!(judge(reminder, true, &s, london(), &history, MIDNIGHT + 12 * H), Verdict::Send, "service bypasses caps");
        assert_eq!(judge(reminder, false, &s, london(), &history, MIDNIGHT + 12 * H), Verdict::Suppress(SuppressReason::NoConsent));
    }
}
