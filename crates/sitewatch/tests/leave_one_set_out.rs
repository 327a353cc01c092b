//! `scripts/leave-one-set-out.sh`, which reproduces the model card's leave-one-set-out figures,
//! run for two training steps: each network must be trained without its set and scored on it.

use std::path::Path;
use std::process::Command;

/// One of the JSON files the script keeps.
fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn each_set_is_left_out_of_training_and_scored_alone() {
    let out = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/leave-one-set-out.sh");
    let output = Command::new("bash")
        .arg(&script)
        .args(["-n", "2", "-o"])
        .arg(out.path())
        .env("SITEWATCH", env!("CARGO_BIN_EXE_sitewatch"))
        .env("SITEWATCH_DATA", testkit::shared_data())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // (left-out set, pairs trained on, pairs scored): 11 LEVIR pairs (7 of them `test_`),
    // 10 DSIFN, 7 AirChange.
    let expected = [
        ("levir", 17, 11),
        ("dsifn", 18, 10),
        ("airchange-szada", 21, 7),
        ("levir-test", 21, 7),
    ];
    let table = std::fs::read_to_string(out.path().join("results.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), expected.len(), "{table}");
    for ((set, trained, scored), row) in expected.into_iter().zip(&rows) {
        let training = json(&out.path().join(format!("without-{set}.train.json")));
        let evaluation = json(&out.path().join(format!("without-{set}.eval.json")));
        assert_eq!(training["pairs"], trained, "{set}: {training}");
        assert!(
            !training["sets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == set),
            "{set} was trained on: {training}"
        );
        assert_eq!(evaluation["pairs"], scored, "{set}: {evaluation}");
        assert_eq!(row[0], set);
        let f1: f64 = row[1].parse().unwrap();
        assert!(
            (f1 - evaluation["f1"].as_f64().unwrap()).abs() < 5e-4,
            "{set}: the table says {f1}, the evaluation {}",
            evaluation["f1"]
        );
    }
}
