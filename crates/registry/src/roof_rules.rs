//! The rules that read the images themselves: whether a roof changed, whether an outline
//! already showed before, and whether a roof continues beyond a change (an annex onto a
//! building the registry has not seen). Their premises are stated in [`crate::tracking`].

use raster::{Raster, Window};

use crate::radiometry::scene_gains;
use crate::tracking::TrackingRules;

/// Which of a pair's two dates.
#[derive(Clone, Copy)]
pub(crate) enum Date {
    Before,
    After,
}

/// A pair of dates' images with the scene-wide figures the rules weigh a roof against: the
/// scene's gain between the dates, and each band's median and largest value. Each is a pass
/// over the whole scene, so they are found once per pair, not once per building.
pub(crate) struct PairImages<'a> {
    pub before: &'a Raster,
    pub after: &'a Raster,
    gains: Vec<f64>,
    before_bands: Vec<BandFigures>,
    after_bands: Vec<BandFigures>,
}

/// One band's scene-wide figures.
struct BandFigures {
    /// The median over a regular sample of the pixels (every seventh) that hold data.
    median: f64,
    /// The largest value.
    top: f32,
}

impl BandFigures {
    fn of(image: &Raster) -> Vec<BandFigures> {
        (0..image.band_count)
            .map(|b| {
                let band = image.band(b);
                // Beyond the scene's edge (NaN) is no part of the scene's brightness.
                let mut sample: Vec<f32> = band
                    .iter()
                    .step_by(7)
                    .copied()
                    .filter(|v| v.is_finite())
                    .collect();
                sample.sort_by(f32::total_cmp);
                BandFigures {
                    median: f64::from(sample.get(sample.len() / 2).copied().unwrap_or(1.0)),
                    top: band.iter().copied().fold(f32::MIN, f32::max),
                }
            })
            .collect()
    }
}

impl<'a> PairImages<'a> {
    pub fn new(before: &'a Raster, after: &'a Raster) -> PairImages<'a> {
        PairImages {
            before,
            after,
            gains: scene_gains(before, after, None),
            before_bands: BandFigures::of(before),
            after_bands: BandFigures::of(after),
        }
    }

    fn date(&self, date: Date) -> (&Raster, &[BandFigures]) {
        match date {
            Date::Before => (self.before, &self.before_bands),
            Date::After => (self.after, &self.after_bands),
        }
    }

    /// How sharply the image of `date` steps at the outline of `pixels`: per band, the
    /// absolute difference between the mean of the two pixel rings just inside and the two
    /// just outside, in units of the band's median over the image (so that images of different
    /// gain or bit depth compare), summed. A building shows its outline; bare ground does not.
    pub fn edge_step(&self, pixels: &[bool], date: Date) -> f64 {
        let (image, bands) = self.date(date);
        let (w, h) = (image.grid.width, image.grid.height);
        let inner = detect::morphology::erode(pixels, w, h, 2);
        let outer = detect::morphology::dilate(pixels, w, h, 2);
        // Both rings lie in the dilated outline's window: look there, not over the site.
        let near: Vec<usize> = Window::around(&outer, w)
            .map(|window| window.indices(w).collect())
            .unwrap_or_default();
        let inside: Vec<usize> = near
            .iter()
            .copied()
            .filter(|&p| pixels[p] && !inner[p])
            .collect();
        let outside: Vec<usize> = near
            .iter()
            .copied()
            .filter(|&p| outer[p] && !pixels[p])
            .collect();
        // Over the pixels with data: a ring that reaches beyond the scene's edge is measured
        // on the part inside it.
        let mean = |band: &[f32], at: &[usize]| {
            let values = at.iter().map(|&p| band[p]).filter(|v| v.is_finite());
            let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + f64::from(v), n + 1));
            sum / n.max(1) as f64
        };
        bands
            .iter()
            .enumerate()
            .map(|(b, figures)| {
                let band = image.band(b);
                let (i, o) = (mean(band, &inside), mean(band, &outside));
                (i - o).abs() / figures.median.max(1e-6)
            })
            .sum()
    }
}

/// The full scales of integer sensors (2^k - 1 for 8 to 16 bits): an image whose largest
/// value is one of these is clipped there.
const FULL_SCALE: [f32; 5] = [255.0, 1023.0, 2047.0, 4095.0, 65535.0];

/// The roof-change rule: the roof inside `pixels`, away from its edges (eroded by the
/// matching tolerance, where shadows and walls change with the sun), changed brightness in
/// some band by more than [`TrackingRules::roof_change`] relative to the whole scene's change
/// between the dates (the median ratio of all pixels, so that haze, season, sensor gain and
/// bit depth do not count). A band clipped (saturated at the sensor's full scale) over half
/// the roof reads darker than it is: clipped after, only a brightening counts; clipped
/// before, only a darkening; clipped in both, nothing.
pub(crate) fn roof_changed(pixels: &[bool], images: &PairImages, rules: &TrackingRules) -> bool {
    let (before, after) = (images.before, images.after);
    let (w, h) = (after.grid.width, after.grid.height);
    let inner = detect::morphology::erode(pixels, w, h, rules.dilation_px);
    let inner: Vec<usize> = Window::around(&inner, w)
        .map(|window| window.indices(w).filter(|&p| inner[p]).collect())
        .unwrap_or_default();
    if inner.is_empty() {
        return false;
    }
    let gains = &images.gains;
    (0..after.band_count.min(gains.len())).any(|b| {
        let (bb, ab) = (before.band(b), after.band(b));
        // A roof clipped (at the sensor's full scale: a bright roof saturating the sensor)
        // over half its pixels is brighter than it reads: clipped after, only a brightening
        // shows; clipped before, only a darkening; clipped in both, nothing.
        let clipped = |band: &[f32], top: f32| {
            FULL_SCALE.contains(&top)
                && 2 * inner.iter().filter(|&&p| band[p] >= top).count() >= inner.len()
        };
        let (clipped_before, clipped_after) = (
            clipped(bb, images.before_bands[b].top),
            clipped(ab, images.after_bands[b].top),
        );
        let mean = |band: &[f32]| {
            inner.iter().map(|&p| f64::from(band[p])).sum::<f64>() / inner.len() as f64
        };
        let change = (mean(ab) / mean(bb) / gains[b]).ln();
        let limit = rules.roof_change.ln_1p();
        match (clipped_before, clipped_after) {
            (true, true) => false,
            (false, true) => change > limit,
            (true, false) => change < -limit,
            (false, false) => change.abs() > limit,
        }
    })
}

/// The roof-continuity rule: when the roof of the appeared region `pixels` continues beyond
/// it in the after image, over ground that did not change, the region grown into that roof;
/// else `None`.
pub(crate) fn roof_beyond(
    pixels: &[bool],
    before: &Raster,
    after: &Raster,
    rules: &TrackingRules,
) -> Option<Vec<bool>> {
    let (w, h) = (after.grid.width, after.grid.height);
    let bands = after.band_count;
    let n = count(pixels) as f64;
    let stats: Vec<(f64, f64)> = (0..bands)
        .map(|b| {
            let band = after.band(b);
            let (mut s, mut s2) = (0.0, 0.0);
            for p in (0..w * h).filter(|&p| pixels[p]) {
                let v = f64::from(band[p]);
                s += v;
                s2 += v * v;
            }
            let mean = s / n;
            (mean, (s2 / n - mean * mean).max(0.0).sqrt())
        })
        .collect();
    let like_roof = |p: usize, image: &Raster| {
        (0..bands).all(|b| {
            let (mean, sd) = stats[b];
            (f64::from(image.band(b)[p]) - mean).abs() <= 3.0 * sd.max(1e-6)
        })
    };
    // The change itself must not have looked like its new roof before (else nothing was built).
    let unchanged = (0..w * h)
        .filter(|&p| pixels[p] && like_roof(p, before))
        .count();
    if unchanged as f64 >= 0.5 * n {
        return None;
    }
    let ring: Vec<usize> = {
        let near = detect::morphology::dilate(pixels, w, h, rules.dilation_px);
        (0..w * h).filter(|&p| near[p] && !pixels[p]).collect()
    };
    let continuing = ring
        .iter()
        .filter(|&&p| like_roof(p, after) && like_roof(p, before))
        .count();
    if (continuing as f64) < rules.roof_continuity * ring.len() as f64 {
        return None;
    }
    // Grow into the unchanged roof beyond the edge, at most three times the change's area.
    let mut grown = pixels.to_vec();
    let mut frontier: Vec<usize> = ring
        .into_iter()
        .filter(|&p| like_roof(p, after) && like_roof(p, before))
        .collect();
    let limit = 3 * count(pixels);
    let mut added = 0;
    while let Some(p) = frontier.pop() {
        if grown[p] || added >= limit {
            continue;
        }
        grown[p] = true;
        added += 1;
        let (c, r) = (p % w, p / w);
        let neighbours = [
            (c > 0).then(|| p - 1),
            (c + 1 < w).then(|| p + 1),
            (r > 0).then(|| p - w),
            (r + 1 < h).then(|| p + w),
        ];
        for q in neighbours.into_iter().flatten() {
            if !grown[q] && like_roof(q, after) && like_roof(q, before) {
                frontier.push(q);
            }
        }
    }
    Some(detect::morphology::open(&grown, w, h, 1))
}

pub(crate) fn count(mask: &[bool]) -> usize {
    mask.iter().filter(|&&m| m).count()
}
