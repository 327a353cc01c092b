//! `sitewatch detect BEFORE AFTER -o DIR`: where something changed between two images.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};
use detect::{
    bands_of, changes_of_mask, clean_mask, detect_to_geotiffs, read_image, true_colour_for, Change,
    ChangeDetector, ChangeMap, CleanupRules, Imad, ImageFormat, SelectedBands,
};
use raster::coreg::CorrectionModel;
use raster::{
    ColourInterp, GeoTiff, Grid, NoCorrection, PixelCorrection, Raster, RasterSource, ReadError,
    Resampling, SampleType, WarpedSource, Window,
};
use serde::Serialize;

use crate::changes::changes_geojson;
use crate::commands::coreg::align;
use crate::output::Context;
use crate::scenes::{scene_on_site_grid, stored_correction};

/// Which change method to use.
#[derive(Args)]
pub struct Method {
    /// The change method.
    #[arg(long, value_enum, default_value_t = MethodName::Imad)]
    method: MethodName,
    /// The network's weights (with `--method net` or `union`; default: the shipped weights).
    /// Given more than once, the networks' probabilities are averaged (an ensemble, at a
    /// network's work per member).
    #[arg(long, value_name = "FILE")]
    weights: Vec<PathBuf>,
    /// The bands to compare, counted from 1, in order. Default: all of them for iMAD; for the
    /// network and the union, which take red, green, blue, those the imagery declares so (a
    /// GeoTIFF's colour interpretation, an OSCD city's B04 B03 B02), else all. `--bands 3,2,1` for
    /// blue-green-red-NIR imagery such as Sentinel-2 B02 B03 B04 B08 stacked without colours.
    #[arg(long, value_delimiter = ',', value_name = "N,N,..")]
    pub bands: Option<Vec<usize>>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MethodName {
    /// Iteratively reweighted multivariate alteration detection: unsupervised, any sensor.
    Imad,
    /// The learned Siamese change network (3-band imagery).
    Net,
    /// Change where iMAD or the network finds it, each at its own threshold (3-band imagery;
    /// both methods' work).
    Union,
}

impl Method {
    /// The method's name as the catalog records it.
    pub fn name(&self) -> &'static str {
        match self.method {
            MethodName::Imad => "imad",
            MethodName::Net => "net",
            MethodName::Union => "union",
        }
    }

    /// What identifies the model a method runs: the name and SHA-256 of each network's
    /// weights, joined by " + " for an ensemble (none for iMAD, which has no model), so that
    /// new weights make earlier comparisons stale.
    pub fn model_version(&self) -> Result<Option<String>> {
        match self.method {
            MethodName::Imad => Ok(None),
            MethodName::Net | MethodName::Union => {
                let mut versions = Vec::new();
                for path in self.network_weights() {
                    let hash = catalog::SceneFile::hash(&path, "weights")?.sha256;
                    let name = path.file_name().unwrap_or_default().to_string_lossy();
                    versions.push(format!("{name} sha256:{hash}"));
                }
                Ok(Some(versions.join(" + ")))
            }
        }
    }

    /// The weights the network runs: those given, else the shipped ones.
    fn network_weights(&self) -> Vec<PathBuf> {
        if self.weights.is_empty() {
            vec![detect::net::shipped_weights()]
        } else {
            self.weights.clone()
        }
    }

    fn network(&self) -> Result<detect::net::NetDetector> {
        Ok(detect::net::NetDetector::ensemble(&self.network_weights())?)
    }

    pub fn detector(&self) -> Result<Box<dyn ChangeDetector>> {
        match (self.method, self.weights.first()) {
            (MethodName::Imad, None) => Ok(Box::new(Imad::default())),
            (MethodName::Imad, Some(w)) => {
                bail!(
                    "--weights {} is for --method net or union; iMAD needs none",
                    w.display()
                )
            }
            (MethodName::Net, _) => Ok(Box::new(self.network()?)),
            (MethodName::Union, _) => Ok(Box::new(detect::Union::new(vec![
                Box::new(Imad::default()),
                Box::new(self.network()?),
            ]))),
        }
    }
}

#[derive(Args)]
pub struct DetectArgs {
    /// The earlier image: a scene id of the catalog, a GeoTIFF, or a PNG or JPEG image.
    before: PathBuf,
    /// The later image: a scene id (both go onto their site's grid with their stored
    /// alignments), a GeoTIFF (co-registered and warped onto BEFORE's grid) or a PNG or
    /// JPEG image of BEFORE's size (compared pixel by pixel, without georeferencing).
    after: PathBuf,
    #[command(flatten)]
    method: Method,
    /// The output folder: probability.tif, mask.tif (the changes' pixels after clean-up) and
    /// changes.geojson (for PNG or JPEG inputs probability.png and mask.png, and areas in
    /// pixels).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

/// What `detect` reports on stdout.
#[derive(Serialize)]
struct DetectReport {
    method: String,
    /// The bands compared, counted from 1 (`null`: all of them).
    bands: Option<Vec<usize>>,
    version: String,
    threshold: f32,
    changes: usize,
    changed_area_m2: Option<f64>,
    changed_area_px: usize,
    registration: Registration,
    outputs: Vec<PathBuf>,
}

pub fn run(ctx: &Context, args: DetectArgs) -> Result<()> {
    let detector = args.method.detector()?;
    let rules = CleanupRules::default();
    // A folder made here for a pair that cannot be compared is removed again, so that a
    // refused pair leaves no empty or half-written results behind.
    let created = !args.output.exists();
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("{}: cannot create the folder", args.output.display()))?;
    let detection = match detect_pair(ctx, &args, detector.as_ref(), &rules) {
        Ok(detection) => detection,
        Err(error) => {
            if created {
                // Best effort: the error to report is the comparison's, not this one's.
                let _ = std::fs::remove_dir_all(&args.output);
            }
            return Err(error.context(format!(
                "cannot compare {} with {}",
                args.before.display(),
                args.after.display()
            )));
        }
    };
    let mut outputs = detection.outputs;
    let geojson = args.output.join("changes.geojson");
    std::fs::write(
        &geojson,
        changes_geojson(&detection.grid, &detection.changes)?,
    )
    .with_context(|| format!("{}: cannot write", geojson.display()))?;
    outputs.push(geojson);

    let changes = &detection.changes;
    let report = DetectReport {
        method: detection.method,
        bands: detection.bands,
        version: detection.version,
        threshold: detection.threshold,
        changes: changes.len(),
        // Folded from +0.0: an empty f64 sum is -0.0.
        changed_area_m2: changes
            .iter()
            .try_fold(0.0, |total, c| c.area_m2.map(|a| total + a)),
        changed_area_px: changes.iter().map(|c| c.area_px).sum(),
        registration: detection.registration,
        outputs,
    };
    ctx.print(&report, |r| {
        let area = match r.changed_area_m2 {
            Some(m2) => format!("{m2:.0} m²"),
            None => format!("{} px", r.changed_area_px),
        };
        let files: Vec<String> = r.outputs.iter().map(|p| p.display().to_string()).collect();
        format!(
            "{} changes ({area}) by {} {} at threshold {:.3}\nwrote {}",
            r.changes,
            r.method,
            r.version,
            r.threshold,
            files.join(", ")
        )
    });
    Ok(())
}

/// Detects the changes between the pair `args` names, whichever kind of input it is.
fn detect_pair(
    ctx: &Context,
    args: &DetectArgs,
    detector: &dyn ChangeDetector,
    rules: &CleanupRules,
) -> Result<Detection> {
    Ok(match (scene_id(&args.before), scene_id(&args.after)) {
        (Some(b), Some(a)) => {
            let (before, after, registration) = load_scene_pair(ctx, b, a)?;
            detect_geotiffs(args, detector, &before, &after, rules, registration)?
        }
        _ if !is_plain_image(&args.before) => {
            let before = GeoTiff::open(&args.before)?;
            let after = GeoTiff::open(&args.after)?;
            let (correction, registration) = register(args, &before, &after)?;
            let after_source = FloatSamples(&after);
            let warped = WarpedSource::new(
                &after_source,
                before.grid().clone(),
                Resampling::Bilinear,
                correction.as_ref(),
            );
            detect_geotiffs(args, detector, &before, &warped, rules, registration)?
        }
        _ => {
            let (before, after) = load_plain_pair(&args.before, &args.after)?;
            // Plain images declare no colours: `--bands` or all of them.
            let bands = args.method.bands_for(detector, || Ok(None))?;
            let before = bands_of(&before, bands.as_deref())?;
            let after = bands_of(&after, bands.as_deref())?;
            let map = detector.probability(&before, &after)?;
            let threshold = detector.default_threshold(&map);
            let mask = clean_mask(&map, threshold, rules)?;
            let changes = changes_of_mask(
                &mask,
                &map.grid,
                &map.probability_raster(),
                &*before,
                &*after,
            )?;
            Detection {
                bands,
                outputs: write_png_maps(&args.output, &map, &mask)?,
                method: map.method.clone(),
                version: map.version.clone(),
                threshold,
                changes,
                grid: map.grid,
                registration: Registration {
                    aligned: false,
                    dx_px: None,
                    dy_px: None,
                    rmse_px: None,
                    refusal: Some(
                        "plain image pairs have no georeferencing and are compared as given".into(),
                    ),
                },
            }
        }
    })
}

impl Method {
    /// The bands the method compares, counted from 1 (`None`: all of them): `--bands`, or for
    /// the three-band network the imagery's red, green and blue (`true_colour`, asked only
    /// then) where it declares them.
    pub fn bands_for(
        &self,
        detector: &dyn ChangeDetector,
        true_colour: impl FnOnce() -> Result<Option<Vec<usize>>>,
    ) -> Result<Option<Vec<usize>>> {
        match &self.bands {
            Some(bands) => Ok(Some(bands.clone())),
            None => true_colour_for(detector.bands(), true_colour),
        }
    }
}

/// `bands` of `source` (counted from 1), or all of them.
pub fn select_bands<'a>(
    source: &'a dyn RasterSource,
    bands: Option<&[usize]>,
) -> Result<SelectedBands<'a>> {
    let all: Vec<usize> = (1..=source.band_count()).collect();
    Ok(SelectedBands::new(source, bands.unwrap_or(&all))?)
}

/// What one detection found and wrote, whichever inputs it came from.
struct Detection {
    /// The bands compared, counted from 1 (`None`: all).
    bands: Option<Vec<usize>>,
    method: String,
    version: String,
    threshold: f32,
    changes: Vec<Change>,
    /// The grid of the maps (pixel coordinates for plain image pairs).
    grid: Grid,
    registration: Registration,
    outputs: Vec<PathBuf>,
}

/// Maps the pair into GeoTIFFs a window at a time (memory follows the window and the mask,
/// not the scenes: see `detect::windowed`).
fn detect_geotiffs(
    args: &DetectArgs,
    detector: &dyn ChangeDetector,
    before: &dyn RasterSource,
    after: &dyn RasterSource,
    rules: &CleanupRules,
    registration: Registration,
) -> Result<Detection> {
    let bands = args.method.bands_for(detector, || {
        Ok(ColourInterp::true_colour(&before.colour_interp()))
    })?;
    let (before, after) = (
        select_bands(before, bands.as_deref())?,
        select_bands(after, bands.as_deref())?,
    );
    let found = detect_to_geotiffs(detector, &before, &after, &args.output, rules)?;
    Ok(Detection {
        bands,
        method: found.method,
        version: found.version,
        threshold: found.threshold,
        changes: found.changes,
        grid: before.grid().clone(),
        registration,
        outputs: found.outputs,
    })
}

/// A source seen as floating-point samples, so that pixels a warp cannot fill are NaN (no
/// data) rather than 0 when the file declares no nodata value.
struct FloatSamples<'a>(&'a (dyn RasterSource + Sync));

impl RasterSource for FloatSamples<'_> {
    fn grid(&self) -> &Grid {
        self.0.grid()
    }

    fn band_count(&self) -> usize {
        self.0.band_count()
    }

    fn nodata(&self) -> Option<f64> {
        self.0.nodata()
    }

    fn sample_type(&self) -> SampleType {
        SampleType::F32
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        self.0.read_window(window)
    }
}

/// The largest side of the window of BEFORE that co-registration matches: sub-pixel phase
/// correlation needs a few hundred pixels, and the whole of a large scene would not fit in
/// memory.
const COREG_WINDOW: usize = 2048;

/// A scene id of the catalog, when the argument is a whole number and not an existing file.
fn scene_id(arg: &Path) -> Option<i64> {
    if arg.exists() {
        return None;
    }
    arg.to_str()?.parse().ok()
}

/// Whether `path` is a PNG or JPEG image (by its extension): compared pixel by pixel, where a
/// TIFF is taken as a GeoTIFF.
fn is_plain_image(path: &Path) -> bool {
    matches!(
        ImageFormat::of(path),
        Some(ImageFormat::Png | ImageFormat::Jpeg)
    )
}

/// "1 band", "3 bands".
fn bands(count: usize) -> String {
    match count {
        1 => "1 band".to_string(),
        n => format!("{n} bands"),
    }
}

fn load_plain_pair(before: &Path, after: &Path) -> Result<(Raster, Raster)> {
    let b = read_image(before)?;
    let a = read_image(after)?;
    if (b.grid.width, b.grid.height, b.band_count) != (a.grid.width, a.grid.height, a.band_count) {
        bail!(
            "{} is {}x{} with {} but {} is {}x{} with {}: the two images must match",
            before.display(),
            b.grid.width,
            b.grid.height,
            bands(b.band_count),
            after.display(),
            a.grid.width,
            a.grid.height,
            bands(a.band_count)
        );
    }
    Ok((b, a))
}

/// How AFTER was brought onto BEFORE's grid.
#[derive(Serialize)]
struct Registration {
    /// True when AFTER was co-registered onto BEFORE (or both scenes carry stored alignments).
    aligned: bool,
    /// The correction applied, in BEFORE's pixels (positive dx east, positive dy south).
    dx_px: Option<f64>,
    dy_px: Option<f64>,
    rmse_px: Option<f64>,
    /// Why co-registration was refused; AFTER is then compared as its georeferencing places it.
    refusal: Option<String>,
}

/// How AFTER must be corrected to sit on BEFORE, measured on the central window (at most
/// `COREG_WINDOW` pixels a side) of BEFORE's grid; no correction when co-registration refuses
/// (AFTER is then compared as its georeferencing places it).
fn register(
    args: &DetectArgs,
    before: &GeoTiff,
    after: &GeoTiff,
) -> Result<(Box<dyn PixelCorrection>, Registration)> {
    if after.band_count() != before.band_count() {
        bail!(
            "{} has {} but {} has {}: the two dates must have the same bands",
            args.before.display(),
            bands(before.band_count()),
            args.after.display(),
            bands(after.band_count())
        );
    }
    let grid = before.grid();
    let (w, h) = (grid.width.min(COREG_WINDOW), grid.height.min(COREG_WINDOW));
    let window = Window::new((grid.width - w) / 2, (grid.height - h) / 2, w, h);
    let reference = before.read_window(&window)?;
    Ok(match align(&reference, after)? {
        Ok(alignment) => {
            let (c, r) = (window.col_off as f64, window.row_off as f64);
            // The model is in the window's pixels: move its centre into the full grid's.
            let model = match alignment.model {
                CorrectionModel::Affine { centre, dx, dy } => CorrectionModel::Affine {
                    centre: (centre.0 + c, centre.1 + r),
                    dx,
                    dy,
                },
                shift => shift,
            };
            (
                Box::new(model),
                Registration {
                    aligned: true,
                    dx_px: Some(alignment.dx),
                    dy_px: Some(alignment.dy),
                    rmse_px: Some(alignment.rmse_px),
                    refusal: None,
                },
            )
        }
        Err(refusal) => (
            Box::new(NoCorrection),
            Registration {
                aligned: false,
                dx_px: None,
                dy_px: None,
                rmse_px: None,
                refusal: Some(refusal.to_string()),
            },
        ),
    })
}

/// Two catalogued scenes of one site on the site grid, each corrected by its stored alignment.
fn load_scene_pair(
    ctx: &Context,
    before: i64,
    after: i64,
) -> Result<(Raster, Raster, Registration)> {
    let catalog = ctx.open_catalog()?;
    let (b, a) = (catalog.scene(before)?, catalog.scene(after)?);
    if b.site != a.site {
        bail!(
            "scene {before} is of site '{}' but scene {after} of site '{}': compare scenes of one site",
            b.site,
            a.site
        );
    }
    let site = catalog.site(&b.site)?;
    let mut rasters = Vec::with_capacity(2);
    let mut aligned = true;
    for scene in [&b, &a] {
        let correction = stored_correction(&catalog, scene.id)?;
        aligned &= correction.is_some();
        let pixel_correction: &dyn PixelCorrection = match &correction {
            Some(model) => model,
            None => &NoCorrection,
        };
        rasters.push(scene_on_site_grid(scene, &site, pixel_correction)?);
    }
    let after_raster = rasters.pop().expect("two scenes");
    let before_raster = rasters.pop().expect("two scenes");
    let registration = Registration {
        aligned,
        dx_px: None,
        dy_px: None,
        rmse_px: None,
        refusal: (!aligned).then(|| {
            "a scene has no stored alignment: run `sitewatch align SITE` first".to_string()
        }),
    };
    Ok((before_raster, after_raster, registration))
}

/// `probability.png` (0-255 for 0-1) and `mask.png` (255 on `mask`, the change objects' pixels).
fn write_png_maps(dir: &Path, map: &ChangeMap, mask: &[bool]) -> Result<Vec<PathBuf>> {
    let (w, h) = (map.grid.width as u32, map.grid.height as u32);
    let probability: Vec<u8> = map
        .probability
        .iter()
        .map(|&p| (p.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    let mask: Vec<u8> = mask.iter().map(|&m| if m { 255 } else { 0 }).collect();
    let paths = vec![dir.join("probability.png"), dir.join("mask.png")];
    for (path, data) in paths.iter().zip([probability, mask]) {
        let file = std::fs::File::create(path)
            .with_context(|| format!("{}: cannot create", path.display()))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
        encoder.set_color(png::ColorType::Grayscale);
        encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&data))
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(paths)
}
