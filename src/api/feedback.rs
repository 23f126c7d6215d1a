//! Spam feedback: when the user adds or removes `spam` on messages, the
//! spam model (if one was trained) learns their new class, untraining the
//! old one first; one load and one save of the model per call.

use super::{Api, ApiError};
use crate::classify::{Classifier, ModelError, model_path};
use crate::model::MessageId;
use crate::store::{StoreError, TagChange};
use crate::tagging::spam::{self, Learned, SPAM};

/// Retrains the spam model with `ids` after `change` (a user's) was
/// applied to them. A change that both adds and removes `spam`, or leaves
/// it alone, teaches nothing.
pub(super) fn retrain_spam(
    api: &Api,
    ids: &[MessageId],
    change: &TagChange,
) -> Result<(), ApiError> {
    let adds = change.add.iter().any(|tag| tag == SPAM);
    let removes = change.remove.iter().any(|tag| tag == SPAM);
    let positive = match (adds, removes) {
        (true, false) => true,
        (false, true) => false,
        _ => return Ok(()),
    };
    let path = model_path(&api.home, SPAM);
    if ids.is_empty() || !path.exists() {
        return Ok(());
    }
    retrain(api, ids, positive, &path).map_err(|error| {
        ApiError::Failed(format!(
            "the tags were changed, but the spam model was not updated ({error}); \
             retrain it with `inbox spam train`"
        ))
    })
}

/// Why feedback could not reach the model.
#[derive(Debug, thiserror::Error)]
enum FeedbackError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn retrain(
    api: &Api,
    ids: &[MessageId],
    positive: bool,
    path: &std::path::Path,
) -> Result<(), FeedbackError> {
    let _writing = api.writes.blocking_lock();
    let mut store = api.writer()?;
    let mut classifier = Classifier::load(path)?;
    let mut trained = Vec::new();
    for &id in ids {
        if spam::learn(&store, &mut classifier, id, positive)? != Learned::Unchanged {
            trained.push((id, positive));
        }
    }
    if !trained.is_empty() {
        classifier.save(path)?;
        store.set_trained(SPAM, &trained)?;
    }
    Ok(())
}
