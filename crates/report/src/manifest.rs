//! The provenance manifest of a report folder: what made the report, with which parameters,
//! from which files (each with its SHA-256).

use std::path::{Path, PathBuf};

use catalog::SceneFile;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ReportError;

/// The manifest's file name inside a report folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// What a report was made by and from: written as `DIR/manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The version of sitewatch that made the report.
    pub sitewatch_version: String,
    /// The version of the detection model used, when one was.
    pub model_version: Option<String>,
    /// When the report was made (UTC).
    pub created: DateTime<Utc>,
    /// The parameters the report was made with, as the command states them.
    pub parameters: serde_json::Value,
    /// Every file the report rests on.
    pub inputs: Vec<ManifestInput>,
}

/// One file a report rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestInput {
    /// Where the file is: relative to the report folder when inside it (so the folder can be
    /// moved whole), else absolute.
    pub path: PathBuf,
    /// The SHA-256 of the file's bytes when the report was made, 64 lowercase hex digits.
    pub sha256: String,
    /// What the file is to the report: "before image", "catalog", "change mask".
    pub role: String,
}

impl Manifest {
    /// A manifest made now by this sitewatch, with `parameters`, no model and no inputs yet.
    pub fn new(parameters: serde_json::Value) -> Manifest {
        Manifest {
            sitewatch_version: env!("CARGO_PKG_VERSION").to_string(),
            model_version: None,
            created: Utc::now(),
            parameters,
            inputs: Vec::new(),
        }
    }

    /// Hashes the file at `path` and lists it as an input of the report in folder `dir`.
    pub fn add_input(
        &mut self,
        dir: &Path,
        path: &Path,
        role: impl Into<String>,
    ) -> Result<&ManifestInput, ReportError> {
        self.inputs.push(ManifestInput::hash(dir, path, role)?);
        Ok(self.inputs.last().expect("just pushed"))
    }
}

impl ManifestInput {
    /// The input at `path` of the report in folder `dir`, its SHA-256 computed from the file's
    /// bytes (streamed, so any size fits in memory) and its path made relative to `dir` when
    /// the file is inside it, else absolute. Both must exist.
    pub fn hash(
        dir: &Path,
        path: &Path,
        role: impl Into<String>,
    ) -> Result<ManifestInput, ReportError> {
        let hashed = SceneFile::hash(path, role)?;
        let dir = dir.canonicalize().map_err(ReportError::io(dir))?;
        let file = path.canonicalize().map_err(ReportError::io(path))?;
        let path = match file.strip_prefix(&dir) {
            Ok(inside) => inside.to_path_buf(),
            Err(_) => file,
        };
        Ok(ManifestInput {
            path,
            sha256: hashed.sha256,
            role: hashed.role,
        })
    }

    /// Where the file is, for a report in folder `dir`.
    pub fn resolve(&self, dir: &Path) -> PathBuf {
        dir.join(&self.path)
    }
}

/// Writes `manifest` as `dir/manifest.json` (pretty JSON), replacing any earlier one whole:
/// the new text goes to a side file first and is then renamed over it, so a reader never sees
/// half a manifest. Returns the manifest's path.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<PathBuf, ReportError> {
    let path = dir.join(MANIFEST_FILE);
    let partial = dir.join(format!("{MANIFEST_FILE}.partial"));
    let mut text = serde_json::to_string_pretty(manifest).expect("a manifest serialises");
    text.push('\n');
    std::fs::write(&partial, text).map_err(ReportError::io(&partial))?;
    std::fs::rename(&partial, &path).map_err(ReportError::io(&path))?;
    Ok(path)
}

/// Reads `dir/manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, ReportError> {
    let path = dir.join(MANIFEST_FILE);
    if dir.is_dir() && !path.exists() {
        return Err(ReportError::NoManifest {
            dir: dir.to_path_buf(),
        });
    }
    let text = std::fs::read_to_string(&path).map_err(ReportError::io(&path))?;
    serde_json::from_str(&text).map_err(|source| ReportError::BadManifest { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_a_manifest_is_named_as_no_report() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_manifest(dir.path()).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "{}: not a sitewatch report folder",
                dir.path().display()
            )),
            "{err}"
        );
        let missing = dir.path().join("missing");
        let err = read_manifest(&missing).unwrap_err().to_string();
        assert!(err.contains("missing/manifest.json: "), "{err}");
    }

    #[test]
    fn inputs_inside_the_folder_are_relative_and_outside_absolute() {
        let report = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir(report.path().join("figures")).unwrap();
        let figure = report.path().join("figures/change.png");
        let scene = elsewhere.path().join("scene.tif");
        std::fs::write(&figure, "abc").unwrap();
        std::fs::write(&scene, "scene").unwrap();

        let inside = ManifestInput::hash(report.path(), &figure, "figure").unwrap();
        assert_eq!(inside.path, Path::new("figures/change.png"));
        assert_eq!(
            inside.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let outside = ManifestInput::hash(report.path(), &scene, "after image").unwrap();
        assert!(outside.path.is_absolute(), "{}", outside.path.display());
        assert_eq!(
            std::fs::read(outside.resolve(report.path())).unwrap(),
            b"scene"
        );
    }

    #[test]
    fn a_manifest_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("catalog.gpkg");
        std::fs::write(&input, "catalog bytes").unwrap();
        let mut manifest = Manifest::new(serde_json::json!({"method": "imad", "alpha": 0.01}));
        manifest.model_version = Some("buildings-2026.1".into());
        manifest.add_input(dir.path(), &input, "catalog").unwrap();
        let path = write_manifest(dir.path(), &manifest).unwrap();
        assert_eq!(path, dir.path().join("manifest.json"));
        assert!(!dir.path().join("manifest.json.partial").exists());
        assert_eq!(read_manifest(dir.path()).unwrap(), manifest);

        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["sitewatch_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(json["parameters"]["method"], "imad");
        assert_eq!(json["inputs"][0]["path"], "catalog.gpkg");
        assert_eq!(json["inputs"][0]["role"], "catalog");
    }

    #[test]
    fn missing_inputs_and_manifests_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone.tif");
        let error = ManifestInput::hash(dir.path(), &gone, "before image").unwrap_err();
        assert!(error.to_string().contains("gone.tif"), "{error}");
        let error = read_manifest(dir.path()).unwrap_err();
        assert!(error.to_string().contains("manifest.json"), "{error}");
        std::fs::write(dir.path().join(MANIFEST_FILE), "{\"inputs\": 3}").unwrap();
        let error = read_manifest(dir.path()).unwrap_err();
        assert!(
            error.to_string().contains("not a sitewatch manifest"),
            "{error}"
        );
    }
}
