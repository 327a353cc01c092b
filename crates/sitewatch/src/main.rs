//! `sitewatch`: the command line that composes the sitewatch crates. This is the only place
//! that knows about terminals, progress bars and exit codes.

use clap::{Parser, Subcommand};

/// Watch named sites in satellite imagery and turn what changes there into measured, sourced
/// evidence.
#[derive(Parser)]
#[command(name = "sitewatch", version, about)]
struct Cli {
    /// The site catalog (a GeoPackage file).
    #[arg(long, global = true, default_value = "sitewatch.gpkg")]
    db: std::path::PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {}

fn main() {
    let _cli = Cli::parse();
}
