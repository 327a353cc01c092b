//! Synthetic scenes for the tests: smooth, slightly noisy terrain and a bright square painted
//! into the after image.

use raster::{Crs, GeoTransform, Grid, Raster, SampleType};

/// A deterministic pseudo-random value in `[-1, 1)` for `(seed, i)`.
fn noise(seed: u64, i: usize) -> f32 {
    let mut x =
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    (x >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

/// A `width x height` scene of `bands` 8-bit-like bands on a 0.5 m UTM grid: smooth waves
/// plus ±4 of noise.
pub fn textured_scene(width: usize, height: usize, bands: usize, seed: u64) -> Raster {
    let grid = Grid::new(
        Crs::from_epsg(32615).unwrap(),
        GeoTransform::north_up(400_000.0, 4_100_000.0, 0.5, 0.5),
        width,
        height,
    );
    let mut raster = Raster::filled(grid, bands, 0.0, SampleType::U8);
    let n = width * height;
    for b in 0..bands {
        for i in 0..n {
            let (c, r) = ((i % width) as f32, (i / width) as f32);
            let wave = 30.0 * (c / 9.0 + b as f32).sin() * (r / 7.0).cos();
            raster.data[b * n + i] =
                (100.0 + 10.0 * b as f32 + wave + 4.0 * noise(seed + b as u64, i)).round();
        }
    }
    raster
}

/// A 128x96 before scene and an after scene with a 20x20 bright square at rows 40..60,
/// columns 50..70, new noise and a radiometric gain and offset elsewhere.
pub fn painted_square_pair(bands: usize) -> (Raster, Raster) {
    let before = textured_scene(128, 96, bands, 1);
    let mut after = before.clone();
    let (w, n) = (128, 128 * 96);
    for b in 0..bands {
        for i in 0..n {
            let v = &mut after.data[b * n + i];
            *v = (*v * 1.1 + 5.0 + 3.0 * noise(100 + b as u64, i)).round();
            let (c, r) = (i % w, i / w);
            if (40..60).contains(&r) && (50..70).contains(&c) {
                *v = 235.0 - 15.0 * b as f32;
            }
        }
    }
    (before, after)
}
