//! The site dossier (sites, scenes, and everything derived from them) in one GeoPackage file.
//!
//! A [`Catalog`] is a GeoPackage 1.3 that QGIS and GDAL (`ogrinfo`) open as it is: the
//! `sites` layer holds each site's AOI polygon, the `scenes` layer each acquisition's
//! footprint, both in EPSG:4326, and attribute tables hold the files of each scene
//! (`scene_files`), how each scene was aligned (`alignments`) and the dated, sourced events
//! of each site (`events`); [`Catalog::timeline`] merges scenes, events and detected
//! building events by date.
//!
//! What sitewatch finds is kept beside it: each comparison of a scene pair
//! ([`Catalog::record_comparison`]) with the changes it found (the `changes` layer), the
//! building registry ([`Catalog::replace_buildings`]: `buildings`, `building_outlines`,
//! `building_events`), the footprints analysts import or draw ([`Catalog::import_footprints`],
//! [`Catalog::add_footprint`]) and the analysts' reviews of changes and buildings
//! ([`Catalog::add_review`]), an audit trail that is only added to. A site's findings export
//! as GeoJSON ([`Catalog::export_geojson`]) or as a GeoPackage of their own
//! ([`Catalog::export_geopackage`]).
//!
//! ```
//! use catalog::{Catalog, NewSite};
//! use geo_types::polygon;
//! use raster::{Crs, GeoTransform, Grid};
//!
//! let dir = tempfile::tempdir()?;
//! let mut catalog = Catalog::open(dir.path().join("dossier.gpkg"))?;
//! catalog.add_site(NewSite {
//!     name: "Natanz".into(),
//!     aliases: vec!["FEP".into()],
//!     parent: None,
//!     makes: Some("uranium enrichment".into()),
//!     aoi: polygon![(x: 51.70, y: 33.70), (x: 51.75, y: 33.70), (x: 51.75, y: 33.74)],
//!     ring_m: 5000.0,
//!     grid: Grid::new(
//!         Crs::from_epsg(32639)?,
//!         GeoTransform::north_up(566_000.0, 3_737_000.0, 0.5, 0.5),
//!         9000,
//!         9000,
//!     ),
//!     gsd_from_scenes: false,
//!     notes: None,
//! })?;
//! assert_eq!(catalog.site("fep")?.name, "Natanz");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod alignment;
mod api_token;
mod building;
mod catalog;
mod change;
mod columns;
mod error;
mod event;
mod export;
mod footprint;
mod geometry;
mod geopackage;
mod review;
mod scene;
mod site;
mod sql_functions;
mod timeline;

#[cfg(test)]
mod fixtures;

pub use alignment::{Alignment, AlignmentStatus, NewAlignment};
pub use building::{
    BuildingOrigin, Interval, NewBuilding, NewBuildingEvent, StoredBuilding, BUILDING_EVENT_KINDS,
};
pub use catalog::Catalog;
pub use change::{Comparison, NewChange, NewComparison, StoredChange, CHANGE_DIRECTIONS};
pub use error::{CatalogError, CatalogErrorKind};
pub use event::{BadEventDate, Event, EventDate, EventKind, NewEvent, UnknownEventKind};
pub use export::ExportLayer;
pub use footprint::{FootprintOrigin, NewFootprint, StoredFootprint};
pub use review::{NewReview, Review, ReviewFilter, ReviewTarget, UnknownVerdict, Verdict};
pub use scene::{FileHashError, NewScene, Scene, SceneFile};
pub use site::{NewSite, Site, SiteEdit};
pub use timeline::{TimelineEntry, TimelineOrigin};
