//! Site indicators per scene (the `indicators` table): how many buildings stand at the site
//! and how much they roof, how many are new since the first scene, and how much housing
//! stands in the ring around the site, each area with its interval. The registry computes
//! them; the catalog keeps them beside the registry they came from, replaced with it.

use rusqlite::{named_params, Row};
use serde::{Deserialize, Serialize};

use crate::building::Interval;
use crate::catalog::Catalog;
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geopackage::record_change;
use crate::scene::SiteScenes;
use crate::site::find_site;

/// The indicators of a site on one scene's date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteIndicators {
    /// The scene whose date they describe.
    pub scene: i64,
    /// Buildings standing in the AOI.
    pub buildings: usize,
    /// Their roofed area, m².
    pub roofed_area_m2: Interval,
    /// Buildings standing in the AOI that were not there on the first date.
    pub new_buildings: usize,
    /// Their area, m².
    pub new_area_m2: Interval,
    /// Housing blocks standing in the ring.
    pub housing_blocks: usize,
    /// Their area, m².
    pub housing_area_m2: Interval,
}

/// The three interval columns of each row, by their prefix.
const AREAS: [&str; 3] = ["roofed_area_m2", "new_area_m2", "housing_area_m2"];

impl Catalog {
    /// Replaces the indicators of a site (by name or alias), in one transaction.
    pub fn replace_indicators(
        &mut self,
        site: &str,
        indicators: &[SiteIndicators],
    ) -> Result<(), CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, site)?;
            let scenes = SiteScenes::of(conn, &site)?;
            for row in indicators {
                scenes.acquired(row.scene)?;
                for (name, interval) in AREAS.iter().zip(row.areas()) {
                    interval
                        .check(name)
                        .map_err(|why| CatalogErrorKind::invalid("indicators", why))?;
                }
            }
            conn.execute("DELETE FROM indicators WHERE site_fid = ?1", [site.id])?;
            let mut insert = conn.prepare(
                "INSERT INTO indicators (site_fid, scene_fid, buildings, new_buildings,
                   housing_blocks,
                   roofed_area_m2, roofed_area_m2_low, roofed_area_m2_high, roofed_area_m2_level,
                   new_area_m2, new_area_m2_low, new_area_m2_high, new_area_m2_level,
                   housing_area_m2, housing_area_m2_low, housing_area_m2_high,
                   housing_area_m2_level)
                 VALUES (:site, :scene, :buildings, :new, :housing,
                   :r, :r_low, :r_high, :r_level, :n, :n_low, :n_high, :n_level,
                   :h, :h_low, :h_high, :h_level)",
            )?;
            for row in indicators {
                let [r, n, h] = row.areas();
                insert.execute(named_params! {
                    ":site": site.id,
                    ":scene": row.scene,
                    ":buildings": row.buildings as i64,
                    ":new": row.new_buildings as i64,
                    ":housing": row.housing_blocks as i64,
                    ":r": r.value, ":r_low": r.low, ":r_high": r.high, ":r_level": r.level,
                    ":n": n.value, ":n_low": n.low, ":n_high": n.high, ":n_level": n.level,
                    ":h": h.value, ":h_low": h.low, ":h_high": h.high, ":h_level": h.level,
                })?;
            }
            record_change(conn, "indicators")?;
            Ok(())
        })
    }

    /// The indicators of a site (by name or alias), in the order of its scenes' dates.
    pub fn indicators(&self, site: &str) -> Result<Vec<SiteIndicators>, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            let mut statement = conn.prepare(
                "SELECT i.* FROM indicators i JOIN scenes s ON s.fid = i.scene_fid
                 WHERE i.site_fid = ?1 ORDER BY s.acquired, s.fid",
            )?;
            let rows = statement.query_map([site.id], indicators_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

impl SiteIndicators {
    fn areas(&self) -> [&Interval; 3] {
        [
            &self.roofed_area_m2,
            &self.new_area_m2,
            &self.housing_area_m2,
        ]
    }
}

fn indicators_from_row(row: &Row) -> rusqlite::Result<SiteIndicators> {
    let interval = |name: &str| Interval::read(row, name);
    Ok(SiteIndicators {
        scene: row.get("scene_fid")?,
        buildings: row.get::<_, i64>("buildings")? as usize,
        roofed_area_m2: interval(AREAS[0])?,
        new_buildings: row.get::<_, i64>("new_buildings")? as usize,
        new_area_m2: interval(AREAS[1])?,
        housing_blocks: row.get::<_, i64>("housing_blocks")? as usize,
        housing_area_m2: interval(AREAS[2])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::findings_catalog;

    fn interval(value: f64) -> Interval {
        Interval {
            value,
            low: value - 1.0,
            high: value + 1.0,
            level: 0.95,
        }
    }

    #[test]
    fn indicators_are_replaced_whole_and_read_back_by_date() {
        let (_dir, mut catalog, findings) = findings_catalog();
        let row = |scene: i64, buildings: usize| SiteIndicators {
            scene,
            buildings,
            roofed_area_m2: interval(100.0 * buildings as f64),
            new_buildings: 0,
            new_area_m2: interval(0.0),
            housing_blocks: 1,
            housing_area_m2: interval(50.0),
        };
        let (first, second) = (findings.before, findings.after);
        catalog
            .replace_indicators("FEP", &[row(second, 3), row(first, 2)])
            .unwrap();
        let read = catalog.indicators("FEP").unwrap();
        assert_eq!(read, vec![row(first, 2), row(second, 3)]);
        catalog.replace_indicators("FEP", &[row(first, 5)]).unwrap();
        assert_eq!(catalog.indicators("FEP").unwrap(), vec![row(first, 5)]);
    }

    #[test]
    fn an_interval_that_does_not_hold_its_value_is_refused() {
        let (_dir, mut catalog, findings) = findings_catalog();
        let mut bad = interval(10.0);
        bad.low = 11.0;
        let row = SiteIndicators {
            scene: findings.before,
            buildings: 1,
            roofed_area_m2: bad,
            new_buildings: 0,
            new_area_m2: interval(0.0),
            housing_blocks: 0,
            housing_area_m2: interval(0.0),
        };
        let err = catalog.replace_indicators("FEP", &[row]).unwrap_err();
        assert!(err.to_string().contains("roofed_area_m2"), "{err}");
        assert!(catalog.indicators("FEP").unwrap().is_empty());
    }
}
