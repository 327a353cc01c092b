//! `sitewatch warp SCENE_ID -o OUT.tif`: a scene on its site's grid, corrected by its stored
//! alignment in the same resampling.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use raster::{
    write_geotiff, NoCorrection, PixelCorrection, Resampling, WarpedSource, WriteOptions,
};
use serde::Serialize;

use crate::output::Context;
use crate::scenes::{open_catalog_scene, stored_correction};

#[derive(Args)]
pub struct WarpArgs {
    /// The scene's id (see `sitewatch scene list`).
    scene: i64,
    /// The GeoTIFF to write.
    #[arg(short, long, value_name = "OUT.tif")]
    output: PathBuf,
    /// How pixels are resampled.
    #[arg(long, value_enum, default_value_t = ResamplingArg::Bilinear)]
    resampling: ResamplingArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ResamplingArg {
    Nearest,
    Bilinear,
    Cubic,
}

#[derive(Serialize)]
struct WarpReport {
    scene: i64,
    site: String,
    output: PathBuf,
    width: usize,
    height: usize,
    gsd_m: f64,
    aligned: bool,
}

pub fn run(ctx: &Context, args: WarpArgs) -> Result<()> {
    let catalog = ctx.open_catalog()?;
    let scene = catalog.scene(args.scene)?;
    let site = catalog.site(&scene.site)?;
    let source = open_catalog_scene(&scene)?;
    let correction = stored_correction(&catalog, scene.id)?;
    let resampling = match args.resampling {
        ResamplingArg::Nearest => Resampling::Nearest,
        ResamplingArg::Bilinear => Resampling::Bilinear,
        ResamplingArg::Cubic => Resampling::Cubic,
    };
    let pixel_correction: &dyn PixelCorrection = match &correction {
        Some(model) => model,
        None => &NoCorrection,
    };
    let warped = WarpedSource::new(&source, site.grid.clone(), resampling, pixel_correction);
    write_geotiff(&args.output, &warped, &WriteOptions::default())?;
    let report = WarpReport {
        scene: scene.id,
        site: site.name.clone(),
        output: args.output.clone(),
        width: site.grid.width,
        height: site.grid.height,
        gsd_m: site.grid.gsd(),
        aligned: correction.is_some(),
    };
    ctx.print(&report, |r| {
        let aligned = if r.aligned {
            "with its alignment"
        } else {
            "UNALIGNED (run `sitewatch align` first, or it was refused)"
        };
        format!(
            "wrote {} ({}x{} px at {} m on the grid of site {}), {aligned}",
            r.output.display(),
            r.width,
            r.height,
            r.gsd_m,
            r.site
        )
    });
    Ok(())
}
