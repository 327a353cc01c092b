//! Benchmark: co-registration accuracy on real imagery and speed on a Sentinel-2 pair.
//!
//! (a) Known sub-pixel shifts. REF and an unshifted TARGET of another date are matched; then
//!     TARGET is moved by a known random shift (up to 5 px, Fourier shift) and matched again.
//!     The difference of the two shifts found must be the shift applied: the true offset
//!     between the dates (including the fractional grid-origin difference) cancels. Pairs:
//!     naip-stack 2012 (REF) / 2016 (TARGET), and a Joplin pre-storm tile against itself after
//!     a radiometric change (gamma, gain, offset). Both sub-pixel methods are measured.
//! (b) The coreg-s2 pair (partial overlap, zeros without a nodata tag, clouds in TARGET): the
//!     shift found, its residual, the mean absolute difference over the overlap before and
//!     after correction, and the time of `coregister` on 2 threads.
//!
//! Run with `cargo run --release -p raster --example coreg_bench`.

use std::path::Path;
use std::time::Instant;

use raster::coreg::{
    coregister, fourier_shift, Alignment, CoregParams, MaskedBand, SubpixelMethod, TieStatus,
};
use raster::geotiff::GeoTiff;
use raster::{Raster, RasterSource, Window};

/// How many random shifts each real pair is tried with.
const SHIFTS: usize = 10;
/// Largest shift applied along each axis, in pixels.
const MAX_SHIFT_PX: f64 = 5.0;

fn main() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a 2-thread pool");
    pool.install(|| {
        known_shifts_on_naip();
        known_shifts_on_joplin();
        known_shifts_on_joplin_after_the_storm();
        sentinel2_pair();
    });
}

/// The windows of two north-up rasters of equal pixel size that cover the same ground, each in
/// its own pixels, by the integer offset between their origins (the fraction stays part of the
/// unknown misregistration).
fn overlap(reference: &GeoTiff, target: &GeoTiff) -> (Window, Window) {
    let (r, t) = (reference.grid(), target.grid());
    let (rt, tt) = (r.transform.0, t.transform.0);
    let dc = ((tt[0] - rt[0]) / rt[1]).round() as isize;
    let dr = ((tt[3] - rt[3]) / rt[5]).round() as isize;
    // Target pixel (c, r) lies on reference pixel (c + dc, r + dr).
    let c0 = dc.max(0);
    let r0 = dr.max(0);
    let c1 = (r.width as isize).min(t.width as isize + dc);
    let r1 = (r.height as isize).min(t.height as isize + dr);
    assert!(c1 > c0 && r1 > r0, "the rasters do not overlap");
    let (w, h) = ((c1 - c0) as usize, (r1 - r0) as usize);
    (
        Window::new(c0 as usize, r0 as usize, w, h),
        Window::new((c0 - dc) as usize, (r0 - dr) as usize, w, h),
    )
}

fn read_band(path: &Path, window: Option<Window>, band: usize) -> (Raster, MaskedBand) {
    let tif = GeoTiff::open(path).unwrap_or_else(|e| panic!("{e}"));
    let window = window.unwrap_or_else(|| tif.grid().full_window());
    let raster = tif.read_window(&window).unwrap_or_else(|e| panic!("{e}"));
    let masked = MaskedBand::from_raster(&raster, band);
    (raster, masked)
}

/// Reproducible uniform numbers in [-1, 1) (splitmix64).
fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        2.0 * (((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64) - 1.0
    }
}

/// TARGET moved `(east, south)` px, with the border the shift brings in marked invalid.
fn shifted(target: &MaskedBand, east: f64, south: f64) -> MaskedBand {
    let (w, h) = (target.width, target.height);
    let values = fourier_shift(&target.values, w, h, east, south);
    let margin = east.abs().max(south.abs()).ceil() as isize + 3;
    let (ie, is) = (east.round() as isize, south.round() as isize);
    let valid = (0..w * h)
        .map(|i| {
            let (c, r) = ((i % w) as isize, (i / w) as isize);
            let inside =
                c >= margin && r >= margin && c < w as isize - margin && r < h as isize - margin;
            // The sample came from about (c - east, r - south): it counts when that was valid.
            inside && target.valid[((r - is) as usize) * w + (c - ie) as usize]
        })
        .collect();
    MaskedBand::new(w, h, values, valid)
}

/// Matches REF with TARGET and with TARGET moved by random shifts, for both sub-pixel methods,
/// and prints the largest error of the recovered shift differences.
fn known_shift_errors(name: &str, reference: &MaskedBand, target: &MaskedBand, seed: u64) {
    for method in [SubpixelMethod::UpsampledDft, SubpixelMethod::Parabola] {
        let params = CoregParams {
            subpixel: method,
            ..CoregParams::default()
        };
        let base = match coregister(reference, target, &params) {
            Ok(base) => base,
            Err(refusal) => {
                println!("{name} [{method:?}]: REFUSED: {refusal}");
                continue;
            }
        };
        let mut next = uniform(seed);
        let mut worst: f64 = 0.0;
        let mut worst_global: f64 = 0.0;
        for _ in 0..SHIFTS {
            let (east, south) = (MAX_SHIFT_PX * next(), MAX_SHIFT_PX * next());
            let moved = shifted(target, east, south);
            let found = coregister(reference, &moved, &params).unwrap_or_else(|e| panic!("{e}"));
            // TARGET moved east by `east` must move back west: the difference is -east.
            let error = (found.dx - base.dx + east)
                .abs()
                .max((found.dy - base.dy + south).abs());
            let global_error = (found.global.dx - base.global.dx + east)
                .abs()
                .max((found.global.dy - base.global.dy + south).abs());
            worst = worst.max(error);
            worst_global = worst_global.max(global_error);
        }
        println!(
            "{name} [{method:?}]: base dx {:+.3} dy {:+.3} px ({} tie points, rmse {:.3} px); \
             max error over {SHIFTS} shifts up to {MAX_SHIFT_PX} px: model {worst:.4} px, \
             global {worst_global:.4} px",
            base.dx, base.dy, base.used, base.rmse_px
        );
    }
}

fn known_shifts_on_naip() {
    let reference_path = testkit::data_file("naip-stack/m_4709963_se_14_1_20120731.tif");
    let target_path = testkit::data_file("naip-stack/m_4709963_se_14_1_20160816.tif");
    let (rw, tw) = overlap(
        &GeoTiff::open(&reference_path).unwrap(),
        &GeoTiff::open(&target_path).unwrap(),
    );
    // Band 1 (green): present and alike in both dates.
    let (_, reference) = read_band(&reference_path, Some(rw), 1);
    let (_, target) = read_band(&target_path, Some(tw), 1);
    println!(
        "naip-stack 2012 vs 2016: overlap {}x{} px",
        rw.width, rw.height
    );
    known_shift_errors("naip 2012/2016", &reference, &target, 2016);
}

fn known_shifts_on_joplin() {
    let path = testkit::data_file("joplin/pre/tile_337-9136.tif");
    let (_, reference) = read_band(&path, None, 0);
    // Another "sensor": gamma 0.7, gain 0.6, offset 30, as a different camera would record it.
    let values = reference
        .values
        .iter()
        .map(|&v| 30.0 + 0.6 * 255.0 * (v / 255.0).powf(0.7))
        .collect();
    let target = MaskedBand::new(
        reference.width,
        reference.height,
        values,
        reference.valid.clone(),
    );
    known_shift_errors("joplin pre, radiometric change", &reference, &target, 2011);
}

/// Another date for real: the post-storm tiles (EPSG:4326) warped onto a pre-storm tile's UTM
/// grid, with the tornado's destruction between them.
fn known_shifts_on_joplin_after_the_storm() {
    use raster::{warp, Resampling, ScenePart, SceneSource, WarpOptions};
    let post_dir = testkit::data_file("joplin/post");
    let mut parts = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&post_dir)
        .expect("joplin/post lists")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for path in names {
        let tif = GeoTiff::open(&path).expect("post tile opens");
        parts.push(ScenePart::new(path.display().to_string(), tif));
    }
    let post = SceneSource::assemble(parts).expect("post tiles mosaic");
    // The pre-storm tile the post-storm mosaic covers most.
    let mut best = None;
    for name in [
        "tile_337-9136",
        "tile_337-10160",
        "tile_1361-9136",
        "tile_1361-10160",
    ] {
        let pre = testkit::data_file(&format!("joplin/pre/{name}.tif"));
        let (pre_raster, reference) = read_band(&pre, None, 0);
        let warped = warp(
            &post,
            &pre_raster.grid,
            Resampling::Bilinear,
            &WarpOptions::default(),
        )
        .expect("post warps onto pre");
        let mut target = MaskedBand::from_raster(&warped.raster, 0);
        for (v, &c) in target.valid.iter_mut().zip(&warped.covered) {
            *v &= c;
        }
        let covered = target.valid_fraction();
        println!(
            "joplin post on the grid of pre {name}: {:.0} % covered",
            100.0 * covered
        );
        if best.as_ref().is_none_or(|(c, _, _)| covered > *c) {
            best = Some((covered, reference, target));
        }
    }
    let (_, reference, target) = best.expect("four pre tiles");
    known_shift_errors("joplin pre / post-storm", &reference, &target, 2012);
}

fn sentinel2_pair() {
    let reference_path = testkit::data_file("coreg-s2/ref_S2A_20160608T153121_T33UUU_sub.tif");
    let target_path = testkit::data_file("coreg-s2/tgt_S2A_20160529T153631_T33UUU_sub.tif");
    let (rw, tw) = overlap(
        &GeoTiff::open(&reference_path).unwrap(),
        &GeoTiff::open(&target_path).unwrap(),
    );
    let started = Instant::now();
    let (_, reference) = read_band(&reference_path, Some(rw), 0);
    let (_, target) = read_band(&target_path, Some(tw), 0);
    let read_s = started.elapsed().as_secs_f64();
    println!(
        "coreg-s2: overlap {}x{} px (REF window at {},{}; TARGET at {},{}), read in {:.2} s; \
         valid REF {:.0} %, TARGET {:.0} %",
        rw.width,
        rw.height,
        rw.col_off,
        rw.row_off,
        tw.col_off,
        tw.row_off,
        read_s,
        100.0 * reference.valid_fraction(),
        100.0 * target.valid_fraction()
    );
    let params = CoregParams::default();
    let mut times = Vec::new();
    let mut alignment = None;
    let cpu_before = process_cpu_seconds();
    for _ in 0..RUNS {
        let started = Instant::now();
        let found = coregister(&reference, &target, &params).unwrap_or_else(|e| panic!("{e}"));
        times.push(started.elapsed().as_secs_f64());
        alignment = Some(found);
    }
    let cpu = (process_cpu_seconds() - cpu_before) / RUNS as f64;
    times.sort_by(f64::total_cmp);
    let alignment = alignment.expect("five runs");
    println!(
        "coreg-s2: model {:?}\n  dx {:+.3} dy {:+.3} px (global {:+.3} {:+.3}, peak ratio {:.1}); \
         tie points used {}, rejected {}; rmse {:.3} px; windows {:?}\n  \
         coregister on 2 threads: wall median {:.3} s, min {:.3} s (load average {}); \
         CPU {:.3} s per run",
        alignment.model,
        alignment.dx,
        alignment.dy,
        alignment.global.dx,
        alignment.global.dy,
        alignment.global.peak_ratio,
        alignment.used,
        alignment.rejected,
        alignment.rmse_px,
        alignment.census,
        times[times.len() / 2],
        times[0],
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split(' ')
            .next()
            .unwrap_or("?"),
        cpu
    );
    let clear = used_windows(&alignment);
    let before = mean_abs_difference(&reference, &target, None, &clear);
    let after = mean_abs_difference(&reference, &target, Some(&alignment), &clear);
    println!(
        "  mean |REF - TARGET| over the overlap: before {:.2}, after {:.2} DN; \
         over the windows of the used tie points: before {:.2}, after {:.2} DN",
        before.0, after.0, before.1, after.1
    );
    let rematched = coregister(&reference, &corrected(&target, &alignment), &params)
        .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "  TARGET resampled through the correction and matched again: dx {:+.3} dy {:+.3} px \
         (rmse {:.3} px)",
        rematched.dx, rematched.dy, rematched.rmse_px
    );
}

/// TARGET resampled (bilinear) onto REF's pixels through the alignment's correction.
fn corrected(target: &MaskedBand, alignment: &Alignment) -> MaskedBand {
    let (w, h) = (target.width, target.height);
    let samples: Vec<Option<f64>> = (0..w * h)
        .map(|i| {
            let (c, r) = ((i % w) as f64 + 0.5, (i / w) as f64 + 0.5);
            let (tc, tr) = alignment.correct(c, r);
            bilinear(target, tc - 0.5, tr - 0.5)
        })
        .collect();
    let values = samples.iter().map(|v| v.unwrap_or(0.0) as f32).collect();
    let valid = samples.iter().map(Option::is_some).collect();
    MaskedBand::new(w, h, values, valid)
}

/// How many times the Sentinel-2 pair is matched for the timing.
const RUNS: usize = 5;

/// User plus system CPU time of this process so far (Linux), in seconds: on a machine shared
/// with other work, CPU time says what the matching costs better than wall time does.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Linux reports in clock ticks of 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

/// The windows (col0, row0, col1, row1) of the tie points the model used.
fn used_windows(alignment: &Alignment) -> Vec<(f64, f64, f64, f64)> {
    let half = alignment.window_size as f64 / 2.0;
    alignment
        .tie_points
        .iter()
        .filter(|t| t.status == TieStatus::Used)
        .map(|t| (t.col - half, t.row - half, t.col + half, t.row + half))
        .collect()
}

/// Mean absolute difference between REF and TARGET (bilinear at the corrected position when an
/// alignment is given) over pixels valid in both: over the whole overlap, and over `clear`.
fn mean_abs_difference(
    reference: &MaskedBand,
    target: &MaskedBand,
    alignment: Option<&Alignment>,
    clear: &[(f64, f64, f64, f64)],
) -> (f64, f64) {
    let (w, h) = (reference.width, reference.height);
    let (mut sum, mut count, mut clear_sum, mut clear_count) = (0.0, 0usize, 0.0, 0usize);
    for row in 0..h {
        for col in 0..w {
            if !reference.valid[row * w + col] {
                continue;
            }
            let (c, r) = (col as f64 + 0.5, row as f64 + 0.5);
            let (tc, tr) = alignment.map_or((c, r), |a| a.correct(c, r));
            let Some(value) = bilinear(target, tc - 0.5, tr - 0.5) else {
                continue;
            };
            let d = (reference.values[row * w + col] as f64 - value).abs();
            sum += d;
            count += 1;
            if clear
                .iter()
                .any(|&(c0, r0, c1, r1)| c >= c0 && c < c1 && r >= r0 && r < r1)
            {
                clear_sum += d;
                clear_count += 1;
            }
        }
    }
    (sum / count as f64, clear_sum / clear_count.max(1) as f64)
}

/// TARGET sampled bilinearly at index position `(x, y)` (pixel centres at integers), when all
/// four neighbours hold data.
fn bilinear(band: &MaskedBand, x: f64, y: f64) -> Option<f64> {
    let (x0, y0) = (x.floor(), y.floor());
    if x0 < 0.0 || y0 < 0.0 || x0 + 1.0 >= band.width as f64 || y0 + 1.0 >= band.height as f64 {
        return None;
    }
    let (c, r) = (x0 as usize, y0 as usize);
    let (fx, fy) = (x - x0, y - y0);
    let at = |c: usize, r: usize| {
        let i = r * band.width + c;
        band.valid[i].then(|| band.values[i] as f64)
    };
    let (a, b) = (at(c, r)?, at(c + 1, r)?);
    let (d, e) = (at(c, r + 1)?, at(c + 1, r + 1)?);
    Some((a * (1.0 - fx) + b * fx) * (1.0 - fy) + (d * (1.0 - fx) + e * fx) * fy)
}
