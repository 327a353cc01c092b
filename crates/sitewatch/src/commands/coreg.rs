//! `sitewatch coreg REF TARGET`: how far TARGET must move to sit on REF, sub-pixel.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use raster::coreg::{coregister, Alignment, CoregError, CoregParams, CorrectionModel, MaskedBand};
use raster::{
    warp, CoordTransform, GeoTiff, Grid, Raster, RasterSource, Resampling, WarpOptions, Window,
};
use serde::Serialize;

use crate::output::Context;
use crate::Failure;

/// The exit status of a refused co-registration.
pub const REFUSED_STATUS: u8 = 3;

#[derive(Args)]
pub struct CoregArgs {
    /// The reference image (GeoTIFF): its grid is the frame.
    reference: PathBuf,
    /// The image to align (GeoTIFF), resampled onto REF's grid over their overlap.
    target: PathBuf,
}

/// What `coreg` prints: how far TARGET must move, in REF pixels (positive dx east, positive
/// dy south), and how well that is known.
#[derive(Serialize)]
struct CoregReport {
    dx: f64,
    dy: f64,
    rmse: f64,
    rmse_m: f64,
    tie_points: usize,
    rejected: usize,
    model: CorrectionModel,
    /// The overlap on REF's grid that was matched: column, row, width, height.
    overlap: Window,
}

#[derive(Serialize)]
struct Refusal {
    refused: bool,
    reason: String,
}

pub fn run(ctx: &Context, args: CoregArgs) -> Result<(), Failure> {
    let reference = GeoTiff::open(&args.reference).map_err(anyhow::Error::from)?;
    let target = GeoTiff::open(&args.target).map_err(anyhow::Error::from)?;
    let overlap = overlap_window(reference.grid(), target.grid()).with_context(|| {
        format!(
            "{} and {}: cannot find their overlap",
            args.reference.display(),
            args.target.display()
        )
    })?;
    let reference_pixels = reference
        .read_window(&overlap)
        .map_err(anyhow::Error::from)?;
    match align(&reference_pixels, &target)? {
        Ok(alignment) => {
            let gsd = reference_pixels.grid.gsd_m().unwrap_or(f64::NAN);
            let report = CoregReport {
                dx: alignment.dx,
                dy: alignment.dy,
                rmse: alignment.rmse_px,
                rmse_m: alignment.rmse_px * gsd,
                tie_points: alignment.used,
                rejected: alignment.rejected,
                model: alignment.model,
                overlap,
            };
            ctx.print(&report, |r| {
                format!(
                    "move TARGET by dx {:+.3} px (east), dy {:+.3} px (south); residual RMSE \
                     {:.3} px ({:.2} m) over {} tie points ({} rejected)",
                    r.dx, r.dy, r.rmse, r.rmse_m, r.tie_points, r.rejected
                )
            });
            Ok(())
        }
        Err(refusal) => {
            let reason = refusal.to_string();
            if ctx.json {
                ctx.print(
                    &Refusal {
                        refused: true,
                        reason: reason.clone(),
                    },
                    |_| String::new(),
                );
            }
            Err(Failure {
                status: REFUSED_STATUS,
                error: anyhow::anyhow!("co-registration refused, TARGET left unaligned: {reason}"),
            })
        }
    }
}

/// Warps `target` onto `reference`'s grid (bilinear) and measures the correction that brings
/// it onto `reference`; the inner error is co-registration's refusal.
pub fn align(
    reference: &Raster,
    target: &(dyn RasterSource + Sync),
) -> Result<Result<Alignment, CoregError>> {
    let warped = warp(
        target,
        &reference.grid,
        Resampling::Bilinear,
        &WarpOptions::default(),
    )?;
    let mut target_band = MaskedBand::brightness(&warped.raster);
    for (valid, &covered) in target_band.valid.iter_mut().zip(&warped.covered) {
        *valid &= covered;
    }
    let reference_band = MaskedBand::brightness(reference);
    Ok(coregister(
        &reference_band,
        &target_band,
        &CoregParams::default(),
    ))
}

/// The window of `reference` that `target` covers.
fn overlap_window(reference: &Grid, target: &Grid) -> Result<Window> {
    let mut corners = target.footprint_lonlat()?;
    CoordTransform::new(&raster::Crs::wgs84(), &reference.crs)?.transform_points(&mut corners)?;
    let to_pixel = reference
        .transform
        .inverse()
        .context("the reference grid's transform cannot be inverted")?;
    let (mut c0, mut r0, mut c1, mut r1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in corners {
        let (c, r) = to_pixel.apply(x, y);
        (c0, r0, c1, r1) = (c0.min(c), r0.min(r), c1.max(c), r1.max(r));
    }
    let clamp = |v: f64, max: usize| v.clamp(0.0, max as f64) as usize;
    let (c0, c1) = (
        clamp(c0.ceil(), reference.width),
        clamp(c1.floor(), reference.width),
    );
    let (r0, r1) = (
        clamp(r0.ceil(), reference.height),
        clamp(r1.floor(), reference.height),
    );
    if c1 <= c0 || r1 <= r0 {
        bail!("the two images do not overlap");
    }
    Ok(Window::new(c0, r0, c1 - c0, r1 - r0))
}
