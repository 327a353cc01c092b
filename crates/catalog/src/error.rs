//! What can go wrong with a catalog, always said together with the catalog file it concerns.

use std::path::PathBuf;

/// A catalog operation failed; `path` is the catalog file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct CatalogError {
    pub path: PathBuf,
    pub kind: CatalogErrorKind,
}

/// What went wrong with a catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogErrorKind {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the folder {} does not exist; create it first or choose another path", .0.display())]
    MissingFolder(PathBuf),
    #[error("is a folder, not a catalog file")]
    IsAFolder,
    #[error("is not a GeoPackage ({0}); sitewatch leaves it untouched: give the path of a sitewatch catalog or of a file that does not exist yet")]
    NotGeoPackage(String),
    #[error("is a GeoPackage but not a sitewatch catalog ({0}); sitewatch leaves it untouched: give the path of a sitewatch catalog or of a file that does not exist yet")]
    NotSitewatchCatalog(String),
    #[error("was written by a newer sitewatch (catalog schema {found}; this one reads schema {supported}): upgrade sitewatch")]
    NewerSchema { found: i64, supported: i64 },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("stored data is damaged: {0}")]
    Damaged(String),
    #[error("invalid {what}: {why}")]
    Invalid { what: &'static str, why: String },
    #[error("no site is named or aliased '{0}'")]
    SiteNotFound(String),
    #[error("'{name}' is already the name or an alias of site '{site}'")]
    NameTaken { name: String, site: String },
    #[error("site '{site}' has no alias '{alias}'")]
    AliasNotFound { site: String, alias: String },
    #[error("no scene has id {0}")]
    SceneNotFound(i64),
    #[error("the file {path} (sha256 {sha256}) is already part of scene {scene} of site '{site}'")]
    DuplicateSceneFile {
        path: String,
        sha256: String,
        scene: i64,
        site: String,
    },
}

impl CatalogErrorKind {
    /// An [`CatalogErrorKind::Invalid`] input error: `what` names the input, `why` the fault.
    pub(crate) fn invalid(what: &'static str, why: impl Into<String>) -> Self {
        CatalogErrorKind::Invalid {
            what,
            why: why.into(),
        }
    }
}
