//! `inbox tag +TAG -TAG -- QUERY`: store first, then index.

use std::process::ExitCode;

use anyhow::bail;

use super::search::ensure_index_current;
use super::{open_index, open_store};
use crate::home::Home;
use crate::index::{Sort, query};
use crate::store::TagChange;
use crate::sync::catch_up_index;

pub(super) fn run(home: &Home, args: &[String]) -> anyhow::Result<ExitCode> {
    let (change, query_text) = parse_args(args)?;
    let query = match query::parse(&query_text) {
        Ok(query) => query,
        Err(error) => {
            eprintln!(
                "inbox: {error}\n  {query_text}\n  {}^",
                " ".repeat(error.position)
            );
            return Ok(ExitCode::from(2));
        }
    };
    let mut store = open_store(home)?;
    let index = open_index(home)?;
    ensure_index_current(&store, &index)?;
    let matched = index.count(&query)?;
    let ids = index.search(&query, Sort::OldestFirst, matched, 0)?;
    let mut writer = index.writer()?;
    let indexed = index.indexed_seq()?.unwrap_or(0);
    let changed = store.apply_tags(&ids, &change)?;
    catch_up_index(&store, &mut writer, indexed)?;
    println!(
        "{} of {} matching messages changed",
        changed.len(),
        ids.len()
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
