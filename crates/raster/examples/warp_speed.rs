//! Warp speed: a 1024 x 1024 3-band byte destination (NAD83 / UTM 15N, 0.6 m) warped from an
//! in-memory longitude/latitude source like the Joplin post tiles, per resampling method.
//!
//! Run with `cargo run --release -p raster --example warp_speed`.

use std::time::Instant;

use raster::{warp, Crs, GeoTransform, Grid, Raster, Resampling, SampleType, WarpOptions};

fn main() {
    // 2048 x 2048 source pixels of 6e-6 degrees from the Joplin post mosaic's corner.
    let src_grid = Grid::new(
        Crs::wgs84(),
        GeoTransform::north_up(-94.499_605_295_163_46, 37.075_113_836_803_46, 6e-6, 6e-6),
        2048,
        2048,
    );
    let mut src = Raster::filled(src_grid, 3, 0.0, SampleType::U8);
    for (i, v) in src.data.iter_mut().enumerate() {
        *v = ((i * 7 + i / 2048 * 13) % 256) as f32;
    }
    let dst = Grid::new(
        Crs::from_epsg(26915).unwrap(),
        GeoTransform::north_up(366_800.0, 4_104_200.0, 0.6, 0.6),
        1024,
        1024,
    );
    let mpx = (dst.width * dst.height) as f64 / 1e6;
    println!("threads: {}", rayon::current_num_threads());
    for method in [Resampling::Nearest, Resampling::Bilinear, Resampling::Cubic] {
        // One warm-up, then the best of three.
        let mut best = f64::INFINITY;
        for _ in 0..4 {
            let t = Instant::now();
            let out = warp(&src, &dst, method, &WarpOptions::default()).unwrap();
            std::hint::black_box(&out);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{method:?}: {:.1} ms for 1024 x 1024 x 3 bands = {:.2} Mpx/s ({:.2} M samples/s)",
            best * 1e3,
            mpx / best,
            3.0 * mpx / best
        );
    }
}
