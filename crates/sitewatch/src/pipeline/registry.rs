//! Rebuilding the site's building registry from the stored consecutive comparisons, the
//! imported and drawn footprints, and the analyst's verdicts.

use anyhow::{bail, Result};
use catalog::{
    BuildingOrigin, Catalog, FootprintOrigin, Interval, NewBuilding, NewBuildingEvent,
    ReviewTarget, Scene, Site, SiteIndicators, StoredChange, StoredFootprint,
};
use geo::Buffer;
use registry::{
    BuildingEventKind, Measure, Observations, Seed, SiteAreas, Sun, TrackedBuilding, TrackingRules,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::outline::GridOutlines;
use super::stack::SiteStack;
use super::RunOptions;
use crate::output::Context;

/// The registry a run rebuilt.
#[derive(Serialize)]
pub struct RegistryOutcome {
    pub buildings: usize,
    pub standing: usize,
    pub events: usize,
    /// Detections the analyst's verdicts kept out.
    pub excluded_by_review: usize,
    /// Imported or drawn footprints the registry started from.
    pub seeds: usize,
    /// Analysts' drawn corrections of a building's outline that replaced the measured one.
    pub corrections_applied: usize,
    /// Drawn corrections naming a building the registry no longer has (left out).
    pub corrections_unmatched: Vec<String>,
}

/// Rebuilds the registry when its inputs changed (or `options.force`); `None` when it was
/// current.
pub fn rebuild_registry(
    ctx: &Context,
    catalog: &mut Catalog,
    site: &Site,
    scenes: &[Scene],
    stack: SiteStack,
    options: &RunOptions,
) -> Result<Option<RegistryOutcome>> {
    let method = options.method.name();
    let comparisons = catalog.comparisons(&site.name)?;
    let mut consecutive = Vec::with_capacity(scenes.len() - 1);
    for pair in scenes.windows(2) {
        let Some(found) = comparisons.iter().find(|c| {
            c.run.before_scene == pair[0].id
                && c.run.after_scene == pair[1].id
                && c.run.method == method
        }) else {
            bail!(
                "site '{}': scenes {} and {} have no stored comparison; run `sitewatch run {}`",
                site.name,
                pair[0].id,
                pair[1].id,
                site.name
            );
        };
        consecutive.push(found.id);
    }
    let reviews = catalog.reviews(&site.name)?;
    let mut excluded_by_review = 0;
    let mut changes_per_pair: Vec<Vec<StoredChange>> = Vec::with_capacity(consecutive.len());
    for &comparison in &consecutive {
        let (admitted, excluded): (Vec<StoredChange>, Vec<StoredChange>) = catalog
            .changes(&site.name, Some(comparison))?
            .into_iter()
            .partition(|c| options.reviews.admits(c.review.as_ref()));
        excluded_by_review += excluded.len();
        changes_per_pair.push(admitted);
    }
    let footprints = catalog.footprints(&site.name)?;
    let (corrections, seed_footprints): (Vec<&StoredFootprint>, Vec<&StoredFootprint>) = footprints
        .iter()
        .partition(|f| f.footprint.replaces.is_some());
    let rules = tracking_rules(catalog, scenes)?;

    let inputs = {
        let mut hash = Sha256::new();
        let changes: Vec<Vec<i64>> = changes_per_pair
            .iter()
            .map(|p| p.iter().map(|c| c.id).collect())
            .collect();
        let footprints: Vec<i64> = footprints.iter().map(|f| f.id).collect();
        let building_reviews: Vec<(&ReviewTarget, String)> = reviews
            .iter()
            .filter(|r| matches!(r.target, ReviewTarget::Building(_)))
            .map(|r| (&r.target, format!("{:?}", r.verdict)))
            .collect();
        hash.update(
            serde_json::to_vec(&serde_json::json!({
                "comparisons": consecutive,
                "changes": changes,
                "footprints": footprints,
                "building_reviews": format!("{building_reviews:?}"),
                "rules": rules,
                "filter": format!("{:?}", options.reviews),
            }))?
            .as_slice(),
        );
        hex(&hash.finalize())
    };
    if !options.force && catalog.registry_inputs(&site.name)?.as_deref() == Some(inputs.as_str()) {
        return Ok(None);
    }

    let outlines = GridOutlines::new(&site.grid)?;
    let changes: Vec<Vec<detect::Change>> = changes_per_pair
        .iter()
        .map(|pair| pair.iter().map(|c| to_change(c, &outlines)).collect())
        .collect::<Result<_>>()?;
    let seeds: Vec<Seed> = seed_footprints
        .iter()
        .map(|f| {
            Ok(Seed {
                outline: outlines.lonlat_to_map(&f.footprint.outline_lonlat)?,
                label: f.footprint.note.clone(),
            })
        })
        .collect::<Result<_>>()?;
    let suns: Vec<Option<Sun>> = scenes
        .iter()
        .map(|s| match (s.sun_azimuth_deg, s.sun_elevation_deg) {
            (Some(azimuth_deg), Some(elevation_deg)) => Some(Sun {
                azimuth_deg,
                elevation_deg,
            }),
            _ => None,
        })
        .collect();
    let bar = ctx.progress(1, "registry");
    let mut tracked = {
        let rasters = stack.into_rasters(scenes)?;
        registry::track_buildings(
            &Observations {
                changes: &changes,
                rasters: &rasters,
                grid: &site.grid,
                suns: &suns,
            },
            &seeds,
            &rules,
        )?
    };
    bar.finish_and_clear();

    let mut corrected = Vec::new();
    let mut corrections_unmatched = Vec::new();
    for correction in &corrections {
        let code = correction.footprint.replaces.as_deref().unwrap_or_default();
        match tracked.iter_mut().position(|b| b.id == code) {
            Some(k) => {
                apply_correction(&mut tracked[k], correction, site, &outlines, &rules)?;
                corrected.push(k);
            }
            None => corrections_unmatched.push(code.to_string()),
        }
    }

    let areas = site_areas(site, &outlines)?;
    let indicators: Vec<SiteIndicators> = registry::indicators(&tracked, scenes.len(), &areas)
        .into_iter()
        .map(|i| SiteIndicators {
            scene: scenes[i.date].id,
            buildings: i.buildings,
            roofed_area_m2: interval(&i.roofed_area_m2),
            new_buildings: i.new_buildings,
            new_area_m2: interval(&i.new_area_m2),
            housing_blocks: i.housing_blocks,
            housing_area_m2: interval(&i.housing_area_m2),
        })
        .collect();
    // The registry numbers its seeds first, in the order given.
    let origins: Vec<BuildingOrigin> = seed_footprints
        .iter()
        .map(|f| match f.footprint.origin {
            FootprintOrigin::Imported { .. } => BuildingOrigin::Imported,
            FootprintOrigin::Drawn { .. } => BuildingOrigin::Drawn,
        })
        .collect();
    let buildings: Vec<NewBuilding> = tracked
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let origin = if corrected.contains(&k) {
                BuildingOrigin::Drawn
            } else {
                origins.get(k).copied().unwrap_or(BuildingOrigin::Detected)
            };
            to_new_building(b, origin, scenes)
        })
        .collect::<Result<_>>()?;
    let outcome = RegistryOutcome {
        buildings: buildings.len(),
        standing: buildings.iter().filter(|b| b.standing).count(),
        events: buildings.iter().map(|b| b.history.len()).sum(),
        excluded_by_review,
        seeds: seeds.len(),
        corrections_applied: corrected.len(),
        corrections_unmatched,
    };
    catalog.replace_buildings(&site.name, &buildings)?;
    catalog.replace_indicators(&site.name, &indicators)?;
    catalog.set_registry_inputs(&site.name, &inputs)?;
    Ok(Some(outcome))
}

/// The registry's rules, with the co-registration term of the intervals from the site's
/// stored alignments: the largest residual of any scene, and never below the default (the
/// residual at the tie points understates the error between them).
fn tracking_rules(catalog: &Catalog, scenes: &[Scene]) -> Result<TrackingRules> {
    let defaults = TrackingRules::default();
    let mut rmse = defaults.coreg_rmse_px;
    for scene in scenes {
        if let Some(r) = catalog.alignment(scene.id)?.and_then(|a| a.outcome.rmse_px) {
            rmse = rmse.max(r);
        }
    }
    Ok(TrackingRules {
        coreg_rmse_px: rmse,
        ..defaults
    })
}

/// Replaces a building's current outline by the one an analyst drew (the latest drawing of it
/// wins, as corrections come oldest first), measured like a traced outline: the edge term at
/// the site's GSD (the analyst drew on imagery of that pixel size) and the co-registration
/// term. Its earlier dated outlines stay as they were measured.
fn apply_correction(
    building: &mut TrackedBuilding,
    correction: &StoredFootprint,
    site: &Site,
    outlines: &GridOutlines,
    rules: &TrackingRules,
) -> Result<()> {
    let drawn = outlines.to_pixels(&correction.footprint.outline_lonlat)?;
    let basis = registry::EqualArea::for_grid(&site.grid)?;
    let measure = registry::measure_footprint(
        &drawn,
        &site.grid,
        &basis,
        rules.coreg_rmse_px,
        &registry::OutlineOptions::default(),
    )?;
    let centre = geo::Centroid::centroid(&correction.footprint.outline_lonlat)
        .ok_or_else(|| anyhow::anyhow!("drawn outline {} is empty", correction.id))?;
    building.outline_lonlat = correction.footprint.outline_lonlat.clone();
    building.lon = centre.x();
    building.lat = centre.y();
    building.mgrs = registry::mgrs(centre.x(), centre.y())?;
    if let Some(last) = building.outlines.last_mut() {
        last.area_m2 = measure.area_m2.clone();
        last.outline = measure.outline.clone();
        last.outline_lonlat = correction.footprint.outline_lonlat.clone();
    }
    building.footprint = measure;
    Ok(())
}

/// The site's AOI and the ring around it (within the site's ring distance of the AOI), in the
/// grid's map coordinates.
fn site_areas(site: &Site, outlines: &GridOutlines) -> Result<SiteAreas> {
    let aoi = outlines.lonlat_to_map(&site.aoi)?;
    let ring = aoi
        .buffer(site.ring_m)
        .0
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("site '{}': the ring around its AOI is empty", site.name))?;
    Ok(SiteAreas { aoi, ring })
}

/// A stored change as the registry takes it: an outline in the site grid's pixel corners.
fn to_change(stored: &StoredChange, outlines: &GridOutlines) -> Result<detect::Change> {
    let polygon = outlines.to_pixels(&stored.change.outline_lonlat)?;
    let direction = match stored.change.direction.as_str() {
        "appeared" => detect::Direction::Appeared,
        "removed" => detect::Direction::Removed,
        "surface_changed" => detect::Direction::SurfaceChanged,
        other => bail!("change {}: unknown direction '{other}'", stored.id),
    };
    Ok(detect::Change {
        area_px: polygon.area().round() as usize,
        polygon,
        area_m2: Some(stored.change.area_m2),
        mean_probability: stored.change.mean_prob,
        direction,
        texture_ratio: f64::NAN,
    })
}

fn interval(measure: &Measure) -> Interval {
    Interval {
        value: measure.value,
        low: measure.low,
        high: measure.high,
        level: measure.level,
    }
}

/// The catalog's name for a building event.
pub fn event_name(kind: BuildingEventKind) -> &'static str {
    match kind {
        BuildingEventKind::Appeared => "appeared",
        BuildingEventKind::Expanded => "expanded",
        BuildingEventKind::SurfaceChanged => "surface_changed",
        BuildingEventKind::Demolished => "demolished",
    }
}

fn to_new_building(
    b: &TrackedBuilding,
    origin: BuildingOrigin,
    scenes: &[Scene],
) -> Result<NewBuilding> {
    let scene = |date: usize| scenes[date].id;
    Ok(NewBuilding {
        code: b.id.clone(),
        origin,
        outline_lonlat: b.outline_lonlat.clone(),
        standing: b.standing,
        first_seen_scene: scene(b.first_seen),
        last_seen_scene: scene(b.last_seen),
        area_m2: interval(&b.footprint.area_m2),
        length_m: interval(&b.footprint.length_m),
        width_m: interval(&b.footprint.width_m),
        lon: b.lon,
        lat: b.lat,
        mgrs: b.mgrs.clone(),
        housing: b.housing,
        measures: serde_json::json!({
            "area_m2": b.footprint.area_m2,
            "length_m": b.footprint.length_m,
            "width_m": b.footprint.width_m,
            "outline": b.footprint.regularisation,
            "outline_change_m2": b.footprint.regularisation_change_m2,
        }),
        history: b
            .history
            .iter()
            .map(|e| NewBuildingEvent {
                kind: event_name(e.kind).to_string(),
                before_scene: scene(e.before),
                after_scene: scene(e.after),
            })
            .collect(),
        outlines: b
            .outlines
            .iter()
            .map(|o| (scene(o.date), o.outline_lonlat.clone()))
            .collect(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
