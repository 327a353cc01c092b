//! `sitewatch site ...`: the dossier's sites.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use catalog::{NewSite, Site, SiteEdit};
use clap::{Args, Subcommand};
use geo_types::Polygon;

use crate::aoi::{parse_bbox, read_geojson_polygon};
use crate::output::Context;

/// The GSD a site's grid starts with when `--gsd` is not given; the finest scene's replaces it
/// (see `scene add`).
pub const PROVISIONAL_GSD_M: f64 = 1.0;

#[derive(Subcommand)]
pub enum SiteCommand {
    /// Add a site: its name, area of interest and the ring around it.
    Add(AddArgs),
    /// Change a site's names, description, AOI or ring.
    Edit(EditArgs),
    /// List the sites of the catalog.
    List,
    /// Show one site (by name or alias).
    Show {
        /// The site's name or one of its aliases.
        name: String,
    },
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("area").required(true).args(["aoi", "bbox"])))]
pub struct AddArgs {
    /// The site's name.
    name: String,
    /// The area of interest: a GeoJSON file holding one polygon in longitude/latitude.
    #[arg(long, value_name = "FILE.geojson")]
    aoi: Option<PathBuf>,
    /// The area of interest as a longitude/latitude box.
    #[arg(long, value_name = "W,S,E,N", allow_hyphen_values = true)]
    bbox: Option<String>,
    /// Another name the site is known by (repeatable).
    #[arg(long = "alias", value_name = "A")]
    aliases: Vec<String>,
    /// The complex the site belongs to.
    #[arg(long)]
    parent: Option<String>,
    /// What the site makes or does.
    #[arg(long)]
    makes: Option<String>,
    /// How far around the AOI to look for housing and support facilities, in metres.
    #[arg(long, default_value_t = 1000.0, value_name = "METRES")]
    ring: f64,
    /// The analysis grid's pixel size in metres (default: the finest scene's).
    #[arg(long, value_name = "M")]
    gsd: Option<f64>,
    /// Free-text notes.
    #[arg(long)]
    notes: Option<String>,
}

#[derive(Args)]
pub struct EditArgs {
    /// The site's name or one of its aliases.
    name: String,
    /// A new name.
    #[arg(long)]
    rename: Option<String>,
    /// An alias to add (repeatable).
    #[arg(long = "alias", value_name = "A")]
    add_aliases: Vec<String>,
    /// An alias to remove (repeatable).
    #[arg(long = "remove-alias", value_name = "A")]
    remove_aliases: Vec<String>,
    /// A new parent complex ("" clears it).
    #[arg(long)]
    parent: Option<String>,
    /// A new description of what the site makes ("" clears it).
    #[arg(long)]
    makes: Option<String>,
    /// A new ring distance in metres.
    #[arg(long, value_name = "METRES")]
    ring: Option<f64>,
    /// New notes ("" clears them).
    #[arg(long)]
    notes: Option<String>,
}

pub fn run(ctx: &Context, command: SiteCommand) -> Result<()> {
    match command {
        SiteCommand::Add(args) => add(ctx, args),
        SiteCommand::Edit(args) => edit(ctx, args),
        SiteCommand::List => list(ctx),
        SiteCommand::Show { name } => {
            let site = ctx.open_catalog()?.site(&name)?;
            ctx.print(&site, describe);
            Ok(())
        }
    }
}

fn add(ctx: &Context, args: AddArgs) -> Result<()> {
    let aoi = match (&args.aoi, &args.bbox) {
        (Some(path), _) => read_geojson_polygon(path)?,
        (None, Some(bbox)) => parse_bbox(bbox)?,
        (None, None) => unreachable!("clap requires --aoi or --bbox"),
    };
    if !(args.ring >= 0.0 && args.ring.is_finite()) {
        anyhow::bail!(
            "--ring {}: the ring distance must be zero or more metres",
            args.ring
        );
    }
    if let Some(gsd) = args.gsd {
        if !(gsd > 0.0 && gsd.is_finite()) {
            anyhow::bail!("--gsd {gsd}: the pixel size must be a positive number of metres");
        }
    }
    let grid = analysis_grid(&aoi, args.gsd.unwrap_or(PROVISIONAL_GSD_M), args.ring)?;
    let mut catalog = ctx.open_catalog()?;
    let site = catalog.add_site(NewSite {
        name: args.name,
        aliases: args.aliases,
        parent: args.parent,
        makes: args.makes,
        aoi,
        ring_m: args.ring,
        grid,
        gsd_from_scenes: args.gsd.is_none(),
        notes: args.notes,
    })?;
    ctx.print(&site, |s| format!("added site {}\n{}", s.name, describe(s)));
    Ok(())
}

fn edit(ctx: &Context, args: EditArgs) -> Result<()> {
    let clearable = |v: Option<String>| v.map(|t| (!t.trim().is_empty()).then_some(t));
    let mut catalog = ctx.open_catalog()?;
    let before = catalog.site(&args.name)?;
    let grid = match args.ring {
        Some(ring) => Some(analysis_grid(&before.aoi, before.grid.gsd(), ring)?),
        None => None,
    };
    let site = catalog.edit_site(
        &args.name,
        SiteEdit {
            rename: args.rename,
            add_aliases: args.add_aliases,
            remove_aliases: args.remove_aliases,
            parent: clearable(args.parent),
            makes: clearable(args.makes),
            ring_m: args.ring,
            grid,
            notes: clearable(args.notes),
            ..SiteEdit::default()
        },
    )?;
    ctx.print(&site, |s| {
        format!("edited site {}\n{}", s.name, describe(s))
    });
    Ok(())
}

fn list(ctx: &Context) -> Result<()> {
    let sites = ctx.open_catalog()?.sites()?;
    ctx.print(&sites, |sites| {
        if sites.is_empty() {
            return "no sites yet: add one with `sitewatch site add NAME --bbox W,S,E,N`".into();
        }
        sites
            .iter()
            .map(|s| {
                let aka = if s.aliases.is_empty() {
                    String::new()
                } else {
                    format!(" (aka {})", s.aliases.join(", "))
                };
                format!("{}{aka}: {}", s.name, s.makes.as_deref().unwrap_or("-"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// The site's analysis grid: UTM zone of the AOI centre, covering the AOI and its ring.
pub fn analysis_grid(aoi: &Polygon<f64>, gsd_m: f64, ring_m: f64) -> Result<raster::Grid> {
    let ring: Vec<(f64, f64)> = aoi.exterior().coords().map(|c| (c.x, c.y)).collect();
    raster::site_grid(&ring, gsd_m, ring_m).context("cannot make the site's analysis grid")
}

/// A site as text, one field a line.
pub fn describe(site: &Site) -> String {
    let (w, s, e, n) = lonlat_bounds(&site.aoi);
    let gsd_note = if site.gsd_from_scenes {
        " (follows the finest scene)"
    } else {
        ""
    };
    let mut lines = vec![
        format!("name:     {}", site.name),
        format!("aliases:  {}", site.aliases.join(", ")),
        format!("parent:   {}", site.parent.as_deref().unwrap_or("-")),
        format!("makes:    {}", site.makes.as_deref().unwrap_or("-")),
        format!("aoi:      W {w:.6} S {s:.6} E {e:.6} N {n:.6}"),
        format!("ring:     {} m", site.ring_m),
        format!(
            "grid:     {} {}x{} px at {} m{gsd_note}",
            site.grid.crs,
            site.grid.width,
            site.grid.height,
            site.grid.gsd()
        ),
    ];
    if let Some(notes) = &site.notes {
        lines.push(format!("notes:    {notes}"));
    }
    lines.join("\n")
}

fn lonlat_bounds(p: &Polygon<f64>) -> (f64, f64, f64, f64) {
    p.exterior().coords().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(w, s, e, n), c| (w.min(c.x), s.min(c.y), e.max(c.x), n.max(c.y)),
    )
}
