//! `sitewatch detect BEFORE AFTER -o DIR`: where something changed between two images.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};
use detect::{extract_changes, read_png, ChangeDetector, ChangeMap, CleanupRules, Imad};
use raster::{
    warp, write_geotiff, GeoTiff, Raster, RasterSource, Resampling, SampleType, WarpOptions,
    WriteOptions,
};
use serde::Serialize;

use crate::changes::changes_geojson;
use crate::output::Context;

/// Which change method to use.
#[derive(Args)]
pub struct Method {
    /// The change method: iMAD (unsupervised, any sensor).
    #[arg(long, value_enum, default_value_t = MethodName::Imad)]
    method: MethodName,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MethodName {
    /// Iteratively reweighted multivariate alteration detection (no training needed).
    Imad,
}

impl Method {
    pub fn detector(&self) -> Result<Box<dyn ChangeDetector>> {
        match self.method {
            MethodName::Imad => Ok(Box::new(Imad::default())),
        }
    }
}

#[derive(Args)]
pub struct DetectArgs {
    /// The earlier image: a GeoTIFF or a PNG.
    before: PathBuf,
    /// The later image: a GeoTIFF (warped onto BEFORE's grid) or a PNG of BEFORE's size.
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
    outputs: Vec<PathBuf>,
}

pub fn run(ctx: &Context, args: DetectArgs) -> Result<()> {
    let georeferenced = !is_png(&args.before);
    let (before, after) = if georeferenced {
        load_geotiff_pair(&args.before, &args.after)?
    } else {
        load_png_pair(&args.before, &args.after)?
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

/// BEFORE as it is, AFTER warped onto BEFORE's grid (bilinear).
fn load_geotiff_pair(before: &Path, after: &Path) -> Result<(Raster, Raster)> {
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
    let warped = warp(&a, &b.grid, Resampling::Bilinear, &WarpOptions::default())
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
    Ok((b, after))
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
