//! Sites: named places of interest, the `sites` layer of the catalog. A site is found by its
//! name or any of its aliases, ignoring ASCII case; no name or alias belongs to two sites.

use chrono::{DateTime, Utc};
use geo_types::Polygon;
use raster::Grid;
use rusqlite::{named_params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::columns::{
    check_grid, datetime_text, grid_values, json_text, read_datetime, read_grid, read_json,
};
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geometry::{check_lon_lat_polygon, decode_polygon, encode_polygon, WGS84_SRS_ID};
use crate::geopackage::record_change;

/// A site of interest as the catalog holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// The site's feature id in the `sites` layer; it never changes, even on rename.
    pub id: i64,
    /// The site's name, unique in the catalog.
    pub name: String,
    /// Other names the site is known by (transliterations, code names); each finds the site.
    pub aliases: Vec<String>,
    /// The complex the site belongs to, if any.
    pub parent: Option<String>,
    /// What the site makes or does, e.g. "uranium enrichment".
    pub makes: Option<String>,
    /// The area of interest, longitude/latitude (EPSG:4326).
    pub aoi: Polygon<f64>,
    /// How far around the AOI housing and support facilities are looked for, in metres.
    pub ring_m: f64,
    /// The analysis grid every scene of the site is warped to.
    pub grid: Grid,
    /// True while the grid's pixel size follows the finest scene (no `--gsd` was given);
    /// false once it was set explicitly.
    pub gsd_from_scenes: bool,
    /// Free-text notes.
    pub notes: Option<String>,
    /// When the site was added.
    pub created: DateTime<Utc>,
}

/// A site to add: everything but the id and creation time, which the catalog assigns.
/// Names are trimmed; empty optional texts are stored as none.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSite {
    /// The site's name, unique in the catalog.
    pub name: String,
    /// Other names the site is known by.
    pub aliases: Vec<String>,
    /// The complex the site belongs to, if any.
    pub parent: Option<String>,
    /// What the site makes or does.
    pub makes: Option<String>,
    /// The area of interest, longitude/latitude (EPSG:4326).
    pub aoi: Polygon<f64>,
    /// Ring distance in metres (positive).
    pub ring_m: f64,
    /// The analysis grid every scene of the site is warped to.
    pub grid: Grid,
    /// True while the grid's pixel size follows the finest scene.
    pub gsd_from_scenes: bool,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// Changes to a site; what is left at its default stays as it is. For the optional texts,
/// `Some(None)` clears the value and `Some(Some(text))` sets it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteEdit {
    /// A new name (an alias of the site's may become its name). The old name stops finding
    /// the site unless it is also added as an alias.
    pub rename: Option<String>,
    /// Aliases to add.
    pub add_aliases: Vec<String>,
    /// Aliases to remove (each must be one of the site's).
    pub remove_aliases: Vec<String>,
    /// A new parent complex, or none.
    pub parent: Option<Option<String>>,
    /// A new description of what the site makes, or none.
    pub makes: Option<Option<String>>,
    /// A new AOI, longitude/latitude (EPSG:4326).
    pub aoi: Option<Polygon<f64>>,
    /// A new ring distance in metres.
    pub ring_m: Option<f64>,
    /// A new analysis grid; alignments made on the old grid are then out of date.
    pub grid: Option<Grid>,
    /// Whether the grid's pixel size follows the finest scene from now on.
    pub gsd_from_scenes: Option<bool>,
    /// New notes, or none.
    pub notes: Option<Option<String>>,
}

const SITE_COLUMNS: &str = "fid, geom, name, aliases, parent, makes, ring_m, grid_epsg, \
    grid_proj4, grid_transform, grid_width, grid_height, gsd_from_scenes, notes, created";

impl Catalog {
    /// Adds a site. Its name and aliases must not name or alias any other site.
    pub fn add_site(&mut self, site: NewSite) -> Result<Site, CatalogError> {
        self.write(|conn| {
            let site = site.normalised()?;
            check_names_free(conn, &site, None)?;
            let id = store_site(conn, &site, None)?;
            read_site(conn, id)
        })
    }

    /// Changes the site named or aliased `name` and returns it as stored.
    pub fn edit_site(&mut self, name: &str, edit: SiteEdit) -> Result<Site, CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, name)?;
            let id = site.id;
            let edited = edit.apply(site)?.normalised()?;
            check_names_free(conn, &edited, Some(id))?;
            store_site(conn, &edited, Some(id))?;
            read_site(conn, id)
        })
    }

    /// Every site, by name.
    pub fn sites(&self) -> Result<Vec<Site>, CatalogError> {
        self.read(|conn| {
            let mut statement = conn.prepare(&format!(
                "SELECT {SITE_COLUMNS} FROM sites ORDER BY name COLLATE NOCASE"
            ))?;
            let mut rows = statement.query([])?;
            let mut sites = Vec::new();
            while let Some(row) = rows.next()? {
                sites.push(site_from_row(row)?);
            }
            Ok(sites)
        })
    }

    /// The site named or aliased `name` (ignoring ASCII case).
    pub fn site(&self, name: &str) -> Result<Site, CatalogError> {
        self.read(|conn| find_site(conn, name))
    }
}

impl NewSite {
    /// The site with trimmed names and texts, checked for what the catalog needs.
    fn normalised(self) -> Result<NewSite, CatalogErrorKind> {
        let name = self.name.trim().to_string();
        if name.is_empty() {
            return Err(CatalogErrorKind::invalid("site name", "it is empty"));
        }
        let mut aliases: Vec<String> = Vec::with_capacity(self.aliases.len());
        for alias in self.aliases {
            let alias = alias.trim().to_string();
            if alias.is_empty() {
                return Err(CatalogErrorKind::invalid("site alias", "it is empty"));
            }
            if alias.eq_ignore_ascii_case(&name) {
                return Err(CatalogErrorKind::invalid(
                    "site alias",
                    format!("'{alias}' is the site's own name"),
                ));
            }
            if aliases.iter().any(|a| a.eq_ignore_ascii_case(&alias)) {
                return Err(CatalogErrorKind::invalid(
                    "site alias",
                    format!("'{alias}' is given twice"),
                ));
            }
            aliases.push(alias);
        }
        check_lon_lat_polygon(&self.aoi)
            .map_err(|why| CatalogErrorKind::invalid("site AOI", why))?;
        if !(self.ring_m.is_finite() && self.ring_m > 0.0) {
            return Err(CatalogErrorKind::invalid(
                "ring distance",
                format!("{} m; it must be a positive number of metres", self.ring_m),
            ));
        }
        check_grid(&self.grid, "site analysis grid")?;
        Ok(NewSite {
            name,
            aliases,
            parent: non_empty(self.parent),
            makes: non_empty(self.makes),
            aoi: self.aoi,
            ring_m: self.ring_m,
            grid: self.grid,
            gsd_from_scenes: self.gsd_from_scenes,
            notes: non_empty(self.notes),
        })
    }
}

impl SiteEdit {
    /// The fields of `site` with this edit applied.
    fn apply(self, site: Site) -> Result<NewSite, CatalogErrorKind> {
        let mut aliases = site.aliases;
        for alias in &self.remove_aliases {
            let before = aliases.len();
            aliases.retain(|a| !a.eq_ignore_ascii_case(alias.trim()));
            if aliases.len() == before {
                return Err(CatalogErrorKind::AliasNotFound {
                    site: site.name,
                    alias: alias.clone(),
                });
            }
        }
        aliases.extend(self.add_aliases);
        let name = self.rename.unwrap_or(site.name);
        // Renaming a site to one of its aliases promotes that alias to the name.
        aliases.retain(|a| !a.trim().eq_ignore_ascii_case(name.trim()));
        Ok(NewSite {
            name,
            aliases,
            parent: self.parent.unwrap_or(site.parent),
            makes: self.makes.unwrap_or(site.makes),
            aoi: self.aoi.unwrap_or(site.aoi),
            ring_m: self.ring_m.unwrap_or(site.ring_m),
            grid: self.grid.unwrap_or(site.grid),
            gsd_from_scenes: self.gsd_from_scenes.unwrap_or(site.gsd_from_scenes),
            notes: self.notes.unwrap_or(site.notes),
        })
    }
}

/// `text` trimmed, or none when nothing is left.
fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Fails when the name or an alias of `site` already names or aliases a site other than
/// the one with feature id `except`.
fn check_names_free(
    conn: &Connection,
    site: &NewSite,
    except: Option<i64>,
) -> Result<(), CatalogErrorKind> {
    for name in std::iter::once(&site.name).chain(&site.aliases) {
        let owner: Option<String> = conn
            .query_row(
                "SELECT name FROM sites WHERE fid IS NOT ?2 AND (name = ?1 COLLATE NOCASE
                   OR EXISTS (SELECT 1 FROM json_each(sites.aliases) WHERE value = ?1 COLLATE NOCASE))",
                (name, except),
                |row| row.get(0),
            )
            .optional()?;
        if let Some(site) = owner {
            return Err(CatalogErrorKind::NameTaken {
                name: name.clone(),
                site,
            });
        }
    }
    Ok(())
}

/// Writes `site` as a new row, or over the row with feature id `existing`; returns its id.
fn store_site(
    conn: &Connection,
    site: &NewSite,
    existing: Option<i64>,
) -> Result<i64, CatalogErrorKind> {
    let geom = encode_polygon(&site.aoi, WGS84_SRS_ID);
    let aliases = json_text(&site.aliases);
    let (grid_epsg, grid_proj4, grid_transform, grid_width, grid_height) = grid_values(&site.grid);
    let created = datetime_text(&Utc::now());
    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> = named_params! {
        ":geom": geom,
        ":name": site.name,
        ":aliases": aliases,
        ":parent": site.parent,
        ":makes": site.makes,
        ":ring_m": site.ring_m,
        ":grid_epsg": grid_epsg,
        ":grid_proj4": grid_proj4,
        ":grid_transform": grid_transform,
        ":grid_width": grid_width,
        ":grid_height": grid_height,
        ":gsd_from_scenes": site.gsd_from_scenes,
        ":notes": site.notes,
    }
    .to_vec();
    let id = match existing {
        Some(ref fid) => {
            params.push((":fid", fid));
            conn.execute(
                "UPDATE sites SET geom = :geom, name = :name, aliases = :aliases,
                   parent = :parent, makes = :makes, ring_m = :ring_m, grid_epsg = :grid_epsg,
                   grid_proj4 = :grid_proj4, grid_transform = :grid_transform,
                   grid_width = :grid_width, grid_height = :grid_height,
                   gsd_from_scenes = :gsd_from_scenes, notes = :notes
                 WHERE fid = :fid",
                params.as_slice(),
            )?;
            *fid
        }
        None => {
            params.push((":created", &created));
            conn.execute(
                "INSERT INTO sites (geom, name, aliases, parent, makes, ring_m, grid_epsg,
                   grid_proj4, grid_transform, grid_width, grid_height, gsd_from_scenes, notes, created)
                 VALUES (:geom, :name, :aliases, :parent, :makes, :ring_m, :grid_epsg,
                   :grid_proj4, :grid_transform, :grid_width, :grid_height, :gsd_from_scenes,
                   :notes, :created)",
                params.as_slice(),
            )?;
            conn.last_insert_rowid()
        }
    };
    record_change(conn, "sites")?;
    Ok(id)
}

/// The site with feature id `id`.
fn read_site(conn: &Connection, id: i64) -> Result<Site, CatalogErrorKind> {
    let mut statement =
        conn.prepare(&format!("SELECT {SITE_COLUMNS} FROM sites WHERE fid = ?1"))?;
    let mut rows = statement.query([id])?;
    match rows.next()? {
        Some(row) => site_from_row(row),
        None => Err(CatalogErrorKind::Damaged(format!("site {id} vanished"))),
    }
}

/// The site named or aliased `name`, ignoring ASCII case.
pub(crate) fn find_site(conn: &Connection, name: &str) -> Result<Site, CatalogErrorKind> {
    let name = name.trim();
    let mut statement = conn.prepare(&format!(
        "SELECT {SITE_COLUMNS} FROM sites WHERE name = ?1 COLLATE NOCASE
           OR EXISTS (SELECT 1 FROM json_each(sites.aliases) WHERE value = ?1 COLLATE NOCASE)"
    ))?;
    let mut rows = statement.query([name])?;
    match rows.next()? {
        Some(row) => site_from_row(row),
        None => Err(CatalogErrorKind::SiteNotFound(name.to_string())),
    }
}

fn site_from_row(row: &Row) -> Result<Site, CatalogErrorKind> {
    let geom: Vec<u8> = row.get("geom")?;
    let name: String = row.get("name")?;
    let aoi = decode_polygon(&geom)
        .map_err(|why| CatalogErrorKind::Damaged(format!("the AOI of site '{name}': {why}")))?;
    Ok(Site {
        id: row.get("fid")?,
        aliases: read_json(row, "aliases")?,
        parent: row.get("parent")?,
        makes: row.get("makes")?,
        aoi,
        ring_m: row.get("ring_m")?,
        grid: read_grid(row)?,
        gsd_from_scenes: row.get("gsd_from_scenes")?,
        notes: row.get("notes")?,
        created: read_datetime(row, "created")?,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bytes, fordow, lon_lat_box, natanz, temp_catalog, utm_grid};

    #[test]
    fn added_sites_are_listed_and_found_by_name_or_alias() {
        let (_dir, mut catalog) = temp_catalog();
        let added = catalog.add_site(natanz()).unwrap();
        catalog.add_site(fordow()).unwrap();
        let wanted = natanz();
        assert_eq!(added.name, wanted.name);
        assert_eq!(added.aliases, wanted.aliases);
        assert_eq!(added.aoi, wanted.aoi);
        assert_eq!(added.grid, wanted.grid);
        assert_eq!(added.parent, wanted.parent);
        let names: Vec<String> = catalog
            .sites()
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["Fordow", "Natanz"]);
        assert_eq!(catalog.site("fep").unwrap(), added);
        assert_eq!(catalog.site(" KASHAN enrichment plant ").unwrap(), added);
        let missing = catalog.site("Arak").unwrap_err();
        assert!(matches!(missing.kind, CatalogErrorKind::SiteNotFound(ref n) if n == "Arak"));
    }

    #[test]
    fn names_and_aliases_belong_to_one_site() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let mut clash = fordow();
        clash.aliases = vec!["fep".into()];
        let error = catalog.add_site(clash).unwrap_err();
        assert!(
            matches!(error.kind, CatalogErrorKind::NameTaken { ref site, .. } if site == "Natanz"),
            "{error}"
        );
        let mut same_name = fordow();
        same_name.name = "NATANZ".into();
        assert!(catalog.add_site(same_name).is_err());
        catalog.add_site(fordow()).unwrap();
        let edit = SiteEdit {
            add_aliases: vec!["Natanz".into()],
            ..SiteEdit::default()
        };
        assert!(catalog.edit_site("Fordow", edit).is_err());
        assert_eq!(catalog.sites().unwrap().len(), 2);
    }

    #[test]
    fn edits_change_only_what_they_name() {
        let (_dir, mut catalog) = temp_catalog();
        let before = catalog.add_site(natanz()).unwrap();
        let edit = SiteEdit {
            rename: Some("Natanz FEP".into()),
            add_aliases: vec!["Natanz".into()],
            remove_aliases: vec!["fep".into()],
            parent: Some(None),
            ring_m: Some(8000.0),
            aoi: Some(lon_lat_box(51.71, 33.71, 51.74, 33.73)),
            ..SiteEdit::default()
        };
        let after = catalog.edit_site("Kashan enrichment plant", edit).unwrap();
        assert_eq!(after.id, before.id);
        assert_eq!(after.name, "Natanz FEP");
        assert_eq!(after.aliases, ["Kashan enrichment plant", "Natanz"]);
        assert_eq!(after.parent, None);
        assert_eq!(after.ring_m, 8000.0);
        assert_eq!(after.aoi, lon_lat_box(51.71, 33.71, 51.74, 33.73));
        assert_eq!(after.makes, before.makes);
        assert_eq!(after.notes, before.notes);
        assert_eq!(after.grid, before.grid);
        assert_eq!(after.created, before.created);
        assert_eq!(catalog.site("natanz").unwrap(), after);
        assert!(catalog.site("FEP").is_err());

        let no_alias = SiteEdit {
            remove_aliases: vec!["Isfahan".into()],
            ..SiteEdit::default()
        };
        let error = catalog.edit_site("Natanz FEP", no_alias).unwrap_err();
        assert!(matches!(error.kind, CatalogErrorKind::AliasNotFound { .. }));
        let error = catalog.edit_site("Arak", SiteEdit::default()).unwrap_err();
        assert!(matches!(error.kind, CatalogErrorKind::SiteNotFound(_)));
        let promote = SiteEdit {
            rename: Some("natanz".into()),
            ..SiteEdit::default()
        };
        let promoted = catalog.edit_site("Natanz FEP", promote).unwrap();
        assert_eq!(promoted.name, "natanz");
        assert_eq!(promoted.aliases, ["Kashan enrichment plant"]);
    }

    #[test]
    fn invalid_sites_are_refused_with_the_reason() {
        let (_dir, mut catalog) = temp_catalog();
        /// A change that makes the input invalid.
        type Spoil = fn(&mut NewSite);
        let cases: [(Spoil, &str); 5] = [
            (|s| s.name = "  ".into(), "site name"),
            (|s| s.ring_m = -5.0, "ring distance"),
            (
                |s| s.aoi = lon_lat_box(33.70, 51.70, 33.74, 91.0),
                "latitude 91",
            ),
            (|s| s.aliases.push("natanz".into()), "own name"),
            (|s| s.grid = utm_grid(0, 5), "0x5"),
        ];
        for (spoil, reason) in cases {
            let mut site = natanz();
            spoil(&mut site);
            let message = catalog.add_site(site).unwrap_err().to_string();
            assert!(message.contains(reason), "{message}");
        }
        assert!(catalog.sites().unwrap().is_empty());
    }

    #[test]
    fn a_write_that_fails_midway_is_rolled_back() {
        let (dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let path = dir.path().join("dossier.gpkg");
        let before = bytes(&path);
        let error = catalog
            .write(|conn| {
                let site = fordow().normalised()?;
                store_site(conn, &site, None)?;
                // The same site again: the name is unique, so the database refuses it.
                store_site(conn, &site, None)
            })
            .unwrap_err();
        assert!(
            matches!(error.kind, CatalogErrorKind::Database(_)),
            "{error}"
        );
        assert_eq!(bytes(&path), before);
        assert_eq!(catalog.sites().unwrap().len(), 1);
    }
}
