//! `sitewatch train`: the change network trained on labelled pairs, seeded and reproducible.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::Args;
use detect::net::{train, BuildingScene, TrainConfig};
use detect::SelectedBands;
use geo::BoundingRect;
use raster::{GeoTiff, RasterSource, SampleType};
use serde::Serialize;

use crate::output::Context;

#[derive(Args)]
pub struct TrainArgs {
    /// Labelled sets: folders with A/, B/ and label/ PNGs, or folders of such sets.
    #[arg(long, required = true, num_args = 1.., value_name = "DIR")]
    data: Vec<PathBuf>,
    /// A set to leave out (by folder name), e.g. for leave-one-set-out (repeatable).
    #[arg(long, value_name = "NAME")]
    exclude: Vec<String>,
    /// A folder of 8-bit RGB GeoTIFF tiles whose buildings are outlined in the matching
    /// `--footprints` file: synthetic removals of those buildings become training changes
    /// (repeatable; the n-th `--buildings` goes with the n-th `--footprints`).
    #[arg(long, value_name = "DIR")]
    buildings: Vec<PathBuf>,
    /// Building footprints (GeoJSON, longitude/latitude) of a `--buildings` folder's tiles.
    #[arg(long, value_name = "FILE")]
    footprints: Vec<PathBuf>,
    // The recipe's defaults are the shipped recipe's, read from `TrainConfig::new` so that
    // they are written in one place.
    /// The seed of every random choice (crops, augmentation, initial weights).
    #[arg(long, default_value_t = shipped().seed)]
    seed: u64,
    /// Training steps (batches).
    #[arg(long, default_value_t = shipped().steps)]
    steps: usize,
    /// Crops per step.
    #[arg(long, default_value_t = shipped().batch)]
    batch: usize,
    /// Side of the training crops in pixels (a multiple of 16).
    #[arg(long, default_value_t = shipped().augment.crop, value_name = "PX")]
    crop: usize,
    /// Smallest and largest rescaling of a crop (drawn log-uniform between them; 0.5 shrinks
    /// the image to half its pixels, as a coarser sensor would see it).
    #[arg(long, value_name = "MIN,MAX", value_parser = Scales::parse, default_value_t = Scales::from(shipped().augment.scale_range))]
    scales: Scales,
    /// Share of the crops made from the `--buildings` tiles rather than the labelled pairs.
    #[arg(long, default_value_t = shipped().augment.building_probability, value_name = "P", value_parser = probability)]
    building_share: f32,
    /// How a labelled crop's pair is drawn: `set` draws its set first, every set alike, then
    /// one of its pairs; `pair` draws every pair alike, so sets of many pairs outweigh sets of
    /// few.
    #[arg(long, value_enum, value_name = "BY", default_value_t = SampleBy::of(&shipped()))]
    sample_by: SampleBy,
    /// Channels of the network's encoder stages, finest first (each stage halves the
    /// resolution); the default is the shipped network's.
    #[arg(long, num_args = 1.., value_delimiter = ',', value_name = "N,N,..", default_values_t = shipped().arch.encoder)]
    encoder: Vec<usize>,
    /// Channels of the decoder's convs, deepest first, one per encoder stage.
    #[arg(long, num_args = 1.., value_delimiter = ',', value_name = "N,N,..", default_values_t = shipped().arch.decoder)]
    decoder: Vec<usize>,
    /// Add a building decoder, taught by the `--buildings` footprints, and count a change only
    /// where a building stands at one date or the other (not on open ground).
    #[arg(long)]
    building_head: bool,
    /// Train on the first NVIDIA GPU through libtorch (a build with the `libtorch` feature).
    /// GPU arithmetic is not bit-reproducible: the same seed gives the same crops, not
    /// bit-identical weights.
    #[arg(long)]
    gpu: bool,
    /// Where to write the weights; the recipe goes beside them as a .json sidecar.
    #[arg(short, long, value_name = "WEIGHTS")]
    output: PathBuf,
}

/// `--sample-by`: how labelled crops choose their pair.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SampleBy {
    Set,
    Pair,
}

impl SampleBy {
    fn of(config: &TrainConfig) -> Self {
        if config.augment.balance_sets {
            SampleBy::Set
        } else {
            SampleBy::Pair
        }
    }
}

/// `--scales MIN,MAX`: the range of a crop's rescaling (checked by the training recipe).
#[derive(Clone, Copy)]
struct Scales {
    smallest: f32,
    largest: f32,
}

impl Scales {
    fn parse(text: &str) -> Result<Self, String> {
        let factors: Vec<Option<f32>> = text.split(',').map(|f| f.trim().parse().ok()).collect();
        match factors[..] {
            [Some(smallest), Some(largest)] => Ok(Scales { smallest, largest }),
            _ => Err(format!("{text} is not two factors MIN,MAX (e.g. 0.5,2)")),
        }
    }
}

impl From<(f32, f32)> for Scales {
    fn from((smallest, largest): (f32, f32)) -> Self {
        Scales { smallest, largest }
    }
}

impl std::fmt::Display for Scales {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{}", self.smallest, self.largest)
    }
}

#[derive(Serialize)]
struct TrainSummary {
    weights: PathBuf,
    steps: usize,
    pairs: usize,
    sets: Vec<String>,
    final_loss: f32,
    seconds: f64,
}

pub fn run(ctx: &Context, args: TrainArgs) -> Result<()> {
    if args.buildings.len() != args.footprints.len() {
        bail!(
            "{} --buildings folders but {} --footprints files: give one footprints file per folder",
            args.buildings.len(),
            args.footprints.len()
        );
    }
    let mut config = TrainConfig::new(args.data, args.exclude);
    config.arch.encoder = args.encoder;
    config.arch.decoder = args.decoder;
    config.arch.building_head = args.building_head;
    for (dir, footprints) in args.buildings.iter().zip(&args.footprints) {
        config.buildings.extend(building_scenes(dir, footprints)?);
    }
    if args.gpu {
        config.device = gpu_device()?;
    }
    config.seed = args.seed;
    config.batch = args.batch;
    config.augment.crop = args.crop;
    config.augment.scale_range = (args.scales.smallest, args.scales.largest);
    config.augment.building_probability = args.building_share;
    config.augment.balance_sets = args.sample_by == SampleBy::Set;
    config.steps = args.steps;
    config.output = Some(args.output.clone());
    let bar = ctx.progress(args.steps as u64, "training");
    let report = train(&config, |p| {
        bar.set_position(p.step as u64 + 1);
        bar.set_message(format!("loss {:.3}", p.loss));
    })?;
    bar.finish_and_clear();
    let summary = TrainSummary {
        weights: args.output,
        steps: report.info.steps,
        pairs: report.info.pairs,
        sets: report.info.sets.clone(),
        final_loss: report.info.final_loss,
        seconds: report.info.train_seconds,
    };
    ctx.print(&summary, |s| {
        format!(
            "trained on {} pairs of {} for {} steps in {:.0} s (final loss {:.3}); wrote {}",
            s.pairs,
            s.sets.join(", "),
            s.steps,
            s.seconds,
            s.final_loss,
            s.weights.display()
        )
    });
    Ok(())
}

/// The shipped recipe, whose values are the options' defaults.
fn shipped() -> TrainConfig {
    TrainConfig::new(Vec::new(), Vec::new())
}

/// A probability given on the command line: a number from 0 to 1.
fn probability(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{text} is not a probability (a number from 0 to 1)"
        )),
    }
}

#[cfg(feature = "libtorch")]
fn gpu_device() -> Result<detect::net::Device> {
    #[allow(deprecated)] // burn's libtorch backend: the GPU path that runs where PyTorch does
    Ok(detect::net::Device::libtorch_cuda(0))
}

#[cfg(not(feature = "libtorch"))]
fn gpu_device() -> Result<detect::net::Device> {
    bail!("--gpu needs a build with the `libtorch` feature (see detect's weights/MODEL_CARD.md)")
}

/// The GeoTIFF tiles of `dir` (sorted by name), each with the `footprints` that fall on it
/// burnt into its building mask.
fn building_scenes(dir: &Path, footprints: &Path) -> Result<Vec<BuildingScene>> {
    let mut tiles: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list the folder", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"))
        })
        .collect();
    tiles.sort();
    if tiles.is_empty() {
        bail!(
            "{}: no GeoTIFF tiles (.tif) to take buildings from",
            dir.display()
        );
    }
    let mut scenes = Vec::with_capacity(tiles.len());
    // The footprints in each CRS the tiles are in, read and projected once per CRS.
    let mut projected: Vec<(raster::Crs, Vec<registry::Seed>)> = Vec::new();
    for path in tiles {
        let tiff = GeoTiff::open(&path)?;
        if tiff.sample_type() != SampleType::U8 || tiff.band_count() < 3 {
            bail!(
                "{}: building tiles must be 8-bit RGB, this one is {:?} with {} bands",
                path.display(),
                tiff.sample_type(),
                tiff.band_count()
            );
        }
        let image =
            SelectedBands::new(&tiff, &[1, 2, 3])?.read_window(&tiff.grid().full_window())?;
        let grid = &image.grid;
        let (x0, y0, x1, y1) = grid.bounds();
        let mut buildings = vec![0u32; grid.width * grid.height];
        let mut number = 0;
        let seeds = match projected.iter().position(|(crs, _)| *crs == grid.crs) {
            Some(i) => &projected[i].1,
            None => {
                let seeds = registry::read_seeds(footprints, &grid.crs)?;
                projected.push((grid.crs.clone(), seeds));
                &projected[projected.len() - 1].1
            }
        };
        for seed in seeds {
            let Some(rect) = seed.outline.bounding_rect() else {
                continue;
            };
            if rect.max().x < x0 || rect.min().x > x1 || rect.max().y < y0 || rect.min().y > y1 {
                continue;
            }
            number += 1;
            registry::burn(&seed.outline, grid, &mut buildings, number);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        scenes.push(BuildingScene {
            name,
            image,
            buildings,
        });
    }
    if scenes.iter().all(|s| s.buildings.iter().all(|&b| b == 0)) {
        bail!(
            "{}: no footprint falls on the tiles of {} (footprints must be GeoJSON in \
             longitude/latitude over the same place)",
            footprints.display(),
            dir.display()
        );
    }
    Ok(scenes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joplin_tiles_get_their_footprints_burnt_in() {
        let joplin = testkit::shared_data().join("joplin");
        let scenes =
            building_scenes(&joplin.join("pre"), &joplin.join("footprints-2020.geojson")).unwrap();
        assert_eq!(scenes.len(), 4);
        for scene in &scenes {
            let built = scene.buildings.iter().filter(|&&b| b != 0).count();
            let share = built as f64 / scene.buildings.len() as f64;
            assert!((0.02..0.5).contains(&share), "{}: {share}", scene.name);
            let numbers = scene.buildings.iter().max().copied().unwrap_or(0);
            assert!(numbers > 50, "{}: {numbers} buildings", scene.name);
        }
    }
}
