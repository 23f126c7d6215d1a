//! `inbox import PATH`: local Maildir / mbox import with progress.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::progress::Bar;
use super::{open_index, open_store};
use crate::home::Home;
use crate::sync;
use crate::tagging::Tagger;

pub(super) fn run(home: &Home, path: &Path, account: &str) -> anyhow::Result<ExitCode> {
    let mut connector = inbox_connector_maildir::MaildirConnector::open(path)
        .with_context(|| format!("cannot import {}", path.display()))?;
    let mut store = open_store(home)?;
    let index = open_index(home)?;
    let tagger = Tagger::load(home)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .context("cannot start the async runtime")?;
    let bar = Bar::new("importing");
    let report = runtime.block_on(sync::sync_account(
        &mut store,
        &index,
        &mut connector,
        account,
        "local",
        tagger,
        &bar,
    ))?;
    drop(bar);
    let seconds = report.elapsed.as_secs_f64();
    println!(
        "imported {} messages, {} duplicates, {} flag changes, {} with problems, {} skipped ({:.1} s, {:.0} msg/s)",
        report.imported,
        report.duplicates,
        report.flags_changed,
        report.with_warnings,
        report.skipped,
        seconds,
        report.imported as f64 / seconds.max(1e-9),
    );
    for example in &report.skipped_examples {
        eprintln!("  skipped {example}");
    }
    if report.skipped > report.skipped_examples.len() as u64 {
        eprintln!("  (run with -v to see every skipped item)");
    }
    Ok(ExitCode::SUCCESS)
}
