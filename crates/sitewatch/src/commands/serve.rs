//! `sitewatch serve`: the catalog over HTTP for the analyst's browser (the review map at `/`,
//! the JSON API under `/api/`), on loopback unless told otherwise.

use std::net::SocketAddr;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::output::Context;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on. Anything but loopback exposes the dossier to the network.
    #[arg(long, default_value = "127.0.0.1:8750")]
    addr: SocketAddr,
    /// Refuse every write (403), token or not.
    #[arg(long)]
    read_only: bool,
}

pub fn run(ctx: &Context, args: ServeArgs) -> Result<()> {
    let mut catalog = ctx.open_catalog()?;
    let access = if args.read_only {
        server::Access::ReadOnly
    } else {
        if let Some(token) = server::first_token(&mut catalog)? {
            println!("write token (shown once, stored only as its SHA-256): {token}");
        }
        server::Access::TokenWrites
    };
    if !args.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, not loopback: anyone who can reach it can read the dossier",
            args.addr
        );
    }
    let app = server::router(server::AppState::new(catalog, access));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        println!("serving {} on http://{}/", ctx.db.display(), args.addr);
        if access == server::Access::TokenWrites {
            println!(
                "the review page asks for the write token at the first review or drawn outline"
            );
        }
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the server stopped")
    })
}
