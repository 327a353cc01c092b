//! `sitewatch synth -o DIR`: a made-up site over five dates with known truth, for trying
//! sitewatch and for testing it.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use serde::Serialize;

use crate::output::Context;

#[derive(Args)]
pub struct SynthArgs {
    /// The folder to write the scenes, aoi.geojson, acquisitions.json and truth.json into.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// The seed: the same seed writes the same site, bit for bit.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Serialize)]
struct SynthReport {
    site: String,
    aoi: PathBuf,
    truth: PathBuf,
    acquisitions: Vec<synth::AcquisitionFile>,
}

pub fn run(ctx: &Context, args: SynthArgs) -> Result<()> {
    let report = write_site(ctx, &args.output, args.seed)?;
    ctx.print(&report, |r| {
        let mut lines = vec![format!(
            "wrote site '{}' to {}",
            r.site,
            args.output.display()
        )];
        for a in &r.acquisitions {
            lines.push(format!(
                "  {}  {}  {}",
                a.datetime,
                a.sensor,
                a.path.display()
            ));
        }
        lines.push(format!(
            "  AOI {}, truth {}",
            r.aoi.display(),
            r.truth.display()
        ));
        lines.join("\n")
    });
    Ok(())
}

/// Writes the plant-complex scenario of `seed` into `dir`.
fn write_site(ctx: &Context, dir: &std::path::Path, seed: u64) -> Result<SynthReport> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    let scenario = synth::plant_complex(seed);
    let bar = ctx.progress(scenario.acquisitions.len() as u64, "rendering");
    let mut acquisitions = Vec::new();
    for index in 0..scenario.acquisitions.len() {
        acquisitions.push(synth::write_acquisition(&scenario, index, dir)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    synth::write_metadata(&scenario, &acquisitions, dir)?;
    Ok(SynthReport {
        site: scenario.name.clone(),
        aoi: dir.join("aoi.geojson"),
        truth: dir.join("truth.json"),
        acquisitions,
    })
}
