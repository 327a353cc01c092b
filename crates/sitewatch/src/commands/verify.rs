//! `sitewatch verify DIR`: check a report folder against its provenance manifest.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;

use crate::output::Context;
use crate::Failure;

/// The exit status when an input of the report changed or is missing.
pub const INPUTS_CHANGED: u8 = 4;

#[derive(Args)]
pub struct VerifyArgs {
    /// The report folder (holding manifest.json).
    dir: PathBuf,
}

pub fn run(ctx: &Context, args: VerifyArgs) -> Result<(), Failure> {
    let report = report::verify(&args.dir).map_err(anyhow::Error::from)?;
    ctx.print(&report, |r| {
        if r.is_intact() {
            return format!(
                "ok: all {} inputs of {} match their sha256",
                r.inputs,
                r.manifest.display()
            );
        }
        r.problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    });
    if report.is_intact() {
        return Ok(());
    }
    let names: Vec<String> = report
        .problems
        .iter()
        .map(|p| p.path.display().to_string())
        .collect();
    Err(Failure {
        status: INPUTS_CHANGED,
        error: anyhow!(
            "{}: {} of {} inputs changed or missing: {}",
            report.manifest.display(),
            report.problems.len(),
            report.inputs,
            names.join(", ")
        ),
    })
}
