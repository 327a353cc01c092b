//! Measures the change network: parameters, FLOPs per pixel, inference throughput on a
//! 1024x1024 pair (the whole `predict`, standardisation and tiling included) and training
//! seconds per step.
//!
//! ```text
//! cargo run --release -p detect --example bench_net -- [--weights FILE] [--tile PX] [--train-steps N] [--gpu]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use burn::module::Module;
use detect::net::rng::SplitMix64;
use detect::net::{load_checkpoint, train, ChangeNet, Device, NetArch, NetPredictor, TrainConfig};
use raster::{Crs, GeoTransform, Grid, Raster, SampleType};

fn random_raster(side: usize, seed: u64) -> Raster {
    let mut rng = SplitMix64::new(seed);
    let grid = Grid::new(
        Crs::wgs84(),
        GeoTransform::north_up(0.0, 0.0, 1.0, 1.0),
        side,
        side,
    );
    let mut raster = Raster::filled(grid, 3, 0.0, SampleType::U8);
    raster
        .data
        .iter_mut()
        .for_each(|v| *v = (rng.unit() * 255.0).floor());
    raster
}

fn main() -> Result<()> {
    let mut weights = None;
    let mut train_steps = 5;
    let mut device = Device::flex();
    let mut tile = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--weights" => weights = Some(PathBuf::from(args.next().context("--weights FILE")?)),
            "--train-steps" => train_steps = args.next().context("--train-steps N")?.parse()?,
            "--tile" => tile = Some(args.next().context("--tile PX")?.parse()?),
            "--gpu" => device = gpu_device()?,
            other => bail!("unknown argument {other}"),
        }
    }
    let (net, arch) = match &weights {
        Some(path) => {
            let (net, info) = load_checkpoint(path, &device)?;
            (net, info.arch)
        }
        None => {
            let arch = NetArch::default();
            device.seed(1);
            (ChangeNet::new(&arch, &device), arch)
        }
    };
    println!(
        "{} parameters, {:.0} FLOPs/pixel ({:.2} GFLOP per 1024x1024 pair), {} rayon threads",
        net.num_params(),
        arch.flops_per_pixel(),
        arch.flops_per_pixel() * 1024.0 * 1024.0 / 1e9,
        rayon::current_num_threads()
    );
    let mut predictor = NetPredictor::new(net, arch.clone(), device.clone());
    predictor.tile = tile.unwrap_or(predictor.tile);
    let (before, after) = (random_raster(1024, 1), random_raster(1024, 2));
    predictor.predict(&before, &after)?; // warm-up
    let runs = 3;
    let start = Instant::now();
    for _ in 0..runs {
        predictor.predict(&before, &after)?;
    }
    let seconds = start.elapsed().as_secs_f64() / runs as f64;
    println!(
        "inference 1024x1024 pair, tiles <= {} px: {:.3} s = {:.2} Mpx/s ({:.1} GFLOP/s effective)",
        predictor.tile,
        seconds,
        1024.0 * 1024.0 / seconds / 1e6,
        arch.flops_per_pixel() * 1024.0 * 1024.0 / seconds / 1e9
    );
    if train_steps > 0 {
        let data = testkit_free_data_dir()?;
        let mut config = TrainConfig::new(vec![data], vec![]);
        config.steps = train_steps;
        config.device = device;
        let report = train(&config, |p| {
            println!(
                "  train step {} loss {:.4} {:.2} s",
                p.step + 1,
                p.loss,
                p.seconds
            )
        })?;
        println!(
            "training: {:.2} s/step (batch {} x {} px, including data loading)",
            report.seconds_per_step(),
            config.batch,
            config.augment.crop
        );
    }
    Ok(())
}

/// The dsifn set of the shared data (`$SITEWATCH_DATA` or `../shared/data`).
fn testkit_free_data_dir() -> Result<PathBuf> {
    let root = std::env::var_os("SITEWATCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let dir = root.join("changepairs/dsifn");
    if !dir.is_dir() {
        bail!("{} missing: set SITEWATCH_DATA", dir.display());
    }
    Ok(dir)
}

#[cfg(feature = "libtorch")]
fn gpu_device() -> Result<Device> {
    #[allow(deprecated)] // burn's libtorch backend: the GPU path that runs where PyTorch does
    Ok(Device::libtorch_cuda(0))
}

#[cfg(not(feature = "libtorch"))]
fn gpu_device() -> Result<Device> {
    bail!("--gpu needs the `libtorch` feature")
}
