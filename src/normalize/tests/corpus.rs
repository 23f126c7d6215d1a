//! The whole corpus: nothing panics, and how many messages need the
//! fallback scan. Also a throughput measurement (ignored by default).

use std::time::Instant;

use inbox_connector_api::testing::corpus;

use super::support::{files_under, messages_in};
use crate::normalize::normalize;

fn fell_back(message: &crate::model::Message) -> bool {
    message
        .warnings
        .iter()
        .any(|w| w.starts_with("could not parse MIME structure"))
}

#[test]
fn every_corpus_file_normalizes() {
    let Some(corpus) = corpus() else { return };
    let files = files_under(&corpus);
    assert!(
        files.len() > 5000,
        "corpus looks incomplete: {} files",
        files.len()
    );
    let (mut messages, mut fallbacks) = (0, Vec::new());
    for path in &files {
        let bytes = std::fs::read(path).expect("readable corpus file");
        for raw in messages_in(&bytes) {
            let message = normalize(raw);
            messages += 1;
            if fell_back(&message) {
                fallbacks.push(format!("{} ({:?})", path.display(), message.warnings));
            }
        }
    }
    println!(
        "{messages} messages from {} files, {} fell back:\n{}",
        files.len(),
        fallbacks.len(),
        fallbacks.join("\n")
    );
    // Real mail always has headers mail-parser can read; only the synthetic
    // test files (stub maildir entries, crafted MIME) may need the fallback.
    let real_mail = fallbacks
        .iter()
        .filter(|f| f.contains("/spamassassin/") || f.contains("/enron-sample/"))
        .count();
    assert_eq!(real_mail, 0, "real mail fell back: {fallbacks:#?}");
}

/// Prints normalize throughput over the SpamAssassin corpus. Run with
/// `cargo test --release -p inbox --lib normalize::tests::corpus::throughput -- --ignored --nocapture`.
#[test]
#[ignore = "measurement, prints msgs/s"]
fn throughput() {
    let Some(corpus) = corpus() else { return };
    let files = files_under(&corpus.join("spamassassin"));
    let raws: Vec<Vec<u8>> = files
        .iter()
        .filter(|path| path.extension().is_none_or(|ext| ext != "tsv"))
        .map(|path| std::fs::read(path).expect("readable corpus file"))
        .collect();
    let bytes: usize = raws.iter().map(Vec::len).sum();
    let rounds = 5;
    let started = Instant::now();
    let mut body_bytes = 0;
    for _ in 0..rounds {
        for raw in &raws {
            body_bytes += normalize(raw).body.len();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let count = raws.len() * rounds;
    println!(
        "normalized {count} messages ({:.1} MB) in {seconds:.2} s: {:.0} msgs/s, {:.1} µs/msg ({body_bytes} body bytes)",
        (bytes * rounds) as f64 / 1e6,
        count as f64 / seconds,
        seconds * 1e6 / count as f64
    );
}
