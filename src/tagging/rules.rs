//! `rules.toml`: the user's tagging rules and the built-in taggers' switches.
//!
//! ```toml
//! [[rule]]
//! query = "from:github.com and subject:PR"
//! add = ["dev"]
//! remove = ["inbox"]
//!
//! [builtin]
//! bulk = false
//! ```
//!
//! A top-level `addresses = ["me@example.org"]` names the user's own
//! addresses (besides the IMAP accounts' user names) for the `sent` tagger.
//!
//! Rules run in file order; each sees the tags set before it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::home::Home;
use crate::index::query::{Flag, Query};
use crate::index::{QueryError, parse};
use crate::model::{FlagTag, is_tag_name};

/// Whether `tag` names a message flag (a flag tag, or `attachment`):
/// rules leave those to the source.
fn is_message_flag(tag: &str) -> bool {
    FlagTag::from_name(tag).is_some() || tag == Flag::Attachment.as_str()
}

/// Where the rules live: `rules.toml` next to `config.toml`.
pub fn rules_path(home: &Home) -> PathBuf {
    home.config_dir.join("rules.toml")
}

/// Why the rules file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("{path}: rule {position} (query {query:?}): {error}; fix the rule and retry")]
    Query {
        path: PathBuf,
        position: usize,
        query: String,
        error: QueryError,
    },
    #[error("{path}: rule {position}: {message}")]
    Invalid {
        path: PathBuf,
        position: usize,
        message: String,
    },
}

/// Which built-in taggers run (each on unless switched off).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Builtins {
    /// `list/<list-id>` from List-Id.
    pub list: bool,
    /// `bulk` from List-Unsubscribe, Precedence and Auto-Submitted.
    pub bulk: bool,
    /// `reply` when In-Reply-To names a stored message.
    pub reply: bool,
    /// `spam` when the spam model says so.
    pub spam: bool,
    /// `sent` when From is one of the user's own addresses.
    pub sent: bool,
    /// `attachment` when the message carries a real attachment.
    pub attachment: bool,
    /// Learned tags (`inbox tags learn`) when their model is confident.
    pub learned: bool,
}

impl Default for Builtins {
    fn default() -> Builtins {
        Builtins {
            list: true,
            bulk: true,
            reply: true,
            spam: true,
            sent: true,
            attachment: true,
            learned: true,
        }
    }
}

/// One rule: messages matching `query` get `add` and lose `remove`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The query as written.
    pub text: String,
    pub query: Query,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// The parsed rules file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rules {
    pub rules: Vec<Rule>,
    pub builtins: Builtins,
    /// The user's own addresses, lowercased (for `sent`).
    pub addresses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    addresses: Vec<String>,
    #[serde(default)]
    rule: Vec<RuleEntry>,
    #[serde(default)]
    builtin: Builtins,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    query: String,
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

impl Rules {
    /// Reads `path`; no file means no rules and every built-in tagger on.
    pub fn load(path: &Path) -> Result<Rules, RulesError> {
        match crate::home::read_own(path) {
            Ok(text) => Rules::parse(&text, path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Rules::default()),
            Err(source) => Err(RulesError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Parses the text of a rules file; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Rules, RulesError> {
        let file: RulesFile = toml::from_str(text).map_err(|error| RulesError::Toml {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        let rules = (file.rule.into_iter().enumerate())
            .map(|(index, entry)| rule(entry, index + 1, path))
            .collect::<Result<_, _>>()?;
        let mut addresses = Vec::with_capacity(file.addresses.len());
        for address in file.addresses {
            let address = address.trim().to_lowercase();
            if !address.contains('@') || address.chars().any(char::is_whitespace) {
                return Err(RulesError::Toml {
                    path: path.to_owned(),
                    message: format!(
                        "addresses: {address:?} is not a mail address; write it as name@domain"
                    ),
                });
            }
            addresses.push(address);
        }
        Ok(Rules {
            rules,
            builtins: file.builtin,
            addresses,
        })
    }
}

fn rule(entry: RuleEntry, position: usize, path: &Path) -> Result<Rule, RulesError> {
    let invalid = |message: String| RulesError::Invalid {
        path: path.to_owned(),
        position,
        message,
    };
    let query = parse(&entry.query).map_err(|error| RulesError::Query {
        path: path.to_owned(),
        position,
        query: entry.query.clone(),
        error,
    })?;
    if uses_thread(&query) {
        return Err(invalid(
            "`thread:` cannot be used in a rule: a new message has no thread yet".into(),
        ));
    }
    if entry.add.is_empty() && entry.remove.is_empty() {
        return Err(invalid(
            "it neither adds nor removes a tag; give `add` or `remove`".into(),
        ));
    }
    for tag in entry.add.iter().chain(&entry.remove) {
        if !is_tag_name(tag) {
            return Err(invalid(format!(
                "{tag:?} is not a tag: tags are one word, without control characters"
            )));
        }
        if is_message_flag(&tag.to_lowercase()) {
            return Err(invalid(format!(
                "{tag:?} is a message flag, not a tag; rules cannot set flags"
            )));
        }
    }
    Ok(Rule {
        text: entry.query,
        query,
        add: entry.add,
        remove: entry.remove,
    })
}

fn uses_thread(query: &Query) -> bool {
    match query {
        Query::Thread(_) => true,
        Query::And(parts) | Query::Or(parts) => parts.iter().any(uses_thread),
        Query::Not(inner) => uses_thread(inner),
        _ => false,
    }
}
