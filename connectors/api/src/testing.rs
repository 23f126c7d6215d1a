//! Test support for connectors: a [`RecordingSink`] that behaves like the
//! store, and [`check_conformance`], the contract check every connector's
//! tests run against a stable source; [`corpus`] and [`skip`], for tests
//! that need something from outside the repository.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::{
    Batch, Change, Connector, ConnectorError, Cursor, Flags, Location, RawItem, Sink, SinkError,
};

/// The variable that turns a skipped test into a failed one (`tests/run.sh`
/// sets it, so that nothing is skipped unnoticed).
pub const STRICT: &str = "INBOX_TEST_STRICT";

/// The shared test corpus: `$INBOX_TEST_CORPUS`, else `shared/corpus`
/// beside the repository. `None`, after [`skip`], when it is missing.
pub fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("INBOX_TEST_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "the test corpus is missing at {} (set INBOX_TEST_CORPUS to its directory)",
            dir.display()
        ))
    }
}

/// Skips the calling test for `reason`: prints one line saying so and
/// returns `None`, or panics with `reason` when `$INBOX_TEST_STRICT` is set
/// (to anything but empty or `0`).
pub fn skip<T>(reason: &str) -> Option<T> {
    let strict = std::env::var_os(STRICT).is_some_and(|v| !v.is_empty() && v != "0");
    let test = std::thread::current().name().unwrap_or("test").to_owned();
    if strict {
        panic!("{test}: {reason}; {STRICT} is set, so this fails instead of skipping");
    }
    // Straight to stderr, past the test harness's capture, so the line shows.
    let _ = writeln!(std::io::stderr(), "skipped {test}: {reason}");
    None
}

/// A [`Sink`] that stores locations and flags in memory, records every batch
/// and warning, and can be told to fail a commit.
#[derive(Debug)]
pub struct RecordingSink {
    batch_size: usize,
    stored: HashMap<Location, Flags>,
    cursor: Cursor,
    batches: Vec<Batch>,
    warnings: Vec<(Location, String)>,
    roles: HashMap<String, Option<String>>,
    redelivered: Vec<Location>,
    fail_at: Option<usize>,
    commit_calls: usize,
    calls_after_failure: usize,
    failed: bool,
}

impl RecordingSink {
    /// An empty sink asking for batches of at most `batch_size` changes.
    pub fn new(batch_size: usize) -> RecordingSink {
        RecordingSink {
            batch_size,
            stored: HashMap::new(),
            cursor: Cursor::default(),
            batches: Vec::new(),
            warnings: Vec::new(),
            roles: HashMap::new(),
            redelivered: Vec::new(),
            fail_at: None,
            commit_calls: 0,
            calls_after_failure: 0,
            failed: false,
        }
    }

    /// Makes the `nth` commit call from now on (0-based) fail, and every call after it.
    pub fn fail_commit(&mut self, nth: usize) {
        self.fail_at = Some(self.commit_calls + nth);
    }

    /// Marks `location` as stored with `flags`, as if an earlier sync had delivered it.
    pub fn remember(&mut self, location: Location, flags: Flags) {
        self.stored.insert(location, flags);
    }

    /// Forgets the recorded batches and warnings and clears a simulated
    /// failure; stored items and the cursor stay, ready for the next sync.
    pub fn clear_log(&mut self) {
        self.batches.clear();
        self.warnings.clear();
        self.redelivered.clear();
        self.fail_at = None;
        self.failed = false;
        self.calls_after_failure = 0;
    }

    /// Every stored location with its flags.
    pub fn stored(&self) -> &HashMap<Location, Flags> {
        &self.stored
    }

    /// The cursor of the last committed batch (empty before the first).
    pub fn cursor(&self) -> &Cursor {
        &self.cursor
    }

    /// The committed batches, in order.
    pub fn batches(&self) -> &[Batch] {
        &self.batches
    }

    /// Every committed change, in order.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.batches.iter().flat_map(|batch| &batch.changes)
    }

    /// Every committed new item, in order.
    pub fn new_items(&self) -> impl Iterator<Item = &RawItem> {
        self.changes().filter_map(|change| match change {
            Change::New(item) => Some(item),
            Change::Flags { .. } | Change::Gone { .. } => None,
        })
    }

    /// Every committed flag change, in order.
    pub fn flag_changes(&self) -> impl Iterator<Item = (&Location, Flags)> {
        self.changes().filter_map(|change| match change {
            Change::Flags { location, flags } => Some((location, *flags)),
            Change::New(_) | Change::Gone { .. } => None,
        })
    }

    /// Every committed removal, in order.
    pub fn gone(&self) -> impl Iterator<Item = &Location> {
        self.changes().filter_map(|change| match change {
            Change::Gone { location } => Some(location),
            Change::New(_) | Change::Flags { .. } => None,
        })
    }

    /// Every warning received, in order.
    pub fn warnings(&self) -> &[(Location, String)] {
        &self.warnings
    }

    /// New items whose location was already stored when they arrived.
    pub fn redelivered(&self) -> &[Location] {
        &self.redelivered
    }

    /// What each folder is for, as last told (see [`Sink::folder_role`]).
    pub fn roles(&self) -> &HashMap<String, Option<String>> {
        &self.roles
    }

    /// Commit calls made after a commit had failed (the contract says zero).
    pub fn calls_after_failure(&self) -> usize {
        self.calls_after_failure
    }
}

#[async_trait]
impl Sink for RecordingSink {
    fn batch_size(&self) -> usize {
        self.batch_size
    }

    fn known(&self, location: &Location) -> Option<Flags> {
        self.stored.get(location).copied()
    }

    fn known_in_folder(&self, folder: &str) -> Vec<String> {
        self.stored
            .keys()
            .filter(|location| location.folder == folder)
            .map(|location| location.remote_id.clone())
            .collect()
    }

    async fn commit(&mut self, batch: Batch) -> Result<(), SinkError> {
        let call = self.commit_calls;
        self.commit_calls += 1;
        if self.failed {
            self.calls_after_failure += 1;
            return Err(SinkError("store is failing".into()));
        }
        if self.fail_at == Some(call) {
            self.failed = true;
            return Err(SinkError("simulated store failure".into()));
        }
        for change in &batch.changes {
            match change {
                Change::New(item) => {
                    if self
                        .stored
                        .insert(item.location.clone(), item.flags)
                        .is_some()
                    {
                        self.redelivered.push(item.location.clone());
                    }
                }
                Change::Flags { location, flags } => {
                    self.stored.insert(location.clone(), *flags);
                }
                Change::Gone { location } => {
                    self.stored.remove(location);
                }
            }
        }
        self.cursor = batch.cursor.clone();
        self.batches.push(batch);
        Ok(())
    }

    fn warn(&mut self, location: &Location, message: &str) {
        self.warnings.push((location.clone(), message.to_owned()));
    }

    fn folder_role(&mut self, folder: &str, role: Option<&str>) {
        self.roles
            .insert(folder.to_owned(), role.map(str::to_owned));
    }
}

/// A broken rule of the connector contract, in words.
#[derive(Debug, thiserror::Error)]
#[error("connector contract violated: {0}")]
pub struct Violation(pub String);

/// What a passing [`check_conformance`] saw on the first full sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConformanceReport {
    pub items: usize,
    pub batches: usize,
    pub warnings: usize,
}

/// Runs the contract checks against connectors from `open` (one fresh
/// connector per sync) over a source that does not change meanwhile:
///
/// 1. a full sync delivers batches of at most `batch_size` changes (only the
///    last may be empty), each location once, well-formed (`/`-separated
///    folder without empty parts, non-empty id and bytes),
///    and no flag change for items the sink never held;
/// 2. a sync resumed from the final cursor delivers nothing;
/// 3. a sync whose commit fails stops with [`ConnectorError::Sink`] and
///    commits nothing more; resumed from the last committed cursor, it stores
///    exactly the items of the full sync, none twice.
pub async fn check_conformance<C, F>(
    mut open: F,
    batch_size: usize,
) -> Result<ConformanceReport, Violation>
where
    C: Connector,
    F: FnMut() -> C,
{
    let mut full = RecordingSink::new(batch_size);
    run(&mut open(), &mut full, "the full sync").await?;
    check_batches(&full, batch_size)?;
    let report = ConformanceReport {
        items: full.new_items().count(),
        batches: full.batches().len(),
        warnings: full.warnings().len(),
    };

    full.clear_log();
    let cursor = full.cursor().clone();
    run_from(&mut open(), &cursor, &mut full, "the resumed sync").await?;
    if full.changes().next().is_some() {
        return violation(format!(
            "a sync resumed from the final cursor delivered {} changes; expected none",
            full.changes().count()
        ));
    }

    let mut failure_points = vec![0, report.batches / 2];
    failure_points.dedup();
    for nth in failure_points
        .into_iter()
        .filter(|&nth| nth < report.batches)
    {
        check_crash_resume(&mut open, batch_size, nth, full.stored()).await?;
    }
    Ok(report)
}

async fn check_crash_resume<C, F>(
    open: &mut F,
    batch_size: usize,
    nth: usize,
    expected: &HashMap<Location, Flags>,
) -> Result<(), Violation>
where
    C: Connector,
    F: FnMut() -> C,
{
    let mut sink = RecordingSink::new(batch_size);
    sink.fail_commit(nth);
    match open().sync(&Cursor::default(), &mut sink).await {
        Err(ConnectorError::Sink(_)) => {}
        Err(other) => {
            return violation(format!(
                "a failing commit was reported as {other:?}, not as a sink error"
            ));
        }
        Ok(()) => return violation(format!("sync succeeded although commit #{nth} failed")),
    }
    if sink.calls_after_failure() > 0 {
        return violation(format!(
            "{} commits were attempted after a failed one",
            sink.calls_after_failure()
        ));
    }
    sink.clear_log();
    let cursor = sink.cursor().clone();
    run_from(
        &mut open(),
        &cursor,
        &mut sink,
        "the sync resumed after a failed commit",
    )
    .await?;
    if let Some(location) = sink.redelivered().first() {
        return violation(format!(
            "after a failed commit #{nth}, the resumed sync delivered {location:?} again"
        ));
    }
    let stored: HashSet<&Location> = sink.stored().keys().collect();
    let wanted: HashSet<&Location> = expected.keys().collect();
    if stored != wanted {
        return violation(format!(
            "after a failed commit #{nth} and a resume, {} items are stored; the full sync stored {} ({} missing, {} extra)",
            stored.len(),
            wanted.len(),
            wanted.difference(&stored).count(),
            stored.difference(&wanted).count()
        ));
    }
    Ok(())
}

async fn run<C: Connector>(
    connector: &mut C,
    sink: &mut RecordingSink,
    what: &str,
) -> Result<(), Violation> {
    run_from(connector, &Cursor::default(), sink, what).await
}

async fn run_from<C: Connector>(
    connector: &mut C,
    cursor: &Cursor,
    sink: &mut RecordingSink,
    what: &str,
) -> Result<(), Violation> {
    connector
        .sync(cursor, sink)
        .await
        .map_err(|error| Violation(format!("{what} failed: {error}")))
}

fn check_batches(sink: &RecordingSink, batch_size: usize) -> Result<(), Violation> {
    let last = sink.batches().len().saturating_sub(1);
    for (index, batch) in sink.batches().iter().enumerate() {
        if batch.changes.len() > batch_size {
            return violation(format!(
                "batch #{index} holds {} changes; the sink asked for at most {batch_size}",
                batch.changes.len()
            ));
        }
        if batch.changes.is_empty() && index != last {
            return violation(format!("batch #{index} is empty and not the last one"));
        }
    }
    if let Some((location, _)) = sink.flag_changes().next() {
        return violation(format!(
            "flag change for {location:?}, which the sink never held"
        ));
    }
    if let Some(location) = sink.redelivered().first() {
        return violation(format!("{location:?} was delivered twice in one sync"));
    }
    sink.new_items().try_for_each(check_item)
}

fn check_item(item: &RawItem) -> Result<(), Violation> {
    let location = &item.location;
    if location.folder.split('/').any(str::is_empty) {
        return violation(format!(
            "folder {:?} has an empty part (use `/` only between names)",
            location.folder
        ));
    }
    if location.remote_id.is_empty() {
        return violation(format!(
            "item in folder {:?} has an empty remote id",
            location.folder
        ));
    }
    if item.bytes.is_empty() {
        return violation(format!("item {location:?} has no bytes"));
    }
    Ok(())
}

fn violation<T>(message: String) -> Result<T, Violation> {
    Err(Violation(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceKind;

    /// Items numbered 0..count in one folder; the cursor is the next number.
    struct Numbered {
        count: usize,
        honour_cursor: bool,
    }

    #[async_trait]
    impl Connector for Numbered {
        fn kind(&self) -> SourceKind {
            SourceKind::Maildir
        }

        async fn sync(
            &mut self,
            cursor: &Cursor,
            sink: &mut dyn Sink,
        ) -> Result<(), ConnectorError> {
            let start = if self.honour_cursor {
                cursor.0.parse().unwrap_or(0)
            } else {
                0
            };
            let mut changes = Vec::new();
            for number in start..self.count {
                changes.push(Change::New(RawItem {
                    location: Location {
                        folder: "INBOX".into(),
                        remote_id: number.to_string(),
                    },
                    source: SourceKind::Maildir,
                    bytes: b"Subject: x\n\nbody\n".to_vec(),
                    flags: Flags::default(),
                    received: None,
                }));
                if changes.len() == sink.batch_size() || number + 1 == self.count {
                    let cursor = Cursor((number + 1).to_string());
                    sink.commit(Batch {
                        changes: std::mem::take(&mut changes),
                        cursor,
                    })
                    .await?;
                }
            }
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_connector_that_follows_the_contract_passes() {
        let report = check_conformance(
            || Numbered {
                count: 10,
                honour_cursor: true,
            },
            3,
        )
        .await
        .unwrap();
        assert_eq!(
            report,
            ConformanceReport {
                items: 10,
                batches: 4,
                warnings: 0
            }
        );
    }

    #[tokio::test]
    async fn a_connector_that_ignores_its_cursor_fails() {
        let error = check_conformance(
            || Numbered {
                count: 10,
                honour_cursor: false,
            },
            3,
        )
        .await
        .unwrap_err();
        assert!(error.0.contains("resumed from the final cursor"), "{error}");
    }

    #[tokio::test]
    async fn a_failed_commit_stops_the_recording() {
        let mut sink = RecordingSink::new(3);
        sink.fail_commit(1);
        let result = Numbered {
            count: 10,
            honour_cursor: true,
        }
        .sync(&Cursor::default(), &mut sink)
        .await;
        assert!(matches!(result, Err(ConnectorError::Sink(_))));
        assert_eq!(sink.stored().len(), 3);
        assert_eq!(sink.cursor(), &Cursor("3".into()));
        assert_eq!(sink.calls_after_failure(), 0);
    }
}
