//! Benchmark: window reads from a large tiled GeoTIFF read only what they need.
//!
//! Writes a 10,000 x 10,000 pixel, 3-band u8, 256 x 256-tiled Deflate GeoTIFF to a temporary
//! folder (from a synthetic source, a row of tiles at a time), then times reading 512 x 512
//! windows and measures the growth of peak resident memory (VmHWM) that the reads cause. The
//! reads run in a fresh process (this program re-run with `--read FILE`), so that memory the
//! writer used cannot hide what the reads need.
//! Finally times full reads of a 1024 x 1024 Joplin tile (striped, uncompressed RGB) from the
//! shared data.
//!
//! Run with `cargo run --release -p raster --example window_read_bench`.

use std::time::Instant;

use raster::geotiff::{write_geotiff, GeoTiff, WriteOptions};
use raster::{Crs, GeoTransform, Grid, Raster, RasterSource, ReadError, SampleType, Window};

/// A raster that makes its pixels on demand: a textured pattern that Deflate cannot shrink to
/// nothing, so that the file has realistic tile sizes.
struct Synthetic {
    grid: Grid,
    bands: usize,
}

impl RasterSource for Synthetic {
    fn grid(&self) -> &Grid {
        &self.grid
    }
    fn band_count(&self) -> usize {
        self.bands
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
            self.bands,
            0.0,
            SampleType::U8,
        );
        for b in 0..self.bands {
            let band = raster.band_mut(b);
            for row in 0..window.height {
                let y = (window.row_off + row) as u64;
                for col in 0..window.width {
                    let x = (window.col_off + col) as u64;
                    let hash =
                        ((x * 0x9E37_79B9) ^ (y * 0x85EB_CA6B) ^ (b as u64 * 0xC2B2_AE35)) >> 13;
                    let smooth = (x / 7 + y / 11 + 40 * b as u64) % 200;
                    band[row * window.width + col] = (smooth + hash % 24) as f32;
                }
            }
        }
        Ok(raster)
    }
}

/// A field of /proc/self/status in KiB (VmHWM: peak resident memory, VmRSS: current).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .expect("field in /proc/self/status")
}

/// The 10,000 x 10,000 pixel, 3-band source of the benchmark.
fn synthetic() -> Synthetic {
    Synthetic {
        grid: Grid::new(
            Crs::from_epsg(32615).expect("EPSG:32615"),
            GeoTransform::north_up(300_000.0, 4_200_000.0, 0.5, 0.5),
            10_000,
            10_000,
        ),
        bands: 3,
    }
}

fn median_ms(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--read") => read_phase(&args[2]),
        _ => write_phase(),
    }
}

/// Writes the large file, then measures the reads in a child process.
fn write_phase() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("large.tif");
    let source = synthetic();
    let start = Instant::now();
    write_geotiff(&path, &source, &WriteOptions::default()).expect("write the GeoTIFF");
    let size = std::fs::metadata(&path).expect("written file").len();
    println!(
        "wrote 10000x10000x3 u8, 256x256 Deflate tiles: {:.1} MB in {:.2} s",
        size as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );

    let status = std::process::Command::new(std::env::current_exe().expect("this program"))
        .arg("--read")
        .arg(&path)
        .status()
        .expect("run the read phase");
    assert!(status.success(), "the read phase failed");
}

/// Times window reads of the file at `path` and the peak memory they need.
fn read_phase(path: &str) {
    let source = synthetic();
    let size = std::fs::metadata(path).expect("the large file").len();
    let rss_before = status_kib("VmHWM:");
    let tif = GeoTiff::open(path).expect("open the GeoTIFF");
    let open_growth = status_kib("VmHWM:") - rss_before;
    let windows = [
        Window::new(4_700, 5_300, 512, 512), // unaligned: 3 x 3 tiles
        Window::new(0, 0, 512, 512),         // aligned: 2 x 2 tiles
        Window::new(9_488, 9_488, 512, 512), // the corner, edge tiles
    ];
    let mut times = Vec::new();
    for _ in 0..5 {
        for window in &windows {
            let start = Instant::now();
            tif.read_window(window).expect("read a window");
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let read_growth = status_kib("VmHWM:") - rss_before;
    for window in &windows {
        let pixels = tif.read_window(window).expect("read a window");
        assert_eq!(
            pixels,
            source.read_window(window).expect("synthetic pixels")
        );
    }
    let window_bytes = 512 * 512 * 3 * 4;
    println!(
        "512x512x3 window read: median {:.2} ms, min {:.2} ms over {} reads",
        median_ms(times.clone()),
        times.iter().cloned().fold(f64::INFINITY, f64::min),
        times.len()
    );
    println!(
        "peak RSS growth: {open_growth} KiB after open, {read_growth} KiB after the reads \
         (the window itself is {} KiB of f32; the file is {} KiB)",
        window_bytes / 1024,
        size / 1024
    );

    let joplin = testkit::data_file("joplin/pre/tile_1361-10160.tif");
    let tile = GeoTiff::open(&joplin).expect("open the Joplin tile");
    let full = tile.grid().full_window();
    let mut times = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        tile.read_window(&full).expect("read the Joplin tile");
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "full 1024x1024x3 Joplin tile (strips of {} rows, uncompressed): median {:.2} ms over {} reads",
        tile.block_size().1,
        median_ms(times.clone()),
        times.len()
    );
}
