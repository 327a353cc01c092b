//! `sitewatch compare SITE A B`: how big building A is against building B, with the interval
//! both measurements allow ("the new hall is 60-70% of the original's footprint").

use anyhow::{bail, Result};
use clap::Args;
use registry::Measure;
use serde::Serialize;

use crate::output::Context;

#[derive(Args)]
pub struct CompareArgs {
    /// The site's name or one of its aliases.
    site: String,
    /// The building measured (its registry id, e.g. B0005).
    a: String,
    /// The building it is measured against.
    b: String,
}

/// The area ratio A/B with its interval.
#[derive(Serialize)]
pub struct AreaRatio {
    pub a: String,
    pub b: String,
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
    pub level: f64,
    pub area_a_m2: f64,
    pub area_b_m2: f64,
    /// What makes the interval, largest first.
    pub sources: Vec<registry::Source>,
}

pub fn run(ctx: &Context, args: CompareArgs) -> Result<()> {
    let catalog = ctx.open_catalog()?;
    let site = catalog.site(&args.site)?;
    let a = catalog.building(&site.name, &args.a)?;
    let b = catalog.building(&site.name, &args.b)?;
    let (area_a, area_b) = (area_measure(&a)?, area_measure(&b)?);
    if area_b.value <= 0.0 {
        bail!("building {} has no area to compare against", args.b);
    }
    let ratio = registry::compare(&area_a, &area_b);
    let report = AreaRatio {
        a: a.building.code.clone(),
        b: b.building.code.clone(),
        ratio: ratio.value,
        low: ratio.low,
        high: ratio.high,
        level: ratio.level,
        area_a_m2: area_a.value,
        area_b_m2: area_b.value,
        sources: ratio.sources,
    };
    ctx.print(&report, |r| {
        format!("{:.2} [{:.2}, {:.2}]", r.ratio, r.low, r.high)
    });
    Ok(())
}

/// A stored building's area with the named sources of its interval.
pub fn area_measure(stored: &catalog::StoredBuilding) -> Result<Measure> {
    let area = stored.building.measures.get("area_m2").ok_or_else(|| {
        anyhow::anyhow!(
            "building {}: the catalog keeps no interval sources for its area; run `sitewatch run {}` again",
            stored.building.code,
            stored.site
        )
    })?;
    Ok(serde_json::from_value(area.clone())?)
}
