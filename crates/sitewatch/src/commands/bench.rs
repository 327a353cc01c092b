//! `sitewatch bench`: the speed and memory figures of the change methods, on generated pairs.
//!
//! - iMAD and network throughput in memory on a 1024 x 1024 pair (best of three after a
//!   warm-up), with the network's FLOPs per pixel and the GFLOP/s that makes;
//! - peak resident memory (VmHWM, polled from `/proc` every 20 ms while the child runs) and
//!   wall time of a whole `sitewatch detect` process per method on a generated SIDE x SIDE
//!   4-band 8-bit GeoTIFF pair (default 10,000: 2 x 400 MB of samples, 1.6 GB each as `f32`),
//!   AFTER misregistered by a sub-pixel shift and with bright roofs planted every 400 px.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use clap::Args;
use detect::net::{shipped_weights, NetDetector};
use detect::{ChangeDetector, Imad};
use raster::{
    write_geotiff, Crs, GeoTransform, Grid, Raster, RasterSource, ReadError, SampleType, Window,
    WriteOptions,
};
use serde::Serialize;

use crate::output::Context;

#[derive(Args)]
pub struct BenchArgs {
    /// Side in pixels of the generated pair for the peak-memory runs (0: skip them).
    #[arg(long, default_value_t = 10_000)]
    side: usize,
    /// Keep the generated pair and each method's detect outputs in this folder (default: a
    /// temporary folder, removed afterwards).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// The figures `bench` prints.
#[derive(Serialize)]
struct BenchReport {
    /// iMAD on a 1024 x 1024 4-band pair in memory, megapixels per second.
    imad_mpx_per_s: f64,
    /// The network on a 1024 x 1024 RGB pair in memory (standardisation, tiling and blending
    /// included), megapixels per second.
    net_mpx_per_s: f64,
    /// The network's FLOPs per pixel and the rate its throughput makes.
    net_flops_per_px: f64,
    net_gflop_per_s: f64,
    /// iMAD and the network's union on the same RGB pair (both methods' work, and a pass of
    /// iMAD's map for its threshold), megapixels per second.
    union_mpx_per_s: f64,
    /// The CPU threads available to the process.
    threads: usize,
    /// Whole `sitewatch detect` processes on the large pair, one per method.
    large_pair: Vec<ProcessRun>,
}

/// One `sitewatch detect` process on the large pair.
#[derive(Serialize)]
struct ProcessRun {
    method: String,
    side: usize,
    bands: usize,
    peak_rss_mb: f64,
    seconds: f64,
    mpx_per_s: f64,
    changes: usize,
    planted: usize,
    /// The detect command's folder of outputs (gone afterwards unless `--dir` was given).
    outputs: PathBuf,
}

pub fn run(ctx: &Context, args: BenchArgs) -> Result<()> {
    let (before, after) = (
        GeneratedScene::new(1024, false),
        GeneratedScene::new(1024, true),
    );
    let window = Window::new(0, 0, 1024, 1024);
    let (before, after) = (before.read_window(&window)?, after.read_window(&window)?);
    let imad_seconds = best_of_three(|| Ok(Imad::default().probability(&before, &after)?))?;
    let net = NetDetector::load(&shipped_weights())?;
    let rgb = |r: &Raster| -> Result<Raster> {
        Ok(detect::SelectedBands::new(r, &[1, 2, 3])?.read_window(&window)?)
    };
    let (before_rgb, after_rgb) = (rgb(&before)?, rgb(&after)?);
    let net_seconds = best_of_three(|| Ok(net.probability(&before_rgb, &after_rgb)?))?;
    let flops = net.info().arch.flops_per_pixel();
    let union = detect::Union::new(vec![Box::new(Imad::default()), Box::new(net)]);
    let union_seconds = best_of_three(|| Ok(union.probability(&before_rgb, &after_rgb)?))?;
    let mpx = 1024.0 * 1024.0 / 1e6;

    let (dir, _temporary) = match &args.dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temporary = RemovedOnDrop(
                std::env::temp_dir().join(format!("sitewatch-bench-{}", std::process::id())),
            );
            (temporary.0.clone(), Some(temporary))
        }
    };
    let mut large_pair = Vec::new();
    if args.side > 0 {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
        let paths = [dir.join("before.tif"), dir.join("after.tif")];
        let inputs = WriteOptions {
            deflate_level: 1,
            ..WriteOptions::default()
        };
        for (path, changed) in paths.iter().zip([false, true]) {
            write_geotiff(path, &GeneratedScene::new(args.side, changed), &inputs)?;
        }
        for method in ["imad", "net", "union"] {
            large_pair.push(detect_process(
                ctx,
                &paths,
                &dir.join(method),
                method,
                args.side,
            )?);
        }
    }
    let report = BenchReport {
        imad_mpx_per_s: mpx / imad_seconds,
        net_mpx_per_s: mpx / net_seconds,
        net_flops_per_px: flops,
        net_gflop_per_s: flops * mpx * 1e6 / net_seconds / 1e9,
        union_mpx_per_s: mpx / union_seconds,
        threads: std::thread::available_parallelism().map_or(1, usize::from),
        large_pair,
    };
    ctx.print(&report, |r| {
        let mut lines = vec![
            format!(
                "1024x1024 in memory: iMAD {:.1} Mpx/s, net {:.2} Mpx/s ({:.0} FLOPs/px, {:.1} GFLOP/s), union {:.2} Mpx/s, {} threads",
                r.imad_mpx_per_s, r.net_mpx_per_s, r.net_flops_per_px, r.net_gflop_per_s, r.union_mpx_per_s, r.threads
            ),
        ];
        for run in &r.large_pair {
            lines.push(format!(
                "{}x{} {}-band pair, sitewatch detect --method {}: peak RSS {:.0} MB, {:.1} s ({:.2} Mpx/s), {} changes ({} planted)",
                run.side, run.side, run.bands, run.method, run.peak_rss_mb, run.seconds, run.mpx_per_s, run.changes, run.planted
            ));
        }
        lines.join("\n")
    });
    Ok(())
}

/// A folder removed (with its contents) when this is dropped.
struct RemovedOnDrop(PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        // Nothing to do about a temporary folder that cannot be removed.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The fastest of three timed runs of `work`, after one untimed warm-up run.
fn best_of_three(mut work: impl FnMut() -> Result<detect::ChangeMap>) -> Result<f64> {
    work()?;
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        work()?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// Runs `sitewatch detect` on `paths` into `output` as a child process and measures it.
fn detect_process(
    ctx: &Context,
    paths: &[PathBuf; 2],
    output: &Path,
    method: &str,
    side: usize,
) -> Result<ProcessRun> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("--db")
        .arg(&ctx.db)
        .arg("--json")
        .arg("detect")
        .args(paths)
        .arg("-o")
        .arg(output)
        .args(["--method", method]);
    if method != "imad" {
        // The network, alone or in the union, takes the generated scene's first three bands.
        command.args(["--bands", "1,2,3"]);
    }
    let start = Instant::now();
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("cannot start sitewatch detect")?;
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak_kb = 0u64;
    // The child stays a zombie (its status readable) until it is waited for; VmHWM is gone
    // from a zombie's status, so the last value read is its peak.
    let stdout_reader = {
        let mut stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
        })
    };
    while let Some(kb) = std::fs::read_to_string(&status_file)
        .ok()
        .and_then(|s| vm_hwm_kb(&s))
    {
        peak_kb = peak_kb.max(kb);
        if child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait()?;
    let seconds = start.elapsed().as_secs_f64();
    let stdout = stdout_reader
        .join()
        .map_err(|_| anyhow::anyhow!("the output reader panicked"))??;
    if !status.success() {
        bail!("sitewatch detect --method {method} failed ({status}): see its message above");
    }
    let report: serde_json::Value =
        serde_json::from_str(&stdout).context("sitewatch detect printed no JSON report")?;
    Ok(ProcessRun {
        method: method.to_string(),
        side,
        bands: GeneratedScene::BANDS,
        peak_rss_mb: peak_kb as f64 / 1024.0,
        seconds,
        mpx_per_s: (side * side) as f64 / 1e6 / seconds,
        changes: report["changes"].as_u64().unwrap_or(0) as usize,
        planted: GeneratedScene::planted(side),
        outputs: output.to_path_buf(),
    })
}

/// The `VmHWM` (peak resident set) of a `/proc/PID/status` text, in kB.
fn vm_hwm_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A generated 4-band 8-bit scene on a 0.5 m UTM grid, computed window by window: smooth
/// value-noise ground; the AFTER date has a different gain and offset per band, its content
/// misregistered by (+0.6, -0.4) px, and a bright 40 x 30 px roof every `ROOF_SPACING` px.
struct GeneratedScene {
    grid: Grid,
    changed: bool,
}

impl GeneratedScene {
    const BANDS: usize = 4;
    const ROOF_SPACING: usize = 400;

    fn new(side: usize, changed: bool) -> GeneratedScene {
        let grid = Grid::new(
            Crs::from_epsg(32615).expect("UTM 15N is known"),
            GeoTransform::north_up(500_000.0, 4_000_000.0, 0.5, 0.5),
            side,
            side,
        );
        GeneratedScene { grid, changed }
    }

    /// Roofs along each axis of a scene of `side` pixels: the first 100 px from the corner,
    /// then one every `ROOF_SPACING` px, all whole.
    fn roofs_per_axis(side: usize) -> usize {
        side.saturating_sub(100) / Self::ROOF_SPACING
    }

    /// How many roofs the AFTER scene of `side` pixels has.
    fn planted(side: usize) -> usize {
        Self::roofs_per_axis(side).pow(2)
    }

    /// Whether pixel `(col, row)` lies on a planted roof.
    fn on_roof(&self, col: usize, row: usize) -> bool {
        let (Some(c), Some(r)) = (col.checked_sub(100), row.checked_sub(100)) else {
            return false;
        };
        let per_axis = Self::roofs_per_axis(self.grid.width);
        c / Self::ROOF_SPACING < per_axis
            && r / Self::ROOF_SPACING < per_axis
            && c % Self::ROOF_SPACING < 40
            && r % Self::ROOF_SPACING < 30
    }
}

/// Smooth noise in 0..1 at `(x, y)` pixels: bilinear interpolation of hashed lattice values
/// `scale` pixels apart.
fn value_noise(x: f64, y: f64, scale: f64, seed: u64) -> f64 {
    let lattice = |i: i64, j: i64| -> f64 {
        let mut h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ seed;
        h ^= h >> 29;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 32;
        (h >> 11) as f64 / (1u64 << 53) as f64
    };
    let (u, v) = (x / scale, y / scale);
    let (i, j) = (u.floor() as i64, v.floor() as i64);
    let (fu, fv) = (u - u.floor(), v - v.floor());
    let top = lattice(i, j) * (1.0 - fu) + lattice(i + 1, j) * fu;
    let bottom = lattice(i, j + 1) * (1.0 - fu) + lattice(i + 1, j + 1) * fu;
    top * (1.0 - fv) + bottom * fv
}

impl RasterSource for GeneratedScene {
    fn grid(&self) -> &Grid {
        &self.grid
    }

    fn band_count(&self) -> usize {
        Self::BANDS
    }

    fn nodata(&self) -> Option<f64> {
        None
    }

    fn sample_type(&self) -> SampleType {
        SampleType::U8
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        let mut raster = Raster::filled(
            self.grid.window_grid(window),
            Self::BANDS,
            0.0,
            SampleType::U8,
        );
        let n = window.width * window.height;
        let (dx, dy) = if self.changed {
            (0.6, -0.4)
        } else {
            (0.0, 0.0)
        };
        for r in 0..window.height {
            for c in 0..window.width {
                let (col, row) = (window.col_off + c, window.row_off + r);
                let (x, y) = (col as f64 + dx, row as f64 + dy);
                let ground = 0.55 * value_noise(x, y, 6.0, 1)
                    + 0.3 * value_noise(x, y, 23.0, 2)
                    + 0.15 * value_noise(x, y, 97.0, 3);
                let roof = self.changed && self.on_roof(col, row);
                for b in 0..Self::BANDS {
                    let (gain, offset) = if self.changed {
                        (150.0 + 10.0 * b as f64, 30.0 - 4.0 * b as f64)
                    } else {
                        (170.0, 20.0)
                    };
                    let value = if roof {
                        235.0 - 5.0 * b as f64
                    } else {
                        offset + gain * ground * (1.0 - 0.08 * b as f64)
                    };
                    raster.data[b * n + r * window.width + c] = value.round() as f32;
                }
            }
        }
        Ok(raster)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_memory_is_read_from_proc_status() {
        let text = "Name:\tsitewatch\nVmPeak:\t  9000 kB\nVmHWM:\t   4321 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(vm_hwm_kb(text), Some(4321));
        assert_eq!(vm_hwm_kb("State:\tZ (zombie)\n"), None);
    }

    #[test]
    fn roofs_are_planted_only_after() {
        let (before, after) = (
            GeneratedScene::new(1000, false),
            GeneratedScene::new(1000, true),
        );
        assert_eq!(GeneratedScene::planted(1000), 4);
        let window = Window::new(100, 100, 40, 30);
        let roof = after.read_window(&window).unwrap();
        assert!(roof.data.iter().all(|&v| v >= 220.0));
        let ground = before.read_window(&window).unwrap();
        assert!(ground.data.iter().all(|&v| v < 200.0));
        assert!(!after.on_roof(99, 100) && !after.on_roof(140, 100));
    }
}
