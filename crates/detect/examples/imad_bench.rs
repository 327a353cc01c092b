//! iMAD speed on in-memory data: change probability (statistics, iterations, per-pixel
//! chi-square CDF) for synthetic 3- and 4-band pairs, reported in megapixels per second.
//! Run with the thread count to measure, e.g. `RAYON_NUM_THREADS=2`. Besides wall time it
//! reports the process CPU time (Linux `/proc/self/stat`), so that a figure for idle cores can
//! be estimated on a machine shared with other work: `Mpx / CPU-second x threads`.
//!
//! `cargo run --release -p detect --example imad_bench [SIDE]` (default 4096: 16.8 Mpx).

use std::time::Instant;

use detect::{ChangeDetector, Imad};
use raster::{Crs, GeoTransform, Grid, Raster, SampleType};

/// A pseudo-random 8-bit-like scene: smooth structure plus noise, and an after scene with a
/// gain, new noise and a changed block.
fn scene_pair(side: usize, bands: usize) -> (Raster, Raster) {
    let grid = Grid::new(
        Crs::from_epsg(32633).unwrap(),
        GeoTransform::north_up(500_000.0, 5_000_000.0, 10.0, 10.0),
        side,
        side,
    );
    let n = side * side;
    let mut before = Raster::filled(grid, bands, 0.0, SampleType::U8);
    let mut after = before.clone();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    for b in 0..bands {
        for i in 0..n {
            let (c, r) = ((i % side) as f32, (i / side) as f32);
            let v = 100.0 + 40.0 * ((c / 37.0 + b as f32).sin() * (r / 23.0).cos()) + 8.0 * noise();
            before.data[b * n + i] = v.round();
            let changed = (i % side) < side / 8 && (i / side) < side / 8;
            let w = if changed {
                220.0 - 10.0 * b as f32
            } else {
                1.2 * v + 7.0 + 6.0 * noise()
            };
            after.data[b * n + i] = w.round();
        }
    }
    (before, after)
}

/// User + system CPU seconds of this process so far (all threads), from `/proc/self/stat`
/// in clock ticks of 1/100 s.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat (Linux)");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn main() {
    let side: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("SIDE is a pixel count"))
        .unwrap_or(4096);
    println!("threads: {}", rayon::current_num_threads());
    for bands in [3, 4] {
        let (before, after) = scene_pair(side, bands);
        let imad = Imad::default();
        // One warm-up run, then the best of three.
        let outcome = imad.analyse(&before, &after).expect("iMAD runs");
        let mut best = f64::INFINITY;
        let runs = 3;
        let cpu_start = cpu_seconds();
        for _ in 0..runs {
            let start = Instant::now();
            let map = imad.probability(&before, &after).expect("iMAD runs");
            best = best.min(start.elapsed().as_secs_f64());
            std::hint::black_box(map);
        }
        let cpu = (cpu_seconds() - cpu_start) / runs as f64;
        let mpx = (side * side) as f64 / 1e6;
        let threads = rayon::current_num_threads() as f64;
        println!(
            "{bands} bands, {side}x{side} ({mpx:.1} Mpx): best wall {best:.3} s = {:.1} Mpx/s; \
             CPU {cpu:.3} s per run = {:.1} Mpx/s on {threads} idle cores ({} iterations, converged {})",
            mpx / best,
            mpx / cpu * threads,
            outcome.iterations,
            outcome.converged
        );
    }
}
