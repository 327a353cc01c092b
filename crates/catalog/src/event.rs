//! Events: dated, sourced facts about a site that do not come from imagery (a site visit, a
//! news report, a construction permit), kept in the `events` table.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rusqlite::{named_params, Connection, Row};
use serde::{Serialize, Serializer};

use crate::catalog::Catalog;
use crate::columns::{datetime_text, read_datetime};
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geopackage::record_change;
use crate::site::find_site;

/// When something happened: a whole day when only the day is known (a report's publication
/// date), or an instant in UTC (an acquisition time). Written as ISO 8601 text, `2021-04-11`
/// or `2021-04-11T07:05:30.250Z`; a day sorts before every instant within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventDate {
    /// A calendar day (UTC), time of day unknown.
    Day(NaiveDate),
    /// An instant, UTC, kept to the millisecond.
    Instant(DateTime<Utc>),
}

impl EventDate {
    /// The first instant the date can mean: midnight UTC for a day.
    pub fn start(&self) -> DateTime<Utc> {
        match self {
            EventDate::Day(day) => day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc(),
            EventDate::Instant(t) => *t,
        }
    }
}

impl Ord for EventDate {
    fn cmp(&self, other: &Self) -> Ordering {
        let precision = |d: &EventDate| matches!(d, EventDate::Instant(_));
        (self.start(), precision(self)).cmp(&(other.start(), precision(other)))
    }
}

impl PartialOrd for EventDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<DateTime<Utc>> for EventDate {
    fn from(time: DateTime<Utc>) -> Self {
        EventDate::Instant(time)
    }
}

impl fmt::Display for EventDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventDate::Day(day) => f.pad(&day.format("%Y-%m-%d").to_string()),
            EventDate::Instant(t) => f.pad(&datetime_text(t)),
        }
    }
}

impl Serialize for EventDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A text that is not an ISO 8601 date or date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an ISO 8601 date or date-time (e.g. 2021-04-11 or 2021-04-11T10:12:00Z)")]
pub struct BadEventDate(pub String);

impl FromStr for EventDate {
    type Err = BadEventDate;

    /// Reads `2021-04-11` as a day and `2021-04-11T10:12:00Z`, `...+03:30` or a date-time
    /// without offset (taken as UTC) as an instant.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(EventDate::Day(day));
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(EventDate::Instant(t.with_timezone(&Utc)));
        }
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|t| EventDate::Instant(t.and_utc()))
            .ok_or_else(|| BadEventDate(text.to_string()))
    }
}

/// What sort of fact an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Someone went there: an inspection, a diplomatic or press visit.
    Visit,
    /// Photographs or video of the site published in the media or online.
    Media,
    /// A written report: official, NGO, press, or an analyst's own.
    Report,
    /// Building work known from a source other than imagery (permits, tenders, statements).
    Construction,
    /// Anything else worth placing on the timeline.
    Other,
}

impl EventKind {
    /// Every kind, in the order help texts list them.
    pub const ALL: [EventKind; 5] = [
        EventKind::Visit,
        EventKind::Media,
        EventKind::Report,
        EventKind::Construction,
        EventKind::Other,
    ];

    /// The kind's name as stored and typed: "visit", "media", ...
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Visit => "visit",
            EventKind::Media => "media",
            EventKind::Report => "report",
            EventKind::Construction => "construction",
            EventKind::Other => "other",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A name that is not an event kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an event kind: use visit, media, report, construction or other")]
pub struct UnknownEventKind(pub String);

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    /// Reads a kind's name, ignoring ASCII case and surrounding blanks.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownEventKind(text.to_string()))
    }
}

/// An event to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The name or an alias of the site the event concerns.
    pub site: String,
    /// When it happened (or was published, for media and reports).
    pub date: EventDate,
    /// What sort of fact it is.
    pub kind: EventKind,
    /// Where the fact comes from: a citation or a URL (required).
    pub source: String,
    /// What happened, in the analyst's words.
    pub note: Option<String>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The event's id in the `events` table.
    pub id: i64,
    /// The name of the site the event concerns.
    pub site: String,
    /// When it happened.
    pub date: EventDate,
    /// What sort of fact it is.
    pub kind: EventKind,
    /// Where the fact comes from.
    pub source: String,
    /// What happened.
    pub note: Option<String>,
    /// When the event was added to the catalog.
    pub created: DateTime<Utc>,
}

const EVENT_COLUMNS: &str = "events.fid, sites.name AS site_name, events.date, events.kind, \
    events.source, events.note, events.created";

impl Catalog {
    /// Adds a dated, sourced event to a site. An event without a source is refused: every
    /// fact on a timeline must say where it comes from.
    pub fn add_event(&mut self, event: NewEvent) -> Result<Event, CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, &event.site)?;
            let source = event.source.trim();
            if source.is_empty() {
                return Err(CatalogErrorKind::invalid(
                    "event source",
                    "it is empty; give the citation or URL the event comes from",
                ));
            }
            let note = event
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            conn.execute(
                "INSERT INTO events (site_fid, date, kind, source, note, created)
                 VALUES (:site, :date, :kind, :source, :note, :created)",
                named_params! {
                    ":site": site.id,
                    ":date": event.date.to_string(),
                    ":kind": event.kind.as_str(),
                    ":source": source,
                    ":note": note,
                    ":created": datetime_text(&Utc::now()),
                },
            )?;
            let id = conn.last_insert_rowid();
            record_change(conn, "events")?;
            read_events(conn, "events.fid = ?1", id)?
                .pop()
                .ok_or_else(|| CatalogErrorKind::Damaged(format!("event {id} vanished")))
        })
    }

    /// The events of a site (by name or alias), by date; events of the same date in the order
    /// they were added.
    pub fn events(&self, site: &str) -> Result<Vec<Event>, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            let mut events = read_events(conn, "events.site_fid = ?1", site.id)?;
            events.sort_by_key(|e| (e.date, e.id));
            Ok(events)
        })
    }
}

/// The events matching `condition` (with one parameter, `value`).
fn read_events(
    conn: &Connection,
    condition: &str,
    value: i64,
) -> Result<Vec<Event>, CatalogErrorKind> {
    let mut statement = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events JOIN sites ON sites.fid = events.site_fid
         WHERE {condition} ORDER BY events.fid"
    ))?;
    let mut rows = statement.query([value])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        events.push(event_from_row(row)?);
    }
    Ok(events)
}

fn event_from_row(row: &Row) -> Result<Event, CatalogErrorKind> {
    let id: i64 = row.get("fid")?;
    let date: String = row.get("date")?;
    let kind: String = row.get("kind")?;
    let damaged = |why: String| CatalogErrorKind::Damaged(format!("event {id}: {why}"));
    Ok(Event {
        id,
        site: row.get("site_name")?,
        date: date
            .parse()
            .map_err(|e: BadEventDate| damaged(e.to_string()))?,
        kind: kind
            .parse()
            .map_err(|e: UnknownEventKind| damaged(e.to_string()))?,
        source: row.get("source")?,
        note: row.get("note")?,
        created: read_datetime(row, "created")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bytes, fordow, natanz, temp_catalog};

    fn event(site: &str, date: &str, kind: EventKind, source: &str) -> NewEvent {
        NewEvent {
            site: site.into(),
            date: date.parse().unwrap(),
            kind,
            source: source.into(),
            note: None,
        }
    }

    #[test]
    fn dates_read_as_days_or_instants_and_sort_in_time() {
        let day: EventDate = "2021-04-11".parse().unwrap();
        assert!(matches!(day, EventDate::Day(_)));
        assert_eq!(day.to_string(), "2021-04-11");
        let tehran: EventDate = "2021-04-11T10:12:00+04:30".parse().unwrap();
        assert_eq!(tehran.to_string(), "2021-04-11T05:42:00.000Z");
        let naive: EventDate = "2021-04-10T23:00".parse().unwrap();
        assert_eq!(naive.to_string(), "2021-04-10T23:00:00.000Z");
        let mut dates = vec![tehran, day, naive];
        dates.sort();
        assert_eq!(dates, vec![naive, day, tehran]);
        let error = "11/04/2021".parse::<EventDate>().unwrap_err();
        assert!(error.to_string().contains("'11/04/2021'"), "{error}");
    }

    #[test]
    fn kinds_read_by_name() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>().unwrap(), kind);
        }
        assert_eq!(" Report ".parse::<EventKind>().unwrap(), EventKind::Report);
        let error = "rumour".parse::<EventKind>().unwrap_err().to_string();
        assert!(error.contains("'rumour'") && error.contains("construction"));
    }

    #[test]
    fn events_are_stored_and_listed_by_date() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        catalog.add_site(fordow()).unwrap();
        let report = NewEvent {
            note: Some("  blackout in the underground hall  ".into()),
            ..event(
                "FEP",
                "2021-04-11",
                EventKind::Report,
                " https://example.org/natanz-blackout ",
            )
        };
        let stored = catalog.add_event(report).unwrap();
        assert_eq!(stored.site, "Natanz");
        assert_eq!(stored.source, "https://example.org/natanz-blackout");
        assert_eq!(
            stored.note.as_deref(),
            Some("blackout in the underground hall")
        );
        let visit = catalog
            .add_event(event(
                "natanz",
                "2003-02-21T09:00:00Z",
                EventKind::Visit,
                "IAEA GOV/2003/40",
            ))
            .unwrap();
        catalog
            .add_event(event("Fordow", "2009-09-25", EventKind::Media, "press"))
            .unwrap();
        let same_day = catalog
            .add_event(event("Natanz", "2021-04-11", EventKind::Other, "a second"))
            .unwrap();

        let events = catalog.events("Natanz").unwrap();
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![visit.id, stored.id, same_day.id]);
        assert_eq!(events[1], stored);
        assert_eq!(catalog.events("Fordow").unwrap().len(), 1);

        let json = serde_json::to_value(&events[0]).unwrap();
        assert_eq!(json["date"], "2003-02-21T09:00:00.000Z");
        assert_eq!(json["kind"], "visit");
        assert_eq!(json["source"], "IAEA GOV/2003/40");
    }

    #[test]
    fn events_without_site_or_source_are_refused_and_nothing_is_written() {
        let (dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let path = dir.path().join("dossier.gpkg");
        let before = bytes(&path);
        let unknown = catalog
            .add_event(event("Arak", "2020-01-01", EventKind::Visit, "a source"))
            .unwrap_err();
        assert!(matches!(unknown.kind, CatalogErrorKind::SiteNotFound(ref s) if s == "Arak"));
        for source in ["", "  \t "] {
            let error = catalog
                .add_event(event("Natanz", "2020-01-01", EventKind::Visit, source))
                .unwrap_err();
            assert!(error.to_string().contains("event source"), "{error}");
        }
        assert_eq!(bytes(&path), before);
        assert!(catalog.events("Natanz").unwrap().is_empty());
        assert!(matches!(
            catalog.events("Arak").unwrap_err().kind,
            CatalogErrorKind::SiteNotFound(_)
        ));
    }
}
