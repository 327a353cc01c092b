//! Every bad input gets a clear error that names the file and the problem, a non-zero exit,
//! and leaves the catalog exactly as it was.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::data_file;

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// A temporary folder with a catalog holding the Joplin site and its pre-storm scene.
    fn with_joplin() -> Workspace {
        let ws = Workspace {
            dir: tempfile::tempdir().unwrap(),
        };
        ws.ok(&[
            "site",
            "add",
            "Joplin",
            "--bbox=-94.52,37.04,-94.49,37.08",
            "--ring",
            "300",
        ]);
        let pre = data_file("joplin/pre/tile_337-9136.tif");
        ws.ok(&[
            "scene",
            "add",
            pre.to_str().unwrap(),
            "--date",
            "2011-05-20",
        ]);
        ws
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("dossier.gpkg")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ok(&self, args: &[&str]) -> String {
        common::run_ok(&self.db(), args)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn truncated_tiff() {
    let ws = Workspace::with_joplin();
    let bytes = std::fs::read(data_file("joplin/pre/tile_1361-9136.tif")).unwrap();
    let cut = ws.path("cut.tif");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&cut), "--date", "2011-05-20"],
        &["cut.tif"],
    );
}

#[test]
fn corrupt_tiff() {
    let ws = Workspace::with_joplin();
    let junk = ws.path("junk.tif");
    std::fs::write(&junk, b"II*\0this is not really a TIFF at all").unwrap();
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&junk), "--date", "2011-05-20"],
        &["junk.tif", "TIFF"],
    );
}

#[test]
fn tiff_without_georeferencing() {
    let ws = Workspace::with_joplin();
    let tif = data_file("geotiff-fixtures/tinymarble.tif");
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&tif), "--date", "2011-05-20"],
        &["tinymarble.tif", "no georeferencing"],
    );
}

#[test]
fn tiff_without_crs() {
    let ws = Workspace::with_joplin();
    let tif = data_file("geotiff-fixtures/rotated.tif");
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&tif), "--date", "2011-05-20"],
        &["rotated.tif", "CRS"],
    );
}

#[test]
fn scene_outside_the_site() {
    let ws = Workspace::with_joplin();
    let tif = data_file("geotiff-fixtures/RGB.byte.tif");
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&tif), "--date", "2011-05-20"],
        &["RGB.byte.tif", "does not overlap"],
    );
}

#[test]
fn date_that_does_not_parse() {
    let ws = Workspace::with_joplin();
    let tif = data_file("joplin/pre/tile_1361-9136.tif");
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&tif), "--date", "20 May 2011"],
        &["20 May 2011", "ISO 8601"],
    );
}

#[test]
fn mixed_bands_and_tiles() {
    let ws = Workspace::with_joplin();
    let a = data_file("joplin/pre/tile_1361-9136.tif");
    let b = data_file("joplin/post/tile_31500-5137.tif");
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&a), s(&b), "--date", "2011-05-20"],
        &[
            "tile_1361-9136.tif",
            "tile_31500-5137.tif",
            "cannot be one scene",
        ],
    );
}

#[test]
fn geojson_that_is_not_a_polygon() {
    let ws = Workspace::with_joplin();
    let line = ws.path("road.geojson");
    std::fs::write(
        &line,
        r#"{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-94.5,37.05],[-94.49,37.06]]}}"#,
    )
    .unwrap();
    common::assert_refused(
        &ws.db(),
        &["site", "add", "Road", "--aoi", s(&line)],
        &["road.geojson", "Polygon", "LineString"],
    );
}

#[test]
fn database_that_is_not_a_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.gpkg");
    std::fs::write(&db, "shopping list\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sitewatch"))
        .args(["--db", s(&db), "site", "list"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("notes.gpkg") && stderr.contains("not a GeoPackage"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), b"shopping list\n");
}

#[test]
fn duplicate_site_name() {
    let ws = Workspace::with_joplin();
    common::assert_refused(
        &ws.db(),
        &["site", "add", "joplin", "--bbox=-94.52,37.04,-94.49,37.08"],
        &["joplin"],
    );
}

#[test]
fn unknown_crs() {
    let ws = Workspace::with_joplin();
    let tif = ws.path("unknown_crs.tif");
    std::fs::write(&tif, testkit::tiff::unknown_epsg_tiff()).unwrap();
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&tif), "--date", "2011-05-20"],
        &["unknown_crs.tif", "29999"],
    );
}

#[test]
fn unsupported_compression() {
    let ws = Workspace::with_joplin();
    let tif = ws.path("jpeg2000.tif");
    std::fs::write(&tif, testkit::tiff::tiny_tiff(34712, &[], &[])).unwrap();
    common::assert_refused(
        &ws.db(),
        &["scene", "add", s(&tif), "--date", "2011-05-20"],
        &["jpeg2000.tif", "34712"],
    );
}
