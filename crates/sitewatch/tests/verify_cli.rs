//! `sitewatch verify DIR`: a fresh manifest passes; an altered or missing input is named and
//! the exit status is 4.

mod common;

use std::path::Path;

use report::{write_manifest, Manifest};

/// A report folder with three inputs (two inside, one outside it) and their manifest; the
/// second folder holds the outside input.
fn report_folder() -> (tempfile::TempDir, tempfile::TempDir) {
    let report = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(report.path().join("figures")).unwrap();
    let mut manifest = Manifest::new(serde_json::json!({"method": "imad", "alpha": 0.01}));
    for (path, role) in [
        (report.path().join("figures/change.png"), "change figure"),
        (report.path().join("changes.geojson"), "change polygons"),
        (outside.path().join("after.tif"), "after image"),
    ] {
        std::fs::write(&path, format!("bytes of the {role}")).unwrap();
        manifest.add_input(report.path(), &path, role).unwrap();
    }
    write_manifest(report.path(), &manifest).unwrap();
    (report, outside)
}

fn verify(dir: &Path, json: bool) -> std::process::Output {
    let mut args = vec!["verify", dir.to_str().unwrap()];
    if json {
        args.push("--json");
    }
    common::run(&dir.join("unused.gpkg"), &args)
}

#[test]
fn a_fresh_manifest_verifies() {
    let (report, _outside) = report_folder();
    let dir = report.path().to_str().unwrap();
    let stdout = common::run_ok(&report.path().join("unused.gpkg"), &["verify", dir]);
    assert!(stdout.contains("ok: all 3 inputs"), "{stdout}");
    assert!(
        !report.path().join("unused.gpkg").exists(),
        "verify needs no catalog"
    );
}

#[test]
fn an_altered_byte_is_named_with_status_4() {
    let (report, _outside) = report_folder();
    let altered = report.path().join("changes.geojson");
    let mut bytes = std::fs::read(&altered).unwrap();
    bytes[5] ^= 0x20;
    std::fs::write(&altered, bytes).unwrap();

    let out = verify(report.path(), false);
    assert_eq!(out.status.code(), Some(4));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("changed: changes.geojson (change polygons)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("change.png") && !stdout.contains("after.tif"),
        "{stdout}"
    );
    assert!(
        stderr.contains("1 of 3 inputs changed or missing: changes.geojson"),
        "{stderr}"
    );
}

#[test]
fn a_missing_input_is_named_in_json_with_status_4() {
    let (report, outside) = report_folder();
    let gone = outside.path().canonicalize().unwrap().join("after.tif");
    std::fs::remove_file(&gone).unwrap();

    let out = verify(report.path(), true);
    assert_eq!(out.status.code(), Some(4));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["inputs"], 3);
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{json}");
    assert_eq!(problems[0]["status"], "missing");
    assert_eq!(problems[0]["role"], "after image");
    let named = Path::new(problems[0]["path"].as_str().unwrap());
    assert_eq!(named, gone);
}

#[test]
fn a_folder_without_manifest_is_an_error_not_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let out = verify(dir.path(), false);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("manifest.json"));
}
