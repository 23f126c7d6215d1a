//! Training the spam model from the store: messages tagged `spam` (by
//! anything but the spam model itself) and messages in folders the servers
//! mark `\Junk`, or named Junk or Spam, are spam; every other message is
//! ham. Each message's class is recorded, so training again only changes
//! what changed.

use crate::classify::{Classifier, Features};
use crate::model::MessageId;
use crate::store::{Store, StoreError};

/// The model's name in training records, and the tag it sets.
pub const SPAM: &str = "spam";

/// The IMAP special use (RFC 6154) of the folder that holds spam.
pub const JUNK_ROLE: &str = "\\Junk";

/// Folder names (the last part of a folder's path, any case) whose mail is
/// spam too: the usual names of the Junk folder, for sources that mark no
/// special use (a local Maildir, a server without RFC 6154).
pub const JUNK_FOLDERS: [&str; 4] = ["junk", "spam", "junk e-mail", "junk email"];

/// What training from the store did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StoreTraining {
    /// Messages taken as spam: tagged, and in Junk folders (some both).
    pub spam: usize,
    pub in_junk_folders: usize,
    pub ham: usize,
    /// Messages trained now (the others were trained as the same class before).
    pub trained: usize,
    /// Of those, messages trained before as the other class.
    pub moved: usize,
    /// Messages whose `spam` tag the model itself set: neither spam nor ham.
    pub left_out: usize,
    /// The messages trained now and their class, for
    /// [`Store::set_trained`] once the model is saved.
    pub records: Vec<(MessageId, bool)>,
}

/// Trains `classifier` with every stored message's class (those recorded
/// as trained with the same class are skipped); `visit` hears of each
/// message. The caller saves the model, then records `records`.
pub fn train_from_store(
    store: &Store,
    classifier: &mut Classifier,
    visit: &mut dyn FnMut(),
) -> Result<StoreTraining, StoreError> {
    let tagged = store.tagged(SPAM, Some(SPAM))?;
    let junk = store.in_folders_for(JUNK_ROLE, &JUNK_FOLDERS)?;
    let mut spam: Vec<MessageId> = tagged.iter().chain(&junk).copied().collect();
    spam.sort_unstable();
    spam.dedup();
    let guessed: Vec<MessageId> = (store.tagged(SPAM, None)?.into_iter())
        .filter(|id| spam.binary_search(id).is_err())
        .collect();
    let mut outcome = StoreTraining {
        spam: spam.len(),
        in_junk_folders: junk.len(),
        left_out: guessed.len(),
        ..StoreTraining::default()
    };
    let mut records = Vec::new();
    for id in store.message_ids()? {
        visit();
        if guessed.binary_search(&id).is_ok() {
            continue;
        }
        let positive = spam.binary_search(&id).is_ok();
        outcome.ham += usize::from(!positive);
        match learn(store, classifier, id, positive)? {
            Learned::Unchanged => continue,
            Learned::Moved => outcome.moved += 1,
            Learned::New => {}
        }
        records.push((id, positive));
    }
    outcome.trained = records.len();
    outcome.records = records;
    Ok(outcome)
}

/// What [`learn`] did with one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Learned {
    /// The model already held it in that class, or its bytes are gone.
    Unchanged,
    /// Trained for the first time.
    New,
    /// Untrained from the other class, then trained.
    Moved,
}

/// Trains the spam model with stored message `id` as spam (`positive`) or
/// ham, untraining it first if the model holds it in the other class (per
/// the store's training records, which the caller updates).
pub fn learn(
    store: &Store,
    classifier: &mut Classifier,
    id: MessageId,
    positive: bool,
) -> Result<Learned, StoreError> {
    let before = store.trained_as(id, SPAM)?;
    if before == Some(positive) {
        return Ok(Learned::Unchanged);
    }
    let Some(raw) = store.raw(id)? else {
        return Ok(Learned::Unchanged);
    };
    let features = Features::of(&raw);
    if let Some(old) = before {
        classifier.untrain_features(&features, old);
    }
    classifier.train_features(&features, positive);
    Ok(match before {
        Some(_) => Learned::Moved,
        None => Learned::New,
    })
}
