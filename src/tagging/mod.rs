//! Tags a message gets when it arrives: the built-in taggers (module
//! `builtin`), then the user's rules (`rules.toml`, module [`rules`]) in
//! order, each rule matching the message as a search would (module
//! [`matcher`]) and seeing the tags set before it.

mod builtin;
pub mod matcher;
pub mod rules;
#[cfg(test)]
mod tests;

use crate::classify::{Classifier, ModelError, model_path};
use crate::home::Home;
use crate::index::Clock;
pub use matcher::{Candidate, Matcher};
pub use rules::{Builtins, Rule, Rules, RulesError, rules_path};

/// Why tagging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TaggingError {
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("cannot use the spam model: retrain it with `inbox spam train`, or delete it")]
    Model(#[from] ModelError),
}

/// The rules and the spam model, loaded once per sync.
pub struct Tagger {
    rules: Rules,
    spam: Option<Classifier>,
    matcher: Matcher,
}

/// What a message's tags are computed from besides the message itself.
pub struct Arrival<'a> {
    pub raw: &'a [u8],
    /// Whether a message its In-Reply-To names is stored.
    pub parent_stored: bool,
}

impl Tagger {
    /// The rules of `home` and its spam model (when the `spam` tagger is on
    /// and a model was trained).
    pub fn load(home: &Home) -> Result<Tagger, TaggingError> {
        let rules = Rules::load(&rules_path(home))?;
        let path = model_path(home, "spam");
        let spam = match rules.builtins.spam && path.exists() {
            true => Some(Classifier::load(&path)?),
            false => None,
        };
        Ok(Tagger::new(rules, spam))
    }

    /// A tagger with these rules and spam model.
    pub fn new(rules: Rules, spam: Option<Classifier>) -> Tagger {
        Tagger {
            rules,
            spam,
            matcher: Matcher::new(Clock::Local),
        }
    }

    /// The rules in use.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The tags of a new message: the built-in taggers', then the rules'.
    pub fn tags(&mut self, candidate: &Candidate, arrival: &Arrival) -> Vec<String> {
        let builtins = self.rules.builtins;
        let mut tags = Vec::new();
        if builtins.list {
            tags.extend(builtin::list_tag(candidate.message));
        }
        if builtins.bulk && builtin::is_bulk(candidate.source, arrival.raw) {
            tags.push("bulk".to_owned());
        }
        if builtins.reply && arrival.parent_stored {
            tags.push("reply".to_owned());
        }
        if let Some(spam) = &self.spam
            && builtin::is_spam(spam, arrival.raw)
        {
            tags.push("spam".to_owned());
        }
        self.apply_rules(candidate, &mut tags, |_, _| {});
        tags
    }

    /// Applies the rules in order to a message holding `tags`; `changed`
    /// hears of each rule (by position, from 0) that changed them.
    pub fn apply_rules(
        &mut self,
        candidate: &Candidate,
        tags: &mut Vec<String>,
        mut changed: impl FnMut(usize, &Rule),
    ) {
        for (position, rule) in self.rules.rules.iter().enumerate() {
            if !self.matcher.matches(&rule.query, candidate, tags) {
                continue;
            }
            let before = tags.len();
            tags.retain(|tag| {
                !rule
                    .remove
                    .iter()
                    .any(|gone| gone.eq_ignore_ascii_case(tag))
            });
            let mut touched = tags.len() != before;
            for tag in &rule.add {
                if !tags.iter().any(|have| have.eq_ignore_ascii_case(tag)) {
                    tags.push(tag.clone());
                    touched = true;
                }
            }
            if touched {
                changed(position, rule);
            }
        }
    }
}
