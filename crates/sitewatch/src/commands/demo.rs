//! `sitewatch demo`: the whole system on a generated site whose truth is known, so that every
//! printed finding can be checked against what was planted: the imagery is written, catalogued
//! with sourced events and existing footprints, run through the pipeline (alignment, change
//! detection, the building registry), reported, and checked against the truth.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use catalog::{Catalog, EventKind, NewEvent, NewSite, Site};
use clap::Args;
use geo_types::{LineString, Polygon};
use serde::Serialize;
use synth::Scenario;

use crate::commands::buildings::{building_row, BuildingRow};
use crate::commands::demo_check::{check_against_truth, TruthCheck};
use crate::commands::detect::Method;
use crate::commands::report::{write_site_report, ReportSummary};
use crate::commands::scene::{add_scene, parse_date, SceneFacts};
use crate::commands::site::analysis_grid;
use crate::output::Context;
use crate::pipeline::{run_site, RunOptions, RunSummary};

/// The file that marks a folder as the demo's own, so that a rerun may replace it.
const MARKER: &str = ".sitewatch-demo";

#[derive(Args)]
pub struct DemoArgs {
    /// Where to write the imagery, the catalog and the report.
    #[arg(long, value_name = "DIR", default_value = "sitewatch-demo")]
    out: PathBuf,
    /// The seed of the generated site.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    method: Method,
}

#[derive(Serialize)]
struct DemoReport {
    site: String,
    catalog: PathBuf,
    imagery: PathBuf,
    footprints: PathBuf,
    report: ReportSummary,
    run: RunSummary,
    buildings: Vec<BuildingRow>,
    truth: TruthCheck,
    /// Every planted event reported, no phantom, the hall ratio's interval holding the truth.
    matches_truth: bool,
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
    // The footprints an analyst would start from: an OpenStreetMap-like tracing of the
    // buildings that stood on the first date (each corner up to 1 m off).
    let footprints = synth::write_footprints(&scenario, &imagery)?;

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
    add_demo_events(&mut catalog, &site)?;
    catalog.import_footprints(&site.name, &footprints)?;

    let site = catalog.site(&site.name)?;
    let run = run_site(
        ctx,
        &mut catalog,
        &site,
        &RunOptions {
            method: &args.method,
            reviews: catalog::ReviewFilter::NotRejected,
            force: false,
        },
    )?;
    let scenes = catalog.scenes(Some(&site.name))?;
    let stored = catalog.buildings(&site.name)?;
    let truth = check_against_truth(&scenario, &scenes, &stored)?;
    // The analyst's question of this site: the new hall against the original one.
    let halls: Vec<(String, String)> = truth
        .hall_ratio
        .iter()
        .map(|h| (h.new_hall.clone(), h.original_hall.clone()))
        .collect();
    let report_dir = args.out.join("report");
    let evidence = write_site_report(
        &catalog,
        &db,
        &site,
        &report_dir,
        catalog::ReviewFilter::NotRejected,
        &halls,
    )?;
    let matches_truth = truth.passed();
    let report = DemoReport {
        site: site.name.clone(),
        catalog: db,
        imagery,
        footprints,
        report: evidence,
        run,
        buildings: stored.iter().map(|b| building_row(b, &scenes)).collect(),
        truth,
        matches_truth,
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

/// Sourced events of the story the imagery tells (fictional sources, as the site is).
fn add_demo_events(catalog: &mut Catalog, site: &Site) -> Result<()> {
    let events = [
        (
            "2020-09-15",
            EventKind::Media,
            "Example State Television, evening news, 15 Sep 2020 (fictional)",
            "Groundbreaking ceremony for a second final-assembly hall reported",
        ),
        (
            "2021-05-02",
            EventKind::Visit,
            "Example News Agency, dispatch 2021-05-02 (fictional)",
            "Leader inspects the new hall and the housing under construction",
        ),
        (
            "2022-11-08",
            EventKind::Report,
            "https://example.org/reports/plant-7-expansion (fictional)",
            "Think-tank report: the plant's roofed area grew by about a third since 2019",
        ),
    ];
    for (date, kind, source, note) in events {
        catalog.add_event(NewEvent {
            site: site.name.clone(),
            date: date.parse()?,
            kind,
            source: source.to_string(),
            note: Some(note.to_string()),
        })?;
    }
    Ok(())
}

fn plain(r: &DemoReport) -> String {
    let mut lines = vec![format!(
        "sitewatch demo: {} (generated, truth known)",
        r.site
    )];
    lines.push(crate::commands::run::plain(&r.run));
    lines.push("findings (95% intervals):".into());
    for b in r.buildings.iter().filter(|b| !b.history.is_empty()) {
        for h in &b.history {
            lines.push(format!(
                "  {} {:<15} between {} and {}: {:.0} m² [{:.0}, {:.0}]  {:.5}, {:.5}  {}",
                b.id,
                h.event,
                h.after,
                h.by,
                b.area_m2.value,
                b.area_m2.low,
                b.area_m2.high,
                b.lat,
                b.lon,
                b.mgrs
            ));
        }
    }
    let t = &r.truth;
    match &t.hall_ratio {
        Some(h) => lines.push(format!(
            "new hall {} / original hall {}: {:.2} [{:.2}, {:.2}] (planted {:.3}: {})",
            h.new_hall,
            h.original_hall,
            h.measured.value,
            h.measured.low,
            h.measured.high,
            h.planted,
            if h.contains_truth {
                "inside"
            } else {
                "OUTSIDE the interval"
            }
        )),
        None => lines.push("new hall / original hall: not both in the registry".into()),
    }
    let found = t.events.iter().filter(|e| e.reported_by.is_some()).count();
    lines.push(format!(
        "check against the truth: {found} of {} planted events reported with the right kind and dates, \
         {} phantom buildings over 50 m²",
        t.events.len(),
        t.phantoms_over_50_m2
    ));
    for e in t.events.iter().filter(|e| e.reported_by.is_none()) {
        lines.push(format!(
            "  missed: {} ({}) {:?} {} -> {}",
            e.label, e.building, e.kind, e.from, e.to
        ));
    }
    lines.push(format!(
        "report: {} ({} figures; check it with `sitewatch verify {}`)",
        r.report.page.display(),
        r.report.figures,
        r.report.page.parent().unwrap_or(Path::new(".")).display()
    ));
    lines.push(format!("catalog: {}", r.catalog.display()));
    lines.push(format!("imagery: {}", r.imagery.display()));
    lines.join("\n")
}
