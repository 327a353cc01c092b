//! `sitewatch timeline SITE`: everything known to have happened at a site, by date, each
//! entry with its source.

use anyhow::Result;
use clap::Args;

use crate::output::Context;

#[derive(Args)]
pub struct TimelineArgs {
    /// The site's name or one of its aliases.
    site: String,
}

pub fn run(ctx: &Context, args: TimelineArgs) -> Result<()> {
    let entries = ctx.open_catalog()?.timeline(&args.site)?;
    ctx.print(&entries, |entries| {
        if entries.is_empty() {
            return format!(
                "nothing on the timeline of '{}' yet: add scenes (`sitewatch scene add`) \
                 or events (`sitewatch event add`)",
                args.site
            );
        }
        entries
            .iter()
            .map(|e| {
                let summary = e
                    .summary
                    .as_deref()
                    .map(|s| format!("{s}  "))
                    .unwrap_or_default();
                format!(
                    "{:<24}  {:<5} {:<4} {:<12}  {summary}[source: {}]",
                    e.date, e.origin, e.id, e.kind, e.source
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
