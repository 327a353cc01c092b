//! A site's timeline: everything the dossier knows happened there, from every origin (events
//! from sources, scenes from imagery), in one list by date, each entry with its source.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::error::CatalogError;
use crate::event::{Event, EventDate};
use crate::scene::Scene;

/// Where a timeline entry comes from. Analyses that find things in imagery (detected building
/// events) add their own origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TimelineOrigin {
    /// An acquisition in the `scenes` layer.
    Scene,
    /// A sourced fact in the `events` table.
    Event,
}

impl TimelineOrigin {
    /// The origin's name as JSON and text output give it: "scene", "event".
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineOrigin::Scene => "scene",
            TimelineOrigin::Event => "event",
        }
    }
}

impl std::fmt::Display for TimelineOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One dated entry of a site's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// When it happened: the acquisition time of a scene, the date of an event.
    pub date: EventDate,
    /// Where the entry comes from.
    pub origin: TimelineOrigin,
    /// The id of the entry within its origin (scene id, event id).
    pub id: i64,
    /// What sort of entry it is within its origin: the event kind ("visit", "report"), or
    /// "acquisition" for a scene.
    pub kind: String,
    /// What happened or what was seen: the event's note, the scene's sensor and resolution.
    pub summary: Option<String>,
    /// Where it comes from: the event's citation or URL, the scene's credit line.
    pub source: String,
}

impl From<&Event> for TimelineEntry {
    fn from(event: &Event) -> Self {
        TimelineEntry {
            date: event.date,
            origin: TimelineOrigin::Event,
            id: event.id,
            kind: event.kind.to_string(),
            summary: event.note.clone(),
            source: event.source.clone(),
        }
    }
}

impl From<&Scene> for TimelineEntry {
    fn from(scene: &Scene) -> Self {
        TimelineEntry {
            date: scene.acquired.into(),
            origin: TimelineOrigin::Scene,
            id: scene.id,
            kind: "acquisition".into(),
            summary: Some(format!(
                "{}, {:.2} m GSD, {} band{}",
                scene.sensor,
                scene.gsd_m,
                scene.band_count,
                if scene.band_count == 1 { "" } else { "s" }
            )),
            source: scene.credit.clone(),
        }
    }
}

impl Catalog {
    /// The timeline of a site (by name or alias): its scenes and events by date; entries of
    /// the same date scenes first, then in the order they were added.
    pub fn timeline(&self, site: &str) -> Result<Vec<TimelineEntry>, CatalogError> {
        let events = self.events(site)?;
        let scenes = self.scenes(Some(site))?;
        let mut entries: Vec<TimelineEntry> = scenes
            .iter()
            .map(TimelineEntry::from)
            .chain(events.iter().map(TimelineEntry::from))
            .collect();
        entries.sort_by_key(|e| (e.date, e.origin, e.id));
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{lon_lat_box, natanz, scene, temp_catalog};
    use crate::{EventKind, NewEvent};

    #[test]
    fn scenes_and_events_merge_by_date_with_their_sources() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let footprint = lon_lat_box(51.6, 33.6, 51.9, 33.9);
        let late = catalog
            .add_scene(scene(
                "Natanz",
                "2021-05-01T07:00:00Z",
                footprint.clone(),
                1,
            ))
            .unwrap();
        let early = catalog
            .add_scene(scene("Natanz", "2020-06-01T07:00:00Z", footprint, 2))
            .unwrap();
        let report = catalog
            .add_event(NewEvent {
                site: "FEP".into(),
                date: "2021-04-11".parse().unwrap(),
                kind: EventKind::Report,
                source: "https://example.org/blackout".into(),
                note: Some("power cut in the halls".into()),
            })
            .unwrap();

        let timeline = catalog.timeline("Kashan enrichment plant").unwrap();
        let order: Vec<(TimelineOrigin, i64)> = timeline.iter().map(|e| (e.origin, e.id)).collect();
        assert_eq!(
            order,
            vec![
                (TimelineOrigin::Scene, early.id),
                (TimelineOrigin::Event, report.id),
                (TimelineOrigin::Scene, late.id),
            ]
        );
        assert_eq!(timeline[0].source, early.credit);
        assert_eq!(timeline[1].kind, "report");
        assert_eq!(
            timeline[1].summary.as_deref(),
            Some("power cut in the halls")
        );
        let json = serde_json::to_value(&timeline[2]).unwrap();
        assert_eq!(json["origin"], "scene");
        assert_eq!(json["date"], "2021-05-01T07:00:00.000Z");
        assert_eq!(json["summary"], "Sentinel-2A MSI, 10.00 m GSD, 2 bands");
    }

    #[test]
    fn a_site_without_scenes_or_events_has_an_empty_timeline() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        assert!(catalog.timeline("Natanz").unwrap().is_empty());
        assert!(catalog.timeline("Arak").is_err());
    }
}
