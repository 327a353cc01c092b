//! Checking a report folder against its manifest: every input hashed again.

use std::fmt;
use std::path::{Path, PathBuf};

use catalog::SceneFile;
use serde::Serialize;

use crate::error::ReportError;
use crate::manifest::{read_manifest, MANIFEST_FILE};

/// What [`verify`] found: how many inputs the manifest lists and which of them no longer
/// match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The manifest checked.
    pub manifest: PathBuf,
    /// How many inputs it lists.
    pub inputs: usize,
    /// Each input that changed, went missing or cannot be read, in manifest order.
    pub problems: Vec<InputProblem>,
}

impl VerifyReport {
    /// Whether every input is still the file the report was made from.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// An input that is no longer the file the report was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    /// The input's path as the manifest gives it.
    pub path: PathBuf,
    /// What the file is to the report.
    pub role: String,
    /// The SHA-256 the manifest records.
    pub expected_sha256: String,
    /// What is wrong.
    #[serde(flatten)]
    pub problem: Problem,
}

/// What is wrong with an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Problem {
    /// The file is there but its bytes differ.
    Changed {
        /// The SHA-256 of the file as it is now.
        found_sha256: String,
    },
    /// No file is at the path.
    Missing,
    /// The file is there but cannot be read.
    Unreadable {
        /// What the system said.
        reason: String,
    },
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (path, role) = (self.path.display(), &self.role);
        match &self.problem {
            Problem::Changed { found_sha256 } => write!(
                f,
                "changed: {path} ({role}): sha256 was {}, is now {found_sha256}",
                self.expected_sha256
            ),
            Problem::Missing => write!(f, "missing: {path} ({role})"),
            Problem::Unreadable { reason } => write!(f, "unreadable: {path} ({role}): {reason}"),
        }
    }
}

/// Hashes every input listed in `dir/manifest.json` again and reports each one that changed,
/// is missing or cannot be read. An error means the manifest itself cannot be read.
pub fn verify(dir: &Path) -> Result<VerifyReport, ReportError> {
    let manifest = read_manifest(dir)?;
    let problems = manifest
        .inputs
        .iter()
        .filter_map(|input| {
            let problem = match SceneFile::hash(input.resolve(dir), &input.role) {
                Ok(file) if file.sha256 == input.sha256 => return None,
                Ok(file) => Problem::Changed {
                    found_sha256: file.sha256,
                },
                Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => Problem::Missing,
                Err(e) => Problem::Unreadable {
                    reason: e.source.to_string(),
                },
            };
            Some(InputProblem {
                path: input.path.clone(),
                role: input.role.clone(),
                expected_sha256: input.sha256.clone(),
                problem,
            })
        })
        .collect();
    Ok(VerifyReport {
        manifest: dir.join(MANIFEST_FILE),
        inputs: manifest.inputs.len(),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{write_manifest, Manifest};

    /// A report folder with three inputs, `a.tif`, `b.tif` and `sub/c.json`, and its manifest.
    fn report_folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let mut manifest = Manifest::new(serde_json::json!({}));
        for (name, bytes) in [("a.tif", "aaaa"), ("b.tif", "bbbb"), ("sub/c.json", "{}")] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            manifest.add_input(dir.path(), &path, name).unwrap();
        }
        write_manifest(dir.path(), &manifest).unwrap();
        dir
    }

    #[test]
    fn a_fresh_manifest_verifies() {
        let dir = report_folder();
        let report = verify(dir.path()).unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.inputs, 3);
    }

    #[test]
    fn one_altered_byte_and_a_missing_file_are_named() {
        let dir = report_folder();
        let b = dir.path().join("b.tif");
        let mut bytes = std::fs::read(&b).unwrap();
        bytes[2] ^= 1;
        std::fs::write(&b, bytes).unwrap();
        std::fs::remove_file(dir.path().join("sub/c.json")).unwrap();

        let report = verify(dir.path()).unwrap();
        assert!(!report.is_intact());
        let named: Vec<(&Path, &Problem)> = report
            .problems
            .iter()
            .map(|p| (p.path.as_path(), &p.problem))
            .collect();
        assert_eq!(named.len(), 2, "{named:?}");
        assert_eq!(named[0].0, Path::new("b.tif"));
        assert!(matches!(named[0].1, Problem::Changed { .. }));
        assert_eq!(named[1], (Path::new("sub/c.json"), &Problem::Missing));
        assert!(report.problems[0]
            .to_string()
            .starts_with("changed: b.tif (b.tif)"));

        let json = serde_json::to_value(&report.problems[1]).unwrap();
        assert_eq!(json["status"], "missing");
        assert_eq!(json["path"], "sub/c.json");
    }

    #[test]
    fn a_folder_moved_whole_still_verifies() {
        let dir = report_folder();
        let parent = tempfile::tempdir().unwrap();
        let moved = parent.path().join("moved");
        std::fs::rename(dir.path(), &moved).unwrap();
        assert!(verify(&moved).unwrap().is_intact());
        std::fs::rename(&moved, dir.path()).unwrap();
    }
}
