//! What a report is made from: plain data that the caller fills from the catalog and the
//! building registry. Nothing here is computed by the report; it only lays it out.

use chrono::NaiveDate;
use raster::Raster;

use crate::manifest::ManifestInput;

/// Everything an analyst's report on one site shows.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// The site's dossier: who and what it is.
    pub site: SiteDossier,
    /// The changes the report presents as evidence, each with a before/after figure.
    pub findings: Vec<Finding>,
    /// The site's buildings as the registry holds them.
    pub buildings: Vec<BuildingRow>,
    /// The site's dated events, detected or reported, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// The site's indicators on each date, oldest first, drawn as charts.
    pub indicators: Vec<IndicatorPoint>,
    /// The scenes the site was watched with, oldest first, and how each was put on the
    /// site's grid.
    pub imagery: Vec<ImageryRow>,
    /// What the report was made by and from.
    pub provenance: Provenance,
}

/// A site's dossier: its names, what it is part of and what it makes, and where it is.
#[derive(Debug, Clone)]
pub struct SiteDossier {
    /// The site's name as the report heads it.
    pub name: String,
    /// Other names the site is known by.
    pub aliases: Vec<String>,
    /// The complex or organisation the site belongs to, when known.
    pub parent_complex: Option<String>,
    /// What the site makes or does, in the analyst's words.
    pub products: String,
    /// The analyst's notes on the site.
    pub notes: String,
    /// The area of interest: a ring of (longitude, latitude) vertices in degrees (WGS 84).
    pub aoi_lonlat: Vec<(f64, f64)>,
    /// How far around the AOI housing and support facilities are looked for, in metres.
    pub ring_m: f64,
}

/// A measured figure with its interval: `value` in `[low, high]` at confidence `level`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The best estimate.
    pub value: f64,
    /// The lower end of the interval.
    pub low: f64,
    /// The upper end of the interval.
    pub high: f64,
    /// The confidence level of the interval (0.95 for 95 %).
    pub level: f64,
    /// The unit as printed after the number ("m²", "m").
    pub unit: String,
}

/// A quantity with the name the report gives it ("new hall floor area").
#[derive(Debug, Clone, PartialEq)]
pub struct NamedQuantity {
    /// What was measured.
    pub label: String,
    /// The measure.
    pub quantity: Quantity,
}

/// One change the report presents: what appeared (or went, or changed) between two dates,
/// where, how big, and the two images that show it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The headline, in an editor's words ("new final-assembly hall appeared").
    pub title: String,
    /// The registry codes of the buildings concerned.
    pub building_codes: Vec<String>,
    /// The kind of change ("appeared", "expanded", "re-roofed", "demolished").
    pub kind: String,
    /// The latest date the change is known not to have happened by.
    pub not_before: NaiveDate,
    /// The earliest date the change is known to have happened by.
    pub by: NaiveDate,
    /// Where it is: (longitude, latitude) in degrees, WGS 84.
    pub lonlat: (f64, f64),
    /// The MGRS reference of the same point, as the registry wrote it.
    pub mgrs: String,
    /// The measures of the change (area, length, width), each with its interval.
    pub measures: Vec<NamedQuantity>,
    /// The image before the change.
    pub before: Panel,
    /// The image after the change, on the same grid as `before`.
    pub after: Panel,
    /// Outlines to draw on the images, in the crops' map coordinates.
    pub outlines: Vec<Outline>,
}

/// One image of a finding's figure: a crop with where it comes from.
#[derive(Debug, Clone)]
pub struct Panel {
    /// The crop, in a projected CRS in metres. Bands 0, 1, 2 are shown as red, green, blue;
    /// a crop of one or two bands is shown in grey from its first band.
    pub crop: Raster,
    /// The sensor or satellite that took the image.
    pub sensor: String,
    /// The credit line the image's licence asks for.
    pub credit: String,
    /// When the image was taken.
    pub acquired: NaiveDate,
}

/// A polygon drawn on a finding's images.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// The ring's vertices in the crops' map coordinates (closing vertex optional).
    pub ring: Vec<(f64, f64)>,
    /// How the outline is drawn, and what it means in the legend.
    pub style: OutlineStyle,
    /// Which of the two images it is drawn on.
    pub on: Panels,
}

/// What an outline stands for, which sets its colour and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutlineStyle {
    /// A building or part that is new: solid red.
    New,
    /// An original or reference building to compare with: solid cyan.
    Reference,
    /// A building as it was before the change: dashed amber.
    Previous,
}

/// Which images of a finding an outline is drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panels {
    /// Only the image before the change.
    Before,
    /// Only the image after the change.
    After,
    /// Both images.
    Both,
}

/// One row of the building table.
#[derive(Debug, Clone)]
pub struct BuildingRow {
    /// The building's registry code.
    pub code: String,
    /// Its kind or use ("final-assembly hall", "housing").
    pub kind: String,
    /// Its roofed area, when measured.
    pub area: Option<Quantity>,
    /// Its length, when measured.
    pub length: Option<Quantity>,
    /// Its width, when measured.
    pub width: Option<Quantity>,
    /// Where it is: (longitude, latitude) in degrees, WGS 84.
    pub lonlat: (f64, f64),
    /// Its MGRS reference.
    pub mgrs: String,
    /// Its history in words ("appeared between 2020-06-03 and 2021-04-20").
    pub history: String,
    /// Whether an analyst has reviewed it, and the verdict ("confirmed", "unreviewed").
    pub review: String,
}

/// One dated event of the site's timeline.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    /// When it happened or was reported.
    pub date: NaiveDate,
    /// What kind of event it is ("detected change", "press report", "sanctions listing").
    pub kind: String,
    /// What happened.
    pub text: String,
    /// The source: a citation, a URL, or a citation with URLs in it (each becomes a link).
    pub source: String,
}

/// One scene of the site and how it was co-registered: a claim resting on a comparison of
/// two scenes rests on how well they were aligned, or on their georeferencing alone.
#[derive(Debug, Clone)]
pub struct ImageryRow {
    /// The scene's id in the catalog.
    pub scene: i64,
    /// When it was taken.
    pub date: NaiveDate,
    /// The satellite or camera.
    pub sensor: String,
    /// Ground sample distance, metres.
    pub gsd_m: f64,
    /// How many bands it has.
    pub band_count: usize,
    /// The credit its figures carry.
    pub credit: String,
    /// Its co-registration with the reference scene in words: the shift and residual, or the
    /// refusal and why.
    pub coregistration: String,
}

/// The site's indicators on one date.
#[derive(Debug, Clone)]
pub struct IndicatorPoint {
    /// The date of the image the indicators were measured on.
    pub date: NaiveDate,
    /// The roofed area of the site's buildings.
    pub roofed_area: Quantity,
    /// How many buildings are new since the first date.
    pub new_buildings: usize,
    /// The roofed area of the buildings new since the first date.
    pub new_building_area: Quantity,
    /// How many housing blocks stand in the ring.
    pub housing_blocks: usize,
    /// The roofed area of the housing in the ring.
    pub housing_area: Quantity,
}

/// What made the report, with which parameters, from which files.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The files the report rests on (scenes, catalog), each already hashed.
    pub inputs: Vec<ManifestInput>,
    /// The parameters the report was made with.
    pub parameters: serde_json::Value,
    /// The version of sitewatch that made it.
    pub sitewatch_version: String,
    /// The version of the detection model used, when one was.
    pub model_version: Option<String>,
}
