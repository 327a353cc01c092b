//! The building registry across dates: buildings known before the first date ([`Seed`]s,
//! e.g. an OpenStreetMap import) and the change objects of consecutive date pairs become
//! buildings with stable identifiers (`B0001`, seeds first, then in the order they are found)
//! and histories (appeared, expanded, surface changed, demolished), each outline measured on
//! the images of the dates it held ([`crate::refine_edges`], [`crate::measure_refined`]),
//! placed by latitude, longitude and MGRS, and marked as housing or not ([`crate::housing`]).
//!
//! # Rules (stated, simple, each a heuristic with its premise)
//!
//! All matching happens on the site grid, pixel by pixel, with a tolerance of
//! [`TrackingRules::dilation_px`] pixels (a change "touches" a building when some pixel of it
//! lies within that many pixels of the building): residual misregistration of a pixel or two
//! must not split one building into two.
//!
//! * **Seeds.** An imported building stands from the first date; where its outline is a
//!   rectangle (it fills [`TrackingRules::refine_rectangularity`] of its minimum rotated
//!   rectangle) it is first placed on the first date's roof edges, since an import is traced
//!   by hand and a metre off; then it is tracked like any other.
//! * **Shade.** Before a pair's changes are matched, the shade that came (the after date's
//!   sun) and the shade that went (the before date's) are taken out of them
//!   ([`crate::shadow`]: darkened, behind a caster towards the sun), so that a new building's
//!   outline is its roof, its shadow does not reach (and grow) a neighbour, and a standing
//!   building's shadow moving with the sun is no change.
//! * **Size.** A change smaller than [`TrackingRules::min_area_m2`] is no building.
//! * **Shape of a new outline.** A new building or an added part is a roofed block: its area
//!   fills at least [`TrackingRules::min_rectangularity`] of its minimum rotated rectangle, and
//!   it is at most [`TrackingRules::max_elongation`] times longer than wide (strips of shade
//!   the shade rule missed, roads and fences are not). A genuinely long narrow building is
//!   lost by the same rule.
//! * **Annex.** A change (appeared or surface changed: a concrete annex can keep the ground's
//!   texture) touching a standing building is an **expansion** when its part beyond the
//!   building is a new roofed block sharing a wall with it (touching it along at least half
//!   its shorter side): building-sized and shaped, its inside changed brightness
//!   (the roof-change rule below), and its outline did not already show in the before image
//!   (the step across it before was less than half of what it is after). The outline grows by
//!   that part. A new roofed block that touches the building along less than that is a **new
//!   building** beside it (touching only through shade or ground the rules missed).
//! * **Appeared** (texture gained, [`detect::Direction::Appeared`]): touching a building that
//!   appeared in this same pair it is part of that one, merged without an event; lying mostly
//!   (half or more) inside a standing building it is that roof's texture (a surface change if
//!   the roof-change rule says so); touching nothing it is a **new building**, unless its
//!   outline already showed in the before image (a building that stood and changed its roof,
//!   registered from the first date, if it is a clean block: at least
//!   [`TrackingRules::refine_rectangularity`] of its rectangle) or its roof continues across
//!   its edge: when at least [`TrackingRules::roof_continuity`] of the pixels just outside it
//!   look like its own roof in the after image (within 3 standard deviations per band) and did
//!   not change, while the change itself did not look like that roof before, it is an annex
//!   built onto a building that was already there, recorded as an **expansion**, and the old
//!   part is traced by growing the outline into that roof (at most the change's own area
//!   again, three times over).
//! * **Removed** (texture lost): covering at least [`TrackingRules::cover_fraction`] of a
//!   standing building, that building is **demolished** unless its outline still shows in the
//!   after image (at least half the step it had before: a new roof of smoother material, a
//!   **surface change** if the roof-change rule says so); covering no known building, a
//!   building that stood since the first date was demolished (and is registered then).
//! * **Surface changed**: lying mostly (half or more) inside a standing building or covering
//!   [`TrackingRules::cover_fraction`] of it, that building's **roof changed** inside its
//!   outline (the outline is kept) if the roof away from its edges changed brightness by more
//!   than [`TrackingRules::roof_change`] against the scene (the median ratio of all pixels, so
//!   that haze, season, sensor gain and bit depth do not count; else it is sun and shade on
//!   walls and edges); touching nothing, it is treated as an appeared one (above).
//! * **Persistence.** A building that appeared between dates `i` and `i + 1` and is demolished
//!   again between `i + 1` and `i + 2` was never a building (a vehicle, a heap, a tent): it is
//!   dropped from the registry.
//!
//! A building's first seen date is the first date it is known to stand (date 0 for one that
//! was only found through a later change to it); its last seen date is the last date it stood.
//! Its outline on each date is the version it had then (it grows with each expansion).

use detect::{Change, Direction};
use geo_types::Polygon;
use raster::{GeoTransform, Grid, Raster, Window};
use serde::Serialize;

use crate::equal_area::EqualArea;
use crate::error::RegistryError;
use crate::extent_mask::ExtentMask;
use crate::footprint::{to_geo, FootprintMeasure};
use crate::housing::{mark_housing, HousingRules};
use crate::mask_shape::Shape;
use crate::measure::Measure;
use crate::rasterize::{burn, rasterize};
use crate::refine_edges::{refine_rectangle, EdgeRules, PixelRectangle};
use crate::registry_entry::describe;
use crate::roof_rules::{count, roof_beyond, roof_changed, Date, PairImages};
use crate::seed::Seed;
use crate::shadow::{new_shadow, Casters, ShadowRules, Sun};

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
    /// The least share of its minimum rotated rectangle an outline fills for its edges to be
    /// refined on the image as a rectangle (else its pixel edges are measured).
    pub refine_rectangularity: f64,
    /// The new-shadow rule.
    pub shadow: ShadowRules,
    /// The roof-edge search.
    pub edges: EdgeRules,
    /// The housing heuristic.
    pub housing: HousingRules,
}

impl Default for TrackingRules {
    /// 2 px tolerance, 50 m², 65% of the rectangle, 5:1, half a building, a tenth of the
    /// surroundings (one short side of a 1:4 annex), 25% roof change, 0.3 px residual,
    /// refinement from 80% of the rectangle.
    fn default() -> Self {
        TrackingRules {
            dilation_px: 2,
            min_area_m2: 50.0,
            min_rectangularity: 0.65,
            max_elongation: 5.0,
            cover_fraction: 0.5,
            roof_continuity: 0.1,
            roof_change: 0.25,
            coreg_rmse_px: 0.3,
            refine_rectangularity: 0.8,
            shadow: ShadowRules::default(),
            edges: EdgeRules::default(),
            housing: HousingRules::default(),
        }
    }
}

/// What the registry is built from: the change objects of consecutive date pairs and the
/// images of every date, all on the site grid.
#[derive(Debug, Clone, Copy)]
pub struct Observations<'a> {
    /// `changes[i]`: the changes between dates `i` and `i + 1` (outlines in the grid's pixel
    /// corners, as [`detect::extract_changes`] gives them).
    pub changes: &'a [Vec<Change>],
    /// Every date's image on `grid`, co-registered.
    pub rasters: &'a [Raster],
    /// The site grid (north-up, projected).
    pub grid: &'a Grid,
    /// Every date's sun (scene metadata), `None` where unknown (no shadow is then removed).
    pub suns: &'a [Option<Sun>],
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

/// A building's outline on one date.
#[derive(Debug, Clone, Serialize)]
pub struct DatedOutline {
    /// The date index.
    pub date: usize,
    /// The outline's area with its interval.
    pub area_m2: Measure,
    /// The outline in the grid's CRS.
    pub outline: Polygon<f64>,
    /// The outline in longitude/latitude (WGS 84).
    pub outline_lonlat: Polygon<f64>,
}

/// A building of the registry.
#[derive(Debug, Clone, Serialize)]
pub struct TrackedBuilding {
    /// Stable identifier, `B0001` upwards in the order the buildings were found (seeds first).
    pub id: String,
    /// The seed's label, for a building imported before the first date.
    pub label: Option<String>,
    /// The first date index the building is known to stand.
    pub first_seen: usize,
    /// The last date index the building stood.
    pub last_seen: usize,
    /// Whether it still stands at the last date.
    pub standing: bool,
    /// Its events, in date order.
    pub history: Vec<BuildingEvent>,
    /// Its footprint (the last outline it had while standing) with intervals; the outline
    /// in the grid's CRS is `footprint.outline`.
    pub footprint: FootprintMeasure,
    /// The footprint's outline in longitude/latitude (WGS 84).
    pub outline_lonlat: Polygon<f64>,
    /// Its outline on every date from `first_seen` to `last_seen`.
    pub outlines: Vec<DatedOutline>,
    /// The footprint centroid, WGS 84 degrees.
    pub lon: f64,
    pub lat: f64,
    /// The centroid's MGRS reference to 1 m.
    pub mgrs: String,
    /// Whether it looks like housing ([`crate::housing`]).
    pub housing: bool,
}

/// A building while the dates are walked: its pixels on the site grid.
pub(crate) struct Track {
    /// The outline now, kept over its extent (a whole-grid mask per building would take the
    /// site's area each).
    pub outline: ExtentMask,
    /// The outline's versions: from which date on each mask holds.
    pub versions: Vec<(usize, ExtentMask)>,
    pub first_seen: usize,
    pub last_seen: Option<usize>,
    pub history: Vec<BuildingEvent>,
    pub label: Option<String>,
}

impl Track {
    /// A track whose outline is the set pixels of `pixels` (a mask of a grid `width` wide).
    fn new(pixels: &[bool], width: usize, first_seen: usize) -> Track {
        let outline = ExtentMask::new(pixels, width);
        Track {
            versions: vec![(first_seen, outline.clone())],
            outline,
            first_seen,
            last_seen: None,
            history: Vec::new(),
            label: None,
        }
    }
    /// A building that appeared between dates `pair` and `pair + 1`.
    fn appeared(pixels: &[bool], width: usize, pair: usize) -> Track {
        let mut track = Track::new(pixels, width, pair + 1);
        track.add_event(BuildingEventKind::Appeared, pair);
        track
    }
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
    /// Grows the outline by `other` (a mask of the `width` x `height` grid) from date `from` on.
    fn grow(&mut self, other: &[bool], width: usize, height: usize, from: usize) {
        let mut grown = self.outline.to_grid(width, height);
        or_into(&mut grown, other);
        self.outline = ExtentMask::new(&grown, width);
        match self.versions.last_mut() {
            Some((date, mask)) if *date >= from => mask.clone_from(&self.outline),
            _ => self.versions.push((from, self.outline.clone())),
        }
    }
}

/// Builds the registry from the observations and the buildings known before the first date
/// (`seeds`, in the grid's CRS), by the rules of the module documentation.
pub fn track_buildings(
    observations: &Observations,
    seeds: &[Seed],
    rules: &TrackingRules,
) -> Result<Vec<TrackedBuilding>, RegistryError> {
    let Observations {
        changes,
        rasters,
        grid,
        suns,
    } = *observations;
    let basis = EqualArea::for_grid(grid)?;
    let (w, h) = (grid.width, grid.height);
    let pixel_grid = Grid::new(
        grid.crs.clone(),
        GeoTransform([0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
        w,
        h,
    );
    let mut tracks: Vec<Track> = seeds
        .iter()
        .map(|seed| seed_track(seed, grid, &pixel_grid, rasters.first(), rules))
        .collect();
    for (pair, pair_changes) in changes.iter().enumerate() {
        let (before, after) = (&rasters[pair], &rasters[pair + 1]);
        let images = PairImages::new(before, after);
        // Each change's mask is made when its turn comes: a whole-grid mask per change, all
        // held at once, would take the site's area times the number of changes.
        let outlines: Vec<Polygon<f64>> = pair_changes.iter().map(|c| to_geo(&c.polygon)).collect();
        // Shade that came (the after date's sun) or went (the before date's) is no change
        // of any building.
        let mut changed = vec![false; w * h];
        let mut removed = vec![false; w * h];
        let mut standing = vec![false; w * h];
        for (outline, c) in outlines.iter().zip(pair_changes) {
            burn(outline, &pixel_grid, &mut changed, true);
            if c.direction == Direction::Removed {
                burn(outline, &pixel_grid, &mut removed, true);
            }
        }
        for t in tracks.iter().filter(|t| t.standing()) {
            t.outline.or_into(&mut standing, w);
        }
        let mut shadow = vec![false; w * h];
        for (sun, from, to, may_cast) in [
            (pair + 1, before, after, &changed),
            (pair, after, before, &removed),
        ] {
            if let Some(sun) = suns.get(sun).copied().flatten() {
                let casters = Casters {
                    standing: &standing,
                    may_cast,
                };
                let shade = new_shadow(
                    &changed,
                    &casters,
                    from,
                    to,
                    &sun,
                    grid.gsd(),
                    &rules.shadow,
                );
                or_into(&mut shadow, &shade);
            }
        }
        for (change, outline) in pair_changes.iter().zip(&outlines) {
            let mut pixels = rasterize(outline, &pixel_grid);
            let shaded = pixels.iter().zip(&shadow).any(|(&p, &s)| p && s);
            for (p, s) in pixels.iter_mut().zip(&shadow) {
                *p &= !s;
            }
            // What is left of a change after its shadow is taken out loses its slivers.
            let pixels = if shaded {
                detect::morphology::open(&pixels, w, h, 1)
            } else {
                pixels
            };
            let shape = Shape::of(&pixels, grid, &basis, rules)?;
            if shape.area_m2 < rules.min_area_m2 {
                continue;
            }
            let near = detect::morphology::dilate(&pixels, w, h, rules.dilation_px);
            let near_extent = Window::around(&near, w);
            let change_px = count(&pixels);
            // Per standing building: its pixels near the change, the change's pixels inside it.
            let mut best: Option<(usize, f64, f64)> = None;
            for (k, track) in tracks.iter().enumerate().filter(|(_, t)| t.standing()) {
                let overlap = track.outline.window().zip(near_extent);
                let Some(overlap) = overlap.and_then(|(t, n)| t.intersection(&n)) else {
                    continue;
                };
                let size = track.outline.count();
                let (mut covered, mut inside) = (0usize, 0usize);
                for p in overlap.indices(w) {
                    if track.outline.contains(p, w) {
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
            match change.direction {
                Direction::Removed => match best {
                    Some((k, cover, _)) if cover >= rules.cover_fraction => {
                        let building = tracks[k].outline.to_grid(w, h);
                        if still_shows(&building, &images) {
                            if roof_changed(&building, &images, rules) {
                                tracks[k].add_event(BuildingEventKind::SurfaceChanged, pair);
                            }
                        } else {
                            tracks[k].add_event(BuildingEventKind::Demolished, pair);
                            tracks[k].last_seen = Some(pair);
                        }
                    }
                    Some(_) => {}
                    None if shape.is_building(rules) => {
                        let mut track = Track::new(&pixels, w, 0);
                        track.add_event(BuildingEventKind::Demolished, pair);
                        track.last_seen = Some(pair);
                        tracks.push(track);
                    }
                    None => {}
                },
                Direction::SurfaceChanged => match best {
                    Some((k, _, _)) if tracks[k].appeared_in(pair) => {}
                    Some((k, cover, within)) => {
                        let building = tracks[k].outline.to_grid(w, h);
                        let added = annex(&pixels, &building, &images, grid, &basis, rules)?;
                        // Unless something was added, the building is as it was.
                        if !add_beyond(&mut tracks, k, added, pair, grid)
                            && (cover >= rules.cover_fraction || within >= 0.5)
                            && roof_changed(&building, &images, rules)
                        {
                            tracks[k].add_event(BuildingEventKind::SurfaceChanged, pair);
                        }
                    }
                    None if shape.is_building(rules) => {
                        tracks.extend(new_building(pixels, &shape, pair, &images, rules));
                    }
                    None => {}
                },
                Direction::Appeared => match best {
                    Some((k, _, _)) if tracks[k].appeared_in(pair) => {
                        tracks[k].grow(&pixels, w, h, pair + 1);
                    }
                    // Mostly inside a building: its roof's texture, not a new part.
                    Some((k, _, within)) if within >= 0.5 => {
                        let building = tracks[k].outline.to_grid(w, h);
                        let reroofed = roof_changed(&building, &images, rules);
                        if reroofed {
                            tracks[k].add_event(BuildingEventKind::SurfaceChanged, pair);
                        }
                    }
                    Some((k, _, _)) => {
                        let building = tracks[k].outline.to_grid(w, h);
                        let added = annex(&pixels, &building, &images, grid, &basis, rules)?;
                        add_beyond(&mut tracks, k, added, pair, grid);
                    }
                    None if shape.is_building(rules) => {
                        tracks.extend(new_building(pixels, &shape, pair, &images, rules));
                    }
                    None => {}
                },
            }
        }
    }
    let last_date = changes.len();
    tracks.retain(|t| !transient(t));
    let mut buildings = tracks
        .into_iter()
        .enumerate()
        .map(|(k, track)| describe(k, track, last_date, observations, &basis, rules))
        .collect::<Result<Vec<_>, _>>()?;
    mark_housing(&mut buildings, &rules.housing);
    Ok(buildings)
}

/// Records what a change found beyond building `k` between dates `pair` and `pair + 1`: an
/// annex (the building expanded) or a neighbour (a new building); false when it was neither.
fn add_beyond(tracks: &mut Vec<Track>, k: usize, beyond: Beyond, pair: usize, grid: &Grid) -> bool {
    match beyond {
        Beyond::Annex(added) => {
            tracks[k].add_event(BuildingEventKind::Expanded, pair);
            tracks[k].grow(&added, grid.width, grid.height, pair + 1);
            true
        }
        Beyond::Neighbour(built) => {
            tracks.push(Track::appeared(&built, grid.width, pair));
            true
        }
        Beyond::Nothing => false,
    }
}

/// A seed's track: its outline placed on the first date's roof edges where it is a rectangle,
/// burnt into the grid.
fn seed_track(
    seed: &Seed,
    grid: &Grid,
    pixel_grid: &Grid,
    first_image: Option<&Raster>,
    rules: &TrackingRules,
) -> Track {
    use geo::{Area, MapCoords};
    let to_pixel = grid
        .transform
        .inverse()
        .unwrap_or(GeoTransform([0.0, 1.0, 0.0, 0.0, 0.0, 1.0]));
    let in_pixels = seed.outline.map_coords(|c| {
        let (x, y) = to_pixel.apply(c.x, c.y);
        geo_types::Coord { x, y }
    });
    let refined = PixelRectangle::enclosing(&in_pixels)
        .filter(|r| in_pixels.unsigned_area() >= rules.refine_rectangularity * r.area())
        .zip(first_image)
        .and_then(|(r, image)| refine_rectangle(&r, image, &rules.edges));
    let outline = refined.map_or(in_pixels, |r| r.rectangle.polygon());
    let mut track = Track::new(&rasterize(&outline, pixel_grid), pixel_grid.width, 0);
    track.label.clone_from(&seed.label);
    track
}

/// What the part of a change beyond a standing building is.
enum Beyond {
    /// A new part of the building (the change's pixels that make it).
    Annex(Vec<bool>),
    /// A new building beside it, touching it only through what the shade rule missed.
    Neighbour(Vec<bool>),
    /// Neither: shade, ground, the building's own edges.
    Nothing,
}

/// What the part of the change `pixels` beyond `building` (and the matching tolerance) is: a
/// new roofed block (building-sized and shaped, its inside changed, its outline not already
/// showing in the before image, see [`new_building`]) is an annex where it shares a wall with
/// the building, else a neighbour.
fn annex(
    pixels: &[bool],
    building: &[bool],
    images: &PairImages,
    grid: &Grid,
    basis: &EqualArea,
    rules: &TrackingRules,
) -> Result<Beyond, RegistryError> {
    let (w, h) = (grid.width, grid.height);
    let near = detect::morphology::dilate(building, w, h, rules.dilation_px);
    let beyond: Vec<bool> = pixels.iter().zip(&near).map(|(&p, &n)| p && !n).collect();
    let beyond = detect::morphology::open(&beyond, w, h, 1);
    let shape = Shape::of(&beyond, grid, basis, rules)?;
    // An annex shares a wall with the building: it touches it along at least half its
    // shorter side (a new building beside it touches, if at all, through a strip of shade
    // or ground the rules missed).
    let reach = detect::morphology::dilate(building, w, h, rules.dilation_px + 1);
    let contact = beyond.iter().zip(&reach).filter(|(&b, &r)| b && r).count() as f64;
    let width_px =
        (shape.area_m2 / (shape.rectangularity * shape.elongation).max(1e-9)).sqrt() / grid.gsd();
    let built = shape.area_m2 >= rules.min_area_m2
        && shape.is_building(rules)
        && roof_changed(&beyond, images, rules)
        && !still_shows_before(&beyond, images);
    Ok(if !built {
        Beyond::Nothing
    } else if contact >= 0.5 * width_px {
        // The annex reaches the building across the tolerance it was cut at.
        Beyond::Annex(
            detect::morphology::dilate(&beyond, w, h, rules.dilation_px)
                .iter()
                .zip(pixels)
                .map(|(&d, &p)| d && p)
                .collect(),
        )
    } else {
        Beyond::Neighbour(beyond)
    })
}

/// Whether the outline of `pixels` already showed in the before image as much as in the
/// after image (half its step or more): something stood there before.
fn still_shows_before(pixels: &[bool], images: &PairImages) -> bool {
    images.edge_step(pixels, Date::Before) >= 0.5 * images.edge_step(pixels, Date::After)
}

/// Whether a building's outline still shows in the after image (half its step before or
/// more): a "removed" change over it then took its roof's texture, not the building.
fn still_shows(pixels: &[bool], images: &PairImages) -> bool {
    images.edge_step(pixels, Date::After) >= 0.5 * images.edge_step(pixels, Date::Before)
}

/// The registry entry a gained or changed region touching no known building starts: a
/// building that already stood (its outline already showed in the before image) and changed
/// its roof, an annex onto an unseen building, or a new building.
fn new_building(
    pixels: Vec<bool>,
    shape: &Shape,
    pair: usize,
    images: &PairImages,
    rules: &TrackingRules,
) -> Option<Track> {
    // Whatever it is, its inside must have changed (not only its edges and shadows).
    if !roof_changed(&pixels, images, rules) {
        return None;
    }
    let width = images.after.grid.width;
    let (event, mut track) = if still_shows_before(&pixels, images) {
        // An unseen building whose roof changed must be a clean block: a fragment of
        // shade, ground or a neighbour's edge is not.
        if shape.rectangularity < rules.refine_rectangularity {
            return None;
        }
        (
            BuildingEventKind::SurfaceChanged,
            Track::new(&pixels, width, 0),
        )
    } else {
        match roof_beyond(&pixels, images.before, images.after, rules) {
            Some(grown) => (BuildingEventKind::Expanded, Track::new(&grown, width, 0)),
            None => (
                BuildingEventKind::Appeared,
                Track::new(&pixels, width, pair + 1),
            ),
        }
    };
    track.add_event(event, pair);
    Some(track)
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

fn or_into(into: &mut [bool], other: &[bool]) {
    for (a, &b) in into.iter_mut().zip(other) {
        *a |= b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::{Crs, SampleType};

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

    /// The registry of `changes` over `rasters`, without seeds or sun.
    fn track(changes: &[Vec<Change>], rasters: &[Raster]) -> Vec<TrackedBuilding> {
        let grid = grid();
        let suns = vec![None; rasters.len()];
        let observations = Observations {
            changes,
            rasters,
            grid: &grid,
            suns: &suns,
        };
        track_buildings(&observations, &[], &TrackingRules::default()).unwrap()
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
        let buildings = track(&changes, &rasters);
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
        let buildings = track(&changes, &rasters);
        assert!(buildings.is_empty(), "{buildings:?}");
    }

    #[test]
    fn an_annex_onto_an_unseen_building_is_an_expansion_of_it() {
        let old = (20, 20, 50, 40);
        let annex = (50, 20, 70, 40);
        let rasters = [image(&[old]), image(&[old, annex])];
        let changes = vec![vec![change(50, 20, 70, 40, Direction::Appeared)]];
        let buildings = track(&changes, &rasters);
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
