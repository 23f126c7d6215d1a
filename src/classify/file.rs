//! The model file: versioned text, checksummed, written atomically (0600).
//!
//! ```text
//! inbox-classifier-model 2
//! messages <positive> <negative>
//! <token hash>\t<positive>\t<negative>   (one line per token, 16 hex digits, sorted)
//! end <tokens> <blake3 of every byte above this line>
//! ```
//!
//! Version 1 files, which named each token by its text, are still read:
//! each text becomes its [`token_hash`].

use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

use super::model::{Counts, Model};
use super::tokens::token_hash;

const MAGIC: &str = "inbox-classifier-model";
const VERSION: u32 = 2;
/// The older version still read.
const TEXT_TOKENS: u32 = 1;

/// Why a model file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot {action} the classifier model {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} is not an inbox classifier model; move it away and train the classifier again",
        path.display()
    )]
    Foreign { path: PathBuf },
    #[error(
        "{} is a classifier model of format version {found}, this inbox reads version {VERSION}; move it away and train the classifier again",
        path.display()
    )]
    Version { path: PathBuf, found: String },
    #[error(
        "the classifier model {} is corrupt ({problem}); move it away and train the classifier again",
        path.display()
    )]
    Corrupt { path: PathBuf, problem: String },
}

/// Writes `model` to `path` atomically: a private temporary file in the same
/// directory (created 0700 if missing), synced, then renamed over `path`.
pub(super) fn save(model: &Model, path: &Path) -> Result<(), ModelError> {
    let io_error = |source| ModelError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_error)?;
    // NamedTempFile creates its file 0600.
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io_error)?;
    file.write_all(&encode(model)).map_err(io_error)?;
    file.as_file().sync_all().map_err(io_error)?;
    file.persist(path).map_err(|error| io_error(error.error))?;
    Ok(())
}

/// Reads a model written by [`save`].
pub(super) fn load(path: &Path) -> Result<Model, ModelError> {
    let bytes = crate::home::read_own_bytes(path).map_err(|source| ModelError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    decode(&bytes).map_err(|problem| problem.at(path))
}

fn encode(model: &Model) -> Vec<u8> {
    let mut text = format!(
        "{MAGIC} {VERSION}\nmessages {} {}\n",
        model.messages.positive, model.messages.negative
    );
    let mut tokens: Vec<(&u64, &Counts)> = model.tokens.iter().collect();
    tokens.sort_unstable_by_key(|(token, _)| **token);
    for (token, counts) in &tokens {
        let _ = writeln!(
            text,
            "{token:016x}\t{}\t{}",
            counts.positive, counts.negative
        );
    }
    let checksum = blake3::hash(text.as_bytes());
    let _ = writeln!(text, "end {} {}", tokens.len(), checksum.to_hex());
    text.into_bytes()
}

/// What is wrong with a file, before the path is known.
enum Problem {
    Foreign,
    Version(String),
    Corrupt(String),
}

impl Problem {
    fn at(self, path: &Path) -> ModelError {
        let path = path.to_owned();
        match self {
            Problem::Foreign => ModelError::Foreign { path },
            Problem::Version(found) => ModelError::Version { path, found },
            Problem::Corrupt(problem) => ModelError::Corrupt { path, problem },
        }
    }
}

fn decode(bytes: &[u8]) -> Result<Model, Problem> {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let version = first_line
        .strip_prefix(MAGIC.as_bytes())
        .and_then(|rest| rest.strip_prefix(b" "))
        .ok_or(Problem::Foreign)?;
    let text_tokens = version == TEXT_TOKENS.to_string().as_bytes();
    if version != VERSION.to_string().as_bytes() && !text_tokens {
        let found = String::from_utf8_lossy(&version[..version.len().min(20)]).into_owned();
        return Err(Problem::Version(found));
    }
    let corrupt = |problem: &str| Problem::Corrupt(problem.to_owned());
    let text = std::str::from_utf8(bytes).map_err(|_| corrupt("not UTF-8 text"))?;
    let body_end = text
        .trim_end_matches('\n')
        .rfind('\n')
        .map(|at| at + 1)
        .ok_or_else(|| corrupt("no end line: the file is truncated"))?;
    let (body, end_line) = text.split_at(body_end);
    let mut end = end_line.trim_end().split(' ');
    let (Some("end"), Some(count), Some(checksum), None) =
        (end.next(), end.next(), end.next(), end.next())
    else {
        return Err(corrupt("no end line: the file is truncated"));
    };
    if blake3::hash(body.as_bytes()).to_hex().as_str() != checksum {
        return Err(corrupt("checksum mismatch"));
    }
    let mut lines = body.lines().skip(1);
    let mut model = Model::default();
    let messages = lines.next().and_then(|line| line.strip_prefix("messages "));
    model.messages = messages
        .and_then(|counts| parse_counts(counts, ' '))
        .ok_or_else(|| corrupt("bad message counts"))?;
    let mut lines_read = 0;
    for (number, line) in lines.enumerate() {
        let token_line = |(token, counts): (&str, &str)| {
            let token = match text_tokens {
                true => token_hash(token),
                false => u64::from_str_radix(token, 16).ok()?,
            };
            Some((token, parse_counts(counts, '\t')?))
        };
        let (token, counts) = (line.split_once('\t').and_then(token_line))
            .ok_or_else(|| Problem::Corrupt(format!("bad token line {}", number + 3)))?;
        let total = model.tokens.entry(token).or_default();
        total.positive = total.positive.saturating_add(counts.positive);
        total.negative = total.negative.saturating_add(counts.negative);
        lines_read += 1;
    }
    if count.parse() != Ok(lines_read) {
        return Err(corrupt("token count mismatch"));
    }
    Ok(model)
}

fn parse_counts(text: &str, separator: char) -> Option<Counts> {
    let (positive, negative) = text.split_once(separator)?;
    Some(Counts {
        positive: positive.parse().ok()?,
        negative: negative.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::tokens::Features;

    fn sample() -> Model {
        let mut model = Model::default();
        model.train(&Features::of(b"Subject: cheap pills\n\nbuy now"), true);
        model.train(&Features::of(b"Subject: meeting\n\nsee you at noon"), false);
        model
    }

    #[test]
    fn round_trip_private_and_atomic() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("classify/spam.model");
        save(&sample(), &path).unwrap();
        assert_eq!(load(&path).unwrap(), sample());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn version_1_files_are_read_by_token_text() {
        let body = "inbox-classifier-model 1\nmessages 3 4\ncheap\t2\t0\nmeeting\t1\t4\n";
        let file = format!("{body}end 2 {}\n", blake3::hash(body.as_bytes()).to_hex());
        let model = decode(file.as_bytes()).ok().expect("a version 1 model");
        assert_eq!(
            model.messages,
            Counts {
                positive: 3,
                negative: 4
            }
        );
        let counts = |token| model.tokens.get(&token_hash(token)).copied();
        assert_eq!(
            counts("cheap"),
            Some(Counts {
                positive: 2,
                negative: 0
            })
        );
        assert_eq!(
            counts("meeting"),
            Some(Counts {
                positive: 1,
                negative: 4
            })
        );
        assert_eq!(model.tokens.len(), 2);
        // Written back, it is a version 2 file with the same counts.
        let again = decode(&encode(&model)).ok().expect("a version 2 model");
        assert!(encode(&model).starts_with(b"inbox-classifier-model 2\n"));
        assert_eq!(again, model);
    }

    #[test]
    fn damaged_files_give_clear_errors() {
        let good = encode(&sample());
        let text = String::from_utf8(good.clone()).unwrap();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                b"hello world\n".to_vec(),
                "is not an inbox classifier model",
            ),
            (Vec::new(), "is not an inbox classifier model"),
            (
                text.replacen("model 2", "model 7", 1).into_bytes(),
                "format version 7",
            ),
            (good[..good.len() / 2].to_vec(), "corrupt"),
            (
                text.replacen("\t1\t", "\t9\t", 1).into_bytes(),
                "checksum mismatch",
            ),
            (
                [&good[..good.len() - 3], b"\xff\xfe\n"].concat(),
                "not UTF-8",
            ),
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spam.model");
        for (bytes, expected) in cases {
            std::fs::write(&path, &bytes).unwrap();
            let error = load(&path).unwrap_err().to_string();
            assert!(
                error.contains(expected),
                "{error:?} should say {expected:?}"
            );
            assert!(error.contains("spam.model"), "{error}");
        }
        let missing = load(&dir.path().join("none")).unwrap_err().to_string();
        assert!(
            missing.contains("cannot read the classifier model"),
            "{missing}"
        );
    }
}
