//! How commands talk to the user: plain text or JSON on stdout, errors and progress on stderr.

use std::io::Write;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// What every command needs to know about how it was called.
pub struct Context {
    pub db: PathBuf,
    pub json: bool,
}

impl Context {
    /// The catalog named by `--db`, created when missing.
    pub fn open_catalog(&self) -> anyhow::Result<catalog::Catalog> {
        Ok(catalog::Catalog::open(&self.db)?)
    }

    /// Prints `value` as pretty JSON when `--json` was given, else the text `plain` makes.
    pub fn print<T: Serialize>(&self, value: &T, plain: impl FnOnce(&T) -> String) {
        let text = if self.json {
            serde_json::to_string_pretty(value).expect("serialisable output")
        } else {
            plain(value).trim_end().to_string()
        };
        if !text.is_empty() {
            // A closed pipe (`sitewatch ... | head`) is the reader's choice, not an error.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }

    /// A progress bar on stderr for `len` steps of `what`; silent with `--json` or when stderr
    /// is not a terminal.
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        if self.json {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(what.to_string());
        bar
    }
}

/// Prints an error and its causes so that the user sees the file, the problem and what to do.
/// A cause whose text the message before it already holds (errors that name their source in
/// their own message) is not printed again.
pub fn report_error(error: &anyhow::Error) {
    let mut previous = error.to_string();
    eprintln!("error: {previous}");
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !previous.contains(&text) {
            eprintln!("  caused by: {text}");
        }
        previous = text;
    }
}
