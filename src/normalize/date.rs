//! A lenient reader for Date headers that mail-parser rejects: no zone
//! (read as UTC), asctime (`Sat Sep 21 08:18:08 2002`), numeric dates
//! (`2002/09/14 Sat 13:06:03 GMT`), zone names (`UT`, `EST`, ...).

use chrono::{NaiveDate, NaiveTime};

/// Unix seconds of a date header value, or `None` when no date can be found.
pub(super) fn lenient(value: &str) -> Option<i64> {
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut time = None;
    let mut offset = 0i64;
    for token in tokens(value) {
        if let Some(parsed) = time_of(token) {
            time.get_or_insert(parsed);
        } else if let Some((y, m, d)) = numeric_date(token) {
            (year, month, day) = (Some(y), Some(m), Some(d));
        } else if let Some(m) = month_of(token) {
            month.get_or_insert(m);
        } else if let Some(zone) = zone_of(token) {
            offset = zone;
        } else if let Ok(number) = token.parse::<u32>() {
            match (token.len(), day) {
                (1 | 2, None) if (1..=31).contains(&number) => day = Some(number),
                (4, _) if (1900..=2200).contains(&number) => {
                    year = Some(i32::try_from(number).ok()?)
                }
                _ => {}
            }
        }
    }
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    let stamp = date
        .and_time(time.unwrap_or_default())
        .and_utc()
        .timestamp();
    Some(stamp - offset)
}

fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|token| !token.is_empty())
}

fn time_of(token: &str) -> Option<NaiveTime> {
    let mut parts = token.split(':').map(|part| part.parse::<u32>().ok());
    let (hour, minute) = (parts.next()??, parts.next()??);
    let second = parts.next().flatten().unwrap_or(0);
    NaiveTime::from_hms_opt(hour, minute, second.min(59))
}

/// `2002/09/14` or `2002-09-14`.
fn numeric_date(token: &str) -> Option<(i32, u32, u32)> {
    let mut parts = token.split(['/', '-']);
    let year = parts.next()?;
    if year.len() != 4 {
        return None;
    }
    let (month, day) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    Some((year.parse().ok()?, month, day))
}

fn month_of(token: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = token.get(..3)?.to_ascii_lowercase();
    let index = MONTHS.iter().position(|month| *month == prefix)?;
    u32::try_from(index + 1).ok()
}

/// Seconds east of UTC for `+hhmm`, `-hhmm` or a zone name.
fn zone_of(token: &str) -> Option<i64> {
    if let Some(digits) = token.strip_prefix(['+', '-'])
        && digits.len() == 4
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        let hours: i64 = digits[..2].parse().ok()?;
        let minutes: i64 = digits[2..].parse().ok()?;
        let sign = if token.starts_with('-') { -1 } else { 1 };
        return Some(sign * (hours * 3600 + minutes * 60));
    }
    let hours = match token.to_ascii_uppercase().as_str() {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "EDT" => -4,
        "EST" | "CDT" => -5,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" => -8,
        _ => return None,
    };
    Some(hours * 3600)
}

#[cfg(test)]
mod tests {
    use super::lenient;

    #[test]
    fn reads_what_strict_parsers_reject() {
        // 2002-06-29T22:02:47Z
        assert_eq!(lenient("Sat, 29 Jun 2002 22:02:47"), Some(1_025_388_167));
        assert_eq!(lenient("Sat Jun 29 22:02:47 2002"), Some(1_025_388_167));
        assert_eq!(lenient("2002/06/29 Sat 22:02:47 GMT"), Some(1_025_388_167));
        assert_eq!(lenient("Sat, 29 Jun 2002 22:02:47 UT"), Some(1_025_388_167));
        assert_eq!(
            lenient("Sat, 29 Jun 2002 17:02:47 EST"),
            Some(1_025_388_167)
        );
        assert_eq!(
            lenient("Sat, 29 Jun 2002 23:02:47 +0100 (BST)"),
            Some(1_025_388_167)
        );
    }

    #[test]
    fn gives_up_on_nonsense() {
        for value in [
            "",
            "yesterday",
            "Wed, 18 Sep 0102 04:15:01 +0600",
            "31 Feb 2002",
            "99:99 2002 Jan",
        ] {
            assert_eq!(lenient(value), None, "{value}");
        }
    }
}
