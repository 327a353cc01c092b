//! The demo, as a newcomer runs it: it must find every building event it planted.

use std::process::Command;

#[test]
fn demo_finds_every_planted_event() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = Command::new(env!("CARGO_BIN_EXE_sitewatch"))
        .args(["demo", "--json", "--seed", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let events = report["events"].as_array().unwrap();
    assert_eq!(events.len(), 11, "the plant scenario plants 11 events");
    for e in events {
        assert_eq!(e["found"], true, "missed: {e}");
    }
    for a in report["alignments"].as_array().unwrap() {
        assert_eq!(a["status"], "aligned", "{a}");
    }
    assert!(out.join("sitewatch.gpkg").is_file());
    // A rerun replaces the demo's own folder, but never a folder it did not make.
    let foreign = dir.path().join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_sitewatch"))
        .args(["demo", "--out"])
        .arg(&foreign)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "keep me"
    );
}
