//! `inbox spam train` and `inbox spam eval`: the spam classifier from the
//! command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::open_store;
use super::progress::Bar;
use crate::classify::eval::{Report, Sample, cross_validate};
use crate::classify::sources::{for_each_message, read_labels};
use crate::classify::{self, Classifier, Features};
use crate::home::Home;
use crate::sync::Progress;
use crate::tagging::spam::{JUNK_FOLDERS, SPAM, train_from_store as train_from_store_of};

#[derive(Subcommand)]
pub(super) enum SpamCommand {
    /// Teach the spam classifier with mail you have sorted; adds to what it
    /// learned before (unless --reset). Without paths it learns from the
    /// store: mail tagged `spam` or in a Junk/Spam folder is spam, the rest
    /// ham (each message once; training again only changes what changed).
    Train {
        #[command(flatten)]
        mail: LabelledMail,
        /// Start from an empty model instead of adding to the current one.
        #[arg(long)]
        reset: bool,
    },
    /// Measure the classifier on sorted mail by k-fold cross-validation
    /// (the saved model is neither used nor changed).
    Eval {
        #[command(flatten)]
        mail: LabelledMail,
        /// Number of folds.
        #[arg(long, default_value_t = 10)]
        folds: usize,
        /// Seed of the shuffle that deals messages into folds.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Where the sorted mail is.
#[derive(Args)]
pub(super) struct LabelledMail {
    /// Spam: Maildir directories, mbox files or directories of message files.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    spam: Vec<PathBuf>,
    /// Ham (wanted mail), in the same forms.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    ham: Vec<PathBuf>,
    /// A tab-separated table with `path` and `label` (spam|ham) columns,
    /// paths relative to it (like the SpamAssassin corpus's labels.tsv).
    #[arg(long, value_name = "FILE")]
    labels: Option<PathBuf>,
}

pub(super) fn run(home: &Home, command: SpamCommand) -> anyhow::Result<ExitCode> {
    match command {
        SpamCommand::Train { mail, reset } => train(home, &mail, reset),
        SpamCommand::Eval { mail, folds, seed } => eval(&mail, folds, seed),
    }
}

fn train(home: &Home, mail: &LabelledMail, reset: bool) -> anyhow::Result<ExitCode> {
    let path = classify::model_path(home, "spam");
    let mut classifier = if reset {
        Classifier::new()
    } else {
        Classifier::load_or_new(&path)?
    };
    if mail.is_empty() {
        return train_from_store(home, classifier, reset);
    }
    let started = Instant::now();
    let bar = Bar::new("training on");
    let mut added = (0u64, 0u64);
    mail.each(&bar, &mut |_, raw, positive| {
        classifier.train(&raw, positive);
        if positive {
            added.0 += 1;
        } else {
            added.1 += 1;
        }
    })?;
    drop(bar);
    home.create()?;
    classifier.save(&path)?;
    println!(
        "trained on {} spam and {} ham messages ({:.1} s)",
        added.0,
        added.1,
        started.elapsed().as_secs_f64()
    );
    print_model(&classifier, &path);
    Ok(ExitCode::SUCCESS)
}

/// Trains from the store's tags and Junk folders; a reset model forgets
/// which messages it held.
fn train_from_store(
    home: &Home,
    mut classifier: Classifier,
    reset: bool,
) -> anyhow::Result<ExitCode> {
    let path = classify::model_path(home, SPAM);
    let mut store = open_store(home)?;
    if reset {
        store.forget_trained(SPAM)?;
    }
    let started = Instant::now();
    let bar = Bar::new("training on");
    let mut done = 0;
    let outcome = train_from_store_of(&store, &mut classifier, &mut || {
        done += 1;
        bar.advance(done);
    })?;
    drop(bar);
    classifier.save(&path)?;
    store.set_trained(SPAM, &outcome.records)?;
    println!(
        "from the store: {} spam (tagged spam, or in a folder named {}: {} of them), {} ham",
        outcome.spam,
        JUNK_FOLDERS.join(", "),
        outcome.in_junk_folders,
        outcome.ham
    );
    println!(
        "trained {} messages ({} moved from the other class; the rest were learned before) in {:.1} s",
        outcome.trained,
        outcome.moved,
        started.elapsed().as_secs_f64()
    );
    if outcome.left_out > 0 {
        println!(
            "left out {} messages the spam model itself tagged: tag them (+spam or -spam) to teach it",
            outcome.left_out
        );
    }
    print_model(&classifier, &path);
    Ok(ExitCode::SUCCESS)
}

fn print_model(classifier: &Classifier, path: &std::path::Path) {
    let (spam, ham) = classifier.trained();
    println!(
        "the model now holds {spam} spam and {ham} ham messages, {} tokens: {}",
        classifier.vocabulary(),
        path.display()
    );
    if spam == 0 || ham == 0 {
        eprintln!("note: the classifier needs both spam and ham to tell them apart");
    }
}

fn eval(mail: &LabelledMail, folds: usize, seed: u64) -> anyhow::Result<ExitCode> {
    let bar = Bar::new("reading");
    let mut samples = Vec::new();
    mail.each(&bar, &mut |name, raw, positive| {
        samples.push(Sample {
            name,
            features: Features::of(&raw),
            positive,
        });
    })?;
    drop(bar);
    if folds < 2 || samples.len() < folds {
        bail!(
            "cannot make {folds} folds of {} messages: give at least 2 folds and as many messages",
            samples.len()
        );
    }
    let report = cross_validate(&samples, folds, seed);
    print_report(&report);
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &Report) {
    let percent = |share: f64| format!("{:.2} %", share * 100.0);
    let false_positives = report.false_positives.len();
    println!(
        "{}-fold cross-validation on {} messages ({} spam, {} ham), spam at score > {}",
        report.folds,
        report.positives() + report.negatives(),
        report.positives(),
        report.negatives(),
        classify::THRESHOLD
    );
    println!();
    println!("              classified spam  classified ham");
    println!(
        "  spam        {:>15}  {:>14}",
        report.true_positives, report.false_negatives
    );
    println!(
        "  ham         {:>15}  {:>14}",
        false_positives, report.true_negatives
    );
    println!();
    println!("accuracy                  {}", percent(report.accuracy()));
    println!("spam precision            {}", percent(report.precision()));
    println!("spam recall               {}", percent(report.recall()));
    println!(
        "ham false-positive rate   {} ({false_positives} of {})",
        percent(report.false_positive_rate()),
        report.negatives()
    );
    println!();
    println!("by threshold:");
    println!("  spam above  spam missed  ham as spam  accuracy");
    for threshold in [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] {
        let (missed, lost) = report.errors_at(threshold);
        let total = report.positives() + report.negatives();
        let right = total - missed - lost;
        println!(
            "  {threshold:>10.2}  {missed:>11}  {lost:>11}  {:>8}",
            percent(right as f64 / total.max(1) as f64)
        );
    }
    if !report.false_positives.is_empty() {
        println!();
        println!("false positives (ham classified as spam), score and message:");
        for miss in &report.false_positives {
            println!("  {:.4}  {}", miss.score, miss.name);
        }
    }
}

impl LabelledMail {
    fn is_empty(&self) -> bool {
        self.spam.is_empty() && self.ham.is_empty() && self.labels.is_none()
    }

    /// Calls `visit(name, raw, is_spam)` for every message given.
    fn each(
        &self,
        bar: &Bar,
        visit: &mut (dyn FnMut(String, Vec<u8>, bool) + Send),
    ) -> anyhow::Result<()> {
        if self.is_empty() {
            bail!(
                "no mail given: name spam and ham with --spam PATH and --ham PATH, or --labels FILE"
            );
        }
        let mut done = 0u64;
        if let Some(table) = &self.labels {
            bar.folder(&table.display().to_string());
            for file in read_labels(table)? {
                let raw = std::fs::read(&file.path)
                    .with_context(|| format!("cannot read {}", file.path.display()))?;
                visit(file.name, raw, file.positive);
                done += 1;
                bar.advance(done);
            }
        }
        let sources = self.spam.iter().map(|path| (path, true));
        for (path, positive) in sources.chain(self.ham.iter().map(|path| (path, false))) {
            bar.folder(&path.display().to_string());
            let mut each = |name, raw| {
                visit(name, raw, positive);
                done += 1;
                bar.advance(done);
            };
            for_each_message(path, &mut each)
                .with_context(|| format!("cannot read the mail in {}", path.display()))?;
        }
        Ok(())
    }
}
