//! The demo's scenario: a plant complex whose original final-assembly hall is joined, over five
//! dates, by a new hall of about 60-70% of its footprint, with re-roofed older buildings, an
//! enlarged workshop, a demolished shed, and new apartment blocks in the ring to the north.

use crate::rng::Rng;
use crate::scenario::{
    Acquisition, BuildingState, BuildingUse, Footprint, Rect, Road, Roof, RoofPattern, Scenario,
    SynthBuilding,
};

const DATES: [&str; 5] = [
    "2019-05-12T10:31:00Z",
    "2020-06-03T10:44:00Z",
    "2021-04-20T10:12:00Z",
    "2022-09-14T10:58:00Z",
    "2023-05-30T10:37:00Z",
];

/// The plant complex, reproducible from `seed`: building sizes, sun, illumination and
/// georeferencing errors vary with it; the story does not.
pub fn plant_complex(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed);
    let center = (580_000.0, 4_100_000.0);
    let at = |dx: f64, dy: f64| (center.0 + dx, center.1 + dy);
    let n = DATES.len();
    let mut buildings = Vec::new();
    let mut add = |id: &str, label: &str, building_use, states: Vec<Option<BuildingState>>| {
        buildings.push(SynthBuilding {
            id: id.to_string(),
            label: label.to_string(),
            building_use,
            states,
        })
    };

    let metal_grey = roof(
        [0.42, 0.45, 0.50, 0.46],
        RoofPattern::Corrugated { period_m: 2.5 },
    );
    let rusty = roof(
        [0.33, 0.20, 0.14, 0.30],
        RoofPattern::Corrugated { period_m: 2.0 },
    );
    let white = roof(
        [0.78, 0.78, 0.76, 0.74],
        RoofPattern::Corrugated { period_m: 2.0 },
    );
    let tar = roof([0.10, 0.10, 0.11, 0.12], RoofPattern::Flat);
    let concrete = roof([0.55, 0.54, 0.52, 0.50], RoofPattern::Flat);
    let tiles = roof([0.45, 0.22, 0.16, 0.35], RoofPattern::Gable);

    // The original final-assembly hall, and the new hall at 60-70% of its footprint.
    let (hall_l, hall_w) = (rng.range(92.0, 100.0), rng.range(42.0, 46.0));
    let (hall_x, hall_y) = at(-45.0, 15.0);
    let hall = Footprint::rect(Rect {
        cx: hall_x,
        cy: hall_y,
        length: hall_l,
        width: hall_w,
        angle_deg: 0.0,
    });
    add(
        "hall-original",
        "original final-assembly hall",
        BuildingUse::Industrial,
        during(n, 0, n, &state(hall, metal_grey, 18.0)),
    );
    let ratio = rng.range(0.61, 0.69);
    let scale = ratio.sqrt();
    let (new_x, new_y) = at(58.0 + 0.0 * hall_l, 15.0);
    let new_hall = Footprint::rect(Rect {
        cx: new_x,
        cy: new_y,
        length: hall_l * scale,
        width: hall_w * scale,
        angle_deg: 0.0,
    });
    add(
        "hall-new",
        "new final-assembly hall",
        BuildingUse::Industrial,
        during(n, 2, n, &state(new_hall, metal_grey, 16.0)),
    );

    // A warehouse re-roofed (rusty sheeting replaced by white) between dates 2 and 3.
    let (wx, wy) = at(-50.0, -60.0);
    let warehouse = Footprint::rect(Rect {
        cx: wx,
        cy: wy,
        length: rng.range(46.0, 54.0),
        width: 24.0,
        angle_deg: 0.0,
    });
    let states = replaced(
        n,
        2,
        &state(warehouse.clone(), rusty, 9.0),
        &state(warehouse, white, 9.0),
    );
    add("warehouse", "warehouse", BuildingUse::Industrial, states);

    // An office block whose tar roof is replaced by concrete between dates 3 and 4.
    let (ox, oy) = at(-95.0, 75.0);
    let office = Footprint::rect(Rect {
        cx: ox,
        cy: oy,
        length: 30.0,
        width: 18.0,
        angle_deg: 0.0,
    });
    let states = replaced(
        n,
        3,
        &state(office.clone(), tar, 10.0),
        &state(office, concrete, 10.0),
    );
    add(
        "office",
        "administration block",
        BuildingUse::Support,
        states,
    );

    // A workshop enlarged by an annex between dates 1 and 2.
    let (sx, sy) = at(45.0, -62.0);
    let workshop = Rect {
        cx: sx,
        cy: sy,
        length: 30.0,
        width: 20.0,
        angle_deg: 0.0,
    };
    let annex = Rect {
        cx: sx + 25.0,
        cy: sy,
        length: 20.0,
        width: 20.0,
        angle_deg: 0.0,
    };
    let enlarged = Footprint {
        parts: vec![workshop, annex],
    };
    let states = replaced(
        n,
        1,
        &state(Footprint::rect(workshop), concrete, 7.0),
        &state(enlarged, concrete, 7.0),
    );
    add("workshop", "workshop", BuildingUse::Support, states);

    // A shed demolished between dates 3 and 4.
    let (dx, dy) = at(95.0, 72.0);
    let shed = Footprint::rect(Rect {
        cx: dx,
        cy: dy,
        length: 18.0,
        width: 11.0,
        angle_deg: 0.0,
    });
    add(
        "shed",
        "storage shed",
        BuildingUse::Support,
        during(n, 0, 3, &state(shed, rusty, 5.0)),
    );

    // A guard house that never changes.
    let (gx, gy) = at(6.0, -112.0);
    let guard = Footprint::rect(Rect {
        cx: gx,
        cy: gy,
        length: 10.0,
        width: 8.0,
        angle_deg: 0.0,
    });
    add(
        "guard-house",
        "guard house",
        BuildingUse::Support,
        during(n, 0, n, &state(guard, concrete, 4.0)),
    );

    // Apartment blocks in the ring north of the plant: one row by date 2, a second by date 3.
    for (row, (y, from)) in [(185.0, 2), (222.0, 3)].into_iter().enumerate() {
        for (k, x) in [-70.0, 0.0, 70.0].into_iter().enumerate() {
            let (bx, by) = at(x, y);
            let block = Footprint::rect(Rect {
                cx: bx,
                cy: by,
                length: 52.0,
                width: 13.0,
                angle_deg: 0.0,
            });
            add(
                &format!("apartments-{}{}", row + 1, k + 1),
                "apartment block",
                BuildingUse::Residential,
                during(n, from, n, &state(block, tiles, 15.0)),
            );
        }
    }
    // Older houses south-west of the plant, unchanged.
    for k in 0..4 {
        let (hx, hy) = at(-200.0 + 24.0 * k as f64, -190.0 + 9.0 * (k % 2) as f64);
        let house = Footprint::rect(Rect {
            cx: hx,
            cy: hy,
            length: 13.0,
            width: 10.0,
            angle_deg: 20.0,
        });
        add(
            &format!("house-{}", k + 1),
            "house",
            BuildingUse::Residential,
            during(n, 0, n, &state(house, tiles, 6.0)),
        );
    }

    let roads = vec![
        Road {
            from: at(-290.0, -140.0),
            to: at(290.0, -140.0),
            width_m: 9.0,
        },
        Road {
            from: at(0.0, -140.0),
            to: at(0.0, -20.0),
            width_m: 7.0,
        },
        Road {
            from: at(-120.0, 155.0),
            to: at(120.0, 155.0),
            width_m: 7.0,
        },
        Road {
            from: at(120.0, 155.0),
            to: at(120.0, -140.0),
            width_m: 7.0,
        },
    ];

    let acquisitions = DATES
        .iter()
        .enumerate()
        .map(|(i, date)| acquisition(&mut rng, i, date))
        .collect();

    Scenario {
        name: "Example Aerospace Plant".to_string(),
        epsg: 32611,
        center,
        aoi_half_m: 130.0,
        ring_m: 150.0,
        seed,
        acquisitions,
        buildings,
        roads,
    }
}

fn roof(reflectance: [f64; 4], pattern: RoofPattern) -> Roof {
    Roof {
        reflectance,
        pattern,
    }
}

fn state(footprint: Footprint, roof: Roof, height_m: f64) -> BuildingState {
    BuildingState {
        footprint,
        roof,
        height_m,
    }
}

/// `n` dates on which the building stands (as `s`) from index `from` up to, not including, `to`.
fn during(n: usize, from: usize, to: usize, s: &BuildingState) -> Vec<Option<BuildingState>> {
    (0..n)
        .map(|i| (from..to).contains(&i).then(|| s.clone()))
        .collect()
}

/// `n` dates on which the building stands as `old` before index `at` and as `new` from it on.
fn replaced(
    n: usize,
    at: usize,
    old: &BuildingState,
    new: &BuildingState,
) -> Vec<Option<BuildingState>> {
    (0..n)
        .map(|i| Some(if i < at { old } else { new }.clone()))
        .collect()
}

/// Acquisition `index`: the third comes from a coarser 11-bit sensor; every date but the first
/// (the reference) carries a 0.5-2 px georeferencing error.
fn acquisition(rng: &mut Rng, index: usize, date: &str) -> Acquisition {
    let other_sensor = index == 2;
    let misregistration_px = if index == 0 {
        (0.0, 0.0)
    } else {
        let magnitude = rng.range(0.5, 2.0);
        let angle = rng.range(0.0, std::f64::consts::TAU);
        (magnitude * angle.cos(), magnitude * angle.sin())
    };
    let jitter = |rng: &mut Rng| rng.range(0.95, 1.05);
    Acquisition {
        datetime: date.to_string(),
        sensor: if other_sensor {
            "SynthSat-B"
        } else {
            "SynthSat-A"
        }
        .to_string(),
        credit: "Synthetic imagery generated by sitewatch synth (CC0)".to_string(),
        gsd_m: if other_sensor { 0.75 } else { 0.5 },
        sun_elevation_deg: rng.range(40.0, 65.0),
        sun_azimuth_deg: rng.range(130.0, 170.0),
        gain: rng.range(0.85, 1.15),
        haze: rng.range(0.0, 0.15),
        vegetation_vigour: rng.range(0.2, 1.0),
        misregistration_px,
        band_gains: [jitter(rng), jitter(rng), jitter(rng), jitter(rng)],
        noise_sigma: 0.006,
        max_dn: if other_sensor { 2047 } else { 255 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::truth::{events, ChangeKind};

    #[test]
    fn new_hall_is_sixty_to_seventy_percent_of_the_original() {
        for seed in 0..20 {
            let s = plant_complex(seed);
            let area = |id: &str| {
                let b = s.buildings.iter().find(|b| b.id == id).unwrap();
                b.states.last().unwrap().as_ref().unwrap().footprint.area()
            };
            let ratio = area("hall-new") / area("hall-original");
            assert!((0.6..0.7).contains(&ratio), "seed {seed}: ratio {ratio}");
        }
    }

    #[test]
    fn the_story_has_every_kind_of_event() {
        let e = events(&plant_complex(1));
        let kinds = |k| e.iter().filter(|x| x.kind == k).count();
        assert_eq!(kinds(ChangeKind::Appeared), 7); // the new hall and six apartment blocks
        assert_eq!(kinds(ChangeKind::Expanded), 1);
        assert_eq!(kinds(ChangeKind::Reroofed), 2);
        assert_eq!(kinds(ChangeKind::Demolished), 1);
        let hall = e.iter().find(|x| x.building == "hall-new").unwrap();
        assert_eq!((hall.before, hall.after), (1, 2));
    }

    #[test]
    fn buildings_do_not_overlap() {
        let s = plant_complex(3);
        let rects: Vec<Rect> = s
            .buildings
            .iter()
            .filter_map(|b| b.states.iter().rev().flatten().next())
            .flat_map(|st| st.footprint.parts.clone())
            .collect();
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let (a0, a1, a2, a3) = a.bounds();
                let (b0, b1, b2, b3) = b.bounds();
                let overlap = a0 < b2 - 1e-6 && b0 < a2 - 1e-6 && a1 < b3 - 1e-6 && b1 < a3 - 1e-6;
                assert!(!overlap, "{a:?} overlaps {b:?}");
            }
        }
    }
}
