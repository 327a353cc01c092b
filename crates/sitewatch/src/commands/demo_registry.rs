//! The demo's check of the building registry against the planted truth: every planted event
//! should be some registered building's event with the same kind and dates, and no registered
//! building should be where nothing was planted.

use geo::Centroid;
use registry::{BuildingEventKind, Measure, TrackedBuilding};
use serde::Serialize;
use synth::{ChangeKind, Scenario};

/// A registered building beside the planted building it lies on (if any).
#[derive(Serialize)]
pub struct RegisteredBuilding {
    pub building: TrackedBuilding,
    /// The planted building whose outline holds this one's centroid at some date.
    pub planted: Option<String>,
}

/// A planted event and whether the registry reports it.
#[derive(Serialize)]
pub struct PlantedEventCheck {
    pub building: String,
    pub kind: ChangeKind,
    pub before: usize,
    pub after: usize,
    /// The registered building reporting it with the same kind and dates.
    pub reported_by: Option<String>,
}

/// The registry against the truth.
#[derive(Serialize)]
pub struct RegistryCheck {
    pub buildings: Vec<RegisteredBuilding>,
    pub events: Vec<PlantedEventCheck>,
    /// Registered buildings over 50 m² on no planted building.
    pub phantoms_over_50_m2: usize,
    /// New hall / original hall area, when both are registered.
    pub hall_ratio: Option<Measure>,
}

pub fn check_registry(scenario: &Scenario, buildings: Vec<TrackedBuilding>) -> RegistryCheck {
    let buildings: Vec<RegisteredBuilding> = buildings
        .into_iter()
        .map(|building| {
            let centre = building.footprint.outline.centroid();
            let planted = centre.and_then(|c| {
                scenario
                    .buildings
                    .iter()
                    .find(|b| {
                        b.states
                            .iter()
                            .flatten()
                            .any(|s| s.footprint.contains(c.x(), c.y()))
                    })
                    .map(|b| b.id.clone())
            });
            RegisteredBuilding { building, planted }
        })
        .collect();
    let events = synth::events(scenario)
        .into_iter()
        .map(|e| {
            let kind = match e.kind {
                ChangeKind::Appeared => BuildingEventKind::Appeared,
                ChangeKind::Expanded => BuildingEventKind::Expanded,
                ChangeKind::Reroofed => BuildingEventKind::SurfaceChanged,
                ChangeKind::Demolished => BuildingEventKind::Demolished,
            };
            let reported_by = buildings
                .iter()
                .find(|r| {
                    r.planted.as_deref() == Some(e.building.as_str())
                        && r.building
                            .history
                            .iter()
                            .any(|h| h.kind == kind && h.before == e.before)
                })
                .map(|r| r.building.id.clone());
            PlantedEventCheck {
                building: e.building,
                kind: e.kind,
                before: e.before,
                after: e.after,
                reported_by,
            }
        })
        .collect();
    let phantoms_over_50_m2 = buildings
        .iter()
        .filter(|r| r.planted.is_none() && r.building.footprint.area_m2.value > 50.0)
        .count();
    let area_of = |id: &str| {
        buildings
            .iter()
            .find(|r| r.planted.as_deref() == Some(id))
            .map(|r| &r.building.footprint.area_m2)
    };
    let hall_ratio = match (area_of("hall-new"), area_of("hall-original")) {
        (Some(a), Some(b)) => Some(registry::compare(a, b)),
        _ => None,
    };
    RegistryCheck {
        buildings,
        events,
        phantoms_over_50_m2,
        hall_ratio,
    }
}

impl RegistryCheck {
    /// The registry and its check, for the terminal.
    pub fn plain(&self) -> String {
        let mut lines = vec![format!(
            "building registry: {} buildings, {} on no planted building over 50 m²",
            self.buildings.len(),
            self.phantoms_over_50_m2
        )];
        for r in &self.buildings {
            let b = &r.building;
            let history: Vec<String> = b
                .history
                .iter()
                .map(|e| format!("{:?} {}->{}", e.kind, e.before, e.after).to_lowercase())
                .collect();
            lines.push(format!(
                "  {} {:>7.0} m² [{:.0}, {:.0}]  {}  {:<22} {}",
                b.id,
                b.footprint.area_m2.value,
                b.footprint.area_m2.low,
                b.footprint.area_m2.high,
                b.mgrs,
                r.planted.as_deref().unwrap_or("(nothing planted)"),
                history.join(", ")
            ));
        }
        let found = self
            .events
            .iter()
            .filter(|e| e.reported_by.is_some())
            .count();
        lines.push(format!(
            "planted events in the registry with the right kind and dates: {found} of {}",
            self.events.len()
        ));
        for e in self.events.iter().filter(|e| e.reported_by.is_none()) {
            lines.push(format!(
                "  missed: {} {:?} {}->{}",
                e.building, e.kind, e.before, e.after
            ));
        }
        lines.push(match &self.hall_ratio {
            Some(r) => format!(
                "new hall / original hall: {:.2} [{:.2}, {:.2}]",
                r.value, r.low, r.high
            ),
            None => "new hall / original hall: not both in the registry".into(),
        });
        lines.join("\n")
    }
}
