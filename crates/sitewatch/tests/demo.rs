//! The demo, as a newcomer runs it: its printed findings must match the truth it planted, its
//! report must verify, and a rerun of the pipeline must find nothing to do.

use std::process::Command;

fn sitewatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sitewatch"))
}

#[test]
fn the_demo_reports_every_planted_event_and_the_hall_ratio_holds_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = sitewatch()
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
    let truth = &report["truth"];
    let events = truth["events"].as_array().unwrap();
    assert_eq!(events.len(), 11, "the plant scenario plants 11 events");
    let missed: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["reported_by"].is_null())
        .collect();
    assert!(missed.is_empty(), "missed planted events: {missed:?}");
    assert_eq!(truth["phantoms_over_50_m2"], 0, "{truth}");
    let ratio = &truth["hall_ratio"];
    assert_eq!(ratio["contains_truth"], true, "{ratio}");
    assert_eq!(report["matches_truth"], true);
    for a in report["run"]["aligned"].as_array().unwrap() {
        assert_eq!(a["status"], "aligned", "{a}");
    }

    // The report shows every figure in a browser, verifies, and the catalog's pipeline has
    // nothing left to do.
    let page = out.join("report/index.html");
    let profile = tempfile::tempdir().unwrap();
    let (loaded, total) = testkit::browser::images_loaded(profile.path(), &page);
    assert_eq!(loaded, total, "images loaded / on the report page");
    let figures = report["report"]["figures"].as_u64().unwrap() as usize;
    assert!(
        figures >= 11 && total >= figures,
        "{figures} figures, {total} images"
    );
    let verify = sitewatch()
        .arg("verify")
        .arg(out.join("report"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let again = sitewatch()
        .args(["run", "--json", "--db"])
        .arg(out.join("sitewatch.gpkg"))
        .arg(report["site"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["compared"].as_array().unwrap().len(), 0, "{again}");
    assert!(again["registry"].is_null(), "{again}");
    assert_eq!(
        again["kept"], 7,
        "4 consecutive pairs and 3 against the first date"
    );
}

#[test]
fn the_demo_never_replaces_a_folder_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let refused = sitewatch()
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
