//! `sitewatch buildings SITE`: the site's building registry; `buildings import` brings in
//! existing footprints; `buildings export` writes the registry and changes for a GIS.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use catalog::{ExportLayer, Scene, StoredBuilding};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::output::Context;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BuildingsArgs {
    /// The site's name or one of its aliases: lists its buildings.
    #[arg(required = true)]
    site: Option<String>,
    #[command(subcommand)]
    command: Option<BuildingsCommand>,
}

#[derive(Subcommand)]
enum BuildingsCommand {
    /// Import existing footprints (GeoJSON or GeoPackage, e.g. from OpenStreetMap) as buildings
    /// standing from the site's first date; `sitewatch run` then tracks and re-measures them.
    Import {
        /// The site's name or one of its aliases.
        site: String,
        /// A GeoJSON FeatureCollection (EPSG:4326) or a GeoPackage with polygon layers.
        file: PathBuf,
    },
    /// Write the registry, the changes and the footprints as GeoJSON or as one GeoPackage.
    Export {
        /// The site's name or one of its aliases.
        site: String,
        /// The output: `.gpkg` writes every layer in one GeoPackage, `.geojson` one layer.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// The layer to write as GeoJSON (a GeoPackage gets them all).
        #[arg(long, value_enum, default_value_t = Layer::Buildings)]
        layer: Layer,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Layer {
    Buildings,
    Changes,
    Footprints,
}

/// One building as `sitewatch buildings --json` prints it.
#[derive(Serialize)]
pub struct BuildingRow {
    pub id: String,
    pub origin: String,
    pub standing: bool,
    pub housing: bool,
    pub area_m2: catalog::Interval,
    pub length_m: catalog::Interval,
    pub width_m: catalog::Interval,
    /// How the outline was drawn from the pixels (pixel edges, right angles, refined edges,
    /// drawn by an analyst) and the area that changed against the pixel edges, m².
    pub outline: Option<String>,
    pub outline_change_m2: Option<f64>,
    pub lat: f64,
    pub lon: f64,
    pub mgrs: String,
    pub first_seen: String,
    pub last_seen: String,
    pub history: Vec<HistoryRow>,
    pub review: Option<String>,
}

/// One event of a building's history, with the dates it lies between.
#[derive(Serialize)]
pub struct HistoryRow {
    pub event: String,
    /// The last date it was not yet so.
    pub after: String,
    /// The first date it was seen so.
    pub by: String,
    pub before_scene: i64,
    pub after_scene: i64,
}

pub fn run(ctx: &Context, args: BuildingsArgs) -> Result<()> {
    match (args.command, args.site) {
        (Some(BuildingsCommand::Import { site, file }), _) => import(ctx, &site, &file),
        (
            Some(BuildingsCommand::Export {
                site,
                output,
                layer,
            }),
            _,
        ) => export(ctx, &site, &output, layer),
        (None, Some(site)) => list(ctx, &site),
        (None, None) => unreachable!("clap requires a site or a subcommand"),
    }
}

fn list(ctx: &Context, site: &str) -> Result<()> {
    let catalog = ctx.open_catalog()?;
    let site = catalog.site(site)?;
    let scenes = catalog.scenes(Some(&site.name))?;
    let rows: Vec<BuildingRow> = catalog
        .buildings(&site.name)?
        .iter()
        .map(|b| building_row(b, &scenes))
        .collect();
    ctx.print(&rows, |rows| {
        if rows.is_empty() {
            return format!(
                "no buildings registered for '{}' yet: run `sitewatch run {}` \
                 (or import footprints with `sitewatch buildings import`)",
                site.name, site.name
            );
        }
        let mut lines = vec![format!(
            "{:<6} {:>8} {:>19} {:>14} {:>14}  {:<17} {}",
            "id", "area m²", "95% interval", "length m", "width m", "MGRS", "history"
        )];
        for r in rows {
            let history: Vec<String> = r
                .history
                .iter()
                .map(|h| format!("{} {}..{}", h.event, h.after, h.by))
                .collect();
            lines.push(format!(
                "{:<6} {:>8.0} {:>19} {:>14} {:>14}  {:<17} {}{}{}",
                r.id,
                r.area_m2.value,
                format!("[{:.0}, {:.0}]", r.area_m2.low, r.area_m2.high),
                format!(
                    "{:.1} ±{:.1}",
                    r.length_m.value,
                    0.5 * (r.length_m.high - r.length_m.low)
                ),
                format!(
                    "{:.1} ±{:.1}",
                    r.width_m.value,
                    0.5 * (r.width_m.high - r.width_m.low)
                ),
                r.mgrs,
                if history.is_empty() {
                    format!("standing since {}", r.first_seen)
                } else {
                    history.join(", ")
                },
                if r.housing { "  (housing)" } else { "" },
                if r.standing { "" } else { "  (gone)" },
            ));
        }
        lines.join("\n")
    });
    Ok(())
}

/// A stored building with its scenes named by date.
pub fn building_row(b: &StoredBuilding, scenes: &[Scene]) -> BuildingRow {
    let date = |id: i64| {
        scenes
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.acquired.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| format!("scene {id}"))
    };
    BuildingRow {
        id: b.building.code.clone(),
        origin: format!("{:?}", b.building.origin).to_lowercase(),
        standing: b.building.standing,
        housing: b.building.housing,
        area_m2: b.building.area_m2,
        length_m: b.building.length_m,
        width_m: b.building.width_m,
        outline: b.building.measures["outline"].as_str().map(str::to_string),
        outline_change_m2: b.building.measures["outline_change_m2"].as_f64(),
        lat: b.building.lat,
        lon: b.building.lon,
        mgrs: b.building.mgrs.clone(),
        first_seen: date(b.building.first_seen_scene),
        last_seen: date(b.building.last_seen_scene),
        history: b
            .building
            .history
            .iter()
            .map(|e| HistoryRow {
                event: e.kind.clone(),
                after: date(e.before_scene),
                by: date(e.after_scene),
                before_scene: e.before_scene,
                after_scene: e.after_scene,
            })
            .collect(),
        review: b
            .review
            .as_ref()
            .and_then(|r| r.verdict)
            .map(|v| format!("{v:?}").to_lowercase()),
    }
}

#[derive(Serialize)]
struct Imported {
    site: String,
    file: PathBuf,
    footprints: usize,
}

fn import(ctx: &Context, site: &str, file: &std::path::Path) -> Result<()> {
    let mut catalog = ctx.open_catalog()?;
    let site = catalog.site(site)?;
    let footprints = catalog.import_footprints(&site.name, file)?;
    let report = Imported {
        site: site.name.clone(),
        file: file.to_path_buf(),
        footprints: footprints.len(),
    };
    ctx.print(&report, |r| {
        format!(
            "imported {} footprints from {} into '{}'; `sitewatch run {}` re-measures them on the imagery",
            r.footprints,
            r.file.display(),
            r.site,
            r.site
        )
    });
    Ok(())
}

#[derive(Serialize)]
struct Exported {
    site: String,
    output: PathBuf,
}

fn export(ctx: &Context, site: &str, output: &std::path::Path, layer: Layer) -> Result<()> {
    let catalog = ctx.open_catalog()?;
    let site = catalog.site(site)?;
    let is_gpkg = output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"));
    if is_gpkg {
        catalog.export_geopackage(&site.name, output)?;
    } else {
        let layer = match layer {
            Layer::Buildings => ExportLayer::Buildings,
            Layer::Changes => ExportLayer::Changes,
            Layer::Footprints => ExportLayer::Footprints,
        };
        let text = catalog.export_geojson(&site.name, layer)?;
        std::fs::write(output, text)
            .with_context(|| format!("{}: cannot write the GeoJSON", output.display()))?;
    }
    let report = Exported {
        site: site.name.clone(),
        output: output.to_path_buf(),
    };
    ctx.print(&report, |r| format!("wrote {}", r.output.display()));
    Ok(())
}
