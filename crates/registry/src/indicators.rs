//! Site indicators per date from the registry: how much is roofed, how much is new, and how
//! much housing stands in the ring around the site.
//!
//! A building belongs to the AOI or the ring by its footprint centroid. Areas are the
//! buildings' outlines of that date; a total's interval takes each building's error as
//! independent of the others' (its independent sources in quadrature, its deterministic ones
//! in full), which is narrow where one image's blur pushes every outline the same way.

use geo::{Centroid, Contains};
use geo_types::Polygon;
use serde::Serialize;

use crate::measure::{Measure, Source};
use crate::tracking::TrackedBuilding;

/// The site's areas in the grid's CRS (map coordinates).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteAreas {
    /// The area of interest (the site itself).
    pub aoi: Polygon<f64>,
    /// The ring around it where housing is looked for (the AOI's buffer; the AOI itself is
    /// left out whether or not the ring has it as a hole).
    pub ring: Polygon<f64>,
}

/// The indicators of one date.
#[derive(Debug, Clone, Serialize)]
pub struct Indicators {
    /// The date index.
    pub date: usize,
    /// Buildings standing in the AOI.
    pub buildings: usize,
    /// Their total roofed area.
    pub roofed_area_m2: Measure,
    /// Buildings standing in the AOI that were not there on the first date.
    pub new_buildings: usize,
    /// Their total area.
    pub new_area_m2: Measure,
    /// Buildings marked as housing ([`crate::housing`]) standing in the ring.
    pub housing_blocks: usize,
    /// Their total area.
    pub housing_area_m2: Measure,
}

/// The indicators of every date `0..dates`.
pub fn indicators(
    buildings: &[TrackedBuilding],
    dates: usize,
    areas: &SiteAreas,
) -> Vec<Indicators> {
    let place: Vec<(bool, bool)> = buildings
        .iter()
        .map(|b| match b.footprint.outline.centroid() {
            Some(c) => {
                let in_aoi = areas.aoi.contains(&c);
                (in_aoi, !in_aoi && areas.ring.contains(&c))
            }
            None => (false, false),
        })
        .collect();
    (0..dates)
        .map(|date| {
            let standing: Vec<(usize, &Measure)> = buildings
                .iter()
                .enumerate()
                .filter_map(|(k, b)| {
                    b.outlines
                        .iter()
                        .find(|o| o.date == date)
                        .map(|o| (k, &o.area_m2))
                })
                .collect();
            let select = |keep: &dyn Fn(usize) -> bool| -> Vec<(usize, &Measure)> {
                standing.iter().copied().filter(|&(k, _)| keep(k)).collect()
            };
            let in_aoi = select(&|k| place[k].0);
            let new = select(&|k| place[k].0 && buildings[k].first_seen > 0);
            let housing = select(&|k| place[k].1 && buildings[k].housing);
            Indicators {
                date,
                buildings: in_aoi.len(),
                roofed_area_m2: total(&in_aoi, buildings),
                new_buildings: new.len(),
                new_area_m2: total(&new, buildings),
                housing_blocks: housing.len(),
                housing_area_m2: total(&housing, buildings),
            }
        })
        .collect()
}

/// The sum of the buildings' areas: each building's independent half-width one independent
/// source, its deterministic half-width one added source.
fn total(areas: &[(usize, &Measure)], buildings: &[TrackedBuilding]) -> Measure {
    let mut sources = Vec::new();
    for &(k, m) in areas {
        let id = &buildings[k].id;
        let independent = m
            .sources
            .iter()
            .filter(|s| s.independent)
            .map(|s| s.half_width.powi(2))
            .sum::<f64>()
            .sqrt();
        let added: f64 = m
            .sources
            .iter()
            .filter(|s| !s.independent)
            .map(|s| s.half_width)
            .sum();
        sources.push(Source::new(format!("{id} outline"), independent));
        if added > 0.0 {
            sources.push(Source::added(format!("{id} outline regularisation"), added));
        }
    }
    // Folded from +0.0: an empty f64 sum is -0.0, which reports print as "-0".
    let total = areas.iter().fold(0.0, |total, (_, m)| total + m.value);
    Measure::new(total, sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::DatedOutline;
    use geo_types::polygon;

    fn building(id: &str, x: f64, first_seen: usize, housing: bool, area: f64) -> TrackedBuilding {
        let outline = polygon![(x: x, y: 0.0), (x: x + 10.0, y: 0.0), (x: x + 10.0, y: 10.0), (x: x, y: 10.0)];
        let m = Measure::new(
            area,
            vec![Source::new("edge", 3.0), Source::new("coreg", 4.0)],
        );
        let footprint = crate::footprint::FootprintMeasure {
            area_m2: m.clone(),
            length_m: m.clone(),
            width_m: m.clone(),
            perimeter_m: 40.0,
            gsd_m: 0.5,
            coreg_rmse_px: 0.3,
            regularisation: crate::Regularisation::PixelEdges,
            regularisation_change_m2: 0.0,
            outline: outline.clone(),
        };
        TrackedBuilding {
            id: id.into(),
            label: None,
            first_seen,
            last_seen: 2,
            standing: true,
            history: vec![],
            footprint,
            outline_lonlat: outline.clone(),
            outlines: (first_seen..=2)
                .map(|date| DatedOutline {
                    date,
                    area_m2: m.clone(),
                    outline: outline.clone(),
                    outline_lonlat: outline.clone(),
                })
                .collect(),
            lon: 0.0,
            lat: 0.0,
            mgrs: String::new(),
            housing,
        }
    }

    #[test]
    fn roofed_new_and_housing_areas_per_date() {
        let areas = SiteAreas {
            aoi: polygon![(x: 0.0, y: -50.0), (x: 100.0, y: -50.0), (x: 100.0, y: 50.0), (x: 0.0, y: 50.0)],
            ring: polygon![(x: -200.0, y: -200.0), (x: 300.0, y: -200.0), (x: 300.0, y: 200.0), (x: -200.0, y: 200.0)],
        };
        let buildings = vec![
            building("B0001", 10.0, 0, false, 100.0),
            building("B0002", 50.0, 1, false, 60.0),
            building("B0003", 150.0, 2, true, 80.0),
            // Housing-shaped but inside the AOI: not ring housing.
            building("B0004", 80.0, 0, true, 90.0),
        ];
        let got = indicators(&buildings, 3, &areas);
        assert_eq!(got.len(), 3);
        assert_eq!(
            (
                got[0].buildings,
                got[0].new_buildings,
                got[0].housing_blocks
            ),
            (2, 0, 0)
        );
        assert_eq!(
            (
                got[2].buildings,
                got[2].new_buildings,
                got[2].housing_blocks
            ),
            (3, 1, 1)
        );
        assert_eq!(got[2].roofed_area_m2.value, 250.0);
        // Three buildings of half-width 5 each, independent: 5√3.
        assert!((got[2].roofed_area_m2.half_width() - 5.0 * 3f64.sqrt()).abs() < 1e-9);
        assert_eq!(got[1].new_area_m2.value, 60.0);
        assert_eq!(got[2].housing_area_m2.value, 80.0);
    }
}
