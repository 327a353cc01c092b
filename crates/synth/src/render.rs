//! Rendering one acquisition of a scenario into a georeferenced 4-band raster (red, green,
//! blue, near-infrared), with the acquisition's illumination, haze, sensor response, noise and
//! georeferencing error.

use rayon::prelude::*;

use raster::{Crs, CrsError, GeoTransform, Grid, Raster, SampleType};

use crate::noise::{fractal_noise, value_noise};
use crate::rng::lattice;
use crate::scenario::{Acquisition, BuildingState, Road, RoofPattern, Scenario};

/// Subsamples per pixel side: edges are anti-aliased as a real sensor's point spread would.
const SUPERSAMPLE: usize = 3;
/// Reflectance of shaded ground relative to sunlit ground (skylight only).
const SHADOW_FACTOR: f64 = 0.35;

/// The grid the acquisition truly images (no georeferencing error).
pub fn true_grid(scenario: &Scenario, acquisition: &Acquisition) -> Result<Grid, CrsError> {
    let half = scenario.scene_half_m();
    let gsd = acquisition.gsd_m;
    let size = (2.0 * half / gsd).round() as usize;
    // Snap the corner to the pixel size, as delivered products are.
    let x0 = ((scenario.center.0 - half) / gsd).floor() * gsd;
    let y0 = ((scenario.center.1 + half) / gsd).ceil() * gsd;
    Ok(Grid::new(
        Crs::from_epsg(scenario.epsg)?,
        GeoTransform::north_up(x0, y0, gsd, gsd),
        size,
        size,
    ))
}

/// The grid the delivered file declares: the true grid moved by the acquisition's
/// misregistration, so that everything appears that many pixels east and south of truth.
pub fn declared_grid(scenario: &Scenario, acquisition: &Acquisition) -> Result<Grid, CrsError> {
    let mut grid = true_grid(scenario, acquisition)?;
    let (mx, my) = acquisition.misregistration_px;
    grid.transform.0[0] += mx * acquisition.gsd_m;
    grid.transform.0[3] -= my * acquisition.gsd_m;
    Ok(grid)
}

/// Renders acquisition `index` of the scenario: the pixels show the true ground, the grid is
/// the declared one.
pub fn render(scenario: &Scenario, index: usize) -> Result<Raster, CrsError> {
    let acquisition = &scenario.acquisitions[index];
    let truth = true_grid(scenario, acquisition)?;
    let declared = declared_grid(scenario, acquisition)?;
    let (w, h) = (truth.width, truth.height);
    let standing: Vec<&BuildingState> = scenario
        .buildings
        .iter()
        .filter_map(|b| b.states[index].as_ref())
        .collect();

    let mut pixels = vec![[0f32; 4]; w * h];
    let tan_elevation = acquisition.sun_elevation_deg.to_radians().tan();
    pixels.par_chunks_mut(w).enumerate().for_each(|(row, out)| {
        // Only what reaches this row's band of ground can touch its pixels.
        let (_, y_top) = truth.transform.apply(0.0, row as f64);
        let (_, y_bottom) = truth.transform.apply(0.0, row as f64 + 1.0);
        let reaches = |lo: f64, hi: f64| hi >= y_bottom.min(y_top) && lo <= y_top.max(y_bottom);
        let buildings: Vec<&BuildingState> = standing
            .iter()
            .copied()
            .filter(|b| {
                let reach = b.height_m / tan_elevation;
                let (_, y0, _, y1) = b.footprint.bounds();
                reaches(y0 - reach, y1 + reach)
            })
            .collect();
        let roads: Vec<&Road> = scenario
            .roads
            .iter()
            .filter(|r| {
                reaches(
                    r.from.1.min(r.to.1) - r.width_m,
                    r.from.1.max(r.to.1) + r.width_m,
                )
            })
            .collect();
        for (col, px) in out.iter_mut().enumerate() {
            // Bare ground varies slowly: one look-up per pixel. Edges of roofs, roads and
            // shadows are where sub-pixel coverage matters, so those are supersampled.
            let (cx, cy) = truth.pixel_center(col, row);
            let soil = ground(scenario, acquisition, cx, cy);
            let mut sum = [0f64; 4];
            for j in 0..SUPERSAMPLE {
                for i in 0..SUPERSAMPLE {
                    let (x, y) = truth.transform.apply(
                        col as f64 + (i as f64 + 0.5) / SUPERSAMPLE as f64,
                        row as f64 + (j as f64 + 0.5) / SUPERSAMPLE as f64,
                    );
                    let r = reflectance(scenario.seed, acquisition, &buildings, &roads, soil, x, y);
                    for b in 0..4 {
                        sum[b] += r[b];
                    }
                }
            }
            let n = (SUPERSAMPLE * SUPERSAMPLE) as f64;
            for b in 0..4 {
                let seed = scenario.seed ^ (index as u64 * 131 + b as u64 + 1);
                let noise = gaussian(col as i64, row as i64, seed) * acquisition.noise_sigma;
                px[b] = sense(acquisition, b, sum[b] / n + noise);
            }
        }
    });

    let sample_type = if acquisition.max_dn > 255 {
        SampleType::U16
    } else {
        SampleType::U8
    };
    let mut raster = Raster::filled(declared, 4, 0.0, sample_type);
    for b in 0..4 {
        for (dst, src) in raster.band_mut(b).iter_mut().zip(&pixels) {
            *dst = src[b];
        }
    }
    Ok(raster)
}

/// What the sensor records for a reflectance: gain, haze veil, band response, quantisation.
fn sense(acquisition: &Acquisition, band: usize, reflectance: f64) -> f32 {
    let veiled =
        reflectance * acquisition.gain * (1.0 - acquisition.haze) + acquisition.haze * 0.55;
    let dn = veiled * acquisition.band_gains[band] * acquisition.max_dn as f64 * 1.6;
    dn.round().clamp(1.0, acquisition.max_dn as f64) as f32
}

/// The ground's reflectance (red, green, blue, NIR) at map point `(x, y)`.
fn reflectance(
    seed: u64,
    acquisition: &Acquisition,
    standing: &[&BuildingState],
    roads: &[&Road],
    soil: [f64; 4],
    x: f64,
    y: f64,
) -> [f64; 4] {
    if let Some(roof) = roof_reflectance(standing, acquisition, x, y) {
        return roof;
    }
    let on_road = roads.iter().any(|r| r.distance(x, y) <= r.width_m / 2.0);
    let mut r = if on_road {
        let t = 0.9 + 0.2 * value_noise(x, y, 2.0, seed ^ 0xA5);
        [0.11 * t, 0.11 * t, 0.12 * t, 0.13 * t]
    } else {
        soil
    };
    if in_shadow(standing, acquisition, x, y) {
        r = r.map(|v| v * SHADOW_FACTOR);
    }
    r
}

/// Bare ground, vegetation and roads: the same on every date except for the season.
fn ground(scenario: &Scenario, acquisition: &Acquisition, x: f64, y: f64) -> [f64; 4] {
    let seed = scenario.seed;
    // Gravel, ruts and scrub a few pixels across: the fine texture real ground has, fixed to
    // the ground so that every date sees the same (co-registration matches on it).
    let grain = 0.75 + 0.5 * fractal_noise(x, y, 3.0, 2, seed ^ 0x6A7E);
    let soil_t = (0.8 + 0.4 * fractal_noise(x, y, 40.0, 5, seed)) * grain;
    let soil = [0.32, 0.27, 0.21, 0.36].map(|v| v * soil_t);
    let veg = fractal_noise(x, y, 70.0, 4, seed ^ 0x5EED);
    let cover = smoothstep(0.58, 0.66, veg).max(bush(x, y, seed));
    let vigour = acquisition.vegetation_vigour;
    let plant = [0.05, 0.09, 0.04, 0.50];
    let dormant = [0.19, 0.16, 0.11, 0.27];
    let mut out = [0.0; 4];
    for b in 0..4 {
        let leaf = dormant[b] + (plant[b] - dormant[b]) * vigour;
        out[b] = soil[b] + (leaf - soil[b]) * cover;
    }
    out
}

/// The reflectance of the roof over `(x, y)`, if a standing building covers it.
fn roof_reflectance(
    standing: &[&BuildingState],
    acquisition: &Acquisition,
    x: f64,
    y: f64,
) -> Option<[f64; 4]> {
    standing.iter().rev().find_map(|b| {
        let part = b.footprint.part_at(x, y)?;
        let (u, v) = part.local(x, y);
        let factor = match b.roof.pattern {
            RoofPattern::Flat => 0.95 + 0.1 * value_noise(x, y, 3.0, 0xF1A7),
            RoofPattern::Corrugated { period_m } => {
                if (u / period_m).rem_euclid(1.0) < 0.15 {
                    0.75
                } else {
                    1.0
                }
            }
            RoofPattern::Gable => {
                // The slope on the sunward side is brighter than the one facing away.
                let (s, c) = part.angle_deg.to_radians().sin_cos();
                let across = if v >= 0.0 { (-s, c) } else { (s, -c) };
                let sun = sun_direction(acquisition);
                1.0 + 0.3 * (across.0 * sun.0 + across.1 * sun.1)
            }
        };
        Some(b.roof.reflectance.map(|r| r * factor))
    })
}

/// True when a standing building blocks the sun at ground point `(x, y)`.
fn in_shadow(standing: &[&BuildingState], acquisition: &Acquisition, x: f64, y: f64) -> bool {
    let sun = sun_direction(acquisition);
    let tan_elevation = acquisition.sun_elevation_deg.to_radians().tan();
    standing.iter().any(|b| {
        let reach = b.height_m / tan_elevation;
        let (x0, y0, x1, y1) = b.footprint.bounds();
        if x < x0 - reach || x > x1 + reach || y < y0 - reach || y > y1 + reach {
            return false;
        }
        // Walk towards the sun; the wall is reached within `reach` metres if it casts the shadow.
        (1..=8).any(|k| {
            let t = reach * k as f64 / 8.0;
            b.footprint.contains(x + sun.0 * t, y + sun.1 * t)
        })
    })
}

/// Horizontal unit vector (east, north) pointing towards the sun.
fn sun_direction(acquisition: &Acquisition) -> (f64, f64) {
    let (s, c) = acquisition.sun_azimuth_deg.to_radians().sin_cos();
    (s, c)
}

/// Bushes: some 6 m cells hold one round shrub, 0.8-1.8 m in radius, kept inside its cell.
fn bush(x: f64, y: f64, seed: u64) -> f64 {
    const CELL: f64 = 6.0;
    let (ix, iy) = ((x / CELL).floor() as i64, (y / CELL).floor() as i64);
    let seed = seed ^ 0xB054;
    if lattice(ix, iy, seed) > 0.25 {
        return 0.0;
    }
    let radius = 0.8 + lattice(ix, iy, seed ^ 1);
    let cx = (ix as f64 + 0.3 + 0.4 * lattice(ix, iy, seed ^ 2)) * CELL;
    let cy = (iy as f64 + 0.3 + 0.4 * lattice(ix, iy, seed ^ 3)) * CELL;
    let d = (x - cx).hypot(y - cy);
    1.0 - smoothstep(radius - 0.3, radius + 0.3, d)
}

fn smoothstep(lo: f64, hi: f64, x: f64) -> f64 {
    let t = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// A standard normal value attached to a pixel and a seed (Box-Muller on two lattice hashes).
fn gaussian(col: i64, row: i64, seed: u64) -> f64 {
    let u = lattice(col, row, seed).max(1e-12);
    let v = lattice(col, row, seed ^ 0xDEAD_BEEF);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}
