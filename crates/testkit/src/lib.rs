//! Test support shared by the sitewatch crates (a dev-dependency only).
//!
//! Tests that need the shared data find it through `$SITEWATCH_DATA` or `../shared/data`
//! beside the workspace. CI always has it, so a missing folder fails the test, never skips it.

pub mod browser;
pub mod tiff;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared data folder. Panics with what to do when it is missing.
pub fn shared_data() -> PathBuf {
    if let Some(dir) = std::env::var_os("SITEWATCH_DATA") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "SITEWATCH_DATA={} is not a folder",
            dir.display()
        );
        return dir;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.is_dir(),
        "the shared test data is missing: set SITEWATCH_DATA or put it at {}",
        dir.display()
    );
    dir.canonicalize().expect("shared data path resolves")
}

/// A file of the shared data, e.g. `data_file("geotiff-fixtures/RGB.byte.tif")`.
pub fn data_file(relative: &str) -> PathBuf {
    let path = shared_data().join(relative);
    assert!(
        path.exists(),
        "shared data file missing: {}",
        path.display()
    );
    path
}

/// Runs an external referee tool (gdalinfo, gdalwarp, ogrinfo, ...) and returns its stdout.
/// Panics when the tool is not installed (`.ci/run` installs gdal-bin) or fails.
pub fn run_tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): install gdal-bin (apt-get install gdal-bin)")
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}
