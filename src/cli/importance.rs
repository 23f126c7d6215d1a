//! `inbox importance update`: recomputes every stored message's importance
//! score (see README "Importance") and brings the index up to date.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::{open_index, open_store};
use crate::home::Home;
use crate::sync::{Progress, catch_up_index};
use crate::tagging::Tagger;
use crate::tagging::importance::recompute;

/// The `importance` subcommands.
#[derive(Debug, Subcommand)]
pub(super) enum ImportanceCommand {
    /// Recompute the importance of every stored message from the whole
    /// store (who you wrote to, the threads you wrote in, the current
    /// tags) and reindex the messages whose score changed. Run it after
    /// upgrading, or after adding your addresses to rules.toml.
    Update,
}

pub(super) fn run(home: &Home, command: ImportanceCommand) -> anyhow::Result<ExitCode> {
    let ImportanceCommand::Update = command;
    let tagger = Tagger::load(home)?;
    let own = tagger.addresses();
    if own.is_empty() {
        eprintln!(
            "warning: none of your addresses is known, so no message can score above 0; \
             add `addresses = [\"you@example.org\"]` to rules.toml"
        );
    }
    let mut store = open_store(home)?;
    let index = open_index(home)?;
    // Take the writer first: with the daemon running this fails before
    // anything changes.
    let mut writer = index.writer().context("cannot update the index")?;
    let bar = super::progress::Bar::new("scoring");
    let done = recompute(&mut store, own, &mut |scored| bar.advance(scored))?;
    drop(bar);
    let indexed = index.indexed_seq()?.unwrap_or(0);
    catch_up_index(&store, &mut writer, indexed)?;
    writer.finish()?;
    println!(
        "scored {} messages ({} changed); you wrote to {} addresses",
        done.scored, done.changed, done.correspondents
    );
    Ok(ExitCode::SUCCESS)
}
