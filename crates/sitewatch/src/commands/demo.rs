//! `sitewatch demo`: the whole system on a generated site whose truth is known, so that every
//! printed finding can be checked against what was planted.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use catalog::{Catalog, NewSite, Site};
use clap::Args;
use detect::{clean_mask, extract_changes, ChangeDetector, CleanupRules, Components, Imad};
use geo_types::{LineString, Polygon};
use serde::Serialize;
use synth::{ChangeKind, Scenario};

use crate::changes::changes_geojson;
use crate::commands::align::{align_site, AlignOutcome};
use crate::commands::demo_registry::{check_registry, RegistryCheck};
use crate::commands::scene::{add_scene, parse_date, SceneFacts};
use crate::commands::site::analysis_grid;
use crate::output::Context;
use crate::scenes::{scene_on_site_grid, stored_correction};

/// The file that marks a folder as the demo's own, so that a rerun may replace it.
const MARKER: &str = ".sitewatch-demo";
/// Changes larger than this that no planted event explains are phantoms.
const PHANTOM_M2: f64 = 50.0;

#[derive(Args)]
pub struct DemoArgs {
    /// Where to write the imagery, the catalog and the change maps.
    #[arg(long, value_name = "DIR", default_value = "sitewatch-demo")]
    out: PathBuf,
    /// The seed of the generated site.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// A planted event and whether the detector found it.
#[derive(Serialize)]
struct EventCheck {
    building: String,
    label: String,
    kind: ChangeKind,
    from: String,
    to: String,
    /// The share of the changed footprint's pixels flagged as change.
    flagged_fraction: f64,
    found: bool,
}

/// One pair of consecutive dates.
#[derive(Serialize)]
struct PairReport {
    from: String,
    to: String,
    changes: usize,
    changed_area_m2: f64,
    phantoms_over_50_m2: usize,
    changes_file: PathBuf,
}

#[derive(Serialize)]
struct DemoReport {
    site: String,
    catalog: PathBuf,
    imagery: PathBuf,
    alignments: Vec<AlignOutcome>,
    pairs: Vec<PairReport>,
    events: Vec<EventCheck>,
    registry: RegistryCheck,
}

pub fn run(ctx: &Context, args: DemoArgs) -> Result<()> {
    prepare_folder(&args.out)?;
    let imagery = args.out.join("imagery");
    std::fs::create_dir_all(&imagery)?;
    let scenario = synth::plant_complex(args.seed);

    let bar = ctx.progress(scenario.acquisitions.len() as u64, "imaging");
    let mut files = Vec::new();
    for index in 0..scenario.acquisitions.len() {
        files.push(synth::write_acquisition(&scenario, index, &imagery)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    synth::write_metadata(&scenario, &files, &imagery)?;

    let db = args.out.join("sitewatch.gpkg");
    let mut catalog = Catalog::open(&db)?;
    let site = add_demo_site(&mut catalog, &scenario)?;
    for file in &files {
        add_scene(
            &mut catalog,
            Some(&site.name),
            std::slice::from_ref(&file.path),
            SceneFacts {
                acquired: parse_date(&file.datetime)?,
                sensor: file.sensor.clone(),
                credit: file.credit.clone(),
                sun_elevation_deg: Some(file.sun_elevation_deg),
                sun_azimuth_deg: Some(file.sun_azimuth_deg),
                off_nadir_deg: None,
                cloud_fraction: None,
            },
        )?;
    }
    let site = catalog.site(&site.name)?;
    let alignments = align_site(ctx, &mut catalog, &site, None)?;
    let (pairs, events, registry) = detect_changes(ctx, &catalog, &site, &scenario, &args.out)?;

    let report = DemoReport {
        site: site.name.clone(),
        catalog: db,
        imagery,
        alignments,
        pairs,
        events,
        registry,
    };
    ctx.print(&report, plain);
    Ok(())
}

/// Makes `dir` ready: new, empty, or a folder an earlier demo made (then replaced).
fn prepare_folder(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("{}: cannot read the folder", dir.display()))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).exists() {
            bail!(
                "{}: the folder exists and was not made by `sitewatch demo`; \
                 give another with --out",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("{}: cannot clear the earlier demo", dir.display()))?;
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    std::fs::write(dir.join(MARKER), "made by sitewatch demo; safe to delete\n")?;
    Ok(())
}

fn add_demo_site(catalog: &mut Catalog, scenario: &Scenario) -> Result<Site> {
    let ring: Vec<(f64, f64)> = synth::aoi_lonlat(scenario)?;
    let aoi = Polygon::new(LineString::from(ring), vec![]);
    let gsd = scenario
        .acquisitions
        .iter()
        .map(|a| a.gsd_m)
        .fold(f64::INFINITY, f64::min);
    let grid = analysis_grid(&aoi, gsd, scenario.ring_m)?;
    Ok(catalog.add_site(NewSite {
        name: scenario.name.clone(),
        aliases: vec!["EAP".into(), "Plant 7".into()],
        parent: Some("Example Industrial Complex".into()),
        makes: Some("solid-propellant rocket motors (fictional)".into()),
        aoi,
        ring_m: scenario.ring_m,
        grid,
        gsd_from_scenes: false,
        notes: Some("A generated site: every building event is known.".into()),
    })?)
}

/// iMAD between consecutive dates; each pair's changes written as GeoJSON and checked
/// against the planted events.
fn detect_changes(
    ctx: &Context,
    catalog: &Catalog,
    site: &Site,
    scenario: &Scenario,
    out: &Path,
) -> Result<(Vec<PairReport>, Vec<EventCheck>, RegistryCheck)> {
    let scenes = catalog.scenes(Some(&site.name))?;
    let truth_events = synth::events(scenario);
    let imad = Imad::default();
    let rules = CleanupRules {
        min_area: detect::MinArea::SquareMetres(20.0),
        ..CleanupRules::default()
    };
    let pixel_m2 = site.grid.gsd() * site.grid.gsd();
    let bar = ctx.progress(scenes.len().saturating_sub(1) as u64, "detecting");
    let mut rasters = Vec::with_capacity(scenes.len());
    for scene in &scenes {
        let correction = stored_correction(catalog, scene.id)?;
        let correction: &dyn raster::PixelCorrection = match &correction {
            Some(model) => model,
            None => &raster::NoCorrection,
        };
        rasters.push(scene_on_site_grid(scene, site, correction)?);
    }
    let (mut pairs, mut checks, mut all_changes) = (Vec::new(), Vec::new(), Vec::new());
    for i in 1..scenes.len() {
        let (before, after) = (&rasters[i - 1], &rasters[i]);
        let map = imad.probability(before, after)?;
        let threshold = imad.default_threshold(&map);
        let changes = extract_changes(&map, before, after, threshold, &rules)?;
        let mask = clean_mask(&map, threshold, &rules)?;
        let (w, h) = (site.grid.width, site.grid.height);
        let components = Components::label(&mask, w, h);

        let events: Vec<&synth::TruthEvent> =
            truth_events.iter().filter(|e| e.after == i).collect();
        let mut explained = vec![false; components.count()];
        for event in &events {
            let changed = changed_region(scenario, event, site);
            let flagged = changed.iter().filter(|&&p| mask[p]).count();
            let fraction = flagged as f64 / changed.len().max(1) as f64;
            for &p in &neighbourhood(&changed, w, h, 40) {
                if components.labels[p] > 0 {
                    explained[components.labels[p] as usize - 1] = true;
                }
            }
            let building = scenario.buildings.iter().find(|b| b.id == event.building);
            checks.push(EventCheck {
                building: event.building.clone(),
                label: building.map(|b| b.label.clone()).unwrap_or_default(),
                kind: event.kind,
                from: scenario.acquisitions[event.before].datetime[..10].to_string(),
                to: scenario.acquisitions[event.after].datetime[..10].to_string(),
                flagged_fraction: fraction,
                found: fraction >= 0.25,
            });
        }
        let phantoms = (0..components.count())
            .filter(|&k| !explained[k] && components.areas[k] as f64 * pixel_m2 > PHANTOM_M2)
            .count();

        let file = out.join(format!("changes_{}_{}.geojson", i, i + 1));
        std::fs::write(&file, changes_geojson(&map.grid, &changes)?)?;
        pairs.push(PairReport {
            from: scenes[i - 1].acquired.format("%Y-%m-%d").to_string(),
            to: scenes[i].acquired.format("%Y-%m-%d").to_string(),
            changes: changes.len(),
            changed_area_m2: changes.iter().filter_map(|c| c.area_m2).sum(),
            phantoms_over_50_m2: phantoms,
            changes_file: file,
        });
        all_changes.push(changes);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let buildings = registry::track_buildings(
        &all_changes,
        &rasters,
        &site.grid,
        &registry::TrackingRules::default(),
    )?;
    Ok((pairs, checks, check_registry(scenario, buildings)))
}

/// The site-grid pixels where a planted event changed the ground: the new or removed
/// footprint, the added part of an enlarged one, the replaced roof.
fn changed_region(scenario: &Scenario, event: &synth::TruthEvent, site: &Site) -> Vec<usize> {
    let building = scenario
        .buildings
        .iter()
        .find(|b| b.id == event.building)
        .expect("events name buildings of the scenario");
    let before = building.states[event.before].as_ref();
    let after = building.states[event.after].as_ref();
    let grid = &site.grid;
    let mut pixels = Vec::new();
    for row in 0..grid.height {
        for col in 0..grid.width {
            let (x, y) = grid.pixel_center(col, row);
            let in_before = before.is_some_and(|s| s.footprint.contains(x, y));
            let in_after = after.is_some_and(|s| s.footprint.contains(x, y));
            let changed = match event.kind {
                ChangeKind::Appeared | ChangeKind::Reroofed => in_after,
                ChangeKind::Demolished => in_before,
                ChangeKind::Expanded => in_after && !in_before,
            };
            if changed {
                pixels.push(row * grid.width + col);
            }
        }
    }
    pixels
}

/// The pixels within `radius` pixels (a square) of any of `pixels`: where a planted event's
/// own shadow and edges may also show as change.
fn neighbourhood(pixels: &[usize], w: usize, h: usize, radius: usize) -> Vec<usize> {
    let (mut c0, mut r0, mut c1, mut r1) = (usize::MAX, usize::MAX, 0, 0);
    for &p in pixels {
        let (c, r) = (p % w, p / w);
        (c0, r0, c1, r1) = (c0.min(c), r0.min(r), c1.max(c), r1.max(r));
    }
    if pixels.is_empty() {
        return Vec::new();
    }
    let (c0, r0) = (c0.saturating_sub(radius), r0.saturating_sub(radius));
    let (c1, r1) = ((c1 + radius).min(w - 1), (r1 + radius).min(h - 1));
    (r0..=r1)
        .flat_map(|r| (c0..=c1).map(move |c| r * w + c))
        .collect()
}

fn plain(r: &DemoReport) -> String {
    let mut lines = vec![format!(
        "sitewatch demo: {} (generated, truth known)",
        r.site
    )];
    lines.push("alignment to the first date (sub-pixel co-registration):".into());
    for a in &r.alignments {
        lines.push(match (a.dx_px, a.dy_px, a.rmse_px) {
            (Some(dx), Some(dy), Some(rmse)) if a.reason.is_none() => format!(
                "  scene {}: moved dx {dx:+.2} dy {dy:+.2} px, residual {rmse:.2} px over {} tie points",
                a.scene_id, a.tie_points_used
            ),
            _ => format!(
                "  scene {}: {}",
                a.scene_id,
                a.reason.as_deref().unwrap_or("aligned")
            ),
        });
    }
    lines.push("changes between consecutive dates (iMAD, unsupervised):".into());
    for p in &r.pairs {
        lines.push(format!(
            "  {} -> {}: {} changes, {:.0} m², {} unexplained over 50 m²",
            p.from, p.to, p.changes, p.changed_area_m2, p.phantoms_over_50_m2
        ));
    }
    let found = r.events.iter().filter(|e| e.found).count();
    lines.push(format!(
        "planted building events found: {found} of {}",
        r.events.len()
    ));
    for e in &r.events {
        lines.push(format!(
            "  [{}] {:<10} {:<28} {} -> {}  ({:.0}% of it flagged)",
            if e.found { "x" } else { " " },
            format!("{:?}", e.kind).to_lowercase(),
            e.label,
            e.from,
            e.to,
            100.0 * e.flagged_fraction
        ));
    }
    lines.push(r.registry.plain());
    lines.push(format!("catalog: {}", r.catalog.display()));
    lines.push(format!("imagery: {}", r.imagery.display()));
    lines.join("\n")
}
