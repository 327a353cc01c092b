//! The registry against planted truth, through the pipeline: `synth::plant_complex` rendered,
//! every date warped onto the site grid and co-registered to the first (raster's
//! `coregister`, its correction applied in the warp, as `sitewatch align` does), iMAD change
//! objects between consecutive dates (detect's `extract_changes`), the first date's buildings
//! imported from the OSM-like footprint file (`synth::write_footprints`, a metre of tracing
//! error), and the sun of every date.
//!
//! Checked: the planted events (a building added, one enlarged, one re-roofed, one removed)
//! with the right kind and dates, no phantom building over 50 m², at least 90% of the area and
//! ratio intervals containing the truth with a mean half-width of at most 1.5 x (perimeter x
//! GSD / 2 + co-registration term), and the new/original hall ratio.
//!
//! `cargo test --release -p registry --test synth_registry -- --ignored --nocapture` prints the
//! figures over ten seeds.

use std::sync::OnceLock;

use detect::{extract_changes, ChangeDetector, CleanupRules, Imad, MinArea};
use geo::Centroid;
use geo_types::{Coord, LineString, Polygon};
use raster::coreg::{coregister, CoregParams, MaskedBand};
use raster::{warp, Grid, Raster, Resampling, WarpOptions};
use registry::{
    compare, read_seeds, track_buildings, BuildingEventKind, EqualArea, Measure, Observations, Sun,
    TrackedBuilding, TrackingRules,
};
use synth::{ChangeKind, Scenario};

/// A site observed through the pipeline and its registry.
struct Registered {
    scenario: Scenario,
    grid: Grid,
    buildings: Vec<TrackedBuilding>,
}

/// Renders, aligns and detects `plant_complex(seed)` and builds its registry.
fn register(seed: u64) -> Registered {
    let scenario = synth::plant_complex(seed);
    let aoi = synth::aoi_lonlat(&scenario).unwrap();
    let gsd = scenario
        .acquisitions
        .iter()
        .map(|a| a.gsd_m)
        .fold(f64::INFINITY, f64::min);
    let grid = raster::site_grid(&aoi, gsd, scenario.ring_m).unwrap();
    let n = scenario.acquisitions.len();
    let mut rasters: Vec<Raster> = Vec::with_capacity(n);
    let mut rmse: f64 = 0.0;
    for index in 0..n {
        let scene = synth::render(&scenario, index).unwrap();
        let on_grid = warp(&scene, &grid, Resampling::Bilinear, &WarpOptions::default()).unwrap();
        if index == 0 {
            rasters.push(on_grid.raster);
            continue;
        }
        let mut target = MaskedBand::brightness(&on_grid.raster);
        for (valid, &covered) in target.valid.iter_mut().zip(&on_grid.covered) {
            *valid &= covered;
        }
        let alignment = coregister(
            &MaskedBand::brightness(&rasters[0]),
            &target,
            &CoregParams::default(),
        )
        .unwrap();
        rmse = rmse.max(alignment.rmse_px);
        let options = WarpOptions {
            correction: &alignment.model,
            ..WarpOptions::default()
        };
        rasters.push(
            warp(&scene, &grid, Resampling::Bilinear, &options)
                .unwrap()
                .raster,
        );
    }
    let imad = Imad::default();
    let rules = CleanupRules {
        min_area: MinArea::SquareMetres(20.0),
        ..CleanupRules::default()
    };
    let changes: Vec<_> = rasters
        .windows(2)
        .map(|pair| {
            let map = imad.probability(&pair[0], &pair[1]).unwrap();
            let threshold = imad.default_threshold(&map);
            extract_changes(&map, &pair[0], &pair[1], threshold, &rules).unwrap()
        })
        .collect();
    let suns: Vec<Option<Sun>> = scenario
        .acquisitions
        .iter()
        .map(|a| {
            Some(Sun {
                azimuth_deg: a.sun_azimuth_deg,
                elevation_deg: a.sun_elevation_deg,
            })
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let footprints = synth::write_footprints(&scenario, dir.path()).unwrap();
    let seeds = read_seeds(&footprints, &grid.crs).unwrap();
    let observations = Observations {
        changes: &changes,
        rasters: &rasters,
        grid: &grid,
        suns: &suns,
    };
    let tracking = TrackingRules {
        // The residual the alignment reports, at least the default's.
        coreg_rmse_px: rmse.max(TrackingRules::default().coreg_rmse_px),
        ..TrackingRules::default()
    };
    let buildings = track_buildings(&observations, &seeds, &tracking).unwrap();
    Registered {
        scenario,
        grid,
        buildings,
    }
}

/// What the registry got right and how its intervals did.
#[derive(Debug, Default)]
struct Figures {
    events: usize,
    events_right: usize,
    missed: Vec<String>,
    /// Registry events no planted event explains.
    extra: Vec<String>,
    phantoms: Vec<String>,
    areas: usize,
    areas_inside: usize,
    ratios: usize,
    ratios_inside: usize,
    /// Sum over the area measures of half-width / (perimeter x GSD / 2 + coreg term).
    half_width_over_bound: f64,
    /// The new/original hall ratio and the planted one.
    hall_ratio: Option<(Measure, f64)>,
}

impl Figures {
    fn coverage(&self) -> f64 {
        (self.areas_inside + self.ratios_inside) as f64 / (self.areas + self.ratios) as f64
    }
    fn mean_half_width_over_bound(&self) -> f64 {
        self.half_width_over_bound / self.areas as f64
    }
}

/// The planted building a registered one lies on: the one whose outline on some date holds
/// its centroid.
fn planted<'a>(
    scenario: &'a Scenario,
    building: &TrackedBuilding,
) -> Option<&'a synth::SynthBuilding> {
    let c = building.footprint.outline.centroid()?;
    scenario.buildings.iter().find(|b| {
        b.states
            .iter()
            .flatten()
            .any(|s| s.footprint.contains(c.x(), c.y()))
    })
}

/// The true area of a planted building on `date` on the equal-area basis.
fn true_area(b: &synth::SynthBuilding, date: usize, basis: &EqualArea) -> Option<f64> {
    let state = b.states[date].as_ref()?;
    Some(
        state
            .footprint
            .parts
            .iter()
            .map(|r| {
                let ring: Vec<Coord<f64>> =
                    r.corners().iter().map(|&(x, y)| Coord { x, y }).collect();
                basis
                    .area_m2(&Polygon::new(LineString::new(ring), vec![]))
                    .unwrap()
            })
            .sum(),
    )
}

fn figures(r: &Registered) -> Figures {
    let basis = EqualArea::for_grid(&r.grid).unwrap();
    let mut f = Figures::default();
    let matched: Vec<Option<&synth::SynthBuilding>> = r
        .buildings
        .iter()
        .map(|b| planted(&r.scenario, b))
        .collect();
    let planted_events = synth::events(&r.scenario);
    let kind_of = |k: ChangeKind| match k {
        ChangeKind::Appeared => BuildingEventKind::Appeared,
        ChangeKind::Expanded => BuildingEventKind::Expanded,
        ChangeKind::Reroofed => BuildingEventKind::SurfaceChanged,
        ChangeKind::Demolished => BuildingEventKind::Demolished,
    };
    for (b, p) in r.buildings.iter().zip(&matched) {
        for h in &b.history {
            let explained = p.is_some_and(|p| {
                planted_events.iter().any(|e| {
                    e.building == p.id && kind_of(e.kind) == h.kind && e.before == h.before
                })
            });
            if !explained {
                f.extra.push(format!(
                    "{} ({}) {:?} {}->{}",
                    b.id,
                    p.map_or("nothing planted", |p| p.id.as_str()),
                    h.kind,
                    h.before,
                    h.after
                ));
            }
        }
    }
    for e in planted_events {
        let kind = kind_of(e.kind);
        f.events += 1;
        let right = r.buildings.iter().zip(&matched).any(|(b, p)| {
            p.is_some_and(|p| p.id == e.building)
                && b.history
                    .iter()
                    .any(|h| h.kind == kind && h.before == e.before)
        });
        if right {
            f.events_right += 1;
        } else {
            f.missed.push(format!(
                "{} {:?} {}->{}",
                e.building, e.kind, e.before, e.after
            ));
        }
    }
    for (b, p) in r.buildings.iter().zip(&matched) {
        let Some(p) = p else {
            if b.footprint.area_m2.value > 50.0 {
                f.phantoms
                    .push(format!("{} {:.0} m²", b.id, b.footprint.area_m2.value));
            }
            continue;
        };
        let fp = &b.footprint;
        for o in &b.outlines {
            if let Some(truth) = true_area(p, o.date, &basis) {
                f.areas += 1;
                f.areas_inside += usize::from(o.area_m2.contains(truth));
                let bound =
                    fp.perimeter_m * fp.gsd_m / 2.0 + fp.coreg_rmse_px * fp.gsd_m * fp.perimeter_m;
                f.half_width_over_bound += o.area_m2.half_width() / bound;
            }
        }
    }
    // Ratios of consecutive matched buildings standing at the last date, and the halls'.
    let last = r.scenario.acquisitions.len() - 1;
    let at_last: Vec<(&TrackedBuilding, f64, &str)> = r
        .buildings
        .iter()
        .zip(&matched)
        .filter(|(b, _)| b.standing)
        .filter_map(|(b, p)| Some((b, true_area((*p)?, last, &basis)?, p.unwrap().id.as_str())))
        .collect();
    for pair in at_last.windows(2) {
        let ratio = compare(&pair[0].0.footprint.area_m2, &pair[1].0.footprint.area_m2);
        f.ratios += 1;
        f.ratios_inside += usize::from(ratio.contains(pair[0].1 / pair[1].1));
    }
    let hall = |id: &str| at_last.iter().find(|(_, _, p)| *p == id);
    if let (Some(new), Some(original)) = (hall("hall-new"), hall("hall-original")) {
        let ratio = compare(&new.0.footprint.area_m2, &original.0.footprint.area_m2);
        f.hall_ratio = Some((ratio, new.1 / original.1));
    }
    f
}

/// The registries of the checked seeds, made once for all tests (in parallel).
fn registries() -> &'static [(u64, Figures)] {
    static REGISTRIES: OnceLock<Vec<(u64, Figures)>> = OnceLock::new();
    REGISTRIES.get_or_init(|| {
        std::thread::scope(|s| {
            let handles: Vec<_> = [1u64, 2]
                .iter()
                .map(|&seed| s.spawn(move || (seed, figures(&register(seed)))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    })
}

#[test]
fn an_added_an_enlarged_a_reroofed_and_a_removed_building_are_reported_without_phantoms() {
    for (seed, f) in registries() {
        // The four kinds of event by name, then every planted event and nothing else.
        for (building, kind) in [
            ("hall-new", "Appeared"),
            ("workshop", "Expanded"),
            ("warehouse", "Reroofed"),
            ("shed", "Demolished"),
        ] {
            assert!(
                !f.missed
                    .iter()
                    .any(|m| m.starts_with(building) && m.contains(kind)),
                "seed {seed}: missed {building} {kind}: {f:?}"
            );
        }
        assert_eq!(f.events_right, f.events, "seed {seed}: {f:?}");
        assert!(f.extra.is_empty(), "seed {seed}: {f:?}");
        assert!(f.phantoms.is_empty(), "seed {seed}: {f:?}");
    }
}

#[test]
fn the_area_and_ratio_intervals_contain_the_truth_and_are_not_needlessly_wide() {
    for (seed, f) in registries() {
        assert!(
            f.coverage() >= 0.9,
            "seed {seed}: coverage {}: {f:?}",
            f.coverage()
        );
        assert!(
            f.mean_half_width_over_bound() <= 1.5,
            "seed {seed}: {}",
            f.mean_half_width_over_bound()
        );
        let (ratio, truth) = f.hall_ratio.as_ref().expect("both halls registered");
        assert!(ratio.contains(*truth), "seed {seed}: {ratio:?} vs {truth}");
    }
}

#[test]
#[ignore = "benchmark: prints the registry's figures over ten seeds"]
fn registry_figures_over_seeds() {
    let (mut inside, mut total, mut hw, mut areas) = (0, 0, 0.0, 0);
    for seed in 1..=10 {
        let f = figures(&register(seed));
        println!(
            "seed {seed}: events {}/{} (missed: {}; not planted: {}), phantoms > 50 m²: {}, coverage {:.2} ({} areas, {} ratios), half-width / bound {:.2}, hall ratio {}",
            f.events_right,
            f.events,
            f.missed.join(", "),
            f.extra.join(", "),
            f.phantoms.len(),
            f.coverage(),
            f.areas,
            f.ratios,
            f.mean_half_width_over_bound(),
            match &f.hall_ratio {
                Some((m, t)) => format!("{:.3} [{:.3}, {:.3}] vs planted {t:.3}", m.value, m.low, m.high),
                None => "not both registered".into(),
            }
        );
        inside += f.areas_inside + f.ratios_inside;
        total += f.areas + f.ratios;
        hw += f.half_width_over_bound;
        areas += f.areas;
    }
    println!(
        "all: coverage {:.3} of {total}, mean half-width / bound {:.2}",
        inside as f64 / total as f64,
        hw / areas as f64
    );
}
