//! `inbox retention apply [--dry-run]`: erases, here only, the messages
//! older than their account's `retention`, through the API (the daemon's
//! when it runs), and lists them.

use std::process::ExitCode;

use super::format::visible_line;
use super::search::{answer, connect};
use crate::home::Home;
use crate::rpc::dto::SummaryDto;
use crate::rpc::requests::RetentionParams;

/// The `retention` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(super) enum RetentionCommand {
    /// Erase the messages older than their account's retention (flagged
    /// ones stay; server copies are not touched), listing them.
    Apply {
        /// List what would be erased; erase nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub(super) fn run(home: &Home, command: RetentionCommand) -> anyhow::Result<ExitCode> {
    let RetentionCommand::Apply { dry_run } = command;
    let api = connect(home)?;
    let Some(outcome) = answer(api.apply_retention(&RetentionParams { dry_run }))? else {
        return Ok(ExitCode::from(2));
    };
    for message in &outcome.messages {
        println!("{}", line(message));
    }
    let erased = &outcome.erased;
    let accounts: Vec<String> = (erased.accounts.iter())
        .map(|count| format!("{}: {}", count.account, count.messages))
        .collect();
    let verb = match dry_run {
        true => "would erase",
        false => "erased",
    };
    match erased.messages {
        0 => println!("retention: no message expired"),
        n => println!(
            "retention: {verb} {n} expired messages ({}), {} bytes of raw mail",
            accounts.join(", "),
            erased.raw_bytes
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `2001-05-14  enron  1234  Subject`.
fn line(message: &SummaryDto) -> String {
    let date = message
        .date
        .as_deref()
        .and_then(|date| date.get(..10))
        .unwrap_or("----------");
    let subject = message.subject.as_deref().unwrap_or("(no subject)");
    format!(
        "{date}  {}  {}  {}",
        visible_line(&message.account),
        message.id,
        visible_line(subject)
    )
}
