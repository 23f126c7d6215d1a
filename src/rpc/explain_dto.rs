//! The result of `explain`: why a message holds each of its tags, the
//! spam model's verdict on it, and its importance score with the reasons.

use serde::{Deserialize, Serialize};

/// `explain`: one message's tags, each with where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExplanationDto {
    pub id: i64,
    /// Flag tags, then stored tags, in the order listings show them.
    pub tags: Vec<TagExplanationDto>,
    /// The spam model's score of the message, tagged or not; null when no
    /// spam model was trained.
    pub spam: Option<VerdictDto>,
    /// The message's importance; null until computed (messages stored
    /// before inbox scored importance: `inbox importance update`).
    #[serde(default)]
    pub importance: Option<ImportanceDto>,
}

/// A message's importance score and what made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportanceDto {
    /// From 0 to 1.
    pub score: f64,
    /// Scores at or above this are `is:important`.
    pub threshold: f64,
    pub important: bool,
    /// Each part of the score: `+0.4: you wrote to ...`, `×0.25: tagged bulk`.
    pub reasons: Vec<String>,
}

/// Why a message holds one tag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagExplanationDto {
    pub tag: String,
    /// `flag` (a message flag), `builtin`, `rule`, `classifier`, `user`, or
    /// `unknown` (set before inbox recorded where tags come from).
    pub origin: String,
    /// The built-in tagger (`list`, `bulk`, `reply`, `sent`, `attachment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagger: Option<String>,
    /// What triggered the built-in tagger (e.g. `List-Id: <a.example.org>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The rule's position in rules.toml (from 1) when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<usize>,
    /// The rule's query when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The classifier's score when it set the tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The classifier's verdict now, recomputed from the raw message (null
    /// when its model is gone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classifier: Option<VerdictDto>,
}

/// A classifier model's score of a message and its strongest clues.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerdictDto {
    /// The model: `spam`, or the learned tag.
    pub model: String,
    pub score: f64,
    /// Scores above this set the tag.
    pub threshold: f64,
    /// The tokens that weighed most, strongest first.
    pub tokens: Vec<ClueDto>,
}

/// One token of a message and its probability of meaning "tag it".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClueDto {
    pub token: String,
    pub probability: f64,
}
