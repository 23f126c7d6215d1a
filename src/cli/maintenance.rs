//! `inbox reindex` and `inbox stats`.

use std::path::Path;
use std::process::ExitCode;

use super::format::visible_line;
use super::{open_index, open_store, open_store_for_reading};
use crate::home::Home;
use crate::sync;

pub(super) fn reindex(home: &Home) -> anyhow::Result<ExitCode> {
    let store = open_store(home)?;
    let index = open_index(home)?;
    let bar = super::progress::Bar::new("indexing");
    let started = std::time::Instant::now();
    let written = sync::reindex(&store, &index, &bar)?;
    drop(bar);
    println!(
        "indexed {written} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn stats(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_store_for_reading(home)?;
    let stats = store.stats()?;
    let store_bytes = disk_usage(&home.data_dir) - disk_usage(&home.index_dir());
    let index_bytes = disk_usage(&home.index_dir());
    if json {
        let value = serde_json::json!({
            "messages": stats.messages,
            "threads": stats.threads,
            "with_warnings": stats.with_warnings,
            "raw_bytes": stats.raw_bytes,
            "store_bytes": store_bytes,
            "index_bytes": index_bytes,
            "accounts": stats.accounts.iter().map(|(name, kind, count)| serde_json::json!({"name": name, "kind": kind, "messages": count})).collect::<Vec<_>>(),
            "folders": stats.folders.iter().map(|(account, folder, count)| serde_json::json!({"account": account, "folder": folder, "messages": count})).collect::<Vec<_>>(),
            "tags": stats.tags.iter().map(|(tag, count)| serde_json::json!({"tag": tag, "messages": count})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("messages      {}", stats.messages);
    println!("threads       {}", stats.threads);
    println!("with problems {}", stats.with_warnings);
    println!("raw mail      {}", mib(stats.raw_bytes));
    println!("store         {}", mib(store_bytes));
    println!("index         {}", mib(index_bytes));
    for (name, kind, count) in &stats.accounts {
        let (name_shown, kind) = (visible_line(name), visible_line(kind));
        println!("account {name_shown} ({kind}): {count} messages");
        for (_, folder, count) in stats
            .folders
            .iter()
            .filter(|(account, _, _)| account == name)
        {
            println!("  {count:>8}  {}", visible_line(folder));
        }
    }
    if !stats.tags.is_empty() {
        println!("tags");
        for (tag, count) in &stats.tags {
            println!("  {count:>8}  {}", visible_line(tag));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Bytes used by the files under `path`.
fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| disk_usage(&entry.path()))
                .sum()
        })
        .unwrap_or(0)
}
