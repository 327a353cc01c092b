//! Coordinate reference systems and transforms between them (pure Rust, via proj4rs).

use serde::{Deserialize, Serialize};

/// Why a CRS could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("EPSG:{0} is not a CRS that sitewatch knows (no definition in crs-definitions)")]
    UnknownEpsg(u32),
    #[error("invalid CRS definition '{definition}': {reason}")]
    InvalidDefinition { definition: String, reason: String },
    #[error("coordinate transform failed: {0}")]
    Transform(String),
}

/// A coordinate reference system: an EPSG code where one is known, and always a PROJ.4
/// definition, which is what transforms use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crs {
    pub epsg: Option<u32>,
    pub proj4: String,
}

impl Crs {
    /// The CRS with this EPSG code.
    pub fn from_epsg(code: u32) -> Result<Crs, CrsError> {
        let def = u16::try_from(code)
            .ok()
            .and_then(crs_definitions::from_code)
            .ok_or(CrsError::UnknownEpsg(code))?;
        Ok(Crs {
            epsg: Some(code),
            proj4: def.proj4.trim().to_string(),
        })
    }

    /// WGS 84 longitude/latitude (EPSG:4326).
    pub fn wgs84() -> Crs {
        Crs::from_epsg(4326).expect("EPSG:4326 is always defined")
    }

    /// A CRS from a PROJ.4 definition string with no EPSG code.
    pub fn from_proj4(definition: &str) -> Result<Crs, CrsError> {
        proj4rs::Proj::from_proj_string(definition).map_err(|e| CrsError::InvalidDefinition {
            definition: definition.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Crs {
            epsg: None,
            proj4: definition.trim().to_string(),
        })
    }

    /// A short name: `EPSG:32618`, or the PROJ.4 string when there is no code.
    pub fn name(&self) -> String {
        match self.epsg {
            Some(code) => format!("EPSG:{code}"),
            None => self.proj4.clone(),
        }
    }

    /// True for longitude/latitude CRSs (coordinates in degrees).
    pub fn is_geographic(&self) -> bool {
        self.proj4.contains("+proj=longlat") || self.proj4.contains("+proj=latlong")
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// The UTM zone number (1..=60) whose 6-degree band holds longitude `lon` (degrees).
/// Longitudes outside [-180, 180) are wrapped first; the Norway and Svalbard exceptions are not
/// applied, because a site grid only needs a zone that keeps distortion small, not the legal one.
pub fn utm_zone(lon: f64) -> u8 {
    let wrapped = (lon + 180.0).rem_euclid(360.0);
    ((wrapped / 6.0).floor() as u8).min(59) + 1
}

impl Crs {
    /// The WGS 84 / UTM CRS (EPSG:326zz north of the equator, 327zz south) of the zone that
    /// holds the point `(lon, lat)` in degrees.
    pub fn utm_for_lonlat(lon: f64, lat: f64) -> Crs {
        let base = if lat >= 0.0 { 32600 } else { 32700 };
        let code = base + u32::from(utm_zone(lon));
        Crs::from_epsg(code).expect("every WGS 84 / UTM zone is defined")
    }
}
