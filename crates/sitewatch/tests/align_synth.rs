//! The alignment step on a generated site: every date's georeferencing error, which the
//! generator knows, is recovered and stored in the catalog.

mod common;
use common::run_ok;

#[test]
fn align_recovers_the_generated_misregistration() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.gpkg");
    let imagery = dir.path().join("imagery");
    let synth = common::catalogued_site(&db, &imagery, 5, 5);
    let outcomes: serde_json::Value =
        serde_json::from_str(&run_ok(&db, &["align", "Plant", "--json"])).unwrap();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(imagery.join("truth.json")).unwrap())
            .unwrap();
    let site_gsd = 0.5;
    for (i, outcome) in outcomes.as_array().unwrap().iter().enumerate() {
        assert_eq!(outcome["status"], "aligned", "{outcome}");
        // The file shows its content (mx, my) of its own pixels east and south of the truth,
        // so the scene must move by minus that, in site pixels.
        let gsd = synth["acquisitions"][i]["gsd_m"].as_f64().unwrap();
        let m = &truth["misregistration_px"][i];
        let expected_dx = -m[0].as_f64().unwrap() * gsd / site_gsd;
        let expected_dy = -m[1].as_f64().unwrap() * gsd / site_gsd;
        let dx = outcome["dx_px"].as_f64().unwrap();
        let dy = outcome["dy_px"].as_f64().unwrap();
        assert!(
            (dx - expected_dx).abs() < 0.1 && (dy - expected_dy).abs() < 0.1,
            "scene {i}: found ({dx:.3}, {dy:.3}), truth ({expected_dx:.3}, {expected_dy:.3})"
        );
    }
}
