//! Reading `date:` values: calendar dates, relative ages, ranges.

use chrono::NaiveDate;

use super::{AgeUnit, DatePoint, DateRange, QueryError};

/// The largest relative amount accepted (`99999d`).
const MAX_AMOUNT: u32 = 99_999;

/// Parses `point`, `point..`, `..point` or `point..point`; `at` is where `text` starts.
pub(super) fn parse_range(text: &str, at: usize) -> Result<DateRange, QueryError> {
    let Some((left, right)) = text.split_once("..") else {
        let point = parse_point(text, at)?;
        return Ok(match point {
            DatePoint::Ago { .. } => DateRange {
                start: Some(point),
                end: None,
            },
            _ => DateRange {
                start: Some(point),
                end: Some(point),
            },
        });
    };
    let right_at = at + left.chars().count() + 2;
    let start = (!left.is_empty())
        .then(|| parse_point(left, at))
        .transpose()?;
    let end = (!right.is_empty())
        .then(|| parse_point(right, right_at))
        .transpose()?;
    if start.is_none() && end.is_none() {
        return Err(QueryError::new(at, "expected a date before or after '..'"));
    }
    Ok(DateRange { start, end })
}

fn parse_point(text: &str, at: usize) -> Result<DatePoint, QueryError> {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "today" => return Ok(DatePoint::Today),
        "yesterday" => return Ok(DatePoint::Yesterday),
        _ => {}
    }
    age(&lower, at)
        .or_else(|| calendar(&lower, at))
        .unwrap_or_else(|| {
            Err(QueryError::new(
                at,
                format!(
                    "expected a date like 2002-08-01, 2002-08 or 2002, an age like 7d, 2w, 3m or 1y, \
                     or today/yesterday; got '{text}'"
                ),
            ))
        })
}

/// `7d`, `2w`, `3m`, `1y`, `12h`: `None` when `text` is not of that shape.
fn age(text: &str, at: usize) -> Option<Result<DatePoint, QueryError>> {
    let unit = match text.chars().last()? {
        'h' => AgeUnit::Hours,
        'd' => AgeUnit::Days,
        'w' => AgeUnit::Weeks,
        'm' => AgeUnit::Months,
        'y' => AgeUnit::Years,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match digits.parse::<u32>() {
        Ok(amount) if amount <= MAX_AMOUNT => Ok(DatePoint::Ago { amount, unit }),
        _ => Err(QueryError::new(
            at,
            format!("the age '{text}' is too large; use at most {MAX_AMOUNT}"),
        )),
    })
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (month and day may have one digit).
fn calendar(text: &str, at: usize) -> Option<Result<DatePoint, QueryError>> {
    let parts: Vec<&str> = text.split('-').collect();
    let numeric = |part: &&str| {
        !part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.len() > 3 || parts[0].len() != 4 || !parts.iter().all(numeric) {
        return None;
    }
    let numbers: Vec<u32> = parts.iter().filter_map(|part| part.parse().ok()).collect();
    let year = i32::try_from(numbers[0]).ok()?;
    let point = match numbers[1..] {
        [] => Some(DatePoint::Year(year)),
        [month] => (1..=12)
            .contains(&month)
            .then_some(DatePoint::Month { year, month }),
        [month, day] => NaiveDate::from_ymd_opt(year, month, day).map(DatePoint::Day),
        _ => None,
    };
    Some(point.ok_or_else(|| QueryError::new(at, format!("'{text}' is not a valid calendar date"))))
}
