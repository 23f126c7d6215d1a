//! Retention: how long an account keeps its messages.
//!
//! An account's `retention = "90d"` (units `d` days, `w` weeks, `m`
//! calendar months, `y` calendar years) applies to all its folders;
//! `[accounts.NAME.retention_folders]` gives folders (conversation ids for
//! X) a period of their own, shorter or longer. A message expires when its
//! date (the Date header, else when it was received) is older than the
//! period of every folder holding it: a folder without a period keeps its
//! messages. Messages flagged `flagged` never expire. Expired messages are
//! erased locally, as `inbox erase` does; server copies stay.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Days, Months, Utc};

use crate::config::AccountConfig;
use crate::store::Aged;

/// A retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Days(u32),
    Weeks(u32),
    Months(u32),
    Years(u32),
}

impl FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Period, String> {
        let refuse = || {
            format!(
                "{text:?} is not a retention period: write a number of at least 1 and a unit, \
                 d (days), w (weeks), m (months) or y (years), e.g. \"90d\""
            )
        };
        let split = text.len().checked_sub(1).ok_or_else(refuse)?;
        let (number, unit) = (text.get(..split), text.get(split..));
        let (Some(number), Some(unit)) = (number, unit) else {
            return Err(refuse());
        };
        let count: u32 = match number.parse() {
            Ok(count) if count > 0 && number.bytes().all(|b| b.is_ascii_digit()) => count,
            _ => return Err(refuse()),
        };
        // Beyond these a cutoff falls before year 0: keep everything is meant.
        let period = match unit {
            "d" if count <= 3_650_000 => Period::Days(count),
            "w" if count <= 500_000 => Period::Weeks(count),
            "m" if count <= 120_000 => Period::Months(count),
            "y" if count <= 10_000 => Period::Years(count),
            _ => return Err(refuse()),
        };
        Ok(period)
    }
}

impl Period {
    /// Unix seconds of `now` minus this period: older messages expire.
    pub fn cutoff(self, now: DateTime<Utc>) -> i64 {
        let earlier = match self {
            Period::Days(n) => now.checked_sub_days(Days::new(n.into())),
            Period::Weeks(n) => now.checked_sub_days(Days::new(u64::from(n) * 7)),
            Period::Months(n) => now.checked_sub_months(Months::new(n)),
            Period::Years(n) => n
                .checked_mul(12)
                .and_then(|months| now.checked_sub_months(Months::new(months))),
        };
        earlier.map_or(i64::MIN, |time| time.timestamp())
    }
}

/// The retention of one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// For folders without one of their own.
    pub account: Option<Period>,
    /// Per folder, by name.
    pub folders: BTreeMap<String, Period>,
}

impl Retention {
    /// The retention configured for account `name`; an error names the
    /// account and the value that cannot be read.
    pub fn of(name: &str, account: &AccountConfig) -> Result<Retention, String> {
        let (period, folders) = match account {
            AccountConfig::Imap(imap) => (&imap.retention, &imap.retention_folders),
            AccountConfig::X(x) => (&x.retention, &x.retention_folders),
        };
        let account = period
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|error| format!("account {name:?}: retention {error}"))?;
        let folders = folders
            .iter()
            .map(|(folder, text)| {
                let period = text.parse().map_err(|error| {
                    format!("account {name:?}: retention of folder {folder:?}: {error}")
                })?;
                Ok((folder.clone(), period))
            })
            .collect::<Result<_, String>>()?;
        Ok(Retention { account, folders })
    }

    /// Whether nothing ever expires.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.account.is_none() && self.folders.is_empty()
    }

    /// The latest cutoff of any period: only messages dated before it can expire.
    pub fn latest_cutoff(&self, now: DateTime<Utc>) -> Option<i64> {
        self.account
            .iter()
            .chain(self.folders.values())
            .map(|period| period.cutoff(now))
            .max()
    }

    /// Whether `message` expired at `now` (see the module docs).
    pub fn expired(&self, message: &Aged, now: DateTime<Utc>) -> bool {
        if message.flagged {
            return false;
        }
        let periods: Option<Vec<Period>> = match message.folders.is_empty() {
            true => self.account.map(|period| vec![period]),
            false => message
                .folders
                .iter()
                .map(|folder| self.folders.get(folder).copied().or(self.account))
                .collect(),
        };
        periods.is_some_and(|periods| {
            periods
                .iter()
                .all(|period| message.date < period.cutoff(now))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessageId;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-31T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp()
    }

    #[test]
    fn periods_parse_with_units_and_refuse_the_rest() {
        assert_eq!("90d".parse(), Ok(Period::Days(90)));
        assert_eq!("12w".parse(), Ok(Period::Weeks(12)));
        assert_eq!("6m".parse(), Ok(Period::Months(6)));
        assert_eq!("2y".parse(), Ok(Period::Years(2)));
        for bad in [
            "", "d", "0d", "90", "90 d", "-3d", "+3d", "3h", "1.5y", "90D", "৩d", "99999y",
        ] {
            let error = bad.parse::<Period>().unwrap_err();
            assert!(error.contains("not a retention period"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn cutoffs_count_calendar_months() {
        assert_eq!(Period::Days(30).cutoff(now()), at("2026-03-01T12:00:00Z"));
        assert_eq!(Period::Weeks(1).cutoff(now()), at("2026-03-24T12:00:00Z"));
        // 31 March minus one month is the end of February.
        assert_eq!(Period::Months(1).cutoff(now()), at("2026-02-28T12:00:00Z"));
        assert_eq!(Period::Years(1).cutoff(now()), at("2025-03-31T12:00:00Z"));
    }

    fn aged(date: &str, flagged: bool, folders: &[&str]) -> Aged {
        Aged {
            id: MessageId(1),
            date: at(date),
            flagged,
            folders: folders.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn a_message_expires_when_every_folder_lets_it_go_and_it_is_not_flagged() {
        let retention = Retention {
            account: Some(Period::Years(1)),
            folders: [("Trash".to_owned(), Period::Days(30))].into(),
        };
        let now = now();
        assert_eq!(
            retention.latest_cutoff(now),
            Some(at("2026-03-01T12:00:00Z"))
        );
        assert!(retention.expired(&aged("2025-01-01T00:00:00Z", false, &["INBOX"]), now));
        assert!(!retention.expired(&aged("2025-06-01T00:00:00Z", false, &["INBOX"]), now));
        assert!(retention.expired(&aged("2026-02-01T00:00:00Z", false, &["Trash"]), now));
        assert!(!retention.expired(
            &aged("2026-02-01T00:00:00Z", false, &["Trash", "INBOX"]),
            now
        ));
        assert!(!retention.expired(&aged("2020-01-01T00:00:00Z", true, &["Trash"]), now));
        assert!(retention.expired(&aged("2020-01-01T00:00:00Z", false, &[]), now));

        let only_trash = Retention {
            account: None,
            folders: retention.folders.clone(),
        };
        assert!(!only_trash.expired(&aged("2020-01-01T00:00:00Z", false, &["INBOX"]), now));
        assert!(only_trash.expired(&aged("2020-01-01T00:00:00Z", false, &["Trash"]), now));
        assert!(!only_trash.expired(&aged("2020-01-01T00:00:00Z", false, &[]), now));
        assert!(Retention::default().is_empty());
    }
}
