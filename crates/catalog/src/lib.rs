//! The site dossier (sites, scenes, and everything derived from them) in one GeoPackage file.
//!
//! A [`Catalog`] is a GeoPackage 1.3 that QGIS and GDAL (`ogrinfo`) open as it is: the
//! `sites` layer holds each site's AOI polygon, the `scenes` layer each acquisition's
//! footprint, both in EPSG:4326, and attribute tables hold the files of each scene
//! (`scene_files`) and how each scene was aligned (`alignments`).

mod alignment;
mod catalog;
mod columns;
mod error;
mod geometry;
mod geopackage;
mod scene;
mod site;

#[cfg(test)]
mod fixtures;

pub use alignment::{Alignment, AlignmentStatus, NewAlignment};
pub use catalog::Catalog;
pub use error::{CatalogError, CatalogErrorKind};
pub use scene::{FileHashError, NewScene, Scene, SceneFile};
pub use site::{NewSite, Site, SiteEdit};
