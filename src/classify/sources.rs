//! Labelled mail on disk, for training and evaluation: Maildirs, mbox files
//! and directories of message files (read by the Maildir connector), or a
//! labels table naming one message file per line.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use inbox_connector_api::{
    Batch, Change, Connector, ConnectorError, Flags, Location, Sink, SinkError,
};
use inbox_connector_maildir::MaildirConnector;

/// Why labelled mail could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}, line {line}: {problem}", path.display())]
    Labels {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error(transparent)]
    Connector(#[from] ConnectorError),
}

/// One message file named in a labels table.
pub struct LabelledFile {
    /// The path as the table gives it (relative to the table's directory).
    pub name: String,
    pub path: PathBuf,
    pub positive: bool,
}

/// Reads a tab-separated labels table whose header row names a `path` and
/// a `label` column; `label` is `spam` (positive) or `ham` (negative), and
/// paths are relative to the table's directory (the layout of the
/// SpamAssassin public corpus's `labels.tsv`).
pub fn read_labels(table: &Path) -> Result<Vec<LabelledFile>, SourceError> {
    let text = std::fs::read_to_string(table).map_err(|source| SourceError::Io {
        path: table.to_owned(),
        source,
    })?;
    let problem = |line: usize, problem: String| SourceError::Labels {
        path: table.to_owned(),
        line,
        problem,
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|&title| title == name)
            .ok_or_else(|| {
                problem(
                    1,
                    format!(
                        "no `{name}` column: the first line must name the columns, tab-separated"
                    ),
                )
            })
    };
    let (path_column, label_column) = (column("path")?, column("label")?);
    let base = table.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    for (index, line) in lines
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
    {
        let number = index + 2;
        let cells: Vec<&str> = line.split('\t').collect();
        let (Some(name), Some(label)) = (cells.get(path_column), cells.get(label_column)) else {
            return Err(problem(number, "missing path or label".into()));
        };
        let positive = match *label {
            "spam" => true,
            "ham" => false,
            other => {
                return Err(problem(
                    number,
                    format!("label `{other}` is neither `spam` nor `ham`"),
                ));
            }
        };
        files.push(LabelledFile {
            name: (*name).to_owned(),
            path: base.join(name),
            positive,
        });
    }
    Ok(files)
}

/// Calls `visit(name, raw)` for every message under `path` (a Maildir or a
/// tree of them, an mbox file, or a directory of message files), where
/// `name` is the message's file (and, in an mbox, its offset).
pub fn for_each_message(
    path: &Path,
    visit: &mut (dyn FnMut(String, Vec<u8>) + Send),
) -> Result<(), SourceError> {
    let mut connector = MaildirConnector::open(path)?;
    let mut sink = Visitor {
        root: path.to_owned(),
        visit,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|source| SourceError::Io {
            path: path.to_owned(),
            source,
        })?;
    runtime.block_on(connector.sync(&Default::default(), &mut sink))?;
    Ok(())
}

/// A sink that stores nothing and hands every new message to a callback.
struct Visitor<'a> {
    root: PathBuf,
    visit: &'a mut (dyn FnMut(String, Vec<u8>) + Send),
}

#[async_trait]
impl Sink for Visitor<'_> {
    fn batch_size(&self) -> usize {
        64
    }

    fn known(&self, _location: &Location) -> Option<Flags> {
        None
    }

    fn known_in_folder(&self, _folder: &str) -> Vec<String> {
        Vec::new()
    }

    async fn commit(&mut self, batch: Batch) -> Result<(), SinkError> {
        for change in batch.changes {
            if let Change::New(item) = change {
                let location = &item.location;
                let name = if location.folder == "INBOX" {
                    self.root.join(&location.remote_id)
                } else {
                    self.root.join(&location.folder).join(&location.remote_id)
                };
                (self.visit)(name.display().to_string(), item.bytes);
            }
        }
        Ok(())
    }

    fn warn(&mut self, location: &Location, message: &str) {
        tracing::warn!("{}/{}: {message}", location.folder, location.remote_id);
    }
}
