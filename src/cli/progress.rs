//! Progress output on a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::sync::Progress;

/// A spinner with count and rate on a terminal; silent otherwise.
pub(super) struct Bar(ProgressBar);

impl Bar {
    pub(super) fn new(verb: &str) -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(ProgressBar::hidden());
        }
        let bar = ProgressBar::new_spinner();
        let template =
            format!("{{spinner}} {verb} {{msg}} {{pos}} messages ({{per_sec}}, {{elapsed}})");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Bar(bar)
    }
}

impl Progress for Bar {
    fn advance(&self, done: u64) {
        self.0.set_position(done);
    }

    fn folder(&self, name: &str) {
        self.0.set_message(name.to_owned());
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
