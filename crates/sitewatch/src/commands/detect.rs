//! `sitewatch detect BEFORE AFTER -o DIR`: where something changed between two images.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};
use detect::{extract_changes, read_png, ChangeDetector, ChangeMap, CleanupRules, Imad};
use raster::{
    warp, write_geotiff, GeoTiff, NoCorrection, PixelCorrection, Raster, RasterSource, Resampling,
    SampleType, WarpOptions, WriteOptions,
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
    /// The network's weights (with `--method net`; default: the shipped weights).
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MethodName {
    /// Iteratively reweighted multivariate alteration detection: unsupervised, any sensor.
    Imad,
    /// The learned Siamese change network (3-band imagery).
    Net,
}

impl Method {
    /// The method's name as the catalog records it.
    pub fn name(&self) -> &'static str {
        match self.method {
            MethodName::Imad => "imad",
            MethodName::Net => "net",
        }
    }

    /// What identifies the model a method runs: the SHA-256 of the network's weights (none
    /// for iMAD, which has no model), so that new weights make earlier comparisons stale.
    pub fn model_version(&self) -> Result<Option<String>> {
        match self.method {
            MethodName::Imad => Ok(None),
            MethodName::Net => {
                let path = self
                    .weights
                    .clone()
                    .unwrap_or_else(detect::net::shipped_weights);
                let hash = catalog::SceneFile::hash(&path, "weights")?.sha256;
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                Ok(Some(format!("{name} sha256:{hash}")))
            }
        }
    }

    pub fn detector(&self) -> Result<Box<dyn ChangeDetector>> {
        match (self.method, &self.weights) {
            (MethodName::Imad, None) => Ok(Box::new(Imad::default())),
            (MethodName::Imad, Some(w)) => {
                bail!(
                    "--weights {} is for --method net; iMAD needs none",
                    w.display()
                )
            }
            (MethodName::Net, weights) => {
                let path = weights.clone().unwrap_or_else(detect::net::shipped_weights);
                Ok(Box::new(detect::net::NetDetector::load(&path)?))
            }
        }
    }
}

#[derive(Args)]
pub struct DetectArgs {
    /// The earlier image: a scene id of the catalog, a GeoTIFF or a PNG.
    before: PathBuf,
    /// The later image: a scene id (both go onto their site's grid with their stored
    /// alignments), a GeoTIFF (co-registered and warped onto BEFORE's grid) or a PNG of
    /// BEFORE's size.
    after: PathBuf,
    #[command(flatten)]
    method: Method,
    /// The output folder: probability.tif, mask.tif and changes.geojson (for PNG inputs
    /// probability.png and mask.png, and areas in pixels).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

/// What `detect` reports on stdout.
#[derive(Serialize)]
struct DetectReport {
    method: String,
    version: String,
    threshold: f32,
    changes: usize,
    changed_area_m2: Option<f64>,
    changed_area_px: usize,
    registration: Registration,
    outputs: Vec<PathBuf>,
}

pub fn run(ctx: &Context, args: DetectArgs) -> Result<()> {
    let scene_ids = (scene_id(&args.before), scene_id(&args.after));
    let georeferenced = !is_png(&args.before);
    let (before, after, registration) = match scene_ids {
        (Some(b), Some(a)) => load_scene_pair(ctx, b, a)?,
        _ if georeferenced => load_geotiff_pair(&args.before, &args.after)?,
        _ => {
            let (b, a) = load_png_pair(&args.before, &args.after)?;
            (
                b,
                a,
                Registration {
                    aligned: false,
                    dx_px: None,
                    dy_px: None,
                    rmse_px: None,
                    refusal: Some(
                        "PNG pairs have no georeferencing and are compared as given".into(),
                    ),
                },
            )
        }
    };
    let detector = args.method.detector()?;
    let map = detector.probability(&before, &after)?;
    let threshold = detector.default_threshold(&map);
    let changes = extract_changes(&map, &before, &after, threshold, &CleanupRules::default())?;

    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("{}: cannot create the folder", args.output.display()))?;
    let mut outputs = if georeferenced {
        write_geotiff_maps(&args.output, &map, threshold)?
    } else {
        write_png_maps(&args.output, &map, threshold)?
    };
    let geojson = args.output.join("changes.geojson");
    std::fs::write(&geojson, changes_geojson(&map, &changes)?)
        .with_context(|| format!("{}: cannot write", geojson.display()))?;
    outputs.push(geojson);

    let report = DetectReport {
        method: map.method.clone(),
        version: map.version.clone(),
        threshold,
        changes: changes.len(),
        changed_area_m2: changes.iter().map(|c| c.area_m2).sum(),
        changed_area_px: changes.iter().map(|c| c.area_px).sum(),
        registration,
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

/// A scene id of the catalog, when the argument is a whole number and not an existing file.
fn scene_id(arg: &Path) -> Option<i64> {
    if arg.exists() {
        return None;
    }
    arg.to_str()?.parse().ok()
}

fn is_png(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
}

fn load_png_pair(before: &Path, after: &Path) -> Result<(Raster, Raster)> {
    let b = read_png(before)?;
    let a = read_png(after)?;
    if (b.grid.width, b.grid.height, b.band_count) != (a.grid.width, a.grid.height, a.band_count) {
        bail!(
            "{} is {}x{} with {} bands but {} is {}x{} with {}: PNG pairs must match",
            before.display(),
            b.grid.width,
            b.grid.height,
            b.band_count,
            after.display(),
            a.grid.width,
            a.grid.height,
            a.band_count
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

/// BEFORE as it is; AFTER co-registered and warped onto BEFORE's grid in one resampling
/// (bilinear), or only warped when co-registration refuses.
fn load_geotiff_pair(before: &Path, after: &Path) -> Result<(Raster, Raster, Registration)> {
    let b = GeoTiff::open(before)?;
    let b = b.read_window(&b.grid().full_window())?;
    let a = GeoTiff::open(after)?;
    if a.band_count() != b.band_count {
        bail!(
            "{} has {} bands but {} has {}: the two dates must have the same bands",
            before.display(),
            b.band_count,
            after.display(),
            a.band_count()
        );
    }
    let (correction, registration) = match align(&b, &a)? {
        Ok(alignment) => (
            Some(alignment.model),
            Registration {
                aligned: true,
                dx_px: Some(alignment.dx),
                dy_px: Some(alignment.dy),
                rmse_px: Some(alignment.rmse_px),
                refusal: None,
            },
        ),
        Err(refusal) => (
            None,
            Registration {
                aligned: false,
                dx_px: None,
                dy_px: None,
                rmse_px: None,
                refusal: Some(refusal.to_string()),
            },
        ),
    };
    let pixel_correction: &dyn PixelCorrection = match &correction {
        Some(model) => model,
        None => &NoCorrection,
    };
    let options = WarpOptions {
        correction: pixel_correction,
        ..WarpOptions::default()
    };
    let warped = warp(&a, &b.grid, Resampling::Bilinear, &options)
        .with_context(|| format!("{}: cannot warp onto {}", after.display(), before.display()))?;
    let mut after = warped.raster;
    // Pixels the warp could not fill are nodata for the detector.
    let fill = after.nodata.unwrap_or(f64::NAN) as f32;
    for band in 0..after.band_count {
        for (v, &covered) in after.band_mut(band).iter_mut().zip(&warped.covered) {
            if !covered {
                *v = fill;
            }
        }
    }
    if after.nodata.is_none() {
        after.nodata = Some(f64::NAN);
    }
    Ok((b, after, registration))
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

fn write_geotiff_maps(dir: &Path, map: &ChangeMap, threshold: f32) -> Result<Vec<PathBuf>> {
    let mut probability = Raster::filled(map.grid.clone(), 1, 0.0, SampleType::F32);
    probability.band_mut(0).copy_from_slice(&map.probability);
    probability.nodata = Some(f64::NAN);
    let mut mask = Raster::filled(map.grid.clone(), 1, 0.0, SampleType::U8);
    for (m, &p) in mask.band_mut(0).iter_mut().zip(&map.probability) {
        *m = f32::from(p >= threshold);
    }
    let paths = vec![dir.join("probability.tif"), dir.join("mask.tif")];
    write_geotiff(&paths[0], &probability, &WriteOptions::default())?;
    write_geotiff(&paths[1], &mask, &WriteOptions::default())?;
    Ok(paths)
}

fn write_png_maps(dir: &Path, map: &ChangeMap, threshold: f32) -> Result<Vec<PathBuf>> {
    let (w, h) = (map.grid.width as u32, map.grid.height as u32);
    let probability: Vec<u8> = map
        .probability
        .iter()
        .map(|&p| (p.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    let mask: Vec<u8> = map
        .probability
        .iter()
        .map(|&p| if p >= threshold { 255 } else { 0 })
        .collect();
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
