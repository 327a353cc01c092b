//! A site's timeline: everything the dossier knows happened there, from every origin (events
//! from sources, scenes from imagery, building events detected in imagery), in one list by
//! date, each entry with its source.

use std::collections::HashMap;

use serde::Serialize;

use crate::building::{NewBuildingEvent, StoredBuilding};
use crate::catalog::Catalog;
use crate::error::{CatalogError, CatalogErrorKind};
use crate::event::{Event, EventDate};
use crate::scene::Scene;

/// Where a timeline entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TimelineOrigin {
    /// An acquisition in the `scenes` layer.
    Scene,
    /// A sourced fact in the `events` table.
    Event,
    /// A building event of the registry (`building_events`), seen between two scenes.
    Building,
}

impl TimelineOrigin {
    /// The origin's name as JSON and text output give it: "scene", "event", "building".
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineOrigin::Scene => "scene",
            TimelineOrigin::Event => "event",
            TimelineOrigin::Building => "building",
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
    /// When it happened: the acquisition time of a scene, the date of an event; for a
    /// building event, the acquisition of the first scene that shows it.
    pub date: EventDate,
    /// For a building event, the acquisition of the last scene before it: it happened
    /// between `since` and `date`. `None` for entries known to the date.
    pub since: Option<EventDate>,
    /// Where the entry comes from.
    pub origin: TimelineOrigin,
    /// The id of the entry within its origin (scene id, event id, building id).
    pub id: i64,
    /// The code of the building a building event concerns, e.g. "B0001".
    pub building: Option<String>,
    /// What sort of entry it is within its origin: the event kind ("visit", "report"),
    /// "acquisition" for a scene, the building event kind ("appeared", "expanded", ...).
    pub kind: String,
    /// What happened or what was seen: the event's note, the scene's sensor and resolution,
    /// the building's code, event and area.
    pub summary: Option<String>,
    /// Where it comes from: the event's citation or URL, the scene's credit line, the credit
    /// lines of the two scenes a building event was seen between.
    pub source: String,
}

impl From<&Event> for TimelineEntry {
    fn from(event: &Event) -> Self {
        TimelineEntry {
            date: event.date,
            since: None,
            origin: TimelineOrigin::Event,
            id: event.id,
            building: None,
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
            since: None,
            origin: TimelineOrigin::Scene,
            id: scene.id,
            building: None,
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

impl TimelineEntry {
    /// The entry of `event` of `building`, seen between the scenes in `scenes` (by id).
    fn of_building_event(
        stored: &StoredBuilding,
        event: &NewBuildingEvent,
        scenes: &HashMap<i64, &Scene>,
    ) -> Result<TimelineEntry, CatalogErrorKind> {
        let building = &stored.building;
        let scene = |id: i64| {
            scenes.get(&id).copied().ok_or_else(|| {
                CatalogErrorKind::Damaged(format!(
                    "building {} cites scene {id}, which is not a scene of its site",
                    building.code
                ))
            })
        };
        let (before, after) = (scene(event.before_scene)?, scene(event.after_scene)?);
        let source = if before.credit == after.credit {
            after.credit.clone()
        } else {
            format!("{}; {}", before.credit, after.credit)
        };
        let area = &building.area_m2;
        Ok(TimelineEntry {
            date: after.acquired.into(),
            since: Some(before.acquired.into()),
            origin: TimelineOrigin::Building,
            id: stored.id,
            building: Some(building.code.clone()),
            kind: event.kind.clone(),
            summary: Some(format!(
                "{} {} between scenes {} and {}; now {:.0} m² ({:.0}-{:.0} m², {:.0}%)",
                building.code,
                event.kind.replace('_', " "),
                before.id,
                after.id,
                area.value,
                area.low,
                area.high,
                area.level * 100.0
            )),
            source: format!("sitewatch detection in {source}"),
        })
    }
}

impl Catalog {
    /// The timeline of a site (by name or alias): its scenes, events and detected building
    /// events by date (a building event at the first scene that shows it); entries of the
    /// same date scenes first, then events, then building events, each in the order they
    /// were added.
    pub fn timeline(&self, site: &str) -> Result<Vec<TimelineEntry>, CatalogError> {
        let events = self.events(site)?;
        let scenes = self.scenes(Some(site))?;
        let buildings = self.buildings(site)?;
        let by_id: HashMap<i64, &Scene> = scenes.iter().map(|s| (s.id, s)).collect();
        let mut entries: Vec<TimelineEntry> = scenes
            .iter()
            .map(TimelineEntry::from)
            .chain(events.iter().map(TimelineEntry::from))
            .collect();
        for stored in &buildings {
            for event in &stored.building.history {
                entries.push(
                    TimelineEntry::of_building_event(stored, event, &by_id)
                        .map_err(|kind| self.error(kind))?,
                );
            }
        }
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
    fn detected_building_events_join_the_timeline_between_their_scenes() {
        let (_dir, catalog, findings) = crate::fixtures::findings_catalog();
        let before = catalog.scene(findings.before).unwrap();
        let after = catalog.scene(findings.after).unwrap();
        let timeline = catalog.timeline("Natanz").unwrap();
        let order: Vec<(TimelineOrigin, Option<&str>)> = timeline
            .iter()
            .map(|e| (e.origin, e.building.as_deref()))
            .collect();
        // B0002 was registered first, so it has the lower id.
        assert_eq!(
            order,
            vec![
                (TimelineOrigin::Scene, None),
                (TimelineOrigin::Scene, None),
                (TimelineOrigin::Building, Some("B0002")),
                (TimelineOrigin::Building, Some("B0001")),
            ]
        );
        let entry = &timeline[3];
        assert_eq!(entry.date, EventDate::from(after.acquired));
        assert_eq!(entry.since, Some(EventDate::from(before.acquired)));
        assert_eq!(entry.kind, "expanded");
        assert_eq!(entry.id, catalog.building("Natanz", "B0001").unwrap().id);
        assert!(entry.source.contains(&after.credit), "{}", entry.source);
        let summary = entry.summary.as_deref().unwrap();
        assert!(
            summary.starts_with("B0001 expanded") && summary.contains("1240 m²"),
            "{summary}"
        );
        let json = serde_json::to_value(entry).unwrap();
        assert_eq!(json["origin"], "building");
        assert_eq!(json["since"], "2020-06-01T07:00:00.000Z");
        assert_eq!(timeline[0].since, None);
    }

    #[test]
    fn a_site_without_scenes_or_events_has_an_empty_timeline() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        assert!(catalog.timeline("Natanz").unwrap().is_empty());
        assert!(catalog.timeline("Arak").is_err());
    }
}
