//! What can go wrong with a report folder, always said together with the file it concerns.

use std::path::PathBuf;

/// A report or manifest operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// An input could not be read to hash it.
    #[error(transparent)]
    Hash(#[from] catalog::FileHashError),
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A folder given as a report holds no manifest.
    #[error(
        "{}: not a sitewatch report folder: it has no manifest.json \
         (`sitewatch report SITE -o DIR` writes one)",
        dir.display()
    )]
    NoManifest {
        /// The folder.
        dir: PathBuf,
    },
    /// The manifest file is not a sitewatch manifest.
    #[error("{}: is not a sitewatch manifest: {source}", path.display())]
    BadManifest {
        /// The manifest file.
        path: PathBuf,
        /// Why it cannot be read.
        #[source]
        source: serde_json::Error,
    },
    /// A figure could not be written as a PNG.
    #[error("{}: cannot write the PNG: {source}", path.display())]
    Png {
        /// The figure file.
        path: PathBuf,
        /// What the encoder said.
        #[source]
        source: png::EncodingError,
    },
    /// A finding cannot be drawn as given.
    #[error("finding '{finding}': {reason}")]
    BadFinding {
        /// The finding's title.
        finding: String,
        /// What is wrong with it.
        reason: String,
    },
    /// True north cannot be found on a finding's grid (its CRS cannot be transformed).
    #[error("finding '{finding}': cannot find true north on its grid: {source}")]
    NorthArrow {
        /// The finding's title.
        finding: String,
        /// What the transform said.
        #[source]
        source: raster::CrsError,
    },
}

impl ReportError {
    /// An [`ReportError::Io`] error about `path`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ReportError {
        let path = path.into();
        move |source| ReportError::Io { path, source }
    }
}
