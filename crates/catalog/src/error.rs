//! What can go wrong with a catalog, always said together with the catalog file it concerns.

use std::path::PathBuf;

/// A catalog operation failed; `path` is the catalog file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct CatalogError {
    /// The catalog file.
    pub path: PathBuf,
    /// What went wrong.
    pub kind: CatalogErrorKind,
}

/// What went wrong with a catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogErrorKind {
    /// The file could not be read or written.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The folder the new catalog should go in does not exist.
    #[error("the folder {} does not exist; create it first or choose another path", .0.display())]
    MissingFolder(PathBuf),
    /// The path is a folder.
    #[error("is a folder, not a catalog file")]
    IsAFolder,
    /// The file is not a GeoPackage; the text says what it is instead.
    #[error("is not a GeoPackage ({0}); sitewatch leaves it untouched: give the path of a sitewatch catalog or of a file that does not exist yet")]
    NotGeoPackage(String),
    /// The file is a GeoPackage without the sitewatch tables.
    #[error("is a GeoPackage but not a sitewatch catalog ({0}); sitewatch leaves it untouched: give the path of a sitewatch catalog or of a file that does not exist yet")]
    NotSitewatchCatalog(String),
    /// The catalog's schema is newer than this crate reads.
    #[error("was written by a newer sitewatch (catalog schema {found}; this one reads schema {supported}): upgrade sitewatch")]
    NewerSchema {
        /// The schema version in the file.
        found: i64,
        /// The newest schema version this crate reads.
        supported: i64,
    },
    /// SQLite refused an operation.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A stored value cannot be read back (edited by hand, or written by something else).
    #[error("stored data is damaged: {0}")]
    Damaged(String),
    /// An input value was refused before anything was written.
    #[error("invalid {what}: {why}")]
    Invalid {
        /// The input, e.g. "ring distance".
        what: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// No site has this name or alias.
    #[error("no site is named or aliased '{0}'")]
    SiteNotFound(String),
    /// A name or alias already belongs to another site.
    #[error("'{name}' is already the name or an alias of site '{site}'")]
    NameTaken {
        /// The name or alias asked for.
        name: String,
        /// The site it belongs to.
        site: String,
    },
    /// An alias to remove is not one of the site's.
    #[error("site '{site}' has no alias '{alias}'")]
    AliasNotFound {
        /// The site's name.
        site: String,
        /// The alias asked for.
        alias: String,
    },
    /// No scene has this id.
    #[error("no scene has id {0}")]
    SceneNotFound(i64),
    /// A file with the same SHA-256 is already part of a scene of the same site.
    #[error("the file {path} (sha256 {sha256}) is already part of scene {scene} of site '{site}'")]
    DuplicateSceneFile {
        /// The new file, and the path it was catalogued under.
        path: String,
        /// Their common SHA-256.
        sha256: String,
        /// The scene that already has it.
        scene: i64,
        /// That scene's site.
        site: String,
    },
    /// A scene exists in no site or in another site than the one a finding concerns.
    #[error("scene {scene} is not a scene of site '{site}'")]
    SceneNotOfSite {
        /// The scene id given.
        scene: i64,
        /// The site the finding concerns.
        site: String,
    },
    /// No comparison of the site has this id.
    #[error("site '{site}' has no comparison {id}")]
    ComparisonNotFound {
        /// The site's name.
        site: String,
        /// The comparison id asked for.
        id: i64,
    },
    /// No change of the site has this id.
    #[error("site '{site}' has no change {id}")]
    ChangeNotFound {
        /// The site's name.
        site: String,
        /// The change id asked for.
        id: i64,
    },
    /// The site's building registry has no building with this code.
    #[error("site '{site}' has no building '{code}' in its registry")]
    BuildingNotFound {
        /// The site's name.
        site: String,
        /// The building code asked for.
        code: String,
    },
    /// A footprint file with the same SHA-256 was already imported for the site.
    #[error("the footprints of {file} (sha256 {sha256}) were already imported for site '{site}' from {imported}")]
    DuplicateFootprintFile {
        /// The file given now.
        file: PathBuf,
        /// Its SHA-256.
        sha256: String,
        /// The site.
        site: String,
        /// The path the identical file was imported from before.
        imported: String,
    },
    /// A footprint file could not be imported; nothing of it was stored.
    #[error("cannot import footprints from {}: {why}", file.display())]
    FootprintFile {
        /// The file.
        file: PathBuf,
        /// What is wrong with it, naming the feature where one is at fault.
        why: String,
    },
    /// An export file could not be written; no file is left behind.
    #[error("cannot write the export {}: {why}", file.display())]
    Export {
        /// The export file.
        file: PathBuf,
        /// What went wrong.
        why: String,
    },
    /// An export file already exists; exports never overwrite.
    #[error("the export file {} already exists; sitewatch does not overwrite it: remove it or choose another path", .0.display())]
    ExportExists(PathBuf),
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
