//! Why a footprint could not be measured.

use raster::CrsError;

/// Why a footprint could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The outline could not be carried into the site's equal-area projection.
    #[error("cannot project the outline from {from} to the equal-area projection {to}: {source}")]
    Projection {
        from: String,
        to: String,
        #[source]
        source: CrsError,
    },
    /// The site-centred equal-area projection could not be made.
    #[error("cannot make the equal-area projection centred at ({lon}, {lat}): {source}")]
    EqualArea {
        lon: f64,
        lat: f64,
        #[source]
        source: CrsError,
    },
    /// The outline encloses no area, so nothing can be measured.
    #[error("the outline encloses no area (it has {vertices} vertices)")]
    EmptyOutline { vertices: usize },
    /// A footprint import could not be read.
    #[error("{}: cannot read the footprints: {problem}", path.display())]
    Footprints {
        path: std::path::PathBuf,
        problem: String,
    },
    /// The point lies where MGRS has no UTM reference (the polar UPS areas) or off the globe.
    #[error("no MGRS reference for ({lon}, {lat}): only 80°S to 84°N is covered")]
    NoMgrs { lon: f64, lat: f64 },
}
