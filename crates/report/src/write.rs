//! Writing a whole report folder: the figures, the page, and the manifest that lists the
//! report's inputs and its own files with their SHA-256.

use std::path::{Path, PathBuf};

use crate::chart::indicator_charts;
use crate::error::ReportError;
use crate::figure;
use crate::html;
use crate::input::ReportInput;
use crate::manifest::{write_manifest, Manifest};

/// The report page's file name inside a report folder.
pub const REPORT_PAGE: &str = "index.html";
/// The folder, inside a report folder, that holds the figures.
pub const FIGURES_DIR: &str = "figures";

/// The files [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// The report page, `DIR/index.html`.
    pub page: PathBuf,
    /// Each finding's figure, `DIR/figures/finding-NN.png`, in finding order.
    pub figures: Vec<PathBuf>,
    /// The provenance manifest, `DIR/manifest.json`.
    pub manifest: PathBuf,
}

/// Writes the report on `input` into folder `dir` (made if missing): a PNG figure for each
/// finding under `figures/`, the page `index.html` that shows them with the dossier, building
/// table, indicator charts, timeline and provenance, and `manifest.json`, which lists the
/// caller's inputs and the page and figures themselves with their SHA-256, so that
/// [`crate::verify`] on the folder tells whether anything was changed since. Files of an
/// earlier report in `dir` that this one does not write are left as they are, unlisted.
///
/// ```
/// use chrono::NaiveDate;
/// use raster::{Crs, GeoTransform, Grid, Raster, SampleType};
/// use report::*;
///
/// let grid = Grid::new(
///     Crs::from_epsg(32611)?,
///     GeoTransform::north_up(580_000.0, 4_100_050.0, 0.5, 0.5),
///     100,
///     100,
/// );
/// let day = |d| NaiveDate::from_ymd_opt(2021, 4, d).unwrap();
/// let panel = |d| Panel {
///     crop: Raster::filled(grid.clone(), 3, 80.0, SampleType::U8),
///     sensor: "SynthSat-A".into(),
///     credit: "Synthetic imagery (CC0)".into(),
///     acquired: day(d),
/// };
/// let input = ReportInput {
///     site: SiteDossier {
///         name: "Plant 1".into(),
///         aliases: vec![],
///         parent_complex: None,
///         products: "vehicles".into(),
///         notes: String::new(),
///         aoi_lonlat: vec![(-116.1, 37.04), (-116.09, 37.04), (-116.09, 37.05)],
///         ring_m: 150.0,
///     },
///     findings: vec![Finding {
///         title: "new hall appeared".into(),
///         building_codes: vec!["B7".into()],
///         kind: "appeared".into(),
///         not_before: day(1),
///         by: day(20),
///         lonlat: (-116.0997, 37.0429),
///         mgrs: "11SMA 80025 00025".into(),
///         measures: vec![],
///         before: panel(1),
///         after: panel(20),
///         outlines: vec![],
///     }],
///     buildings: vec![],
///     timeline: vec![],
///     indicators: vec![],
///     imagery: vec![],
///     provenance: Provenance {
///         inputs: vec![],
///         parameters: serde_json::json!({}),
///         sitewatch_version: "0.1.0".into(),
///         model_version: None,
///     },
/// };
/// let dir = tempfile::tempdir()?;
/// let files = write_report(&input, dir.path())?;
/// assert!(files.figures[0].ends_with("figures/finding-01.png"));
/// assert_eq!(verify(dir.path())?.inputs, 2); // the figure and the page
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_report(input: &ReportInput, dir: &Path) -> Result<ReportFiles, ReportError> {
    let figures_dir = dir.join(FIGURES_DIR);
    std::fs::create_dir_all(&figures_dir).map_err(ReportError::io(&figures_dir))?;
    let mut figures = Vec::new();
    let mut links = Vec::new();
    for (i, finding) in input.findings.iter().enumerate() {
        let name = format!("finding-{:02}.png", i + 1);
        let path = figures_dir.join(&name);
        figure::render(finding)?.write_png(&path)?;
        figures.push(path);
        links.push(format!("{FIGURES_DIR}/{name}"));
    }

    let provenance = &input.provenance;
    let mut manifest = Manifest::new(provenance.parameters.clone());
    manifest.sitewatch_version = provenance.sitewatch_version.clone();
    manifest.model_version = provenance.model_version.clone();
    manifest.inputs = provenance.inputs.clone();

    let charts = indicator_charts(&input.indicators);
    let page = dir.join(REPORT_PAGE);
    let text = html::document(input, &links, &charts, manifest.created);
    std::fs::write(&page, text).map_err(ReportError::io(&page))?;

    for (figure, finding) in figures.iter().zip(&input.findings) {
        manifest.add_input(dir, figure, format!("figure: {}", finding.title))?;
    }
    manifest.add_input(dir, &page, "report page")?;
    let manifest = write_manifest(dir, &manifest)?;
    Ok(ReportFiles {
        page,
        figures,
        manifest,
    })
}
