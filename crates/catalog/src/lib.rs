//! The site dossier (sites, scenes, and everything derived from them) in one GeoPackage file.
