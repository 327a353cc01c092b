//! `sitewatch report SITE -o DIR`: the evidence report (HTML, figures, manifest) from what the
//! catalog holds: the dossier, the building registry, the timeline with its sources.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use catalog::{Catalog, ReviewFilter, Scene, Site, StoredBuilding};
use chrono::NaiveDate;
use clap::Args;
use raster::{CoordTransform, Crs, NoCorrection, PixelCorrection, Window};
use report::{
    BuildingRow, Finding, ImageryRow, IndicatorPoint, ManifestInput, NamedQuantity, Outline,
    OutlineStyle, Panel, Panels, Provenance, Quantity, ReportInput, SiteDossier, TimelineEntry,
};
use serde::Serialize;

use crate::commands::align::outcome_text;
use crate::commands::compare::area_measure;
use crate::commands::run::Findings;
use crate::output::Context;
use crate::scenes::{scene_window_on_site_grid, stored_correction};

/// Ground around a building in its figure, metres on each side.
const MARGIN_M: f64 = 30.0;

#[derive(Args)]
pub struct ReportArgs {
    /// The site's name or one of its aliases.
    site: String,
    /// The folder to write the report into (created; an existing report there is replaced).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Which findings the report shows, by the analyst's review.
    #[arg(long, value_enum, default_value_t = Findings::NotRejected)]
    findings: Findings,
    /// Compare building A's area with building B's in the report (e.g. `B0005:B0001`).
    #[arg(long = "compare", value_name = "A:B")]
    comparisons: Vec<String>,
}

/// What `report` wrote.
#[derive(Serialize)]
pub struct ReportSummary {
    pub page: PathBuf,
    pub figures: usize,
    pub manifest: PathBuf,
}

pub fn run(ctx: &Context, args: ReportArgs) -> Result<()> {
    let catalog = ctx.open_catalog()?;
    let site = catalog.site(&args.site)?;
    let pairs = args
        .comparisons
        .iter()
        .map(|c| {
            c.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| anyhow!("--compare {c}: give two building ids as A:B"))
        })
        .collect::<Result<Vec<_>>>()?;
    let summary = write_site_report(
        &catalog,
        &ctx.db,
        &site,
        &args.output,
        args.findings.filter(),
        &pairs,
    )?;
    ctx.print(&summary, |s| {
        format!(
            "wrote {} ({} figures) and {}",
            s.page.display(),
            s.figures,
            s.manifest.display()
        )
    });
    Ok(())
}

/// Writes the report of `site` into `dir`; `comparisons` are (A, B) building codes whose area
/// ratio the report states beside A's finding.
pub fn write_site_report(
    catalog: &Catalog,
    db: &Path,
    site: &Site,
    dir: &Path,
    filter: ReviewFilter,
    comparisons: &[(String, String)],
) -> Result<ReportSummary> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the report folder", dir.display()))?;
    let scenes = catalog.scenes(Some(&site.name))?;
    let buildings: Vec<StoredBuilding> = catalog
        .buildings(&site.name)?
        .into_iter()
        .filter(|b| filter.admits(b.review.as_ref()))
        .collect();
    let mut findings = Vec::new();
    for stored in &buildings {
        for event in &stored.building.history {
            findings.push(finding(
                catalog,
                site,
                &scenes,
                stored,
                event,
                &buildings,
                comparisons,
            )?);
        }
    }
    // In the order things happened, then by building.
    findings.sort_by_key(|f| (f.by, f.not_before));
    let input = ReportInput {
        site: dossier(site),
        findings,
        buildings: buildings.iter().map(|b| table_row(b, &scenes)).collect(),
        timeline: catalog
            .timeline(&site.name)?
            .into_iter()
            .map(|e| TimelineEntry {
                date: e.date.start().date_naive(),
                kind: e.kind.clone(),
                text: e.summary.clone().unwrap_or_default(),
                source: e.source.clone(),
            })
            .collect(),
        indicators: indicators(catalog, site, &scenes)?,
        imagery: imagery(catalog, &scenes)?,
        provenance: provenance(catalog, db, site, &scenes, dir, filter, comparisons)?,
    };
    let files = report::write_report(&input, dir)?;
    Ok(ReportSummary {
        page: files.page,
        figures: files.figures.len(),
        manifest: files.manifest,
    })
}

fn dossier(site: &Site) -> SiteDossier {
    SiteDossier {
        name: site.name.clone(),
        aliases: site.aliases.clone(),
        parent_complex: site.parent.clone(),
        products: site.makes.clone().unwrap_or_default(),
        notes: site.notes.clone().unwrap_or_default(),
        aoi_lonlat: site.aoi.exterior().coords().map(|c| (c.x, c.y)).collect(),
        ring_m: site.ring_m,
    }
}

fn quantity(i: &catalog::Interval, unit: &str) -> Quantity {
    Quantity {
        value: i.value,
        low: i.low,
        high: i.high,
        level: i.level,
        unit: unit.to_string(),
    }
}

fn date_of(scenes: &[Scene], id: i64) -> Result<(usize, &Scene)> {
    scenes
        .iter()
        .enumerate()
        .find(|(_, s)| s.id == id)
        .ok_or_else(|| anyhow!("scene {id} is not a scene of the site"))
}

fn day(scene: &Scene) -> NaiveDate {
    scene.acquired.date_naive()
}

/// One building event as a figure: the building's ground before and after, outlined.
fn finding(
    catalog: &Catalog,
    site: &Site,
    scenes: &[Scene],
    stored: &StoredBuilding,
    event: &catalog::NewBuildingEvent,
    all: &[StoredBuilding],
    comparisons: &[(String, String)],
) -> Result<Finding> {
    let building = &stored.building;
    let (_, before) = date_of(scenes, event.before_scene)?;
    let (_, after) = date_of(scenes, event.after_scene)?;
    let to_map = CoordTransform::new(&Crs::wgs84(), &site.grid.crs)?;
    let outline_at = |scene: i64| -> &geo_types::Polygon<f64> {
        building
            .outlines
            .iter()
            .find(|(s, _)| *s == scene)
            .map(|(_, o)| o)
            .unwrap_or(&building.outline_lonlat)
    };
    let ring_in_map = |outline: &geo_types::Polygon<f64>| -> Result<Vec<(f64, f64)>> {
        let mut ring: Vec<(f64, f64)> = outline.exterior().coords().map(|c| (c.x, c.y)).collect();
        to_map.transform_points(&mut ring)?;
        Ok(ring)
    };
    let after_ring = ring_in_map(outline_at(after.id))?;
    let before_ring = ring_in_map(outline_at(before.id))?;
    let window = crop_window(site, after_ring.iter().chain(&before_ring))?;
    let panel = |scene: &Scene| -> Result<Panel> {
        let correction = stored_correction(catalog, scene.id)?;
        let correction: &dyn PixelCorrection = match &correction {
            Some(model) => model,
            None => &NoCorrection,
        };
        Ok(Panel {
            crop: scene_window_on_site_grid(scene, site, correction, &window)?,
            sensor: scene.sensor.clone(),
            credit: scene.credit.clone(),
            acquired: day(scene),
        })
    };
    let outlines = match event.kind.as_str() {
        "appeared" => vec![Outline {
            ring: after_ring,
            style: OutlineStyle::New,
            on: Panels::Both,
        }],
        "expanded" => vec![
            Outline {
                ring: before_ring,
                style: OutlineStyle::Previous,
                on: Panels::Both,
            },
            Outline {
                ring: after_ring,
                style: OutlineStyle::New,
                on: Panels::After,
            },
        ],
        "demolished" => vec![Outline {
            ring: before_ring,
            style: OutlineStyle::Previous,
            on: Panels::Both,
        }],
        _ => vec![Outline {
            ring: after_ring,
            style: OutlineStyle::Reference,
            on: Panels::Both,
        }],
    };
    let mut measures = vec![
        NamedQuantity {
            label: "area".into(),
            quantity: quantity(&building.area_m2, "m²"),
        },
        NamedQuantity {
            label: "length".into(),
            quantity: quantity(&building.length_m, "m"),
        },
        NamedQuantity {
            label: "width".into(),
            quantity: quantity(&building.width_m, "m"),
        },
    ];
    for (a, b) in comparisons.iter().filter(|(a, _)| *a == building.code) {
        let other = all
            .iter()
            .find(|o| o.building.code == *b)
            .ok_or_else(|| anyhow!("--compare {a}:{b}: no building {b} in the report"))?;
        let ratio = registry::compare(&area_measure(stored)?, &area_measure(other)?);
        measures.push(NamedQuantity {
            label: format!("area / area of {b}"),
            quantity: Quantity {
                value: ratio.value,
                low: ratio.low,
                high: ratio.high,
                level: ratio.level,
                unit: String::new(),
            },
        });
    }
    Ok(Finding {
        title: format!("{} {}", building.code, event.kind.replace('_', " ")),
        building_codes: vec![building.code.clone()],
        kind: event.kind.clone(),
        not_before: day(before),
        by: day(after),
        lonlat: (building.lon, building.lat),
        mgrs: building.mgrs.clone(),
        measures,
        before: panel(before)?,
        after: panel(after)?,
        outlines,
    })
}

/// The site-grid window around map points, with [`MARGIN_M`] of ground on every side,
/// clipped to the grid.
fn crop_window<'a>(site: &Site, points: impl Iterator<Item = &'a (f64, f64)>) -> Result<Window> {
    let to_pixel = site
        .grid
        .transform
        .inverse()
        .ok_or_else(|| anyhow!("site '{}': its grid cannot be inverted", site.name))?;
    let margin = MARGIN_M / site.grid.gsd();
    let (mut c0, mut r0, mut c1, mut r1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in points {
        let (c, r) = to_pixel.apply(x, y);
        (c0, r0, c1, r1) = (c0.min(c), r0.min(r), c1.max(c), r1.max(r));
    }
    let (w, h) = (site.grid.width as f64, site.grid.height as f64);
    let c0 = (c0 - margin).floor().clamp(0.0, w - 1.0);
    let r0 = (r0 - margin).floor().clamp(0.0, h - 1.0);
    let c1 = (c1 + margin).ceil().clamp(c0 + 1.0, w);
    let r1 = (r1 + margin).ceil().clamp(r0 + 1.0, h);
    Ok(Window::new(
        c0 as usize,
        r0 as usize,
        (c1 - c0) as usize,
        (r1 - r0) as usize,
    ))
}

fn table_row(b: &StoredBuilding, scenes: &[Scene]) -> BuildingRow {
    let row = crate::commands::buildings::building_row(b, scenes);
    let history = if row.history.is_empty() {
        format!("standing since {}", row.first_seen)
    } else {
        row.history
            .iter()
            .map(|h| {
                format!(
                    "{} between {} and {}",
                    h.event.replace('_', " "),
                    h.after,
                    h.by
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    BuildingRow {
        code: b.building.code.clone(),
        kind: if b.building.housing {
            "housing (heuristic)".into()
        } else {
            format!("{:?}", b.building.origin).to_lowercase()
        },
        area: Some(quantity(&b.building.area_m2, "m²")),
        length: Some(quantity(&b.building.length_m, "m")),
        width: Some(quantity(&b.building.width_m, "m")),
        lonlat: (b.building.lon, b.building.lat),
        mgrs: b.building.mgrs.clone(),
        history,
        review: row.review.unwrap_or_else(|| "unreviewed".into()),
    }
}

/// The site's indicators per scene date, as the registry run stored them.
fn indicators(catalog: &Catalog, site: &Site, scenes: &[Scene]) -> Result<Vec<IndicatorPoint>> {
    catalog
        .indicators(&site.name)?
        .into_iter()
        .map(|i| {
            let (_, scene) = date_of(scenes, i.scene)?;
            Ok(IndicatorPoint {
                date: day(scene),
                roofed_area: quantity(&i.roofed_area_m2, "m²"),
                new_buildings: i.new_buildings,
                new_building_area: quantity(&i.new_area_m2, "m²"),
                housing_blocks: i.housing_blocks,
                housing_area: quantity(&i.housing_area_m2, "m²"),
            })
        })
        .collect()
}

/// Each scene and its co-registration as the catalog holds it.
fn imagery(catalog: &Catalog, scenes: &[Scene]) -> Result<Vec<ImageryRow>> {
    scenes
        .iter()
        .map(|scene| {
            let coregistration = catalog.alignment(scene.id)?.map_or_else(
                || "not aligned yet (`sitewatch run` aligns it)".to_string(),
                |a| outcome_text(&a.outcome),
            );
            Ok(ImageryRow {
                scene: scene.id,
                date: day(scene),
                sensor: scene.sensor.clone(),
                gsd_m: scene.gsd_m,
                band_count: scene.band_count,
                credit: scene.credit.clone(),
                coregistration,
            })
        })
        .collect()
}

fn provenance(
    catalog: &Catalog,
    db: &Path,
    site: &Site,
    scenes: &[Scene],
    dir: &Path,
    filter: ReviewFilter,
    comparisons: &[(String, String)],
) -> Result<Provenance> {
    let mut inputs = vec![ManifestInput::hash(dir, db, "catalog")?];
    for scene in scenes {
        for file in &scene.files {
            inputs.push(ManifestInput::hash(
                dir,
                &file.path,
                format!("scene {} {}", scene.id, file.role),
            )?);
        }
    }
    let comparisons_run = catalog.comparisons(&site.name)?;
    let model_version = comparisons_run
        .iter()
        .find_map(|c| c.run.model_version.clone());
    Ok(Provenance {
        inputs,
        parameters: serde_json::json!({
            "site": site.name,
            "findings": format!("{filter:?}"),
            "compare": comparisons,
            "comparisons": comparisons_run.iter().map(|c| &c.run).collect::<Vec<_>>(),
        }),
        sitewatch_version: env!("CARGO_PKG_VERSION").to_string(),
        model_version,
    })
}
