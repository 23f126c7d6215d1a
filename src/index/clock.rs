//! "Now" and the time zone that `date:` values resolve against.

use chrono::{DateTime, FixedOffset, Local, Months, NaiveDate, TimeZone};

use super::query::{AgeUnit, DatePoint, DateRange};

/// The instant and time zone that calendar days and relative dates use.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    /// The system clock, in the local time zone.
    #[default]
    Local,
    /// A fixed instant (Unix seconds) in a fixed UTC offset: reproducible results.
    Fixed { now: i64, offset: FixedOffset },
}

impl Clock {
    /// A fixed clock at `now` (Unix seconds), `utc_offset` seconds east of UTC.
    /// `None` when the offset is a day or more.
    pub fn fixed(now: i64, utc_offset: i32) -> Option<Clock> {
        FixedOffset::east_opt(utc_offset).map(|offset| Clock::Fixed { now, offset })
    }

    /// The range as Unix seconds `[start, end)`; an open end is `None`.
    pub fn resolve(&self, range: &DateRange) -> (Option<i64>, Option<i64>) {
        match *self {
            Clock::Local => Resolver { now: Local::now() }.range(range),
            Clock::Fixed { now, offset } => {
                let now = offset
                    .timestamp_opt(now, 0)
                    .single()
                    .unwrap_or_else(|| DateTime::<FixedOffset>::from(DateTime::UNIX_EPOCH));
                Resolver { now }.range(range)
            }
        }
    }
}

/// Resolves dates against `now`, in `now`'s time zone.
struct Resolver<Tz: TimeZone> {
    now: DateTime<Tz>,
}

impl<Tz: TimeZone> Resolver<Tz> {
    fn range(&self, range: &DateRange) -> (Option<i64>, Option<i64>) {
        let start = range.start.map(|point| self.start(point));
        let end = range.end.map(|point| self.end(point));
        (start, end)
    }

    /// The first instant of the point's span.
    fn start(&self, point: DatePoint) -> i64 {
        match point {
            DatePoint::Ago { amount, unit } => self.ago(amount, unit),
            _ => self.days(point).0,
        }
    }

    /// The first instant after the point's span.
    fn end(&self, point: DatePoint) -> i64 {
        match point {
            DatePoint::Ago { amount, unit } => self.ago(amount, unit),
            _ => self.days(point).1,
        }
    }

    /// The span of a calendar point, `[first midnight, last midnight)`.
    fn days(&self, point: DatePoint) -> (i64, i64) {
        let today = self.now.date_naive();
        let (first, after) = match point {
            DatePoint::Day(day) => (Some(day), day.succ_opt()),
            DatePoint::Today => (Some(today), today.succ_opt()),
            DatePoint::Yesterday => (today.pred_opt(), Some(today)),
            DatePoint::Month { year, month } => {
                let first = NaiveDate::from_ymd_opt(year, month, 1);
                (
                    first,
                    first.and_then(|day| day.checked_add_months(Months::new(1))),
                )
            }
            DatePoint::Year(year) => (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year.saturating_add(1), 1, 1),
            ),
            DatePoint::Ago { .. } => (None, None),
        };
        (
            first.map_or(i64::MIN, |day| self.midnight(day)),
            after.map_or(i64::MAX, |day| self.midnight(day)),
        )
    }

    /// The instant `amount` units before now.
    fn ago(&self, amount: u32, unit: AgeUnit) -> i64 {
        let now = self.now.timestamp();
        let seconds = |per: i64| now.saturating_sub(i64::from(amount).saturating_mul(per));
        match unit {
            AgeUnit::Hours => seconds(3_600),
            AgeUnit::Days => seconds(86_400),
            AgeUnit::Weeks => seconds(7 * 86_400),
            AgeUnit::Months => self.months_ago(amount),
            AgeUnit::Years => self.months_ago(amount.saturating_mul(12)),
        }
    }

    fn months_ago(&self, months: u32) -> i64 {
        self.now
            .clone()
            .checked_sub_months(Months::new(months))
            .map_or(i64::MIN, |then| then.timestamp())
    }

    /// The first instant of `day` in the time zone (after a gap, if
    /// daylight saving time skips midnight).
    fn midnight(&self, day: NaiveDate) -> i64 {
        let zone = self.now.timezone();
        (0..3)
            .find_map(|hour| {
                let local = day.and_hms_opt(hour, 0, 0)?;
                zone.from_local_datetime(&local).earliest()
            })
            .map_or_else(
                || day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp(),
                |instant| instant.timestamp(),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2002-08-20 12:00:00 UTC; the clock runs at UTC+02:00, 14:00 local.
    const NOW: i64 = 1_029_844_800;
    const TWO_HOURS: i32 = 7_200;

    fn local_midnight(year: i32, month: u32, day: u32) -> i64 {
        let date = NaiveDate::from_ymd_opt(year, month, day).expect("valid date");
        date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp() - i64::from(TWO_HOURS)
    }

    fn resolve(start: Option<DatePoint>, end: Option<DatePoint>) -> (Option<i64>, Option<i64>) {
        let clock = Clock::fixed(NOW, TWO_HOURS).expect("valid offset");
        clock.resolve(&DateRange { start, end })
    }

    #[test]
    fn calendar_points_cover_whole_local_days_months_and_years() {
        let day = DatePoint::Day(NaiveDate::from_ymd_opt(2002, 8, 1).expect("valid"));
        assert_eq!(
            resolve(Some(day), Some(day)),
            (
                Some(local_midnight(2002, 8, 1)),
                Some(local_midnight(2002, 8, 2))
            )
        );
        let december = DatePoint::Month {
            year: 2002,
            month: 12,
        };
        assert_eq!(
            resolve(Some(december), Some(december)),
            (
                Some(local_midnight(2002, 12, 1)),
                Some(local_midnight(2003, 1, 1))
            )
        );
        let year = DatePoint::Year(2002);
        assert_eq!(
            resolve(None, Some(year)),
            (None, Some(local_midnight(2003, 1, 1)))
        );
    }

    #[test]
    fn today_yesterday_and_ages_count_from_now() {
        assert_eq!(
            resolve(Some(DatePoint::Today), Some(DatePoint::Today)),
            (
                Some(local_midnight(2002, 8, 20)),
                Some(local_midnight(2002, 8, 21))
            )
        );
        assert_eq!(
            resolve(Some(DatePoint::Yesterday), None),
            (Some(local_midnight(2002, 8, 19)), None)
        );
        let week = DatePoint::Ago {
            amount: 1,
            unit: AgeUnit::Weeks,
        };
        assert_eq!(resolve(Some(week), None), (Some(NOW - 7 * 86_400), None));
        let months = DatePoint::Ago {
            amount: 3,
            unit: AgeUnit::Months,
        };
        // 2002-05-20 14:00 local time.
        let may = local_midnight(2002, 5, 20) + 14 * 3_600;
        assert_eq!(resolve(None, Some(months)), (None, Some(may)));
    }

    #[test]
    fn extreme_values_saturate_instead_of_overflowing() {
        let ancient = DatePoint::Ago {
            amount: u32::MAX,
            unit: AgeUnit::Years,
        };
        let (start, _) = resolve(Some(ancient), None);
        assert_eq!(start, Some(i64::MIN));
        assert!(Clock::fixed(0, 86_400).is_none());
    }
}
