//! Classifier tests on the shared SpamAssassin corpus and on hostile input.

use std::path::Path;

use inbox_connector_api::testing::corpus;

use super::eval::{Sample, cross_validate};
use super::sources::{LabelledFile, read_labels};
use super::*;

/// A fixed subset: every `step`-th message of each class, at most `per_class`.
fn subset(corpus: &Path, per_class: usize) -> Vec<(LabelledFile, Vec<u8>)> {
    let files = read_labels(&corpus.join("spamassassin/labels.tsv"))
        .expect("the SpamAssassin corpus labels");
    let mut chosen = Vec::new();
    for positive in [true, false] {
        let class: Vec<LabelledFile> = files
            .iter()
            .filter(|f| f.positive == positive)
            .map(|f| LabelledFile {
                name: f.name.clone(),
                path: f.path.clone(),
                positive,
            })
            .collect();
        let step = (class.len() / per_class).max(1);
        for file in class.into_iter().step_by(step).take(per_class) {
            let raw = std::fs::read(&file.path).expect("a corpus message");
            chosen.push((file, raw));
        }
    }
    chosen
}

fn trained(messages: &[(LabelledFile, Vec<u8>)]) -> Classifier {
    let mut classifier = Classifier::new();
    for (file, raw) in messages {
        classifier.train(raw, file.positive);
    }
    classifier
}

#[test]
fn cross_validation_on_a_corpus_subset_clears_a_floor() {
    let Some(corpus) = corpus() else { return };
    let samples: Vec<Sample> = subset(&corpus, 200)
        .into_iter()
        .map(|(file, raw)| Sample {
            name: file.name,
            features: Features::of(&raw),
            positive: file.positive,
        })
        .collect();
    assert_eq!(samples.len(), 400);
    let report = cross_validate(&samples, 10, 7);
    assert_eq!(report.positives(), 200);
    assert_eq!(report.negatives(), 200);
    assert!(report.accuracy() >= 0.93, "accuracy {}", report.accuracy());
    assert!(report.recall() >= 0.85, "recall {}", report.recall());
    assert!(
        report.false_positive_rate() <= 0.03,
        "false positive rate {}",
        report.false_positive_rate()
    );
    // Errors at other thresholds: the report's own at its threshold, and a
    // stricter threshold misses more spam and loses less ham.
    assert_eq!(report.scores.len(), 400);
    assert_eq!(
        report.errors_at(super::THRESHOLD),
        (report.false_negatives, report.false_positives.len())
    );
    let (missed, lost) = report.errors_at(0.99);
    assert!(missed > report.false_negatives && lost <= report.false_positives.len());
    assert_eq!(report.errors_at(1.0), (200, 0));
}

#[test]
fn save_and_load_keep_every_score() {
    let Some(corpus) = corpus() else { return };
    let messages = subset(&corpus, 30);
    let classifier = trained(&messages[..50]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("classify/spam.model");
    classifier.save(&path).unwrap();
    let loaded = Classifier::load(&path).unwrap();
    assert_eq!(loaded, classifier);
    assert_eq!(loaded.trained(), classifier.trained());
    for (_, raw) in &messages[50..] {
        assert_eq!(loaded.score(raw), classifier.score(raw));
    }
}

#[test]
fn scores_separate_held_out_spam_and_ham() {
    let Some(corpus) = corpus() else { return };
    let messages = subset(&corpus, 40);
    let (train, test): (Vec<_>, Vec<_>) = messages
        .into_iter()
        .enumerate()
        .partition(|(index, _)| index % 4 != 0);
    let train: Vec<_> = train.into_iter().map(|(_, message)| message).collect();
    let classifier = trained(&train);
    let mean = |positive: bool| {
        let scores: Vec<f64> = test
            .iter()
            .filter(|(_, (file, _))| file.positive == positive)
            .map(|(_, (_, raw))| classifier.score(raw))
            .collect();
        scores.iter().sum::<f64>() / scores.len() as f64
    };
    assert!(mean(true) > 0.8, "mean spam score {}", mean(true));
    assert!(mean(false) < 0.2, "mean ham score {}", mean(false));
}

#[test]
fn untrain_restores_the_model_exactly() {
    let Some(corpus) = corpus() else { return };
    let messages = subset(&corpus, 10);
    let before = trained(&messages[1..]);
    let mut after = before.clone();
    let (file, raw) = &messages[0];
    after.train(raw, file.positive);
    assert_ne!(after, before);
    after.untrain(raw, file.positive);
    assert_eq!(after, before);
}

#[test]
fn scores_after_more_training_use_the_new_counts() {
    let Some(corpus) = corpus() else { return };
    let messages = subset(&corpus, 10);
    let mut classifier = trained(&messages[1..]);
    let (file, raw) = &messages[0];
    let before = classifier.score(raw);
    classifier.train(raw, file.positive);
    let after = classifier.score(raw);
    assert_ne!(after, before);
    assert_eq!(after, trained(&messages).score(raw));
    classifier.untrain(raw, file.positive);
    assert_eq!(classifier.score(raw), before);
}

#[test]
fn forged_verdict_headers_do_not_change_the_score() {
    let Some(corpus) = corpus() else { return };
    let messages = subset(&corpus, 40);
    let classifier = trained(&messages);
    let forgeries: [&[u8]; 2] = [
        b"X-Spam-Status: Yes, score=35.2 required=5.0\nX-Spam-Flag: YES\nX-Spam-Level: ******\n",
        b"X-Spam-Status: No, score=-10\nX-Bogosity: Ham, tests=bogofilter\nX-DSPAM-Result: Innocent\n\
X-Virus-Scanned: clean\nX-Barracuda-Spam-Score: 0.00\n",
    ];
    for (_, raw) in messages.iter().step_by(7) {
        for forgery in forgeries {
            let forged = [forgery, raw.as_slice()].concat();
            assert_eq!(classifier.score(&forged), classifier.score(raw));
        }
    }
}

#[test]
fn a_corrupt_model_file_is_a_clear_error() {
    let Some(corpus) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spam.model");
    trained(&subset(&corpus, 5)).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let error = Classifier::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("corrupt") && error.contains("train"),
        "{error}"
    );
    let missing = dir.path().join("missing.model");
    assert_eq!(
        Classifier::load_or_new(&missing).unwrap(),
        Classifier::new()
    );
}

#[test]
fn hostile_input_is_scored_without_panicking() {
    let Some(corpus) = corpus() else { return };
    let classifier = trained(&subset(&corpus, 10));
    let binary: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
    let mut huge = b"Subject: big\nContent-Type: text/plain\n\n".to_vec();
    huge.extend(std::iter::repeat_n(b"spam ham eggs\n".as_slice(), 2_000_000).flatten());
    let deep: Vec<u8> = (0..5000)
        .flat_map(|i| {
            format!("Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n").into_bytes()
        })
        .collect();
    for raw in [&b""[..], b"\0\0\0", &binary, &huge, &deep] {
        let score = classifier.score(raw);
        assert!((0.0..=1.0).contains(&score), "{score}");
    }
    assert_eq!(Classifier::new().score(b"Subject: hi\n\nhello"), 0.5);
}

#[test]
fn model_paths_are_per_tag_and_file_safe() {
    let home = Home::at(std::path::Path::new("/h"));
    assert_eq!(
        model_path(&home, "spam"),
        PathBuf::from("/h/classify/spam.model")
    );
    assert_eq!(
        model_path(&home, "list/../x"),
        PathBuf::from("/h/classify/list%2F%2E%2E%2Fx.model")
    );
}

#[test]
fn model_file_names_give_their_tag_back() {
    let home = Home::at(std::path::Path::new("/nonexistent"));
    for tag in ["spam", "list/perl.org", "ünï code", "a%b"] {
        let path = model_path(&home, tag);
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"%_-.".contains(&b)),
            "{name}"
        );
        assert_eq!(model_tag(name).as_deref(), Some(tag));
    }
    for not_a_model in [
        "notes.txt",
        ".model",
        "bad%zz.model",
        "cut%4.model",
        "%FF.model",
    ] {
        assert_eq!(model_tag(not_a_model), None, "{not_a_model}");
    }
}

#[test]
fn clues_are_the_strongest_known_tokens() {
    let mut classifier = Classifier::new();
    classifier.train(b"Subject: cheap pills\n\nbuy cheap pills now\n", true);
    classifier.train(b"Subject: meeting notes\n\nthe meeting notes\n", false);
    let features = Features::named(b"Subject: cheap meeting\n\ncheap pills\n");
    let clues = classifier.clues(&features, 3);
    assert_eq!(clues.len(), 3);
    assert!(
        clues
            .windows(2)
            .all(|pair| (pair[0].1 - 0.5).abs() >= (pair[1].1 - 0.5).abs())
    );
    assert!(
        clues
            .iter()
            .any(|(token, p)| token.contains("pills") && *p > 0.5),
        "{clues:?}"
    );
}

#[test]
fn tokens_of_a_message_normalized_before_are_those_of_its_bytes() {
    let Some(corpus) = corpus() else { return };
    let mut tokenizer = Tokenizer::default();
    for (file, raw) in subset(&corpus, 100) {
        let message = crate::normalize::normalize(&raw);
        assert_eq!(
            tokenizer.of_normalized(&raw, &message),
            &Features::of(&raw),
            "{}",
            file.name
        );
    }
}
