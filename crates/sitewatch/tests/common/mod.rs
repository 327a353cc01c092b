//! Running the `sitewatch` binary from integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `sitewatch --db DB ARGS...`.
pub fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitewatch"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the sitewatch binary runs")
}

/// Runs `sitewatch --db DB ARGS...`, which must succeed, and returns its stdout.
pub fn run_ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "sitewatch {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}
