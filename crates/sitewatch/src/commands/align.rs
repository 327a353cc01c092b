//! `sitewatch align SITE`: every scene of a site measured against the reference scene on the
//! site grid, and the correction stored with the scene (or its refusal).

use anyhow::Result;
use catalog::{AlignmentStatus, Catalog, NewAlignment, Scene, Site};
use clap::Args;
use raster::NoCorrection;

use crate::commands::coreg::align;
use crate::output::Context;
use crate::scenes::{open_catalog_scene, scene_on_site_grid};

#[derive(Args)]
pub struct AlignArgs {
    /// The site (name or alias).
    site: String,
    /// The scene the others are aligned to (default: the earliest).
    #[arg(long, value_name = "SCENE_ID")]
    reference: Option<i64>,
}

pub fn run(ctx: &Context, args: AlignArgs) -> Result<()> {
    let mut catalog = ctx.open_catalog()?;
    let site = catalog.site(&args.site)?;
    let outcomes = align_site(ctx, &mut catalog, &site, args.reference, |_| true)?;
    ctx.print(&outcomes, |outcomes| {
        outcomes
            .iter()
            .map(outcome_line)
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// One scene's alignment as a line for people: the scene, then [`outcome_text`].
pub fn outcome_line(o: &NewAlignment) -> String {
    format!("scene {:>4}: {}", o.scene_id, outcome_text(o))
}

/// One scene's alignment in words: the reference, the shift and its residual, or the refusal
/// and why.
pub fn outcome_text(o: &NewAlignment) -> String {
    match (o.status, o.reference_scene_id) {
        (AlignmentStatus::Aligned, None) => "the reference: the others are aligned to it".into(),
        (AlignmentStatus::Aligned, Some(_)) => format!(
            "aligned, dx {:+.2} dy {:+.2} px, RMSE {:.2} px ({:.2} m), {} tie points",
            o.dx_px.unwrap_or(0.0),
            o.dy_px.unwrap_or(0.0),
            o.rmse_px.unwrap_or(0.0),
            o.rmse_m.unwrap_or(0.0),
            o.tie_points_used
        ),
        (AlignmentStatus::Refused, _) => format!(
            "REFUSED, kept unaligned (compared on its georeferencing alone): {}",
            o.reason.as_deref().unwrap_or("")
        ),
    }
}

/// Aligns the scenes of `site` that `wanted` picks to the reference scene (the earliest unless
/// given) on the site grid and stores each outcome in the catalog.
pub fn align_site(
    ctx: &Context,
    catalog: &mut Catalog,
    site: &Site,
    reference: Option<i64>,
    wanted: impl Fn(&Scene) -> bool,
) -> Result<Vec<NewAlignment>> {
    let scenes = catalog.scenes(Some(&site.name))?;
    let Some(first) = scenes.first() else {
        anyhow::bail!(
            "site '{}' has no scenes to align: add some with `sitewatch scene add`",
            site.name
        );
    };
    let reference: &Scene = match reference {
        Some(id) => scenes
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| anyhow::anyhow!("scene {id} is not a scene of site '{}'", site.name))?,
        None => first,
    };
    let reference_pixels = scene_on_site_grid(reference, site, &NoCorrection)?;
    let gsd = site.grid.gsd();
    let scenes: Vec<&Scene> = scenes.iter().filter(|s| wanted(s)).collect();
    let bar = ctx.progress(scenes.len() as u64, "aligning");
    let mut outcomes = Vec::with_capacity(scenes.len());
    for scene in scenes {
        let alignment = if scene.id == reference.id {
            identity(scene.id)
        } else {
            let source = open_catalog_scene(scene)?;
            match align(&reference_pixels, &source)? {
                Ok(a) => NewAlignment {
                    scene_id: scene.id,
                    reference_scene_id: Some(reference.id),
                    status: AlignmentStatus::Aligned,
                    dx_px: Some(a.dx),
                    dy_px: Some(a.dy),
                    model: serde_json::to_value(a.model)?,
                    tie_points_used: a.used,
                    tie_points_rejected: a.rejected,
                    rmse_px: Some(a.rmse_px),
                    rmse_m: Some(a.rmse_px * gsd),
                    reason: None,
                },
                Err(refusal) => NewAlignment {
                    scene_id: scene.id,
                    reference_scene_id: Some(reference.id),
                    status: AlignmentStatus::Refused,
                    dx_px: None,
                    dy_px: None,
                    model: serde_json::Value::Null,
                    tie_points_used: 0,
                    tie_points_rejected: 0,
                    rmse_px: None,
                    rmse_m: None,
                    reason: Some(refusal.to_string()),
                },
            }
        };
        outcomes.push(catalog.set_alignment(alignment)?.outcome);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(outcomes)
}

/// The reference scene's own alignment: no correction.
fn identity(scene_id: i64) -> NewAlignment {
    NewAlignment {
        scene_id,
        reference_scene_id: None,
        status: AlignmentStatus::Aligned,
        dx_px: Some(0.0),
        dy_px: Some(0.0),
        model: serde_json::json!({"kind": "shift", "dx": 0.0, "dy": 0.0}),
        tie_points_used: 0,
        tie_points_rejected: 0,
        rmse_px: Some(0.0),
        rmse_m: Some(0.0),
        reason: Some("the reference scene".to_string()),
    }
}
