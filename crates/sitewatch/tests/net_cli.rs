//! The learned detector's path through the binary: a few training steps (a smoke test, not
//! a real training), then detection and evaluation with the weights it wrote.

mod common;
use common::{run, run_ok};
use testkit::data_file;

#[test]
fn train_then_detect_and_eval_with_the_weights() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    let weights = dir.path().join("smoke.bpk");
    let levir = data_file("changepairs/levir");
    let joplin = data_file("joplin");
    let summary: serde_json::Value = serde_json::from_str(&run_ok(
        &db,
        &[
            "train",
            "--data",
            levir.to_str().unwrap(),
            "--buildings",
            joplin.join("pre").to_str().unwrap(),
            "--footprints",
            joplin.join("footprints-2020.geojson").to_str().unwrap(),
            "--building-head",
            "--steps",
            "3",
            "--seed",
            "7",
            "-o",
            weights.to_str().unwrap(),
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(summary["steps"], 3);
    assert_eq!(summary["pairs"], 11);
    assert!(summary["final_loss"].as_f64().unwrap().is_finite());
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("smoke.json")).unwrap())
            .unwrap();
    assert_eq!(sidecar["seed"], 7);
    assert_eq!(sidecar["building_scenes"].as_array().unwrap().len(), 4);
    assert_eq!(sidecar["arch"]["building_head"], true);

    let report: serde_json::Value = serde_json::from_str(&run_ok(
        &db,
        &[
            "eval",
            levir.to_str().unwrap(),
            "--method",
            "net",
            "--weights",
            weights.to_str().unwrap(),
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(report["method"], "net");
    assert_eq!(report["pairs"], 11);
    assert!(report["f1"].as_f64().unwrap() >= 0.0);

    let a = data_file("changepairs/levir/A/test_102_0512_0000.png");
    let b = data_file("changepairs/levir/B/test_102_0512_0000.png");
    let out = dir.path().join("detect");
    run_ok(
        &db,
        &[
            "detect",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--method",
            "net",
            "--weights",
            weights.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(out.join("changes.geojson").is_file());
}

#[test]
fn weights_are_for_the_network_only() {
    let dir = tempfile::tempdir().unwrap();
    let levir = data_file("changepairs/levir");
    let out = run(
        &dir.path().join("unused.gpkg"),
        &["eval", levir.to_str().unwrap(), "--weights", "x.bpk"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--method net"));
}

#[test]
fn bad_training_inputs_are_refused_saying_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    let levir = data_file("changepairs/levir");
    let weights = dir.path().join("w.bpk");
    // Each bad input is refused, and the message says which file and what is wrong.
    let refused = |extra: &[&str], says: &[&str]| {
        let mut args = vec!["train", "--data", levir.to_str().unwrap(), "--steps", "1"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-o", weights.to_str().unwrap()]);
        let out = run(&db, &args);
        assert!(!out.status.success(), "{extra:?} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        for fragment in says {
            assert!(stderr.contains(fragment), "{extra:?}: {stderr}");
        }
    };
    refused(&["--crop", "100"], &["multiple of 16"]);
    refused(&["--building-share", "1.5"], &["not a probability"]);
    refused(
        &["--encoder", "16,32", "--decoder", "8"],
        &["one decoder width per encoder stage"],
    );
    refused(&["--encoder", "16,0,32,64"], &["none of them 0"]);
    refused(&["--scales", "2,0.5"], &["the smaller first"]);
    refused(&["--scales", "0,1"], &["two positive factors"]);
    refused(&["--scales", "0.5"], &["not two factors"]);
    let pre = data_file("joplin/pre");
    let pre = pre.to_str().unwrap();
    refused(&["--buildings", pre], &["--footprints"]);
    refused(&["--building-head"], &["building head", "--buildings"]);

    // Footprints of another place: nothing to remove.
    let elsewhere = dir.path().join("elsewhere.geojson");
    std::fs::write(
        &elsewhere,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
        "geometry":{"type":"Polygon","coordinates":[[[15,45],[15.001,45],[15.001,45.001],[15,45]]]}}]}"#,
    )
    .unwrap();
    let elsewhere = elsewhere.to_str().unwrap();
    refused(
        &["--buildings", pre, "--footprints", elsewhere],
        &["elsewhere.geojson", "no footprint falls"],
    );

    // The SpaceNet tile is 16-bit panchromatic.
    let spacenet = data_file("spacenet-atlanta");
    let footprints = spacenet.join("buildings.geojson");
    refused(
        &[
            "--buildings",
            spacenet.to_str().unwrap(),
            "--footprints",
            footprints.to_str().unwrap(),
        ],
        &["image.tif", "8-bit RGB"],
    );
    assert!(!weights.exists());
}
