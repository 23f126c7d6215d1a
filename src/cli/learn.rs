//! `inbox tags learn [--forget] TAG` and `inbox tags learned`: tags that
//! new mail gets from a model trained on the messages that hold them.

use std::process::ExitCode;

use anyhow::Context;

use super::open_store_for_reading;
use crate::classify::{Classifier, model_path};
use crate::home::Home;
use crate::tagging::LEARNED_THRESHOLD;
use crate::tagging::learned::{learn, learned_tags};

/// Trains (or with `forget`, removes) the model of `tag`.
pub(super) fn run(home: &Home, tag: &str, forget: bool) -> anyhow::Result<ExitCode> {
    let path = model_path(home, tag);
    if forget {
        return match std::fs::remove_file(&path) {
            Ok(()) => {
                println!("forgot the learned tag {tag}: new mail no longer gets it from a model");
                Ok(ExitCode::SUCCESS)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                anyhow::bail!("{tag} is not a learned tag (see `inbox tags learned`)")
            }
            Err(error) => Err(error).with_context(|| format!("cannot remove {}", path.display())),
        };
    }
    let store = open_store_for_reading(home)?;
    let learned = learn(&store, tag)?;
    learned.classifier.save(&path)?;
    let report = &learned.report;
    println!(
        "learned {tag} from {} messages with the tag and {} without it \
         (a random sample, seeded, of the {} untagged messages)",
        learned.positives, learned.negatives, learned.untagged
    );
    println!(
        "{}-fold cross-validation at score > {LEARNED_THRESHOLD}: accuracy {:.2} %, \
         precision {:.2} %, recall {:.2} %",
        report.folds,
        report.accuracy() * 100.0,
        report.precision() * 100.0,
        report.recall() * 100.0
    );
    println!(
        "new mail scoring above {LEARNED_THRESHOLD} gets {tag}; model: {}",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Lists the learned tags with what their models hold and how many stored
/// messages they tagged.
pub(super) fn list(home: &Home) -> anyhow::Result<ExitCode> {
    let tags = learned_tags(home)?;
    if tags.is_empty() {
        println!("no learned tags: teach one with `inbox tags learn TAG`");
        return Ok(ExitCode::SUCCESS);
    }
    let store = open_store_for_reading(home)?;
    println!("tag\ttrained with\ttrained without\ttagged by the model\ttagged in all");
    for tag in tags {
        let model = Classifier::load(&model_path(home, &tag))?;
        let (positive, negative) = model.trained();
        let by_model = store.classified(&tag, &tag)?;
        let all = store.tagged(&tag, None)?.len();
        println!("{tag}\t{positive}\t{negative}\t{by_model}\t{all}");
    }
    Ok(ExitCode::SUCCESS)
}
