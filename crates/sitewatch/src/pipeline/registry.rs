//! Rebuilding the site's building registry from the stored consecutive comparisons, the
//! imported and drawn footprints, and the analyst's verdicts.

use anyhow::{bail, Result};
use catalog::{
    BuildingOrigin, Catalog, Interval, NewBuilding, NewBuildingEvent, ReviewTarget, Scene, Site,
    StoredChange,
};
use registry::{BuildingEventKind, Measure, TrackedBuilding, TrackingRules};
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
}

/// Rebuilds the registry when its inputs changed (or `options.force`); `None` when it was
/// current.
pub fn rebuild_registry(
    ctx: &Context,
    catalog: &mut Catalog,
    site: &Site,
    scenes: &[Scene],
    options: &RunOptions,
) -> Result<Option<RegistryOutcome>> {
    let method = options.method.name();
    let comparisons = catalog.comparisons(&site.name)?;
    let mut consecutive = Vec::with_capacity(scenes.len() - 1);
    for pair in scenes.windows(2) {
        let Some(found) = comparisons.iter().find(|c| {
            c.before_scene == pair[0].id && c.after_scene == pair[1].id && c.method == method
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
    let rules = TrackingRules::default();

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
    let bar = ctx.progress(1, "registry");
    let tracked = {
        let mut stack = SiteStack::new(catalog, site);
        let rasters: Vec<raster::Raster> = stack.all(scenes)?.into_iter().cloned().collect();
        registry::track_buildings(&changes, &rasters, &site.grid, &rules)?
    };
    bar.finish_and_clear();

    let buildings: Vec<NewBuilding> = tracked
        .iter()
        .map(|b| to_new_building(b, scenes, &outlines))
        .collect::<Result<_>>()?;
    let outcome = RegistryOutcome {
        buildings: buildings.len(),
        standing: buildings.iter().filter(|b| b.standing).count(),
        events: buildings.iter().map(|b| b.history.len()).sum(),
        excluded_by_review,
    };
    catalog.replace_buildings(&site.name, &buildings)?;
    catalog.set_registry_inputs(&site.name, &inputs)?;
    Ok(Some(outcome))
}

/// A stored change as the registry takes it: an outline in the site grid's pixel corners.
fn to_change(stored: &StoredChange, outlines: &GridOutlines) -> Result<detect::Change> {
    let polygon = outlines.to_pixels(&stored.outline_lonlat)?;
    let direction = match stored.direction.as_str() {
        "appeared" => detect::Direction::Appeared,
        "removed" => detect::Direction::Removed,
        "surface_changed" => detect::Direction::SurfaceChanged,
        other => bail!("change {}: unknown direction '{other}'", stored.id),
    };
    Ok(detect::Change {
        area_px: polygon.area().round() as usize,
        polygon,
        area_m2: Some(stored.area_m2),
        mean_probability: stored.mean_prob,
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
    scenes: &[Scene],
    outlines: &GridOutlines,
) -> Result<NewBuilding> {
    let scene = |date: usize| scenes[date].id;
    Ok(NewBuilding {
        code: b.id.clone(),
        origin: BuildingOrigin::Detected,
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
        housing: false,
        measures: serde_json::json!({
            "area_m2": b.footprint.area_m2,
            "length_m": b.footprint.length_m,
            "width_m": b.footprint.width_m,
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
        outlines: vec![(
            scene(b.last_seen),
            outlines.map_to_lonlat(&b.footprint.outline)?,
        )],
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
