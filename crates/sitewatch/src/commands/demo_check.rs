//! The demo's check of what the pipeline stored against the planted truth: every planted
//! building event should be some registered building's event with the same kind and dates,
//! no registered building should stand where nothing was planted, and the new/original hall
//! ratio's interval should contain the planted ratio.

use anyhow::Result;
use catalog::{Scene, StoredBuilding};
use raster::{CoordTransform, Crs};
use registry::Measure;
use serde::Serialize;
use synth::{ChangeKind, Scenario};

use crate::commands::compare::area_measure;

/// Registered buildings larger than this on no planted building are phantoms.
pub const PHANTOM_M2: f64 = 50.0;

/// A registered building beside the planted building it lies on (if any).
#[derive(Serialize)]
pub struct MatchedBuilding {
    pub code: String,
    pub area_m2: f64,
    /// The planted building whose outline holds this one's centre at some date.
    pub planted: Option<String>,
}

/// A planted event and the registered building that reports it, if any.
#[derive(Serialize)]
pub struct PlantedEvent {
    pub building: String,
    pub label: String,
    pub kind: ChangeKind,
    pub from: String,
    pub to: String,
    /// The registered building reporting it with the same kind and dates.
    pub reported_by: Option<String>,
}

/// The hall ratio as measured, beside the planted one.
#[derive(Serialize)]
pub struct RatioCheck {
    pub new_hall: String,
    pub original_hall: String,
    pub measured: Measure,
    pub planted: f64,
    pub contains_truth: bool,
}

/// The stored registry against the truth.
#[derive(Serialize)]
pub struct TruthCheck {
    pub buildings: Vec<MatchedBuilding>,
    pub events: Vec<PlantedEvent>,
    pub phantoms_over_50_m2: usize,
    pub hall_ratio: Option<RatioCheck>,
}

impl TruthCheck {
    /// Whether every planted event was reported, nothing phantom stands, and the ratio holds.
    pub fn passed(&self) -> bool {
        self.events.iter().all(|e| e.reported_by.is_some())
            && self.phantoms_over_50_m2 == 0
            && self.hall_ratio.as_ref().is_some_and(|r| r.contains_truth)
    }
}

/// Checks `buildings` (stored for `scenes`, which are the scenario's acquisitions in order)
/// against `scenario`'s truth.
pub fn check_against_truth(
    scenario: &Scenario,
    scenes: &[Scene],
    buildings: &[StoredBuilding],
) -> Result<TruthCheck> {
    let to_map = CoordTransform::new(&Crs::wgs84(), &Crs::from_epsg(scenario.epsg)?)?;
    let date_of = |scene: i64| scenes.iter().position(|s| s.id == scene);
    let mut matched = Vec::with_capacity(buildings.len());
    for b in buildings {
        let (x, y) = to_map.transform_point(b.building.lon, b.building.lat)?;
        let planted = scenario
            .buildings
            .iter()
            .find(|p| {
                p.states
                    .iter()
                    .flatten()
                    .any(|s| s.footprint.contains(x, y))
            })
            .map(|p| p.id.clone());
        matched.push(MatchedBuilding {
            code: b.building.code.clone(),
            area_m2: b.building.area_m2.value,
            planted,
        });
    }
    let day = |index: usize| scenario.acquisitions[index].datetime[..10].to_string();
    let events = synth::events(scenario)
        .into_iter()
        .map(|e| {
            let kind = match e.kind {
                ChangeKind::Appeared => "appeared",
                ChangeKind::Expanded => "expanded",
                ChangeKind::Reroofed => "surface_changed",
                ChangeKind::Demolished => "demolished",
            };
            let reported_by = buildings
                .iter()
                .zip(&matched)
                .find(|(b, m)| {
                    m.planted.as_deref() == Some(e.building.as_str())
                        && b.building.history.iter().any(|h| {
                            h.kind == kind
                                && date_of(h.before_scene) == Some(e.before)
                                && date_of(h.after_scene) == Some(e.after)
                        })
                })
                .map(|(b, _)| b.building.code.clone());
            let label = scenario
                .buildings
                .iter()
                .find(|b| b.id == e.building)
                .map(|b| b.label.clone())
                .unwrap_or_default();
            PlantedEvent {
                building: e.building,
                label,
                kind: e.kind,
                from: day(e.before),
                to: day(e.after),
                reported_by,
            }
        })
        .collect();
    let phantoms_over_50_m2 = matched
        .iter()
        .filter(|m| m.planted.is_none() && m.area_m2 > PHANTOM_M2)
        .count();
    let hall_ratio = hall_ratio(scenario, buildings, &matched)?;
    Ok(TruthCheck {
        buildings: matched,
        events,
        phantoms_over_50_m2,
        hall_ratio,
    })
}

/// The new hall against the original, when both are registered.
fn hall_ratio(
    scenario: &Scenario,
    buildings: &[StoredBuilding],
    matched: &[MatchedBuilding],
) -> Result<Option<RatioCheck>> {
    let registered = |id: &str| {
        buildings
            .iter()
            .zip(matched)
            .find(|(b, m)| b.building.standing && m.planted.as_deref() == Some(id))
            .map(|(b, _)| b)
    };
    let planted_area = |id: &str| {
        scenario
            .buildings
            .iter()
            .find(|b| b.id == id)
            .and_then(|b| b.states.iter().flatten().last())
            .map(|s| s.footprint.area())
    };
    let (Some(new), Some(original)) = (registered("hall-new"), registered("hall-original")) else {
        return Ok(None);
    };
    let (Some(a), Some(b)) = (planted_area("hall-new"), planted_area("hall-original")) else {
        return Ok(None);
    };
    let measured = registry::compare(&area_measure(new)?, &area_measure(original)?);
    let planted = a / b;
    Ok(Some(RatioCheck {
        new_hall: new.building.code.clone(),
        original_hall: original.building.code.clone(),
        contains_truth: measured.contains(planted),
        measured,
        planted,
    }))
}
