//! Sitewatch reports and their provenance.
//!
//! [`write_report`] turns a [`ReportInput`] (a site's dossier, findings with their before and
//! after crops, buildings, timeline, indicators and provenance) into a report folder: an
//! offline HTML page, a PNG figure per finding (stretched, outlined, with scale bar, true-north
//! arrow, dates and credits on it) and the manifest.
//!
//! Every report folder carries a `manifest.json`: the sitewatch (and model) version that made
//! it, the parameters it was run with, and every input file with its SHA-256 and its role.
//! [`verify`] hashes the inputs again and names each one that changed or went missing, so a
//! reader can tell whether the evidence still rests on the files it claims.
//!
//! ```
//! use report::{verify, write_manifest, Manifest};
//!
//! let dir = tempfile::tempdir()?;
//! let image = dir.path().join("after.tif");
//! std::fs::write(&image, b"pixels")?;
//! let mut manifest = Manifest::new(serde_json::json!({"threshold": 0.99}));
//! manifest.add_input(dir.path(), &image, "after image")?;
//! write_manifest(dir.path(), &manifest)?;
//! assert!(verify(dir.path())?.is_intact());
//!
//! std::fs::write(&image, b"pixelz")?;
//! let report = verify(dir.path())?;
//! assert_eq!(report.problems[0].path, std::path::Path::new("after.tif"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod canvas;
mod chart;
mod error;
mod figure;
mod format;
mod html;
mod input;
mod manifest;
mod north_arrow;
mod resize;
mod round;
mod scale_bar;
mod stretch;
mod text;
mod verify;
mod write;

pub use error::ReportError;
pub use input::{
    BuildingRow, Finding, ImageryRow, IndicatorPoint, NamedQuantity, Outline, OutlineStyle, Panel,
    Panels, Provenance, Quantity, ReportInput, SiteDossier, TimelineEntry,
};
pub use manifest::{read_manifest, write_manifest, Manifest, ManifestInput, MANIFEST_FILE};
pub use verify::{verify, InputProblem, Problem, VerifyReport};
pub use write::{write_report, ReportFiles, FIGURES_DIR, REPORT_PAGE};
