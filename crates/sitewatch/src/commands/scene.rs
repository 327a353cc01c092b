//! `sitewatch scene ...`: the acquisitions of each site.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use catalog::{Catalog, NewScene, Scene, SceneFile, SiteEdit};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clap::{Args, Subcommand};
use geo::Intersects;
use geo_types::{LineString, Polygon};
use raster::{RasterSource, SceneSource};

use crate::commands::site::analysis_grid;
use crate::output::Context;
use crate::scenes::{absolute, file_roles};

#[derive(Subcommand)]
pub enum SceneCommand {
    /// Add one acquisition: one file, one file per band, or several tiles.
    Add(AddArgs),
    /// List the scenes of the catalog or of one site, by date.
    List {
        /// Only this site's scenes (name or alias).
        #[arg(long)]
        site: Option<String>,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// The scene's GeoTIFF files: a single file, one file per band, or adjacent tiles.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Acquisition date or date-time, ISO 8601 (UTC unless an offset is given).
    #[arg(long, value_name = "ISO8601")]
    date: String,
    /// The sensor or platform, e.g. "WorldView-3" or "Sentinel-2A".
    #[arg(long, default_value = "unknown")]
    sensor: String,
    /// The credit and licence line to print under figures.
    #[arg(long, default_value = "credit not given")]
    credit: String,
    /// The site the scene images (name or alias); needed when the catalog has several.
    #[arg(long)]
    site: Option<String>,
    /// Sun elevation at acquisition, degrees.
    #[arg(long, value_name = "DEG", allow_hyphen_values = true)]
    sun_elevation: Option<f64>,
    /// Sun azimuth at acquisition, degrees clockwise from north.
    #[arg(long, value_name = "DEG")]
    sun_azimuth: Option<f64>,
    /// Off-nadir angle, degrees.
    #[arg(long, value_name = "DEG")]
    off_nadir: Option<f64>,
    /// Cloud fraction over the scene, 0-1.
    #[arg(long, value_name = "FRACTION")]
    cloud: Option<f64>,
}

pub fn run(ctx: &Context, command: SceneCommand) -> Result<()> {
    match command {
        SceneCommand::Add(args) => add(ctx, args),
        SceneCommand::List { site } => {
            let scenes = ctx.open_catalog()?.scenes(site.as_deref())?;
            ctx.print(&scenes, |scenes| {
                if scenes.is_empty() {
                    return "no scenes yet: add one with `sitewatch scene add FILE --date D`"
                        .into();
                }
                scenes.iter().map(summary).collect::<Vec<_>>().join("\n")
            });
            Ok(())
        }
    }
}

fn add(ctx: &Context, args: AddArgs) -> Result<()> {
    let acquired = parse_date(&args.date)?;
    check_range("--sun-elevation", args.sun_elevation, -90.0, 90.0)?;
    check_range("--sun-azimuth", args.sun_azimuth, 0.0, 360.0)?;
    check_range("--off-nadir", args.off_nadir, 0.0, 90.0)?;
    check_range("--cloud", args.cloud, 0.0, 1.0)?;
    let mut catalog = ctx.open_catalog()?;
    let added = add_scene(
        &mut catalog,
        args.site.as_deref(),
        &args.files,
        SceneFacts {
            acquired,
            sensor: args.sensor,
            credit: args.credit,
            sun_elevation_deg: args.sun_elevation,
            sun_azimuth_deg: args.sun_azimuth,
            off_nadir_deg: args.off_nadir,
            cloud_fraction: args.cloud,
        },
    )?;
    ctx.print(&added, |s| format!("added scene {}", summary(s)));
    Ok(())
}

/// What the analyst states about an acquisition (the files say the rest).
pub struct SceneFacts {
    pub acquired: DateTime<Utc>,
    pub sensor: String,
    pub credit: String,
    pub sun_elevation_deg: Option<f64>,
    pub sun_azimuth_deg: Option<f64>,
    pub off_nadir_deg: Option<f64>,
    pub cloud_fraction: Option<f64>,
}

/// Adds the scene made of `files` to `site` (or the catalog's only site): reads the files'
/// grids, computes the footprint, the GSD in metres and the hashes, refuses a scene that does
/// not overlap the site, and lets a site without `--gsd` follow its finest scene.
pub fn add_scene(
    catalog: &mut Catalog,
    site: Option<&str>,
    files: &[PathBuf],
    facts: SceneFacts,
) -> Result<Scene> {
    let paths: Vec<PathBuf> = files.iter().map(|p| absolute(p)).collect::<Result<_>>()?;
    let scene = SceneSource::open(&paths)?;
    let grid = scene.grid().clone();
    let described = paths_text(&paths);
    let footprint = polygon(grid.footprint_lonlat().with_context(|| {
        format!("{described}: cannot place the scene's outline in longitude/latitude")
    })?);
    let gsd_m = grid
        .gsd_m()
        .with_context(|| format!("{described}: cannot measure the pixel size in metres"))?;

    let site = match site {
        Some(name) => catalog.site(name)?,
        None => {
            let mut sites = catalog.sites()?;
            match sites.len() {
                1 => sites.remove(0),
                0 => bail!("the catalog has no site yet: add one with `sitewatch site add`"),
                n => bail!("the catalog has {n} sites: say which with --site NAME"),
            }
        }
    };
    let site_area = polygon(
        site.grid
            .footprint_lonlat()
            .context("cannot place the site's grid in longitude/latitude")?,
    );
    if !footprint.intersects(&site_area) {
        bail!(
            "{described}: the scene does not overlap site '{}' (its AOI and {} m ring); \
             check the files and the site's AOI",
            site.name,
            site.ring_m
        );
    }

    let files = paths
        .iter()
        .zip(file_roles(&scene))
        .map(|(path, role)| SceneFile::hash(path, role))
        .collect::<Result<Vec<_>, _>>()?;
    let added = catalog.add_scene(NewScene {
        site: site.name.clone(),
        acquired: facts.acquired,
        sensor: facts.sensor,
        gsd_m,
        band_count: scene.band_count(),
        credit: facts.credit,
        sun_elevation_deg: facts.sun_elevation_deg,
        sun_azimuth_deg: facts.sun_azimuth_deg,
        off_nadir_deg: facts.off_nadir_deg,
        cloud_fraction: facts.cloud_fraction,
        footprint,
        grid,
        files,
    })?;

    if site.gsd_from_scenes {
        let finest = catalog
            .scenes(Some(&site.name))?
            .iter()
            .map(|s| s.gsd_m)
            .fold(f64::INFINITY, f64::min);
        let finest = (finest * 1000.0).round() / 1000.0;
        if (finest - site.grid.gsd()).abs() > 1e-9 {
            let grid = analysis_grid(&site.aoi, finest, site.ring_m)?;
            catalog.edit_site(
                &site.name,
                SiteEdit {
                    grid: Some(grid),
                    ..SiteEdit::default()
                },
            )?;
        }
    }
    Ok(added)
}

/// One line about a scene.
fn summary(s: &Scene) -> String {
    format!(
        "{:>4}  {}  {:<12} {:>6.2} m  {} band(s)  {} file(s)  site {}",
        s.id,
        s.acquired.format("%Y-%m-%d %H:%M"),
        s.sensor,
        s.gsd_m,
        s.band_count,
        s.files.len(),
        s.site
    )
}

/// An ISO 8601 date (`2021-04-20`) or date-time (`2021-04-20T10:12:00Z`, with an offset, or
/// without one, taken as UTC).
pub fn parse_date(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    bail!(
        "--date '{text}' is not an ISO 8601 date or date-time \
         (e.g. 2021-04-20 or 2021-04-20T10:12:00Z)"
    )
}

fn check_range(flag: &str, value: Option<f64>, lo: f64, hi: f64) -> Result<()> {
    match value {
        Some(v) if !(lo..=hi).contains(&v) => bail!("{flag} {v}: must be between {lo} and {hi}"),
        _ => Ok(()),
    }
}

fn polygon(ring: Vec<(f64, f64)>) -> Polygon<f64> {
    Polygon::new(LineString::from(ring), vec![])
}

fn paths_text(paths: &[PathBuf]) -> String {
    match paths {
        [one] => one.display().to_string(),
        many => format!("{} (and {} more)", many[0].display(), many.len() - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_utc() {
        let d = parse_date("2021-04-20").unwrap();
        assert_eq!(d.to_rfc3339(), "2021-04-20T00:00:00+00:00");
        let t = parse_date("2021-04-20T12:30:00+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-04-20T10:30:00+00:00");
        assert!(parse_date("20/04/2021").is_err());
        assert!(parse_date("2021-13-01").is_err());
    }
}
