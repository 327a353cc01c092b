//! New shadows in a change region: a new building's change takes in its shadow on the
//! anti-sun side, and a building's outline must be its roof.
//!
//! # The rule
//!
//! A changed pixel is **new shadow** when both hold:
//!
//! 1. **Darkened by a common factor.** Shade takes the direct sun away and leaves skylight, so
//!    every band of the ground drops by about the same factor. After the after image is
//!    matched to the before image band by band (by the median after/before ratio of the
//!    unchanged pixels, which takes out gain, sensor response and bit depth; haze adds a
//!    little to every ratio), the pixel's brightness (sum of bands) after is
//!    [`ShadowRules::min_factor`] to [`ShadowRules::max_factor`] of before, and its colour
//!    (the band vector's direction) is the same: cosine at least
//!    [`ShadowRules::min_colour_cosine`]. A new roof is brighter than the ground or of another
//!    colour. Vegetation whose season changed between the dates changes colour in shade
//!    too: a pixel also counts when it is dark in the after image (its brightness at most
//!    [`ShadowRules::max_shade_brightness`] of the scene's typical brightness) and darker than
//!    before (at most [`ShadowRules::max_darkening`]).
//! 2. **Behind something towards the sun.** Walking from the pixel towards the sun (the
//!    after date's azimuth), within the reach of the tallest building
//!    ([`ShadowRules::tallest_m`] at the sun's elevation), over changed pixels, one reaches a
//!    caster: a changed pixel that is not darkened (the new roof), reached over changed
//!    pixels (gaps of up to two pixels, misregistration, are crossed), or a building already
//!    standing (whose shadow moved with the sun), reached over anything: the shade next to
//!    it may be shade on both dates and unchanged.
//!
//! # Failures
//!
//! * A **dark roof** (tar, dark metal) over brighter ground is itself "darkened by a common
//!   factor": standing alone, it casts from nothing and is kept with its shadow (the outline
//!   then includes the shadow); built on the anti-sun side of a standing building, it is taken
//!   for that building's shadow and removed.
//! * A roof in a shadow that was already there (one building built in another's shade) is
//!   darker still but not by a common factor: kept, correctly.
//! * Without the sun's direction (scene metadata missing) nothing is removed.

use raster::Raster;

use crate::radiometry::scene_gains;
use serde::Serialize;

/// The sun of a scene, as its metadata gives it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sun {
    /// Degrees clockwise from north to the sun.
    pub azimuth_deg: f64,
    /// Degrees above the horizon.
    pub elevation_deg: f64,
}

impl Sun {
    /// The unit step towards the sun in the pixel space of a north-up grid (columns east,
    /// rows south).
    fn towards_in_pixels(&self) -> (f64, f64) {
        let (s, c) = self.azimuth_deg.to_radians().sin_cos();
        (s, -c)
    }
}

/// The thresholds of the shadow rule (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShadowRules {
    /// The least after/before brightness of shade (skylight only: 0.15-0.5 of sunlit, more
    /// under haze).
    pub min_factor: f64,
    /// The largest after/before brightness of shade.
    pub max_factor: f64,
    /// The least cosine between a pixel's colour (band vector) before and after: the same
    /// colour, darker.
    pub min_colour_cosine: f64,
    /// Shade seen by its darkness alone: at most this share of the after image's typical
    /// brightness...
    pub max_shade_brightness: f64,
    /// ...and darker than before by at least this factor.
    pub max_darkening: f64,
    /// The tallest building expected, m: how far towards the sun a caster is looked for.
    pub tallest_m: f64,
}

impl Default for ShadowRules {
    /// Brightness 0.1-0.65 of before with the colour within 16° (cosine 0.96), or below 45% of
    /// the scene's typical brightness and 80% of before; casters up to 30 m tall.
    fn default() -> Self {
        ShadowRules {
            min_factor: 0.1,
            max_factor: 0.65,
            min_colour_cosine: 0.96,
            max_shade_brightness: 0.45,
            max_darkening: 0.8,
            tallest_m: 30.0,
        }
    }
}

/// What may cast shade onto changed pixels.
#[derive(Debug, Clone, Copy)]
pub struct Casters<'a> {
    /// The buildings standing before the change (row-major over the grid).
    pub standing: &'a [bool],
    /// The changed pixels that may be roofs that cast (those of them not darkened).
    pub may_cast: &'a [bool],
}

/// The new shadow among the changed pixels `changed` between `before` and `after` (same grid,
/// north-up, pixel size `gsd_m`), with the sun of the after date and its `casters`: the
/// buildings standing before the change and the changed pixels that may be new roofs.
///
/// Swapping `before` and `after` (with the before date's sun) finds the shade that went; its
/// casters are the buildings standing on the before date, and only changes that removed
/// something may cast.
pub fn new_shadow(
    changed: &[bool],
    casters: &Casters,
    before: &Raster,
    after: &Raster,
    sun: &Sun,
    gsd_m: f64,
    rules: &ShadowRules,
) -> Vec<bool> {
    let Casters { standing, may_cast } = *casters;
    let (w, h) = (after.grid.width, after.grid.height);
    let darkened = darkened(changed, before, after, rules);
    let (sx, sy) = sun.towards_in_pixels();
    let elevation = sun.elevation_deg.clamp(1.0, 89.0).to_radians();
    let reach_px = rules.tallest_m / elevation.tan() / gsd_m;
    let steps = (2.0 * reach_px).ceil() as usize;
    let at = |x: f64, y: f64| -> Option<usize> {
        (x >= 0.0 && y >= 0.0 && (x as usize) < w && (y as usize) < h)
            .then(|| y as usize * w + x as usize)
    };
    const MAX_GAP_STEPS: usize = 4; // two pixels in half-pixel steps
    let mut shadow = vec![false; w * h];
    // A standing building's own pixels are its roof, judged by the roof rules, never shade.
    for p in (0..w * h).filter(|&p| darkened[p] && !standing[p]) {
        let (x0, y0) = ((p % w) as f64 + 0.5, (p / w) as f64 + 0.5);
        // A changed caster (a new roof) must be reached over changed pixels (gaps of two
        // pixels crossed); a standing building anywhere within reach: the shade next to it
        // may be shade on both dates, unchanged.
        let mut gap = 0;
        for k in 1..=steps {
            let t = 0.5 * k as f64;
            let Some(q) = at(x0 + sx * t, y0 + sy * t) else {
                break;
            };
            if standing[q] || (gap <= MAX_GAP_STEPS && may_cast[q] && !darkened[q]) {
                shadow[p] = true;
                break;
            }
            gap = if changed[q] { 0 } else { gap + 1 };
        }
    }
    shadow
}

/// The changed pixels whose bands all dropped by about the same factor, after the after
/// image is matched to the before image over the unchanged pixels (per band, the median
/// after/before ratio: gain, sensor and bit depth; haze adds a little to every ratio).
fn darkened(changed: &[bool], before: &Raster, after: &Raster, rules: &ShadowRules) -> Vec<bool> {
    let n = changed.len();
    let scene = scene_gains(before, after, Some(changed));
    // The typical brightness of the after image (sum of its bands' medians over the
    // unchanged pixels, each band brought to the before image's scale).
    let typical: f64 = (0..scene.len())
        .map(|b| {
            let band = after.band(b);
            let mut v: Vec<f32> = (0..n)
                .step_by(7)
                .filter(|&p| !changed[p])
                .map(|p| band[p])
                .collect();
            v.sort_by(f32::total_cmp);
            f64::from(v.get(v.len() / 2).copied().unwrap_or(1.0)) / scene[b]
        })
        .sum();
    (0..n)
        .map(|p| {
            if !changed[p] {
                return false;
            }
            let (mut dot, mut aa, mut bb, mut sa, mut sb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (b, &gain) in scene.iter().enumerate() {
                let a = f64::from(after.band(b)[p]) / gain;
                let x = f64::from(before.band(b)[p]);
                dot += a * x;
                aa += a * a;
                bb += x * x;
                sa += a;
                sb += x;
            }
            let factor = sa / sb.max(1.0);
            let cosine = dot / (aa * bb).sqrt().max(1e-9);
            let same_colour = (rules.min_factor..=rules.max_factor).contains(&factor)
                && cosine >= rules.min_colour_cosine;
            let dark = sa <= rules.max_shade_brightness * typical && factor <= rules.max_darkening;
            same_colour || dark
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::{Crs, GeoTransform, Grid, SampleType};

    const W: usize = 60;

    /// Ground of three bands with different colours (varying per pixel), a roof of another
    /// colour over `roof`, and shade (40% in every band) over `shade`.
    fn image(roof: Option<(usize, usize, usize, usize)>, shade: &[usize]) -> Raster {
        let grid = Grid::new(
            Crs::from_epsg(32633).unwrap(),
            GeoTransform::north_up(500_000.0, 5_000_000.0, 0.5, 0.5),
            W,
            W,
        );
        let mut r = Raster::filled(grid, 3, 0.0, SampleType::F32);
        for b in 0..3 {
            let band = r.band_mut(b);
            for (p, v) in band.iter_mut().enumerate() {
                let ground = [120.0, 100.0, 80.0][b] + ((p * 7919 + b * 31) % 17) as f32;
                let (c, row) = (p % W, p / W);
                *v = match roof {
                    Some((c0, r0, c1, r1)) if (c0..c1).contains(&c) && (r0..r1).contains(&row) => {
                        [90.0, 160.0, 200.0][b]
                    }
                    _ if shade.contains(&p) => 0.4 * ground,
                    _ => ground,
                };
            }
        }
        r
    }

    #[test]
    fn the_shadow_behind_a_new_roof_is_found_and_the_roof_kept() {
        // Sun in the south-east: the shadow falls north-west of the roof.
        let sun = Sun {
            azimuth_deg: 135.0,
            elevation_deg: 45.0,
        };
        let roof = (25, 25, 40, 40);
        // The shadow: pixels north-west of the roof, within 6 px.
        let shade: Vec<usize> = (0..W * W)
            .filter(|&p| {
                let (c, r) = (p % W, p / W);
                let inside = |c: usize, r: usize| (25..40).contains(&c) && (25..40).contains(&r);
                !inside(c, r) && (1..=6).any(|k| inside(c + k, r + k))
            })
            .collect();
        let before = image(None, &[]);
        let after = image(Some(roof), &shade);
        let changed: Vec<bool> = (0..W * W)
            .map(|p| {
                let (c, r) = (p % W, p / W);
                ((25..40).contains(&c) && (25..40).contains(&r)) || shade.contains(&p)
            })
            .collect();
        let standing = vec![false; W * W];
        let casters = Casters {
            standing: &standing,
            may_cast: &changed,
        };
        let shadow = new_shadow(
            &changed,
            &casters,
            &before,
            &after,
            &sun,
            0.5,
            &ShadowRules::default(),
        );
        let found = shade.iter().filter(|&&p| shadow[p]).count();
        assert!(
            found as f64 >= 0.95 * shade.len() as f64,
            "{found} of {}",
            shade.len()
        );
        let roof_lost = (0..W * W)
            .filter(|&p| shadow[p] && !shade.contains(&p))
            .count();
        assert_eq!(roof_lost, 0);
        // With the sun from the other side nothing casts it: kept.
        let opposite = Sun {
            azimuth_deg: 315.0,
            ..sun
        };
        let shadow = new_shadow(
            &changed,
            &casters,
            &before,
            &after,
            &opposite,
            0.5,
            &ShadowRules::default(),
        );
        assert!(shadow.iter().all(|&s| !s));
    }
}
