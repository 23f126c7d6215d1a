//! `inbox tag +TAG -TAG -- QUERY`, through the API (store first, then index).

use std::process::ExitCode;

use anyhow::bail;

use super::search::{answer, connect};
use crate::home::Home;
use crate::rpc::requests::TagParams;
use crate::store::TagChange;

pub(super) fn run(home: &Home, args: &[String]) -> anyhow::Result<ExitCode> {
    let (change, query) = parse_args(args)?;
    let params = TagParams {
        query,
        add: change.add,
        remove: change.remove,
        ..TagParams::default()
    };
    let api = connect(home)?;
    let Some(outcome) = answer(api.tag(&params))? else {
        return Ok(ExitCode::from(2));
    };
    println!(
        "{} of {} matching messages changed",
        outcome.changed, outcome.matched
    );
    Ok(ExitCode::SUCCESS)
}

/// Splits `+a -b [--] query words` into the change and the query.
fn parse_args(args: &[String]) -> anyhow::Result<(TagChange, String)> {
    let mut change = TagChange::default();
    let mut rest = args;
    while let Some((first, tail)) = rest.split_first() {
        if first == "--" {
            rest = tail;
            break;
        }
        let (list, tag) = if let Some(tag) = first.strip_prefix('+') {
            (&mut change.add, tag)
        } else if let Some(tag) = first.strip_prefix('-') {
            (&mut change.remove, tag)
        } else {
            break;
        };
        if tag.is_empty() || tag.chars().any(char::is_whitespace) {
            bail!("invalid tag {first:?}: tags are +name or -name, without spaces");
        }
        list.push(tag.to_owned());
        rest = tail;
    }
    if change.add.is_empty() && change.remove.is_empty() {
        bail!("no tag change given: write `inbox tag +add -remove -- QUERY`");
    }
    if rest.is_empty() {
        bail!(
            "no query given: write `inbox tag +add -remove -- QUERY` (use `*` for every message)"
        );
    }
    Ok((change, rest.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_changes_from_query() {
        let (change, query) = parse_args(&args(&["+a", "-b", "--", "from:x", "-tag:y"])).unwrap();
        assert_eq!(change.add, vec!["a"]);
        assert_eq!(change.remove, vec!["b"]);
        assert_eq!(query, "from:x -tag:y");
        let (_, query) = parse_args(&args(&["+a", "subject:hi"])).unwrap();
        assert_eq!(query, "subject:hi");
    }

    #[test]
    fn rejects_missing_parts() {
        assert!(parse_args(&args(&["--", "from:x"])).is_err());
        assert!(parse_args(&args(&["+a", "--"])).is_err());
        assert!(parse_args(&args(&["+", "x"])).is_err());
    }
}
