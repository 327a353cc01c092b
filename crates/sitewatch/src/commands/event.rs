//! `sitewatch event ...`: dated, sourced facts about a site from outside the imagery.

use anyhow::Result;
use catalog::{Event, EventDate, EventKind, NewEvent};
use clap::{Args, Subcommand};

use crate::output::Context;

#[derive(Subcommand)]
pub enum EventCommand {
    /// Record an event of a site: a visit, media, a report, construction news.
    Add(AddArgs),
    /// List the events of a site, by date.
    List {
        /// The site's name or one of its aliases.
        site: String,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// The site's name or one of its aliases.
    site: String,
    /// When it happened (or was published): ISO 8601 date or date-time, UTC unless an offset
    /// is given.
    #[arg(long, value_name = "ISO8601", value_parser = str::parse::<EventDate>)]
    date: EventDate,
    /// What sort of fact it is: visit, media, report, construction or other.
    #[arg(long, value_parser = str::parse::<EventKind>)]
    kind: EventKind,
    /// Where it comes from: a citation or URL (required).
    #[arg(long)]
    source: String,
    /// What happened, in your words.
    #[arg(long)]
    note: Option<String>,
}

pub fn run(ctx: &Context, command: EventCommand) -> Result<()> {
    match command {
        EventCommand::Add(args) => {
            let event = ctx.open_catalog()?.add_event(NewEvent {
                site: args.site,
                date: args.date,
                kind: args.kind,
                source: args.source,
                note: args.note,
            })?;
            ctx.print(&event, |e| {
                format!("added event {} of site '{}': {}", e.id, e.site, line(e))
            });
            Ok(())
        }
        EventCommand::List { site } => {
            let events = ctx.open_catalog()?.events(&site)?;
            ctx.print(&events, |events| {
                if events.is_empty() {
                    return format!(
                        "no events of '{site}' yet: add one with \
                         `sitewatch event add {site} --date D --kind K --source S`"
                    );
                }
                events.iter().map(line).collect::<Vec<_>>().join("\n")
            });
            Ok(())
        }
    }
}

/// An event on one line: date, kind, note and source.
fn line(event: &Event) -> String {
    let note = event
        .note
        .as_deref()
        .map(|n| format!("{n}  "))
        .unwrap_or_default();
    format!(
        "{}  {}  {note}[source: {}]",
        event.date, event.kind, event.source
    )
}
