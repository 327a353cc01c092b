//! The truth of a scenario in the words the registry uses: which building changed how between
//! which two dates, and every building's outline and area on every date.

use serde::Serialize;

use crate::scenario::{BuildingUse, Scenario};

/// What happened to a building between two consecutive dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Appeared,
    Expanded,
    Reroofed,
    Demolished,
}

/// A change to one building, known to have happened between acquisitions `before` and `after`
/// (indices into the scenario's acquisitions, `after = before + 1`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TruthEvent {
    pub building: String,
    pub kind: ChangeKind,
    pub before: usize,
    pub after: usize,
}

/// Every change the scenario plants, in date order.
pub fn events(scenario: &Scenario) -> Vec<TruthEvent> {
    let mut out = Vec::new();
    for after in 1..scenario.acquisitions.len() {
        let before = after - 1;
        for b in &scenario.buildings {
            let kinds: Vec<ChangeKind> = match (&b.states[before], &b.states[after]) {
                (None, Some(_)) => vec![ChangeKind::Appeared],
                (Some(_), None) => vec![ChangeKind::Demolished],
                (Some(s0), Some(s1)) => {
                    let mut k = Vec::new();
                    if s1.footprint.area() > s0.footprint.area() + 1e-6 {
                        k.push(ChangeKind::Expanded);
                    } else if s1.roof != s0.roof {
                        k.push(ChangeKind::Reroofed);
                    }
                    k
                }
                (None, None) => Vec::new(),
            };
            out.extend(kinds.into_iter().map(|kind| TruthEvent {
                building: b.id.clone(),
                kind,
                before,
                after,
            }));
        }
    }
    out
}

/// A building's outline and area on one date, for the truth file.
#[derive(Debug, Clone, Serialize)]
pub struct TruthOutline {
    pub date: String,
    pub area_m2: f64,
    /// Each part's corners in map coordinates (counter-clockwise, not closed).
    pub parts: Vec<[(f64, f64); 4]>,
}

/// A building of the truth file.
#[derive(Debug, Clone, Serialize)]
pub struct TruthBuilding {
    pub id: String,
    pub label: String,
    pub building_use: BuildingUse,
    /// One entry per acquisition; `None` where the building does not stand.
    pub outlines: Vec<Option<TruthOutline>>,
}

/// The whole truth of a scenario: what a test checks sitewatch's findings against.
#[derive(Debug, Clone, Serialize)]
pub struct Truth {
    pub scenario: String,
    pub epsg: u32,
    pub dates: Vec<String>,
    /// Each delivered file's georeferencing error in its own pixels (east, south): what
    /// co-registration should find, relative to the first date.
    pub misregistration_px: Vec<(f64, f64)>,
    pub buildings: Vec<TruthBuilding>,
    pub events: Vec<TruthEvent>,
}

impl Truth {
    pub fn of(scenario: &Scenario) -> Truth {
        let dates: Vec<String> = scenario
            .acquisitions
            .iter()
            .map(|a| a.datetime.clone())
            .collect();
        let buildings = scenario
            .buildings
            .iter()
            .map(|b| TruthBuilding {
                id: b.id.clone(),
                label: b.label.clone(),
                building_use: b.building_use,
                outlines: b
                    .states
                    .iter()
                    .zip(&dates)
                    .map(|(s, date)| {
                        s.as_ref().map(|s| TruthOutline {
                            date: date.clone(),
                            area_m2: s.footprint.area(),
                            parts: s.footprint.parts.iter().map(|r| r.corners()).collect(),
                        })
                    })
                    .collect(),
            })
            .collect();
        Truth {
            scenario: scenario.name.clone(),
            epsg: scenario.epsg,
            dates,
            misregistration_px: scenario
                .acquisitions
                .iter()
                .map(|a| a.misregistration_px)
                .collect(),
            buildings,
            events: events(scenario),
        }
    }
}
