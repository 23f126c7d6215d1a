//! `inbox rules check` and `inbox rules apply [--dry-run] [QUERY]`: the
//! tagging rules of `rules.toml`, checked, or applied to stored messages
//! through the API (the daemon's when it runs).

use std::process::ExitCode;

use super::search::{answer, connect};
use crate::home::Home;
use crate::rpc::requests::{SearchParams, TagParams};
use crate::tagging::{Rule, Rules, rules_path};

/// The `rules` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(super) enum RulesCommand {
    /// Check rules.toml: every query parses, every rule changes a tag.
    Check,
    /// Apply the rules, in order, to the stored messages matching QUERY
    /// (every message without one).
    Apply {
        /// Print how many messages each rule would change; change nothing.
        /// Each rule is counted against the current tags.
        #[arg(long)]
        dry_run: bool,
        /// Only messages matching this query.
        query: Vec<String>,
    },
}

pub(super) fn run(home: &Home, command: RulesCommand) -> anyhow::Result<ExitCode> {
    let path = rules_path(home);
    let rules = Rules::load(&path)?;
    match command {
        RulesCommand::Check => {
            println!("{}: {} rules, all valid", path.display(), rules.rules.len());
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Apply { dry_run, query } => apply(home, &rules, dry_run, &query.join(" ")),
    }
}

fn apply(home: &Home, rules: &Rules, dry_run: bool, scope: &str) -> anyhow::Result<ExitCode> {
    let api = connect(home)?;
    for (position, rule) in rules.rules.iter().enumerate() {
        let query = changing(rule, scope);
        let changed = if dry_run {
            let mut params = SearchParams::new(query);
            params.limit = 0;
            params.snippets = false;
            let Some(found) = answer(api.search(&params))? else {
                return Ok(ExitCode::from(2));
            };
            found.total
        } else {
            let params = TagParams {
                query,
                add: rule.add.clone(),
                remove: rule.remove.clone(),
                rule_position: Some(position + 1),
                rule_query: Some(rule.text.clone()),
            };
            let Some(outcome) = answer(api.tag(&params))? else {
                return Ok(ExitCode::from(2));
            };
            outcome.changed
        };
        let verb = if dry_run { "would change" } else { "changed" };
        println!(
            "rule {} ({}): {verb} {changed} messages",
            position + 1,
            rule.text
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The messages in `scope` that `rule` matches and would change: missing a
/// tag it adds or holding one it removes.
fn changing(rule: &Rule, scope: &str) -> String {
    let quote = |tag: &str| format!("tag:\"{tag}\"");
    let changes: Vec<String> = (rule.add.iter().map(|tag| format!("not {}", quote(tag))))
        .chain(rule.remove.iter().map(|tag| quote(tag)))
        .collect();
    let scope = if scope.trim().is_empty() { "*" } else { scope };
    format!(
        "({}) and ({scope}) and ({})",
        rule.text,
        changes.join(" or ")
    )
}
