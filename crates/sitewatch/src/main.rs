//! `sitewatch`: the command line that composes the sitewatch crates. This is the only place
//! that knows about terminals, progress bars and exit codes.

mod allocator;
mod aoi;
mod changes;
mod commands;
mod output;
mod pipeline;
mod scenes;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Watch named sites in satellite imagery and turn what changes there into measured, sourced
/// evidence.
#[derive(Parser)]
#[command(name = "sitewatch", version, about)]
struct Cli {
    /// The site catalog (a GeoPackage file that QGIS opens).
    #[arg(long, global = true, default_value = "sitewatch.gpkg")]
    db: PathBuf,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sites of interest: add, edit, list, show.
    #[command(subcommand)]
    Site(commands::site::SiteCommand),
    /// Scenes (acquisitions) of the sites: add, list.
    #[command(subcommand)]
    Scene(commands::scene::SceneCommand),
    /// Align every scene of a site to its reference scene and store the corrections.
    Align(commands::align::AlignArgs),
    /// Write a scene resampled onto its site's grid (with its stored alignment).
    Warp(commands::warp::WarpArgs),
    /// Measure how far TARGET must move to sit on REF (sub-pixel co-registration).
    Coreg(commands::coreg::CoregArgs),
    /// Run the site pipeline: align, compare dates, rebuild the building registry (incremental).
    Run(commands::run::RunArgs),
    /// The site's building registry; `import` existing footprints, `export` for a GIS.
    Buildings(commands::buildings::BuildingsArgs),
    /// The area of building A against building B, with its interval.
    Compare(commands::compare::CompareArgs),
    /// Find what changed between two images: probability, mask and change polygons.
    Detect(commands::detect::DetectArgs),
    /// Train the change network on labelled pairs (seeded, reproducible).
    Train(commands::train::TrainArgs),
    /// Measure a change method on labelled pairs (precision, recall, F1, IoU).
    Eval(commands::eval::EvalArgs),
    /// Measure the change methods' speed and peak memory on generated pairs.
    Bench(commands::bench::BenchArgs),
    /// Run the whole system on a generated site whose truth is known, and check it.
    Demo(commands::demo::DemoArgs),
    /// Write a made-up site over five dates with known truth (for trying and testing).
    Synth(commands::synth::SynthArgs),
    /// Dated, sourced events of a site (visits, media, reports): add, list.
    #[command(subcommand)]
    Event(commands::event::EventCommand),
    /// Everything known to have happened at a site, by date, with sources.
    Timeline(commands::timeline::TimelineArgs),
    /// Write the site's evidence report: HTML, figures, building table, timeline, manifest.
    Report(commands::report::ReportArgs),
    /// Check a report folder's inputs against its manifest (exit status 4 when any changed).
    Verify(commands::verify::VerifyArgs),
    /// Serve the catalog over HTTP: JSON API, imagery tiles and the review viewer (loopback).
    Serve(commands::serve::ServeArgs),
}

/// A command's failure: the message for the user and the exit status.
pub struct Failure {
    pub status: u8,
    pub error: anyhow::Error,
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure { status: 1, error }
    }
}

fn main() -> ExitCode {
    allocator::reuse_freed_memory();
    let cli = Cli::parse();
    let ctx = output::Context {
        db: cli.db,
        json: cli.json,
    };
    let result: Result<(), Failure> = match cli.command {
        Command::Site(c) => commands::site::run(&ctx, c).map_err(Failure::from),
        Command::Scene(c) => commands::scene::run(&ctx, c).map_err(Failure::from),
        Command::Align(a) => commands::align::run(&ctx, a).map_err(Failure::from),
        Command::Warp(a) => commands::warp::run(&ctx, a).map_err(Failure::from),
        Command::Coreg(a) => commands::coreg::run(&ctx, a),
        Command::Run(a) => commands::run::run(&ctx, a).map_err(Failure::from),
        Command::Buildings(a) => commands::buildings::run(&ctx, a).map_err(Failure::from),
        Command::Compare(a) => commands::compare::run(&ctx, a).map_err(Failure::from),
        Command::Detect(a) => commands::detect::run(&ctx, a).map_err(Failure::from),
        Command::Train(a) => commands::train::run(&ctx, a).map_err(Failure::from),
        Command::Eval(a) => commands::eval::run(&ctx, a).map_err(Failure::from),
        Command::Bench(a) => commands::bench::run(&ctx, a).map_err(Failure::from),
        Command::Demo(a) => commands::demo::run(&ctx, a).map_err(Failure::from),
        Command::Synth(a) => commands::synth::run(&ctx, a).map_err(Failure::from),
        Command::Event(c) => commands::event::run(&ctx, c).map_err(Failure::from),
        Command::Timeline(a) => commands::timeline::run(&ctx, a).map_err(Failure::from),
        Command::Report(a) => commands::report::run(&ctx, a).map_err(Failure::from),
        Command::Verify(a) => commands::verify::run(&ctx, a),
        Command::Serve(a) => commands::serve::run(&ctx, a).map_err(Failure::from),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            output::report_error(&failure.error);
            ExitCode::from(failure.status)
        }
    }
}
