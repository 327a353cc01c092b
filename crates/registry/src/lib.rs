//! Buildings for sitewatch: the measurement of footprints with honest intervals, and their
//! comparison.
//!
//! A building's pixel-edge outline (from [`detect::polygonize()`]) becomes a
//! [`FootprintMeasure`]: area on a true equal-area basis ([`EqualArea`], a site-centred
//! Lambert azimuthal equal-area projection), length and width from the minimum rotated
//! rectangle, optionally a regularised outline, each figure a [`Measure`] with its 95%
//! interval and the named sources of its uncertainty. [`compare`] gives the ratio of two
//! measures with its interval. No figure leaves without its interval.
//!
//! [`track_buildings`] builds the registry across dates from change objects, the images and
//! their suns, and the buildings known before the first date ([`read_seeds`]): new shade is
//! taken out of changes ([`shadow`]), rectangular outlines are placed on the image's roof
//! edges to a fraction of a pixel ([`refine_edges`]), buildings are marked as housing or not
//! ([`housing`]), and [`indicators()`] sums the registry per date.

pub mod equal_area;
pub mod error;
mod extent_mask;
pub mod footprint;
pub mod housing;
pub mod indicators;
mod mask_shape;
pub mod measure;
pub mod mgrs;
mod radiometry;
pub mod rasterize;
pub mod ratio;
pub mod refine_edges;
mod registry_entry;
pub mod regularise;
mod roof_rules;
pub mod seed;
pub mod shadow;
pub mod tracking;

pub use equal_area::EqualArea;
pub use error::RegistryError;
pub use footprint::{
    measure_footprint, measure_refined, FootprintMeasure, OutlineOptions, Regularisation,
};
pub use housing::{mark_housing, HousingRules};
pub use indicators::{indicators, Indicators, SiteAreas};
pub use measure::{Measure, Source, LEVEL};
pub use mgrs::mgrs;
pub use rasterize::{burn, rasterize};
pub use ratio::compare;
pub use refine_edges::{refine_rectangle, EdgeRules, PixelRectangle, RefinedRectangle};
pub use regularise::regularise_right_angles;
pub use seed::{read_seeds, Seed};
pub use shadow::{new_shadow, Casters, ShadowRules, Sun};
pub use tracking::{
    track_buildings, BuildingEvent, BuildingEventKind, DatedOutline, Observations, TrackedBuilding,
    TrackingRules,
};
