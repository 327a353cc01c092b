//! Seeded training crops: the data recipe that makes a small network generalise to sensors,
//! places and resolutions it never saw.
//!
//! Each crop is made in this order (all choices from the caller's [`SplitMix64`] stream):
//! 1. a random pair (every pair alike, or, when asked for, its set drawn first, every set
//!    alike), a random **rescaling** (log-uniform in `scale_range`, 0.5-2x by default) and a
//!    random window that becomes the crop after resampling (bilinear for images, nearest for
//!    the label): objects of one set's GSD then look like those of another's. When building
//!    scenes are given, a share of the crops is instead a **synthetic building change**: a window of a real image
//!    with footprints, with some of its buildings removed from a copy that becomes BEFORE
//!    (sampled up to a pixel off, as real pairs are misregistered); such a crop also knows
//!    where buildings stand at each date (for a building decoder), a labelled pair's does not;
//! 2. **copy-paste of changed regions**: connected components of other pairs' labels, cut from
//!    that pair's AFTER with their mask, rescaled, pasted at a random place into this crop's
//!    AFTER or BEFORE and marked changed: more and more varied positives, on backgrounds
//!    the component never appeared on;
//! 3. a random flip / rotation by a multiple of 90 degrees, and a random swap of the dates
//!    (change is symmetric, so the label stays);
//! 4. independent **photometric jitter** of each date: per-channel gain, offset and gamma, a
//!    smooth illumination ramp, sometimes a slight blur (another sensor's point spread), and
//!    noise;
//! 5. per-crop standardisation, as at inference.

use raster::Raster;

use super::data::{BuildingScene, TrainingPair};
use super::rng::SplitMix64;
use super::standardise::standardise;
use crate::eval::LabelledPair;
use crate::morphology::dilate;

/// How training crops are made.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AugmentConfig {
    /// Side of a square crop in pixels (a multiple of the network's size multiple).
    pub crop: usize,
    /// Smallest and largest rescaling factor (log-uniform between them).
    pub scale_range: (f32, f32),
    /// Probability that a crop gets pasted changed regions.
    pub paste_probability: f32,
    /// Most regions pasted into one crop.
    pub max_pastes: usize,
    /// Strength of the photometric jitter: 0 turns it off, 1 is the shipped recipe.
    pub jitter: f32,
    /// Share of the crops made from building scenes (synthetic removals) when there are any.
    #[serde(default)]
    pub building_probability: f32,
    /// Chance that each building of such a crop is removed from BEFORE.
    #[serde(default)]
    pub removal_probability: f32,
    /// Draw a labelled crop's set first, every set alike, then a pair of it (otherwise every
    /// pair alike, so a set of many pairs outweighs one of few).
    #[serde(default)]
    pub balance_sets: bool,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            crop: 128,
            scale_range: (0.5, 2.0),
            paste_probability: 0.5,
            max_pastes: 3,
            jitter: 1.0,
            building_probability: 0.5,
            removal_probability: 0.5,
            balance_sets: false,
        }
    }
}

/// One training crop: standardised BEFORE and AFTER (`bands` planes of `crop * crop`) and its
/// label (1 changed, 0 not).
#[derive(Debug, Clone)]
pub struct TrainingCrop {
    /// Standardised BEFORE and AFTER planes.
    pub before: Vec<f32>,
    pub after: Vec<f32>,
    /// 1 changed, 0 not, `crop * crop`.
    pub label: Vec<f32>,
    /// Where a building stands in BEFORE and in AFTER: 1 a building, 0 none,
    /// [`UNKNOWN_BUILDING`] where that is not known (crops of labelled pairs, pasted regions),
    /// `crop * crop` each.
    pub buildings: [Vec<f32>; 2],
}

/// The value of [`TrainingCrop::buildings`] where nobody knows whether a building stands.
pub const UNKNOWN_BUILDING: f32 = -1.0;

/// A crop before orientation, date swap and jitter.
struct Draft {
    before: Vec<f32>,
    after: Vec<f32>,
    label: Vec<f32>,
    /// As [`TrainingCrop::buildings`].
    buildings: [Vec<f32>; 2],
    /// The rescaling of the window the crop was drawn from.
    scale: f32,
}

/// A changed region of a pair: one 4-connected component of its label.
#[derive(Debug, Clone)]
struct ChangedRegion {
    pair: usize,
    col: usize,
    row: usize,
    width: usize,
    height: usize,
    /// `width * height`, true inside the component.
    mask: Vec<bool>,
}

/// Regions smaller than this (pixels) are label noise, not objects worth pasting.
const MIN_REGION_PIXELS: usize = 16;

fn changed_regions(pair_index: usize, pair: &LabelledPair) -> Vec<ChangedRegion> {
    let (w, h) = (pair.before.grid.width, pair.before.grid.height);
    let mut seen = vec![false; w * h];
    let mut regions = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !pair.label[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut members = Vec::new();
        while let Some(i) = stack.pop() {
            members.push(i);
            let (c, r) = (i % w, i / w);
            let neighbours = [
                (c > 0).then(|| i - 1),
                (c + 1 < w).then(|| i + 1),
                (r > 0).then(|| i - w),
                (r + 1 < h).then(|| i + w),
            ];
            for j in neighbours.into_iter().flatten() {
                if pair.label[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        if members.len() < MIN_REGION_PIXELS {
            continue;
        }
        let col = members.iter().map(|i| i % w).min().unwrap_or(0);
        let row = members.iter().map(|i| i / w).min().unwrap_or(0);
        let width = members.iter().map(|i| i % w).max().unwrap_or(0) + 1 - col;
        let height = members.iter().map(|i| i / w).max().unwrap_or(0) + 1 - row;
        let mut mask = vec![false; width * height];
        for i in members {
            mask[(i / w - row) * width + (i % w - col)] = true;
        }
        regions.push(ChangedRegion {
            pair: pair_index,
            col,
            row,
            width,
            height,
            mask,
        });
    }
    regions
}

/// Bilinear sample of `plane` (`width` wide) at fractional pixel centre `(x, y)`, clamped.
fn bilinear(plane: &[f32], width: usize, height: usize, x: f32, y: f32) -> f32 {
    let x = x.clamp(0.0, (width - 1) as f32);
    let y = y.clamp(0.0, (height - 1) as f32);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let top = plane[y0 * width + x0] * (1.0 - fx) + plane[y0 * width + x1] * fx;
    let bottom = plane[y1 * width + x0] * (1.0 - fx) + plane[y1 * width + x1] * fx;
    top * (1.0 - fy) + bottom * fy
}

/// The least mean absolute difference (0-255 units, over the covered pixels and bands) that
/// makes a removed building a visible change.
const MIN_VISIBLE_REMOVAL: f32 = 12.0;

/// A source window that becomes a square crop of `size` pixels after rescaling.
struct CropWindow {
    /// The source image size.
    width: usize,
    height: usize,
    /// The window's first source column and row.
    col0: usize,
    row0: usize,
    /// Source pixels per crop pixel across and down.
    step_x: f32,
    step_y: f32,
    /// The crop side.
    size: usize,
}

impl CropWindow {
    /// A random window of an image `width x height` and its rescaling factor (log-uniform in
    /// `scale_range`); never larger than the image.
    fn draw(
        width: usize,
        height: usize,
        size: usize,
        (lo, hi): (f32, f32),
        rng: &mut SplitMix64,
    ) -> (CropWindow, f32) {
        let scale = (rng.range(lo.ln(), hi.ln())).exp();
        let src_w = ((size as f32 / scale).round() as usize).clamp(1, width);
        let src_h = ((size as f32 / scale).round() as usize).clamp(1, height);
        let col0 = rng.below(width - src_w + 1);
        let row0 = rng.below(height - src_h + 1);
        let window = CropWindow {
            width,
            height,
            col0,
            row0,
            step_x: src_w as f32 / size as f32,
            step_y: src_h as f32 / size as f32,
            size,
        };
        (window, scale)
    }

    /// The source position of crop pixel `(c, r)`'s centre, moved by `shift` source pixels.
    fn source(&self, c: usize, r: usize, shift: (f32, f32)) -> (f32, f32) {
        (
            self.col0 as f32 + (c as f32 + 0.5) * self.step_x - 0.5 + shift.0,
            self.row0 as f32 + (r as f32 + 0.5) * self.step_y - 0.5 + shift.1,
        )
    }

    /// Every band of `image` resampled bilinearly into the crop.
    fn resample(&self, image: &Raster, shift: (f32, f32)) -> Vec<f32> {
        let (size, pn) = (self.size, self.width * self.height);
        let mut out = vec![0f32; image.band_count * size * size];
        for (b, plane) in image.data.chunks_exact(pn).enumerate() {
            for r in 0..size {
                for c in 0..size {
                    let (x, y) = self.source(c, r, shift);
                    out[(b * size + r) * size + c] = bilinear(plane, self.width, self.height, x, y);
                }
            }
        }
        out
    }

    /// One plane of categories (labels, building numbers) resampled to the nearest pixel.
    fn nearest<T: Copy>(&self, plane: &[T]) -> Vec<T> {
        let size = self.size;
        let mut out = Vec::with_capacity(size * size);
        for r in 0..size {
            for c in 0..size {
                let (x, y) = self.source(c, r, (0.0, 0.0));
                let col = (x.round().max(0.0) as usize).min(self.width - 1);
                let row = (y.round().max(0.0) as usize).min(self.height - 1);
                out.push(plane[row * self.width + col]);
            }
        }
        out
    }
}

/// Where a crop's buildings (`ids`, 0 for none, `size * size`) stand, grown by a pixel so that
/// no outline is left beside them.
fn built_up(ids: &[u32], size: usize) -> Vec<bool> {
    let mask: Vec<bool> = ids.iter().map(|&id| id != 0).collect();
    dilate(&mask, size, size, 1)
}

/// A move of whole pixels within a square crop.
#[derive(Debug, Clone, Copy)]
struct Offset {
    dx: isize,
    dy: isize,
}

impl Offset {
    /// The pixel `i` moved by the offset (the caller keeps it inside the crop).
    fn apply(self, i: usize, size: usize) -> usize {
        let c = (i % size) as isize + self.dx;
        let r = (i / size) as isize + self.dy;
        r as usize * size + c as usize
    }
}

/// A random offset that moves every pixel of `pixels` onto ground (inside the crop, off
/// every `occupied` pixel), if one of a few tries finds it.
fn clear_ground(
    pixels: &[usize],
    occupied: &[bool],
    size: usize,
    rng: &mut SplitMix64,
) -> Option<Offset> {
    let cols = pixels.iter().map(|&i| (i % size) as isize);
    let rows = pixels.iter().map(|&i| (i / size) as isize);
    let (c0, c1) = (cols.clone().min()?, cols.max()?);
    let (r0, r1) = (rows.clone().min()?, rows.max()?);
    let last = size as isize - 1;
    for _ in 0..12 {
        let dx = rng.below((last - (c1 - c0)) as usize + 1) as isize - c0;
        let dy = rng.below((last - (r1 - r0)) as usize + 1) as isize - r0;
        let offset = Offset { dx, dy };
        if pixels.iter().all(|&i| !occupied[offset.apply(i, size)]) {
            return Some(offset);
        }
    }
    None
}

/// Makes seeded training crops from labelled pairs and, when given, images with footprints.
pub struct Augmenter<'a> {
    pairs: &'a [TrainingPair],
    /// The indices of `pairs` in each set, sets in order of first appearance.
    sets: Vec<Vec<usize>>,
    scenes: &'a [BuildingScene],
    regions: Vec<ChangedRegion>,
    config: AugmentConfig,
}

impl<'a> Augmenter<'a> {
    /// An augmenter over `pairs` and building `scenes` (all with the same band count).
    pub fn new(
        pairs: &'a [TrainingPair],
        scenes: &'a [BuildingScene],
        config: AugmentConfig,
    ) -> Self {
        let regions = pairs
            .iter()
            .enumerate()
            .flat_map(|(i, p)| changed_regions(i, &p.pair))
            .collect();
        let mut sets: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, p) in pairs.iter().enumerate() {
            match sets.iter_mut().find(|(name, _)| *name == p.set) {
                Some((_, members)) => members.push(i),
                None => sets.push((&p.set, vec![i])),
            }
        }
        Augmenter {
            pairs,
            sets: sets.into_iter().map(|(_, members)| members).collect(),
            scenes,
            regions,
            config,
        }
    }

    /// How many changed regions copy-paste can draw from.
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// One training crop, every random choice drawn from `rng`.
    pub fn crop(&self, rng: &mut SplitMix64) -> TrainingCrop {
        let size = self.config.crop;
        let n = size * size;
        let from_buildings =
            !self.scenes.is_empty() && rng.chance(self.config.building_probability);
        let Draft {
            mut before,
            mut after,
            mut label,
            mut buildings,
            scale,
        } = if from_buildings {
            self.building_removal(rng)
        } else {
            self.pair_window(rng)
        };
        if !self.regions.is_empty() && rng.chance(self.config.paste_probability) {
            for _ in 0..1 + rng.below(self.config.max_pastes.max(1)) {
                let region = &self.regions[rng.below(self.regions.len())];
                let into_after = rng.chance(0.5);
                let (target, target_buildings) = if into_after {
                    (&mut after, &mut buildings[1])
                } else {
                    (&mut before, &mut buildings[0])
                };
                self.paste(region, target, &mut label, target_buildings, scale, rng);
            }
        }
        let turn = rng.below(8);
        for plane in before
            .chunks_exact_mut(n)
            .chain(after.chunks_exact_mut(n))
            .chain([&mut label[..]])
            .chain(buildings.iter_mut().map(|b| &mut b[..]))
        {
            orient(plane, size, turn);
        }
        if rng.chance(0.5) {
            std::mem::swap(&mut before, &mut after);
            buildings.swap(0, 1);
        }
        for image in [&mut before, &mut after] {
            self.jitter(image, size, rng);
            standardise(image, n, |_| true);
        }
        TrainingCrop {
            before,
            after,
            label,
            buildings,
        }
    }

    /// A rescaled window of a random labelled pair (where buildings stand is not known).
    fn pair_window(&self, rng: &mut SplitMix64) -> Draft {
        let size = self.config.crop;
        let index = if self.config.balance_sets {
            let set = &self.sets[rng.below(self.sets.len())];
            set[rng.below(set.len())]
        } else {
            rng.below(self.pairs.len())
        };
        let pair = &self.pairs[index].pair;
        let grid = &pair.before.grid;
        let (window, scale) =
            CropWindow::draw(grid.width, grid.height, size, self.config.scale_range, rng);
        let before = window.resample(&pair.before, (0.0, 0.0));
        let after = window.resample(&pair.after, (0.0, 0.0));
        let label = window
            .nearest(&pair.label)
            .into_iter()
            .map(|changed| f32::from(u8::from(changed)))
            .collect();
        let unknown = vec![UNKNOWN_BUILDING; size * size];
        Draft {
            before,
            after,
            label,
            buildings: [unknown.clone(), unknown],
            scale,
        }
    }

    /// A synthetic building change from a rescaled window of a random [`BuildingScene`]: the
    /// window is AFTER; BEFORE is the same window, sampled up to a source pixel off (the
    /// misregistration of real pairs), with some of its buildings removed. A building is
    /// removed by covering it (grown by a pixel, so no outline is left) with ground cut from
    /// elsewhere in the window where no building stands; the covered pixels are the label.
    /// A removal that changes too little to be seen (a footprint traced where the image shows
    /// no building: footprints and imagery are seldom of the same year) is undone, so that
    /// the label never marks a change the image does not show. AFTER's buildings are the
    /// footprints; BEFORE's are those left.
    fn building_removal(&self, rng: &mut SplitMix64) -> Draft {
        let size = self.config.crop;
        let n = size * size;
        let scene = &self.scenes[rng.below(self.scenes.len())];
        let (window, scale) = CropWindow::draw(
            scene.image.grid.width,
            scene.image.grid.height,
            size,
            self.config.scale_range,
            rng,
        );
        let after = window.resample(&scene.image, (0.0, 0.0));
        let shift = (rng.range(-1.0, 1.0), rng.range(-1.0, 1.0));
        let mut before = window.resample(&scene.image, shift);
        let bands = scene.image.band_count;
        let ids = window.nearest(&scene.buildings);
        let mut label = vec![0f32; n];
        let occupied = built_up(&ids, size);
        let mut numbers: Vec<u32> = ids.iter().copied().filter(|&id| id != 0).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let ground = before.clone();
        let after_buildings: Vec<f32> =
            ids.iter().map(|&id| f32::from(u8::from(id != 0))).collect();
        let mut before_buildings = after_buildings.clone();
        for number in numbers {
            if !rng.chance(self.config.removal_probability) {
                continue;
            }
            let footprint = dilate(
                &ids.iter().map(|&id| id == number).collect::<Vec<_>>(),
                size,
                size,
                1,
            );
            let pixels: Vec<usize> = (0..n).filter(|&i| footprint[i]).collect();
            if pixels.len() < MIN_REGION_PIXELS {
                continue;
            }
            let Some(offset) = clear_ground(&pixels, &occupied, size, rng) else {
                continue;
            };
            let mut difference = 0.0;
            for &i in &pixels {
                let donor = offset.apply(i, size);
                for b in 0..bands {
                    difference += (ground[b * n + donor] - before[b * n + i]).abs();
                }
            }
            let visible = difference / (pixels.len() * bands) as f32;
            if visible < MIN_VISIBLE_REMOVAL {
                continue;
            }
            for &i in &pixels {
                let donor = offset.apply(i, size);
                for b in 0..bands {
                    before[b * n + i] = ground[b * n + donor];
                }
                label[i] = 1.0;
                before_buildings[i] = 0.0;
            }
        }
        Draft {
            before,
            after,
            label,
            buildings: [before_buildings, after_buildings],
            scale,
        }
    }

    /// Pastes `region` (from its pair's AFTER) into `target` at a random place, rescaled by
    /// the crop's scale times a further 0.7-1.4, marks it changed in `label` and unknown in
    /// `target_buildings` (a changed region need not be a building).
    fn paste(
        &self,
        region: &ChangedRegion,
        target: &mut [f32],
        label: &mut [f32],
        target_buildings: &mut [f32],
        crop_scale: f32,
        rng: &mut SplitMix64,
    ) {
        let size = self.config.crop;
        let donor = &self.pairs[region.pair].pair.after;
        let scale = crop_scale * rng.range(0.7, 1.4);
        let out_w = ((region.width as f32 * scale).round() as usize).clamp(1, size);
        let out_h = ((region.height as f32 * scale).round() as usize).clamp(1, size);
        let (col0, row0) = (rng.below(size - out_w + 1), rng.below(size - out_h + 1));
        let n = size * size;
        let donor_width = donor.grid.width;
        let dn = donor_width * donor.grid.height;
        for r in 0..out_h {
            let rr = ((r as f32 + 0.5) * region.height as f32 / out_h as f32) as usize;
            for c in 0..out_w {
                let rc = ((c as f32 + 0.5) * region.width as f32 / out_w as f32) as usize;
                let (rc, rr) = (rc.min(region.width - 1), rr.min(region.height - 1));
                if !region.mask[rr * region.width + rc] {
                    continue;
                }
                let source = (region.row + rr) * donor_width + region.col + rc;
                let dest = (row0 + r) * size + col0 + c;
                for b in 0..donor.band_count {
                    target[b * n + dest] = donor.data[b * dn + source];
                }
                label[dest] = 1.0;
                target_buildings[dest] = UNKNOWN_BUILDING;
            }
        }
    }

    /// Photometric jitter of one date (values 0-255 in, roughly 0-1 out).
    fn jitter(&self, image: &mut [f32], size: usize, rng: &mut SplitMix64) {
        let n = size * size;
        let strength = self.config.jitter;
        let spread =
            |rng: &mut SplitMix64, max_log: f32| (rng.range(-max_log, max_log) * strength).exp();
        let gain = spread(rng, 0.5);
        let gamma = spread(rng, 0.4);
        let offset = rng.range(-0.15, 0.15) * strength;
        let (ramp_x, ramp_y) = (
            rng.range(-0.3, 0.3) * strength,
            rng.range(-0.3, 0.3) * strength,
        );
        let noise = rng.range(0.0, 0.03) * strength;
        let blur = rng.chance(0.3 * strength);
        for plane in image.chunks_exact_mut(n) {
            let channel_gain = gain * spread(rng, 0.1);
            let channel_gamma = gamma * spread(rng, 0.1);
            let channel_offset = offset + rng.range(-0.03, 0.03) * strength;
            if blur {
                blur_121(plane, size);
            }
            for (i, v) in plane.iter_mut().enumerate() {
                let (x, y) = (
                    (i % size) as f32 / size as f32,
                    (i / size) as f32 / size as f32,
                );
                let ramp = 1.0 + ramp_x * (x - 0.5) + ramp_y * (y - 0.5);
                let base = (*v / 255.0).clamp(0.0, 1.0).powf(channel_gamma);
                *v = base * channel_gain * ramp + channel_offset + noise * rng.normal();
            }
        }
    }
}

/// A separable [1 2 1] / 4 blur of a square plane, edges clamped.
fn blur_121(plane: &mut [f32], size: usize) {
    let mut tmp = plane.to_vec();
    for r in 0..size {
        for c in 0..size {
            let at = |cc: usize| plane[r * size + cc];
            tmp[r * size + c] =
                0.25 * at(c.saturating_sub(1)) + 0.5 * at(c) + 0.25 * at((c + 1).min(size - 1));
        }
    }
    for r in 0..size {
        for c in 0..size {
            let at = |rr: usize| tmp[rr * size + c];
            plane[r * size + c] =
                0.25 * at(r.saturating_sub(1)) + 0.5 * at(r) + 0.25 * at((r + 1).min(size - 1));
        }
    }
}

/// Applies one of the 8 flips/rotations (`turn` in 0..8) to a square plane.
fn orient(plane: &mut [f32], size: usize, turn: usize) {
    if turn == 0 {
        return;
    }
    let source = plane.to_vec();
    for r in 0..size {
        for c in 0..size {
            let (mut sr, mut sc) = match turn % 4 {
                0 => (r, c),
                1 => (c, size - 1 - r),
                2 => (size - 1 - r, size - 1 - c),
                _ => (size - 1 - c, r),
            };
            if turn >= 4 {
                std::mem::swap(&mut sr, &mut sc);
            }
            plane[r * size + c] = source[sr * size + sc];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::SampleType;

    /// Three bands of 0-255 samples on a `width` x `height` pixel grid.
    fn rgb(width: usize, height: usize, data: Vec<f32>) -> Raster {
        Raster {
            grid: raster::Grid::unreferenced(width, height),
            band_count: 3,
            data,
            nodata: None,
            sample_type: SampleType::U8,
        }
    }

    fn pair_with_square() -> TrainingPair {
        let (w, h) = (64, 48);
        let mut label = vec![false; w * h];
        for r in 10..20 {
            for c in 30..40 {
                label[r * w + c] = true;
            }
        }
        label[0] = true; // a single pixel: too small to be a region
        let before: Vec<f32> = (0..3 * w * h).map(|i| (i % 251) as f32).collect();
        let mut after = before.clone();
        for (i, v) in after.iter_mut().enumerate() {
            if label[i % (w * h)] {
                *v = 255.0 - *v;
            }
        }
        TrainingPair {
            set: "toy".into(),
            pair: LabelledPair {
                name: "a.png".into(),
                before: rgb(w, h, before),
                after: rgb(w, h, after),
                label,
            },
        }
    }

    #[test]
    fn regions_are_the_label_components_above_the_size_floor() {
        let regions = changed_regions(0, &pair_with_square().pair);
        assert_eq!(regions.len(), 1);
        let r = &regions[0];
        assert_eq!((r.col, r.row, r.width, r.height), (30, 10, 10, 10));
        assert!(r.mask.iter().all(|&m| m));
    }

    #[test]
    fn crops_are_seeded_standardised_and_keep_labels_binary() {
        let pairs = vec![pair_with_square()];
        let config = AugmentConfig {
            crop: 32,
            paste_probability: 1.0,
            ..AugmentConfig::default()
        };
        let augmenter = Augmenter::new(&pairs, &[], config);
        assert_eq!(augmenter.region_count(), 1);
        let a = augmenter.crop(&mut SplitMix64::new(5));
        let b = augmenter.crop(&mut SplitMix64::new(5));
        assert_eq!(a.before, b.before);
        assert_eq!(a.label, b.label);
        let c = augmenter.crop(&mut SplitMix64::new(6));
        assert_ne!(a.before, c.before);
        assert!(a.label.iter().all(|&v| v == 0.0 || v == 1.0));
        assert!(a.label.contains(&1.0), "pasting always adds change");
        // Nothing says where buildings stand in a labelled pair.
        assert!(a
            .buildings
            .iter()
            .all(|b| b.len() == 32 * 32 && b.iter().all(|&v| v == UNKNOWN_BUILDING)));
        let n = 32 * 32;
        let mean: f32 = a.after[..n].iter().sum::<f32>() / n as f32;
        assert!(mean.abs() < 1e-3);
    }

    #[test]
    fn balanced_sets_are_drawn_alike_whatever_their_pair_counts() {
        // One pair of set "few", nine of set "many", told apart by their brightness.
        let flat = |set: &str, value: f32| TrainingPair {
            set: set.into(),
            pair: LabelledPair {
                name: format!("{set}.png"),
                before: rgb(32, 32, vec![value; 3 * 32 * 32]),
                after: rgb(32, 32, vec![value; 3 * 32 * 32]),
                label: vec![false; 32 * 32],
            },
        };
        let mut pairs = vec![flat("few", 10.0)];
        pairs.extend((0..9).map(|_| flat("many", 200.0)));
        let share_of_few = |balance_sets| {
            let config = AugmentConfig {
                crop: 16,
                balance_sets,
                ..AugmentConfig::default()
            };
            let augmenter = Augmenter::new(&pairs, &[], config);
            let mut rng = SplitMix64::new(9);
            let draws = 1000;
            let few = (0..draws)
                .filter(|_| augmenter.pair_window(&mut rng).before[0] < 100.0)
                .count();
            few as f64 / draws as f64
        };
        let (balanced, by_pair) = (share_of_few(true), share_of_few(false));
        assert!((balanced - 0.5).abs() < 0.05, "balanced: {balanced}");
        assert!((by_pair - 0.1).abs() < 0.03, "by pair: {by_pair}");
    }

    /// A 96x96 scene: textured ground, two bright 12x12 buildings, and a third footprint traced
    /// over bare ground (a building not yet built when the image was taken).
    fn scene_with_buildings() -> BuildingScene {
        let side = 96;
        let mut image: Vec<f32> = (0..3 * side * side)
            .map(|i| 60.0 + ((i * 7919) % 13) as f32)
            .collect();
        let mut buildings = vec![0u32; side * side];
        for (number, (c0, r0)) in [(1u32, (10, 10)), (2, (60, 50)), (3, (20, 70))] {
            for r in r0..r0 + 12 {
                for c in c0..c0 + 12 {
                    buildings[r * side + c] = number;
                    if number != 3 {
                        for b in 0..3 {
                            image[b * side * side + r * side + c] = 230.0;
                        }
                    }
                }
            }
        }
        BuildingScene {
            name: "toy.tif".into(),
            image: rgb(side, side, image),
            buildings,
        }
    }

    #[test]
    fn building_removals_label_exactly_what_changed_and_skip_invisible_footprints() {
        let scenes = vec![scene_with_buildings()];
        let config = AugmentConfig {
            crop: 96,
            scale_range: (1.0, 1.0),
            building_probability: 1.0,
            removal_probability: 1.0,
            ..AugmentConfig::default()
        };
        let augmenter = Augmenter::new(&[], &scenes, config);
        let mut removed_any = false;
        for seed in 0..20 {
            let mut rng = SplitMix64::new(seed);
            let Draft {
                before,
                after,
                label,
                buildings: [before_buildings, after_buildings],
                ..
            } = augmenter.building_removal(&mut rng);
            let n = 96 * 96;
            // AFTER's buildings are the footprints (the bare one too: nothing says otherwise);
            // BEFORE's are those not removed.
            for i in 0..n {
                let footprint = f32::from(u8::from(scenes[0].buildings[i] != 0));
                assert_eq!(after_buildings[i], footprint, "seed {seed}: pixel {i}");
                let left = if label[i] == 1.0 { 0.0 } else { footprint };
                assert_eq!(before_buildings[i], left, "seed {seed}: pixel {i}");
            }
            let bare_footprint = (70..82).flat_map(|r| (20..32).map(move |c| r * 96 + c));
            for i in bare_footprint {
                assert_eq!(
                    label[i], 0.0,
                    "seed {seed}: an invisible removal is labelled"
                );
            }
            for (c0, r0) in [(10, 10), (60, 50)] {
                // Inside a visible building (clear of its edges, which the misregistration
                // blurs), a pixel is labelled exactly where the dates differ.
                for r in r0 + 2..r0 + 10 {
                    for c in c0 + 2..c0 + 10 {
                        let i = r * 96 + c;
                        let differs =
                            (0..3).any(|b| (before[b * n + i] - after[b * n + i]).abs() > 40.0);
                        assert_eq!(label[i] == 1.0, differs, "seed {seed}: pixel {c},{r}");
                        removed_any |= differs;
                    }
                }
            }
            let near_a_visible_building = |i: usize| {
                let (c, r) = (i % 96, i / 96);
                [(10, 10), (60, 50)].iter().any(|&(c0, r0)| {
                    (c0 - 1..c0 + 13).contains(&c) && (r0 - 1..r0 + 13).contains(&r)
                })
            };
            assert!((0..n).all(|i| label[i] == 0.0 || near_a_visible_building(i)));
        }
        assert!(removed_any, "no building was ever removed");
    }

    #[test]
    fn the_eight_orientations_are_distinct_and_invertible() {
        let size = 3;
        let plane: Vec<f32> = (0..9).map(|i| i as f32).collect();
        let mut seen = Vec::new();
        for turn in 0..8 {
            let mut p = plane.clone();
            orient(&mut p, size, turn);
            assert!(!seen.contains(&p), "turn {turn} repeats");
            seen.push(p);
        }
        let mut p = plane.clone();
        for _ in 0..4 {
            orient(&mut p, size, 1);
        }
        assert_eq!(p, plane);
    }
}
