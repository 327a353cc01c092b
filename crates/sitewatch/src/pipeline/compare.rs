//! Detecting and storing the comparisons a site needs, skipping those already current.

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use catalog::{Catalog, Comparison, NewChange, NewComparison, Scene, Site};
use detect::{bands_of, extract_changes, CleanupRules, MinArea};
use raster::{ColourInterp, RasterSource};
use serde::Serialize;
use serde_json::json;

use super::outline::GridOutlines;
use super::plan::{pairs_needed, ScenePair};
use super::stack::SiteStack;
use super::RunOptions;
use crate::output::Context;
use crate::scenes::open_catalog_scene;

/// The clean-up of change masks before they become objects: the smallest object the
/// pipeline keeps is a small shed (20 m²), whatever the site's pixel size.
pub fn cleanup_rules() -> CleanupRules {
    CleanupRules {
        min_area: MinArea::SquareMetres(20.0),
        ..CleanupRules::default()
    }
}

/// One comparison computed in this run.
#[derive(Serialize)]
pub struct PairOutcome {
    pub comparison: i64,
    pub before_scene: i64,
    pub after_scene: i64,
    pub before: String,
    pub after: String,
    pub threshold: f32,
    pub changes: usize,
    pub changed_area_m2: f64,
}

/// Computes and stores every needed comparison that is missing or stale; returns the ones
/// computed and how many were kept.
pub fn compare_pairs(
    ctx: &Context,
    catalog: &mut Catalog,
    site: &Site,
    scenes: &[Scene],
    stack: &mut SiteStack,
    options: &RunOptions,
) -> Result<(Vec<PairOutcome>, usize)> {
    let ids: Vec<i64> = scenes.iter().map(|s| s.id).collect();
    let stored = catalog.comparisons(&site.name)?;
    let method = options.method.name();
    let model = options.method.model_version()?;
    let detector = options.method.detector()?;
    let scene = |id: i64| {
        scenes
            .iter()
            .find(|s| s.id == id)
            .expect("planned from scenes")
    };
    // What each BEFORE scene's files declare, read once per scene and only for the network.
    let mut true_colours: HashMap<i64, Option<Vec<usize>>> = HashMap::new();
    let mut todo = Vec::new();
    for pair in pairs_needed(&ids) {
        let bands = options.method.bands_for(detector.as_ref(), || {
            if let Some(known) = true_colours.get(&pair.before) {
                return Ok(known.clone());
            }
            let declared = open_catalog_scene(scene(pair.before))?.colour_interp();
            let true_colour = ColourInterp::true_colour(&declared);
            true_colours.insert(pair.before, true_colour.clone());
            Ok(true_colour)
        })?;
        let parameters = parameters(catalog, options, pair, bands.as_deref())?;
        let current = stored.iter().any(|c: &Comparison| {
            c.run.before_scene == pair.before
                && c.run.after_scene == pair.after
                && c.run.method == method
                && c.run.model_version == model
                && c.run.parameters == parameters
        });
        if options.force || !current {
            todo.push((pair, bands, parameters));
        }
    }
    let kept = pairs_needed(&ids).len() - todo.len();
    if todo.is_empty() {
        return Ok((Vec::new(), kept));
    }

    let outlines = GridOutlines::new(&site.grid)?;
    let rules = cleanup_rules();
    let bar = ctx.progress(todo.len() as u64, "comparing");
    let mut detected = Vec::with_capacity(todo.len());
    for (pair, bands, parameters) in todo {
        let (before, after) = stack.pair(scene(pair.before), scene(pair.after))?;
        let (before, after) = (
            bands_of(before, bands.as_deref())?,
            bands_of(after, bands.as_deref())?,
        );
        let map = detector.probability(&before, &after)?;
        let threshold = detector.default_threshold(&map);
        let changes = extract_changes(&map, &before, &after, threshold, &rules)?;
        let stored: Vec<NewChange> = changes
            .iter()
            .map(|c| {
                Ok(NewChange {
                    outline_lonlat: outlines.to_lonlat(&c.polygon)?,
                    area_m2: c.area_m2.ok_or_else(|| {
                        anyhow::anyhow!(
                            "site '{}': its grid is not in metres, so changes have no area",
                            site.name
                        )
                    })?,
                    mean_prob: c.mean_probability,
                    direction: direction_name(c.direction).to_string(),
                })
            })
            .collect::<Result<_>>()?;
        detected.push((pair, parameters, threshold, stored));
        bar.inc(1);
    }
    bar.finish_and_clear();

    let mut outcomes = Vec::with_capacity(detected.len());
    for (pair, parameters, threshold, changes) in detected {
        let comparison = catalog
            .record_comparison(
                &site.name,
                &NewComparison {
                    before_scene: pair.before,
                    after_scene: pair.after,
                    method: method.to_string(),
                    model_version: model.clone(),
                    parameters,
                    threshold: threshold as f64,
                },
                &changes,
            )
            .with_context(|| {
                format!(
                    "cannot store the comparison of scenes {} and {}",
                    pair.before, pair.after
                )
            })?;
        outcomes.push(PairOutcome {
            comparison: comparison.id,
            before_scene: pair.before,
            after_scene: pair.after,
            before: scene(pair.before).acquired.format("%Y-%m-%d").to_string(),
            after: scene(pair.after).acquired.format("%Y-%m-%d").to_string(),
            threshold,
            changes: changes.len(),
            // Folded from +0.0: an empty f64 sum is -0.0.
            changed_area_m2: changes.iter().fold(0.0, |total, c| total + c.area_m2),
        });
    }
    Ok((outcomes, kept))
}

/// What a comparison depends on besides its scenes and method: the clean-up rules and both
/// scenes' alignments (a re-aligned scene makes its comparisons stale).
fn parameters(
    catalog: &Catalog,
    options: &RunOptions,
    pair: ScenePair,
    bands: Option<&[usize]>,
) -> Result<serde_json::Value> {
    let rules = cleanup_rules();
    let alignment = |scene: i64| -> Result<serde_json::Value> {
        Ok(match catalog.alignment(scene)? {
            Some(a) => json!({"status": a.outcome.status, "model": a.outcome.model}),
            None => serde_json::Value::Null,
        })
    };
    Ok(json!({
        "method": options.method.name(),
        "bands": bands,
        "cleanup": {
            "opening_radius": rules.opening_radius,
            "closing_radius": rules.closing_radius,
            "min_area": format!("{:?}", rules.min_area),
        },
        "before_alignment": alignment(pair.before)?,
        "after_alignment": alignment(pair.after)?,
    }))
}

/// The catalog's name for a change direction.
pub fn direction_name(direction: detect::Direction) -> &'static str {
    match direction {
        detect::Direction::Appeared => "appeared",
        detect::Direction::Removed => "removed",
        detect::Direction::SurfaceChanged => "surface_changed",
    }
}
