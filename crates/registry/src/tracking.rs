//! The building registry across dates: change objects of consecutive date pairs become
//! buildings with stable identifiers (`B0001`, numbered in the order they are found) and
//! histories (appeared, expanded, surface changed, demolished), each measured with
//! [`measure_footprint`] and placed by latitude, longitude and MGRS.
//!
//! # Rules (stated, simple, each a heuristic with its premise)
//!
//! All matching happens on the site grid, pixel by pixel, with a tolerance of
//! [`TrackingRules::dilation_px`] pixels (a change "touches" a building when some pixel of it
//! lies within that many pixels of the building): residual misregistration of a pixel or two
//! must not split one building into two.
//!
//! * **Size.** A change smaller than [`TrackingRules::min_area_m2`] is no building.
//! * **Shape of a new outline.** A new building or an added part is a roofed block: its area
//!   fills at least [`TrackingRules::min_rectangularity`] of its minimum rotated rectangle, and
//!   it is at most [`TrackingRules::max_elongation`] times longer than wide. Shadows are the
//!   typical failure: a shadow is the strip along a building's anti-sun side, long and narrow,
//!   so the elongation rule drops it (roads and fences too) without needing the sun's
//!   direction. A genuinely long narrow building is lost by the same rule.
//! * **Appeared** (texture gained, [`detect::Direction::Appeared`]): touching a standing
//!   building that was known before this pair, it is an **expansion** of it and the outline
//!   grows by the change; touching one that appeared in this same pair it is part of that one
//!   (a new building's own shadow and edges), merged without an event; touching nothing it is
//!   a **new building**, unless its outline already showed in the before image (the step
//!   across it then was at least half of what it is after: a building that stood and
//!   changed its roof, whatever the texture said) or its roof continues across its edge: when at least
//!   [`TrackingRules::roof_continuity`] of the pixels just outside it look like its own roof in
//!   the after image (within 3 standard deviations per band) and did not change, while the
//!   change itself did not look like that roof before, it is an
//!   annex built onto a building that was already there, recorded as an **expansion**, and the
//!   old part is traced by growing the outline into that roof (at most the change's own area
//!   again, three times over).
//! * **Removed** (texture lost): covering at least [`TrackingRules::cover_fraction`] of a
//!   standing building, that building is **demolished**; covering no known building, a
//!   building that stood since the first date was demolished (and is registered then).
//! * **Surface changed**: lying mostly (half or more) inside a standing building or covering
//!   [`TrackingRules::cover_fraction`] of it, that building's **roof changed** inside its
//!   outline (the outline is kept) if the roof away from its edges changed brightness by more
//!   than [`TrackingRules::roof_change`] against the scene (else it is sun and shadow on
//!   walls and edges); touching nothing, it is treated as an appeared one (above).
//! * **Persistence.** A building that appeared between dates `i` and `i + 1` and is demolished
//!   again between `i + 1` and `i + 2` was never a building (a vehicle, a heap, a tent): it is
//!   dropped from the registry.
//!
//! A building's first seen date is the first date it is known to stand (date 0 for one that
//! was only found through a later change to it); its last seen date is the last date it stood.

use detect::{polygonize, Change, Components, Direction};
use geo_types::{Coord, LineString, Polygon};
use raster::{CoordTransform, Crs, GeoTransform, Grid, Raster};
use serde::Serialize;

use crate::equal_area::EqualArea;
use crate::error::RegistryError;
use crate::footprint::{measure_footprint, to_geo, FootprintMeasure, OutlineOptions};
use crate::mgrs::mgrs;
use crate::rasterize::rasterize;

/// The thresholds of the tracking rules (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrackingRules {
    /// Matching tolerance, pixels.
    pub dilation_px: usize,
    /// The smallest building, m².
    pub min_area_m2: f64,
    /// The least share of its minimum rotated rectangle a new outline fills.
    pub min_rectangularity: f64,
    /// The most a new outline may be longer than wide.
    pub max_elongation: f64,
    /// The share of a building a change must cover to demolish or re-roof it.
    pub cover_fraction: f64,
    /// The share of the pixels around an appeared change that must continue its roof for it
    /// to count as an annex of an unseen building.
    pub roof_continuity: f64,
    /// The least relative brightness change of a roof (against the scene's) that counts as
    /// a roof change.
    pub roof_change: f64,
    /// The co-registration residual, pixels, for the footprint intervals.
    pub coreg_rmse_px: f64,
}

impl Default for TrackingRules {
    /// 2 px tolerance, 50 m², 65% of the rectangle, 4:1, half a building, a tenth of the
    /// surroundings (one short side of a 1:4 annex), 25% roof change, 0.3 px residual.
    fn default() -> Self {
        TrackingRules {
            dilation_px: 2,
            min_area_m2: 50.0,
            min_rectangularity: 0.65,
            max_elongation: 4.0,
            cover_fraction: 0.5,
            roof_continuity: 0.1,
            roof_change: 0.25,
            coreg_rmse_px: 0.3,
        }
    }
}

/// What happened to a building between two dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildingEventKind {
    /// Built where nothing stood.
    Appeared,
    /// Grown by an added part.
    Expanded,
    /// The roof or surface changed inside an unchanged outline.
    SurfaceChanged,
    /// Taken down.
    Demolished,
}

/// One event of a building's history, between dates `before` and `after = before + 1`
/// (indices into the dates the changes were found between).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BuildingEvent {
    pub kind: BuildingEventKind,
    pub before: usize,
    pub after: usize,
}

/// A building of the registry.
#[derive(Debug, Clone, Serialize)]
pub struct TrackedBuilding {
    /// Stable identifier, `B0001` upwards in the order the buildings were found.
    pub id: String,
    /// The first date index the building is known to stand.
    pub first_seen: usize,
    /// The last date index the building stood.
    pub last_seen: usize,
    /// Whether it still stands at the last date.
    pub standing: bool,
    /// Its events, in date order.
    pub history: Vec<BuildingEvent>,
    /// Its footprint (the last outline it had while standing) with intervals.
    pub footprint: FootprintMeasure,
    /// The footprint's outline in longitude/latitude (WGS 84).
    pub outline_lonlat: Polygon<f64>,
    /// The footprint centroid, WGS 84 degrees.
    pub lon: f64,
    pub lat: f64,
    /// The centroid's MGRS reference to 1 m.
    pub mgrs: String,
}

/// A building while the dates are walked: its pixels on the site grid.
struct Track {
    pixels: Vec<bool>,
    first_seen: usize,
    last_seen: Option<usize>,
    history: Vec<BuildingEvent>,
}

impl Track {
    fn standing(&self) -> bool {
        self.last_seen.is_none()
    }
    fn appeared_in(&self, pair: usize) -> bool {
        self.history
            .first()
            .is_some_and(|e| e.kind == BuildingEventKind::Appeared && e.before == pair)
    }
    fn add_event(&mut self, kind: BuildingEventKind, pair: usize) {
        let event = BuildingEvent {
            kind,
            before: pair,
            after: pair + 1,
        };
        if !self.history.contains(&event) {
            self.history.push(event);
        }
    }
}

/// Builds the registry from `changes[i]`, the changes between dates `i` and `i + 1` on `grid`
/// (outlines in its pixel corners, as [`detect::extract_changes`] gives them), and `rasters`,
/// the images of every date on `grid` (for the roof-continuity rule).
pub fn track_buildings(
    changes: &[Vec<Change>],
    rasters: &[Raster],
    grid: &Grid,
    rules: &TrackingRules,
) -> Result<Vec<TrackedBuilding>, RegistryError> {
    let basis = EqualArea::for_grid(grid)?;
    let (w, h) = (grid.width, grid.height);
    let pixel_grid = Grid::new(
        grid.crs.clone(),
        GeoTransform([0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
        w,
        h,
    );
    let mut tracks: Vec<Track> = Vec::new();
    for (pair, pair_changes) in changes.iter().enumerate() {
        for change in pair_changes {
            let pixels = rasterize(&to_geo(&change.polygon), &pixel_grid);
            let shape = Shape::of(&pixels, grid, &basis, rules)?;
            if shape.area_m2 < rules.min_area_m2 {
                continue;
            }
            let near = detect::morphology::dilate(&pixels, w, h, rules.dilation_px);
            let change_px = count(&pixels);
            // Per standing building: its pixels near the change, the change's pixels inside it.
            let mut best: Option<(usize, f64, f64)> = None;
            for (k, track) in tracks.iter().enumerate().filter(|(_, t)| t.standing()) {
                let size = count(&track.pixels);
                let (mut covered, mut inside) = (0usize, 0usize);
                for p in 0..w * h {
                    if track.pixels[p] {
                        covered += usize::from(near[p]);
                        inside += usize::from(pixels[p]);
                    }
                }
                if covered == 0 {
                    continue;
                }
                let cover = covered as f64 / size as f64;
                let within = inside as f64 / change_px as f64;
                if best.is_none_or(|(_, c, _)| cover > c) {
                    best = Some((k, cover, within));
                }
            }
            let (before, after) = (&rasters[pair], &rasters[pair + 1]);
            match change.direction {
                Direction::Removed => match best {
                    Some((k, cover, _)) if cover >= rules.cover_fraction => {
                        tracks[k].add_event(BuildingEventKind::Demolished, pair);
                        tracks[k].last_seen = Some(pair);
                    }
                    Some(_) => {}
                    None if shape.is_building(rules) => {
                        let mut track = new_track(pixels, 0);
                        track.add_event(BuildingEventKind::Demolished, pair);
                        track.last_seen = Some(pair);
                        tracks.push(track);
                    }
                    None => {}
                },
                Direction::SurfaceChanged => match best {
                    Some((k, cover, within))
                        if (cover >= rules.cover_fraction || within >= 0.5)
                            && !tracks[k].appeared_in(pair)
                            && roof_changed(&tracks[k].pixels, before, after, rules) =>
                    {
                        tracks[k].add_event(BuildingEventKind::SurfaceChanged, pair);
                    }
                    Some(_) => {}
                    None if shape.is_building(rules) => {
                        tracks.extend(new_building(pixels, pair, before, after, rules));
                    }
                    None => {}
                },
                Direction::Appeared => match best {
                    Some((k, _, within)) if tracks[k].appeared_in(pair) || within >= 0.5 => {
                        if !tracks[k].appeared_in(pair)
                            && roof_changed(&tracks[k].pixels, before, after, rules)
                        {
                            tracks[k].add_event(BuildingEventKind::SurfaceChanged, pair);
                        }
                        union(&mut tracks[k].pixels, &pixels);
                    }
                    Some((k, _, _)) if shape.is_building(rules) => {
                        tracks[k].add_event(BuildingEventKind::Expanded, pair);
                        union(&mut tracks[k].pixels, &pixels);
                    }
                    Some(_) => {}
                    None if shape.is_building(rules) => {
                        tracks.extend(new_building(pixels, pair, before, after, rules));
                    }
                    None => {}
                },
            }
        }
    }
    let last_date = changes.len();
    tracks.retain(|t| !transient(t));
    tracks
        .into_iter()
        .enumerate()
        .map(|(k, track)| describe(k, track, last_date, grid, &basis, rules))
        .collect()
}

/// The registry entry a gained or changed region touching no known building starts: a
/// building that already stood (its outline already showed in the before image) and changed
/// its roof, an annex onto an unseen building, or a new building.
fn new_building(
    pixels: Vec<bool>,
    pair: usize,
    before: &Raster,
    after: &Raster,
    rules: &TrackingRules,
) -> Option<Track> {
    // Whatever it is, its inside must have changed (not only its edges and shadows).
    if !roof_changed(&pixels, before, after, rules) {
        return None;
    }
    let (w, h) = (after.grid.width, after.grid.height);
    let (event, track) =
        if edge_step(&pixels, before, w, h) >= 0.5 * edge_step(&pixels, after, w, h) {
            (BuildingEventKind::SurfaceChanged, new_track(pixels, 0))
        } else {
            match roof_beyond(&pixels, before, after, rules) {
                Some(grown) => (BuildingEventKind::Expanded, new_track(grown, 0)),
                None => (BuildingEventKind::Appeared, new_track(pixels, pair + 1)),
            }
        };
    let mut track = track;
    track.add_event(event, pair);
    Some(track)
}

/// How sharply `image` steps at the outline of `pixels`: per band, the absolute difference
/// between the mean of the two pixel rings just inside and the two just outside, summed. A
/// building shows its outline; bare ground does not.
fn edge_step(pixels: &[bool], image: &Raster, w: usize, h: usize) -> f64 {
    let inner = detect::morphology::erode(pixels, w, h, 2);
    let outer = detect::morphology::dilate(pixels, w, h, 2);
    let inside: Vec<usize> = (0..w * h).filter(|&p| pixels[p] && !inner[p]).collect();
    let outside: Vec<usize> = (0..w * h).filter(|&p| outer[p] && !pixels[p]).collect();
    let mean = |band: &[f32], at: &[usize]| {
        at.iter().map(|&p| f64::from(band[p])).sum::<f64>() / at.len().max(1) as f64
    };
    (0..image.band_count)
        .map(|b| (mean(image.band(b), &inside) - mean(image.band(b), &outside)).abs())
        .sum()
}

/// A building that appeared and was gone again at the next date.
fn transient(track: &Track) -> bool {
    let appeared = track
        .history
        .iter()
        .find(|e| e.kind == BuildingEventKind::Appeared);
    let demolished = track
        .history
        .iter()
        .find(|e| e.kind == BuildingEventKind::Demolished);
    matches!((appeared, demolished), (Some(a), Some(d)) if d.before == a.after)
}

fn new_track(pixels: Vec<bool>, first_seen: usize) -> Track {
    Track {
        pixels,
        first_seen,
        last_seen: None,
        history: Vec::new(),
    }
}

fn count(mask: &[bool]) -> usize {
    mask.iter().filter(|&&m| m).count()
}

fn union(into: &mut [bool], other: &[bool]) {
    for (a, &b) in into.iter_mut().zip(other) {
        *a |= b;
    }
}

/// The measured shape of a pixel mask, for the size and shape rules.
struct Shape {
    area_m2: f64,
    rectangularity: f64,
    elongation: f64,
}

impl Shape {
    fn of(
        pixels: &[bool],
        grid: &Grid,
        basis: &EqualArea,
        rules: &TrackingRules,
    ) -> Result<Shape, RegistryError> {
        let Some(outline) = largest_outline(pixels, grid.width, grid.height) else {
            return Ok(Shape {
                area_m2: 0.0,
                rectangularity: 0.0,
                elongation: f64::INFINITY,
            });
        };
        let m = measure_footprint(
            &outline,
            grid,
            basis,
            rules.coreg_rmse_px,
            &OutlineOptions::default(),
        )?;
        let (length, width) = (m.length_m.value, m.width_m.value.max(f64::MIN_POSITIVE));
        Ok(Shape {
            area_m2: m.area_m2.value,
            rectangularity: m.area_m2.value / (length * width),
            elongation: length / width,
        })
    }

    fn is_building(&self, rules: &TrackingRules) -> bool {
        self.rectangularity >= rules.min_rectangularity && self.elongation <= rules.max_elongation
    }
}

/// The outline (in pixel corners) of the largest 4-connected region of `mask`.
fn largest_outline(mask: &[bool], w: usize, h: usize) -> Option<detect::Polygon> {
    let components = Components::label(mask, w, h);
    let largest = (0..components.count()).max_by_key(|&k| components.areas[k])?;
    polygonize(&components).into_iter().nth(largest)
}

/// The roof-change rule: the roof inside `pixels`, away from its edges (eroded by the
/// matching tolerance, where shadows and walls change with the sun), changed brightness in
/// some band by more than [`TrackingRules::roof_change`] relative to the whole scene's change
/// between the dates (so that haze, season and sensor gain do not count).
fn roof_changed(pixels: &[bool], before: &Raster, after: &Raster, rules: &TrackingRules) -> bool {
    let (w, h) = (after.grid.width, after.grid.height);
    let inner = detect::morphology::erode(pixels, w, h, rules.dilation_px);
    let inner: Vec<usize> = (0..w * h).filter(|&p| inner[p]).collect();
    if inner.is_empty() {
        return false;
    }
    let mean = |band: &[f32], at: &mut dyn Iterator<Item = usize>| {
        let (mut s, mut n) = (0.0, 0usize);
        for p in at {
            s += f64::from(band[p]);
            n += 1;
        }
        s / n.max(1) as f64
    };
    (0..after.band_count).any(|b| {
        let (bb, ab) = (before.band(b), after.band(b));
        let inside = mean(ab, &mut inner.iter().copied()) / mean(bb, &mut inner.iter().copied());
        let scene = mean(ab, &mut (0..w * h)) / mean(bb, &mut (0..w * h));
        (inside / scene).ln().abs() > rules.roof_change.ln_1p()
    })
}

/// The roof-continuity rule: when the roof of the appeared region `pixels` continues beyond
/// it in the after image, over ground that did not change, the region grown into that roof;
/// else `None`.
fn roof_beyond(
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

/// The registry entry of a finished track.
fn describe(
    k: usize,
    track: Track,
    last_date: usize,
    grid: &Grid,
    basis: &EqualArea,
    rules: &TrackingRules,
) -> Result<TrackedBuilding, RegistryError> {
    // Closing bridges the gap misregistration leaves between a building and its annex.
    let closed =
        detect::morphology::close(&track.pixels, grid.width, grid.height, rules.dilation_px);
    let outline = largest_outline(&closed, grid.width, grid.height)
        .ok_or(RegistryError::EmptyOutline { vertices: 0 })?;
    let footprint = measure_footprint(
        &outline,
        grid,
        basis,
        rules.coreg_rmse_px,
        &OutlineOptions::default(),
    )?;
    let to_lonlat = CoordTransform::new(&grid.crs, &Crs::wgs84()).map_err(|source| {
        RegistryError::Projection {
            from: grid.crs.name(),
            to: "EPSG:4326".into(),
            source,
        }
    })?;
    let project = |c: &Coord<f64>| {
        to_lonlat
            .transform_point(c.x, c.y)
            .map(|(x, y)| Coord { x, y })
            .map_err(|source| RegistryError::Projection {
                from: grid.crs.name(),
                to: "EPSG:4326".into(),
                source,
            })
    };
    let ring = |r: &LineString<f64>| -> Result<LineString<f64>, RegistryError> {
        Ok(LineString(
            r.0.iter().map(project).collect::<Result<_, _>>()?,
        ))
    };
    let outline_lonlat = Polygon::new(
        ring(footprint.outline.exterior())?,
        footprint
            .outline
            .interiors()
            .iter()
            .map(ring)
            .collect::<Result<_, _>>()?,
    );
    let centroid = geo::Centroid::centroid(&footprint.outline)
        .ok_or(RegistryError::EmptyOutline { vertices: 0 })?;
    let centre = project(&centroid.0)?;
    let mut history = track.history;
    history.sort_by_key(|e| e.before);
    Ok(TrackedBuilding {
        id: format!("B{:04}", k + 1),
        first_seen: track.first_seen,
        last_seen: track.last_seen.unwrap_or(last_date),
        standing: track.last_seen.is_none(),
        history,
        footprint,
        outline_lonlat,
        lon: centre.x,
        lat: centre.y,
        mgrs: mgrs(centre.x, centre.y)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::SampleType;

    const SIZE: usize = 120;

    fn grid() -> Grid {
        let crs = Crs::from_epsg(32633).unwrap();
        Grid::new(
            crs,
            GeoTransform::north_up(500_000.0, 5_000_000.0, 1.0, 1.0),
            SIZE,
            SIZE,
        )
    }

    /// A change over the pixel rectangle `[c0, c1) x [r0, r1)`.
    fn change(c0: usize, r0: usize, c1: usize, r1: usize, direction: Direction) -> Change {
        let (a, b, c, d) = (c0 as f64, r0 as f64, c1 as f64, r1 as f64);
        Change {
            polygon: detect::Polygon {
                exterior: vec![(a, b), (c, b), (c, d), (a, d), (a, b)],
                holes: Vec::new(),
            },
            area_px: (c1 - c0) * (r1 - r0),
            area_m2: Some(((c1 - c0) * (r1 - r0)) as f64),
            mean_probability: 0.9,
            direction,
            texture_ratio: 1.0,
        }
    }

    /// A date's image: ground with a fixed pattern, roofs (value 100) over `roofs`.
    fn image(roofs: &[(usize, usize, usize, usize)]) -> Raster {
        let mut raster = Raster::filled(grid(), 1, 0.0, SampleType::F32);
        let band = raster.band_mut(0);
        for (p, v) in band.iter_mut().enumerate() {
            *v = ((p * 7919) % 13) as f32;
        }
        for &(c0, r0, c1, r1) in roofs {
            for r in r0..r1 {
                for c in c0..c1 {
                    band[r * SIZE + c] = 100.0 + ((r + c) % 2) as f32;
                }
            }
        }
        raster
    }

    /// `raster` with the roof over `roof` replaced by a brighter one.
    fn reroofed(mut raster: Raster, roof: (usize, usize, usize, usize)) -> Raster {
        let (c0, r0, c1, r1) = roof;
        let band = raster.band_mut(0);
        for r in r0..r1 {
            for c in c0..c1 {
                band[r * SIZE + c] += 60.0;
            }
        }
        raster
    }

    fn kinds(b: &TrackedBuilding) -> Vec<(BuildingEventKind, usize)> {
        b.history.iter().map(|e| (e.kind, e.before)).collect()
    }

    #[test]
    fn a_building_appears_grows_is_reroofed_and_goes_with_a_stable_id() {
        use BuildingEventKind::*;
        let hall = (10, 10, 30, 25);
        let grown = (10, 10, 45, 25);
        let rasters = [
            image(&[]),
            image(&[hall]),
            image(&[grown]),
            reroofed(image(&[grown]), grown),
            image(&[]),
        ];
        // The annex is found one pixel off (misregistration), and a shadow strip comes with
        // the new hall in the same pair.
        let changes = vec![
            vec![
                change(10, 10, 30, 25, Direction::Appeared),
                change(30, 11, 32, 25, Direction::Appeared),
            ],
            vec![change(31, 10, 45, 26, Direction::Appeared)],
            vec![change(11, 11, 44, 24, Direction::SurfaceChanged)],
            vec![change(10, 10, 45, 25, Direction::Removed)],
        ];
        let buildings =
            track_buildings(&changes, &rasters, &grid(), &TrackingRules::default()).unwrap();
        assert_eq!(buildings.len(), 1, "{buildings:?}");
        let b = &buildings[0];
        assert_eq!(b.id, "B0001");
        assert_eq!(
            kinds(b),
            vec![
                (Appeared, 0),
                (Expanded, 1),
                (SurfaceChanged, 2),
                (Demolished, 3)
            ]
        );
        assert_eq!((b.first_seen, b.last_seen, b.standing), (1, 3, false));
        let area = &b.footprint.area_m2;
        assert!(
            area.low <= 35.0 * 15.0 + 20.0 && 35.0 * 15.0 <= area.high + 20.0,
            "{area:?}"
        );
        assert!(b.mgrs.starts_with("33T"), "{}", b.mgrs);
        assert!(
            (b.lon - 15.0).abs() < 0.01 && (b.lat - 45.15).abs() < 0.05,
            "{b:?}"
        );
    }

    #[test]
    fn slivers_specks_and_a_heap_that_comes_and_goes_are_not_buildings() {
        let heap = (60, 10, 70, 20);
        let rasters = [image(&[]), image(&[heap]), image(&[]), image(&[])];
        let changes = vec![
            vec![
                // A shadow or road strip: 40 x 3 px, 10:1.
                change(10, 60, 50, 63, Direction::Appeared),
                // A speck of 25 m².
                change(80, 80, 85, 85, Direction::Appeared),
                // A heap that is gone at the next date.
                change(60, 10, 70, 20, Direction::Appeared),
            ],
            vec![change(60, 10, 70, 20, Direction::Removed)],
            vec![],
        ];
        let buildings =
            track_buildings(&changes, &rasters, &grid(), &TrackingRules::default()).unwrap();
        assert!(buildings.is_empty(), "{buildings:?}");
    }

    #[test]
    fn an_annex_onto_an_unseen_building_is_an_expansion_of_it() {
        let old = (20, 20, 50, 40);
        let annex = (50, 20, 70, 40);
        let rasters = [image(&[old]), image(&[old, annex])];
        let changes = vec![vec![change(50, 20, 70, 40, Direction::Appeared)]];
        let buildings =
            track_buildings(&changes, &rasters, &grid(), &TrackingRules::default()).unwrap();
        assert_eq!(buildings.len(), 1);
        let b = &buildings[0];
        assert_eq!(kinds(b), vec![(BuildingEventKind::Expanded, 0)]);
        assert_eq!(b.first_seen, 0);
        // The outline takes in the old part: 50 x 20 px.
        assert!(
            b.footprint.area_m2.contains(1000.0),
            "{:?}",
            b.footprint.area_m2
        );
    }
}
