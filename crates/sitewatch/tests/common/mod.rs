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

/// Runs a command that must fail, say each of `expected` on stderr, and leave the catalog's
/// bytes as they were.
#[allow(dead_code)] // not every test file refuses input
pub fn assert_refused(db: &Path, args: &[&str], expected: &[&str]) {
    let before = std::fs::read(db).unwrap();
    let out = run(db, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "sitewatch {args:?} should fail");
    for e in expected {
        assert!(
            stderr.contains(e),
            "error for {args:?} lacks '{e}': {stderr}"
        );
    }
    assert_eq!(
        before,
        std::fs::read(db).unwrap(),
        "sitewatch {args:?} changed the catalog"
    );
}

/// Writes the generated plant site of `seed` into `dir` with `sitewatch synth` and returns
/// what it printed (`acquisitions` with their paths, dates and sensors).
#[allow(dead_code)] // not every test file needs a generated site
pub fn synth_site(db: &Path, dir: &Path, seed: u64) -> serde_json::Value {
    let seed = seed.to_string();
    serde_json::from_str(&run_ok(
        db,
        &[
            "synth",
            "-o",
            dir.to_str().unwrap(),
            "--seed",
            &seed,
            "--json",
        ],
    ))
    .expect("synth --json prints JSON")
}

/// Generates the plant site of `seed` into `imagery`, adds it to the catalog as site "Plant"
/// (ring 150 m) and adds its first `scenes` acquisitions; returns what `synth` printed.
#[allow(dead_code)] // not every test file needs a catalogued site
pub fn catalogued_site(db: &Path, imagery: &Path, seed: u64, scenes: usize) -> serde_json::Value {
    let synth = synth_site(db, imagery, seed);
    let aoi = imagery.join("aoi.geojson");
    run_ok(
        db,
        &[
            "site",
            "add",
            "Plant",
            "--aoi",
            aoi.to_str().unwrap(),
            "--ring",
            "150",
        ],
    );
    for a in &synth["acquisitions"].as_array().unwrap()[..scenes] {
        add_scene(db, a);
    }
    synth
}

/// Adds one acquisition that `synth` printed as a scene.
#[allow(dead_code)] // not every test file needs a catalogued site
pub fn add_scene(db: &Path, acquisition: &serde_json::Value) {
    run_ok(
        db,
        &[
            "scene",
            "add",
            acquisition["path"].as_str().unwrap(),
            "--date",
            acquisition["datetime"].as_str().unwrap(),
            "--sensor",
            acquisition["sensor"].as_str().unwrap(),
        ],
    );
}

/// The GeoTIFF files of a shared-data folder, sorted.
#[allow(dead_code)] // not every test file reads tiles
pub fn tiles(folder: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(testkit::data_file(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tif"))
        .collect();
    v.sort();
    v
}

/// `sitewatch scene add FILES... OPTIONS`.
#[allow(dead_code)] // not every test file adds files as a scene
pub fn add_scene_files(db: &Path, files: &[std::path::PathBuf], options: &[&str]) {
    let mut args = vec!["scene", "add"];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    args.extend(options);
    run_ok(db, &args);
}
