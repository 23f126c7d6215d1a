//! Importance: how much a message likely matters to the user, a score from
//! 0 to 1 computed when it is stored, from the user's relation to its
//! sender. The whole formula:
//!
//! - a message the user sent scores 0;
//! - otherwise the score adds up
//!   [`WROTE_TO`] when the user wrote to the sender before (a stored
//!   message from one of the user's addresses lists the sender among its
//!   recipients), [`REPLIED_IN_THREAD`] when a message it refers to
//!   (In-Reply-To, References) was written by the user, and [`IN_TO`] when
//!   the user is a To recipient, or [`IN_CC`] when only a Cc recipient
//!   (neither: Bcc, a mailing list or bulk mail, nothing);
//! - then it is multiplied by [`BULK_FACTOR`] when the message is tagged
//!   `list/…` or `bulk`, and by [`SPAM_FACTOR`] when tagged `spam`;
//! - capped at 1.
//!
//! `is:important` means a score of at least [`IMPORTANT`]: a To or Cc
//! message from someone the user wrote to, or a To message in a thread the
//! user wrote in. The tags counted are those set before the rules run (the
//! built-in taggers' and the classifiers'); `inbox importance update`
//! recomputes every score from the stored tags and mail.

use std::collections::HashSet;

use crate::model::{Message, MessageId};
use crate::store::{Importance, Store, StoreError, StoredParties};

/// Messages scored per transaction by [`recompute`].
const PAGE: usize = 2_000;

/// Scores at or above this are `is:important`.
pub const IMPORTANT: f64 = 0.5;
/// Added when the user wrote to the sender before.
pub const WROTE_TO: f64 = 0.4;
/// Added when the message answers or follows one the user wrote.
pub const REPLIED_IN_THREAD: f64 = 0.3;
/// Added when the user is a To recipient.
pub const IN_TO: f64 = 0.3;
/// Added when the user is a Cc recipient (and not a To one).
pub const IN_CC: f64 = 0.15;
/// Multiplies the score of list and bulk mail.
pub const BULK_FACTOR: f64 = 0.25;
/// Multiplies the score of mail tagged `spam`.
pub const SPAM_FACTOR: f64 = 0.05;

/// The user's relation to a message's sender, as the store knows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// How many stored messages of the user's were addressed to the sender.
    pub wrote_to: u64,
    /// Whether a message it refers to was written by the user.
    pub replied_in_thread: bool,
}

/// A message's addresses (lowercase) and tags, as the formula reads them.
#[derive(Clone, Copy, Debug)]
pub struct Parties<'a> {
    pub from: &'a [&'a str],
    pub to: &'a [&'a str],
    pub cc: &'a [&'a str],
    pub tags: &'a [&'a str],
}

/// Whether a message is from one of `own` (lowercase addresses).
pub fn from_user(from: &[&str], own: &[String]) -> bool {
    from.iter()
        .any(|address| own.iter().any(|mine| mine == address))
}

/// The importance of a message with these `parties`; `own` are the user's
/// addresses (lowercase).
pub fn importance(parties: &Parties, own: &[String], relation: Relation) -> Importance {
    if from_user(parties.from, own) {
        return Importance {
            score: 0.0,
            reasons: vec!["0: you sent it".into()],
        };
    }
    let mut score = 0.0;
    let mut reasons = Vec::new();
    let mut add = |points: f64, reason: String| {
        score += points;
        reasons.push(format!("+{points}: {reason}"));
    };
    if relation.wrote_to > 0 {
        let sender = parties.from.first().copied().unwrap_or("the sender");
        let times = match relation.wrote_to {
            1 => "once".to_owned(),
            n => format!("{n} times"),
        };
        add(WROTE_TO, format!("you wrote to {sender} before ({times})"));
    }
    if relation.replied_in_thread {
        add(
            REPLIED_IN_THREAD,
            "it follows a message you wrote in this thread".into(),
        );
    }
    let mine = |list: &[&str]| (list.iter()).any(|address| own.iter().any(|m| m == address));
    if mine(parties.to) {
        add(IN_TO, "you are a To recipient".into());
    } else if mine(parties.cc) {
        add(IN_CC, "you are a Cc recipient".into());
    } else {
        reasons.push("+0: you are neither a To nor a Cc recipient".into());
    }
    let tagged = |wanted: &dyn Fn(&str) -> bool| parties.tags.iter().find(|tag| wanted(tag));
    if let Some(tag) = tagged(&|tag| tag.starts_with("list/") || tag == "bulk") {
        score *= BULK_FACTOR;
        reasons.push(format!("×{BULK_FACTOR}: tagged {tag}"));
    }
    if tagged(&|tag| tag == "spam").is_some() {
        score *= SPAM_FACTOR;
        reasons.push(format!("×{SPAM_FACTOR}: tagged spam"));
    }
    Importance {
        score: score.min(1.0),
        reasons,
    }
}

/// The addresses of a message's From, To and Cc.
pub fn addresses(message: &Message) -> [Vec<&str>; 3] {
    [&message.from, &message.to, &message.cc].map(|people| {
        people
            .iter()
            .map(|person| person.address.as_str())
            .collect()
    })
}

/// What [`recompute`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recomputed {
    /// Addresses the user wrote to.
    pub correspondents: u64,
    pub scored: u64,
    /// Messages whose score changed (the index must take them up).
    pub changed: u64,
}

/// Recomputes every stored message's importance from the whole store:
/// first who the user (`own`, lowercase addresses) wrote to, then each
/// score, from the stored participants, references and tags. `visit`
/// hears how many messages are scored so far.
pub fn recompute(
    store: &mut Store,
    own: &[String],
    visit: &mut dyn FnMut(u64),
) -> Result<Recomputed, StoreError> {
    let mut outcome = Recomputed {
        correspondents: store.rebuild_correspondents(own)?,
        ..Recomputed::default()
    };
    let sent = store.message_ids_sent_by(own)?;
    let mut after = MessageId(0);
    loop {
        let page = store.parties_after(after, PAGE)?;
        let Some(last) = page.last() else {
            return Ok(outcome);
        };
        after = last.id;
        let mut scores = Vec::with_capacity(page.len());
        for stored in &page {
            scores.push((stored.id, score_stored(store, stored, own, &sent)?));
        }
        outcome.scored += scores.len() as u64;
        outcome.changed += store.set_importance(&scores)?;
        visit(outcome.scored);
    }
}

/// The importance of a stored message; `sent` holds the Message-IDs of
/// the user's messages.
fn score_stored(
    store: &Store,
    stored: &StoredParties,
    own: &[String],
    sent: &HashSet<String>,
) -> Result<Importance, StoreError> {
    let [from, to, cc, tags] = [&stored.from, &stored.to, &stored.cc, &stored.tags]
        .map(|list| list.iter().map(String::as_str).collect::<Vec<_>>());
    let parties = Parties {
        from: &from,
        to: &to,
        cc: &cc,
        tags: &tags,
    };
    let mut relation = Relation::default();
    if let Some(sender) = from.first()
        && !own.is_empty()
        && !from_user(&from, own)
    {
        relation.wrote_to = store.written_to(sender)?;
        relation.replied_in_thread = stored.refs.iter().any(|id| sent.contains(id));
    }
    Ok(importance(&parties, own, relation))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(from: &str, to: &[&str], cc: &[&str], tags: &[&str], relation: Relation) -> f64 {
        let own = vec!["me@example.org".to_owned()];
        let parties = Parties {
            from: &[from],
            to,
            cc,
            tags,
        };
        importance(&parties, &own, relation).score
    }

    const ME: &str = "me@example.org";

    #[test]
    fn the_formula_adds_relations_and_scales_down_bulk_and_spam() {
        let friend = Relation {
            wrote_to: 3,
            replied_in_thread: false,
        };
        let none = Relation::default();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(score("a@x.org", &[ME], &[], &[], friend), 0.7));
        assert!(close(score("a@x.org", &[], &[ME], &[], friend), 0.55));
        assert!(close(score("a@x.org", &[ME], &[], &[], none), 0.3));
        assert!(close(score("a@x.org", &["l@x.org"], &[], &[], none), 0.0));
        let thread = Relation {
            wrote_to: 1,
            replied_in_thread: true,
        };
        assert!(close(score("a@x.org", &[ME], &[], &[], thread), 1.0));
        let listed = score("a@x.org", &[ME], &[], &["list/dev.x.org"], friend);
        assert!(close(listed, 0.7 * BULK_FACTOR));
        let spam = score("a@x.org", &[ME], &[], &["spam"], friend);
        assert!(close(spam, 0.7 * SPAM_FACTOR));
        assert!(close(score(ME, &["a@x.org"], &[], &[], thread), 0.0));
    }

    #[test]
    fn the_threshold_needs_more_than_being_addressed() {
        let friend = Relation {
            wrote_to: 1,
            replied_in_thread: false,
        };
        assert!(score("a@x.org", &[ME], &[], &[], Relation::default()) < IMPORTANT);
        assert!(score("a@x.org", &[], &[ME], &[], friend) >= IMPORTANT);
        assert!(score("a@x.org", &[ME], &[], &["bulk"], friend) < IMPORTANT);
    }

    #[test]
    fn reasons_name_each_part_of_the_score() {
        let own = vec![ME.to_owned()];
        let parties = Parties {
            from: &["a@x.org"],
            to: &[ME],
            cc: &[],
            tags: &["bulk"],
        };
        let relation = Relation {
            wrote_to: 2,
            replied_in_thread: false,
        };
        let found = importance(&parties, &own, relation);
        assert_eq!(
            found.reasons,
            [
                "+0.4: you wrote to a@x.org before (2 times)",
                "+0.3: you are a To recipient",
                "×0.25: tagged bulk",
            ]
        );
    }
}
