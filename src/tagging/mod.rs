//! Tags a message gets when it arrives: the built-in taggers (module
//! `builtin`), the spam model and the learned tags' models (module
//! [`learned`]), then the user's rules (`rules.toml`, module [`rules`]) in
//! order, each rule matching the message as a search would (module
//! [`matcher`]) and seeing the tags set before it. Every tag comes with its
//! [`TagOrigin`], stored beside it. Before the rules run, the message gets
//! its importance score (module [`importance`]), which rules see as
//! `is:important`.

mod builtin;
pub mod importance;
pub mod learned;
pub mod matcher;
pub mod rules;
pub mod spam;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::classify::{Classifier, ModelError, Tokenizer, model_path};
use crate::config::{AccountConfig, Config, ConfigError};
use crate::home::Home;
use crate::index::Clock;
use crate::model::{Message, SourceKind};
use crate::store::{Importance, TagOrigin};
pub use importance::Relation;
pub use learned::LEARNED_THRESHOLD;
pub use matcher::{Candidate, Matcher};
pub use rules::{Builtins, Rule, Rules, RulesError, rules_path};

/// Why tagging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TaggingError {
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "cannot use a classifier model: retrain it (`inbox spam train`, `inbox tags learn TAG`), or delete it"
    )]
    Model(#[from] ModelError),
}

/// The rules and the classifier models, loaded once per sync.
pub struct Tagger {
    rules: Rules,
    classifiers: Arc<Classifiers>,
    /// The user's own addresses, lowercased (for `sent`).
    own: Vec<String>,
    matcher: Matcher,
}

/// The classifier models new mail is scored with, shared with the threads
/// that normalize it.
#[derive(Clone, Default)]
pub struct Classifiers {
    spam: Option<Classifier>,
    /// Learned tags and their models.
    learned: Vec<(String, Classifier)>,
}

/// What a message's tags are computed from besides the message itself.
pub struct Arrival<'a> {
    pub raw: &'a [u8],
    /// Whether a message its In-Reply-To names is stored.
    pub parent_stored: bool,
    /// The user's relation to the sender, for the importance score.
    pub relation: Relation,
    /// Its classifiers' scores ([`Classifiers::scores`]).
    pub scores: Scores,
}

/// A new message's scores by the tagger's classifiers: the spam model's,
/// and each learned tag's, in the tagger's order.
#[derive(Debug, Default)]
pub struct Scores {
    spam: Option<f64>,
    learned: Vec<f64>,
}

/// What a new message gets: its tags with their origins, its importance.
#[derive(Debug, Default)]
pub struct Tagged {
    pub tags: Vec<(String, TagOrigin)>,
    pub importance: Importance,
    /// Whether one of the user's addresses sent it.
    pub from_user: bool,
}

impl Tagger {
    /// The rules of `home`, its spam model (when the `spam` tagger is on
    /// and a model was trained), its learned tags' models (when `learned`
    /// is on) and the user's addresses: those of `rules.toml` and the user
    /// names of the IMAP accounts that are mail addresses.
    pub fn load(home: &Home) -> Result<Tagger, TaggingError> {
        let rules = Rules::load(&rules_path(home))?;
        let path = model_path(home, "spam");
        let spam = match rules.builtins.spam && path.exists() {
            true => Some(Classifier::load(&path)?),
            false => None,
        };
        let learned = match rules.builtins.learned {
            true => learned::load_all(home)?,
            false => Vec::new(),
        };
        let config = Config::load(&home.config_path())?;
        let accounts = config
            .accounts
            .values()
            .filter_map(|account| match account {
                AccountConfig::Imap(imap) if imap.user.contains('@') => {
                    Some(imap.user.to_lowercase())
                }
                _ => None,
            });
        let own: Vec<String> = accounts.collect();
        Ok(Tagger::new(rules, spam)
            .with_learned(learned)
            .with_addresses(own))
    }

    /// A tagger with these rules and spam model.
    pub fn new(rules: Rules, spam: Option<Classifier>) -> Tagger {
        let own = rules.addresses.clone();
        Tagger {
            rules,
            classifiers: Arc::new(Classifiers {
                spam,
                learned: Vec::new(),
            }),
            own,
            matcher: Matcher::new(Clock::Local),
        }
    }

    /// Also sets learned tags, each from its model.
    pub fn with_learned(mut self, learned: Vec<(String, Classifier)>) -> Tagger {
        Arc::make_mut(&mut self.classifiers).learned = learned;
        self
    }

    /// Also counts `addresses` as the user's own (for `sent`).
    pub fn with_addresses(mut self, addresses: impl IntoIterator<Item = String>) -> Tagger {
        for address in addresses {
            let address = address.to_lowercase();
            if !self.own.contains(&address) {
                self.own.push(address);
            }
        }
        self
    }

    /// The user's own addresses, lowercased.
    pub fn addresses(&self) -> &[String] {
        &self.own
    }

    /// The classifiers, to score new mail with on other threads.
    pub fn classifiers(&self) -> Arc<Classifiers> {
        Arc::clone(&self.classifiers)
    }

    /// The tags of a new message with their origins (the built-in
    /// taggers', the classifiers', then the rules') and its importance,
    /// computed before the rules run and set on `candidate` for them.
    pub fn tags(&mut self, candidate: &mut Candidate, arrival: &Arrival) -> Tagged {
        let mut tags = builtin::tags(self.rules.builtins, &self.own, candidate, arrival);
        if let Some(score) = arrival.scores.spam
            && Classifier::is_positive(score)
        {
            tags.push(("spam".into(), classified("spam", score)));
        }
        let learned = self.classifiers.learned.iter();
        for ((tag, _), &score) in learned.zip(&arrival.scores.learned) {
            if score > LEARNED_THRESHOLD && !tags.iter().any(|(have, _)| have == tag) {
                tags.push((tag.clone(), classified(tag, score)));
            }
        }
        let [from, to, cc] = importance::addresses(candidate.message);
        let names: Vec<&str> = tags.iter().map(|(tag, _)| tag.as_str()).collect();
        let parties = importance::Parties {
            from: &from,
            to: &to,
            cc: &cc,
            tags: &names,
        };
        let importance = importance::importance(&parties, &self.own, arrival.relation);
        let from_user = importance::from_user(&from, &self.own);
        candidate.importance = Some(importance.score);
        self.apply_rules(candidate, &mut tags);
        Tagged {
            tags,
            importance,
            from_user,
        }
    }

    /// Applies the rules in order to a message holding `tags`; a tag a
    /// rule adds gets the rule (position from 1, query) as its origin.
    pub fn apply_rules(&mut self, candidate: &Candidate, tags: &mut Vec<(String, TagOrigin)>) {
        for (index, rule) in self.rules.rules.iter().enumerate() {
            let names: Vec<String> = tags.iter().map(|(tag, _)| tag.clone()).collect();
            if !self.matcher.matches(&rule.query, candidate, &names) {
                continue;
            }
            tags.retain(|(tag, _)| {
                !rule
                    .remove
                    .iter()
                    .any(|gone| gone.eq_ignore_ascii_case(tag))
            });
            for tag in &rule.add {
                if !tags.iter().any(|(have, _)| have.eq_ignore_ascii_case(tag)) {
                    let origin = TagOrigin::Rule {
                        position: index + 1,
                        query: rule.text.clone(),
                    };
                    tags.push((tag.clone(), origin));
                }
            }
        }
    }
}

impl Classifiers {
    /// The scores of a new message (normalized from `raw` into `message`)
    /// by each classifier, for [`Arrival::scores`], tokenized in the
    /// buffers of `tokenizer`.
    pub fn scores(
        &self,
        source: SourceKind,
        raw: &[u8],
        message: &Message,
        tokenizer: &mut Tokenizer,
    ) -> Scores {
        if self.spam.is_none() && self.learned.is_empty() {
            return Scores::default();
        }
        let features = match source.is_mail() {
            true => tokenizer.of_normalized(raw, message),
            false => tokenizer.of(raw),
        };
        Scores {
            spam: (self.spam.as_ref()).map(|spam| spam.score_features(features)),
            learned: (self.learned.iter())
                .map(|(_, model)| model.score_features(features))
                .collect(),
        }
    }
}

fn classified(model: &str, score: f64) -> TagOrigin {
    TagOrigin::Classifier {
        model: model.to_owned(),
        score,
    }
}
