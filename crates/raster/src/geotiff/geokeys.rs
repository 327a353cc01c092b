//! The GeoKeyDirectory: the GeoTIFF keys that say which CRS the model space is in, read into a
//! [`Crs`] (EPSG codes, and the common user-defined cases built as PROJ.4 strings) and written
//! for CRSs with an EPSG code.

use std::collections::BTreeMap;

use crate::crs::Crs;
use crate::raster::ReadErrorKind;

// Key IDs of the GeoTIFF 1.1 specification.
const MODEL_TYPE: u16 = 1024;
const RASTER_TYPE: u16 = 1025;
const GEOGRAPHIC_TYPE: u16 = 2048;
const GEOG_GEODETIC_DATUM: u16 = 2050;
const GEOG_ELLIPSOID: u16 = 2056;
const GEOG_SEMI_MAJOR_AXIS: u16 = 2057;
const GEOG_SEMI_MINOR_AXIS: u16 = 2058;
const GEOG_INV_FLATTENING: u16 = 2059;
const PROJECTED_CS_TYPE: u16 = 3072;
const PROJECTION: u16 = 3074;
const PROJ_COORD_TRANS: u16 = 3075;
const PROJ_LINEAR_UNITS: u16 = 3076;
const PROJ_STD_PARALLEL_1: u16 = 3078;
const PROJ_STD_PARALLEL_2: u16 = 3079;
const PROJ_NAT_ORIGIN_LONG: u16 = 3080;
const PROJ_NAT_ORIGIN_LAT: u16 = 3081;
const PROJ_FALSE_EASTING: u16 = 3082;
const PROJ_FALSE_NORTHING: u16 = 3083;
const PROJ_FALSE_ORIGIN_LONG: u16 = 3084;
const PROJ_FALSE_ORIGIN_LAT: u16 = 3085;
const PROJ_FALSE_ORIGIN_EASTING: u16 = 3086;
const PROJ_FALSE_ORIGIN_NORTHING: u16 = 3087;
const PROJ_CENTER_LONG: u16 = 3088;
const PROJ_CENTER_LAT: u16 = 3089;
const PROJ_SCALE_AT_NAT_ORIGIN: u16 = 3092;

/// The value GeoTIFF uses for "user-defined": the parameters follow in other keys.
const USER_DEFINED: u16 = 32767;

/// TIFF tags that hold the keys' double and ASCII values.
const GEO_DOUBLE_PARAMS: u16 = 34736;
const GEO_ASCII_PARAMS: u16 = 34737;

/// One key's value.
#[derive(Debug, Clone)]
enum KeyValue {
    Short(u16),
    Doubles(Vec<f64>),
    Ascii(String),
}

/// The keys of a GeoKeyDirectory.
#[derive(Debug, Clone, Default)]
pub(crate) struct GeoKeys {
    keys: BTreeMap<u16, KeyValue>,
}

impl GeoKeys {
    /// Parses the GeoKeyDirectory tag (`directory`) with its GeoDoubleParams and
    /// GeoAsciiParams.
    pub(crate) fn parse(
        directory: &[u16],
        doubles: &[f64],
        ascii: &str,
    ) -> Result<GeoKeys, ReadErrorKind> {
        let bad = |what: &str| ReadErrorKind::Corrupt(format!("GeoKeyDirectory: {what}"));
        let [_version, _revision, _minor, count, ..] = *directory else {
            return Err(bad("shorter than its header"));
        };
        let entries = directory[4..].chunks_exact(4).take(usize::from(count));
        let mut keys = BTreeMap::new();
        for entry in entries {
            let (id, location, n, value) = (
                entry[0],
                entry[1],
                usize::from(entry[2]),
                usize::from(entry[3]),
            );
            let value = match location {
                0 => KeyValue::Short(entry[3]),
                GEO_DOUBLE_PARAMS => KeyValue::Doubles(
                    doubles
                        .get(value..value + n)
                        .ok_or_else(|| bad("a key points past GeoDoubleParams"))?
                        .to_vec(),
                ),
                GEO_ASCII_PARAMS => KeyValue::Ascii(
                    ascii
                        .get(value..(value + n).min(ascii.len()))
                        .unwrap_or_default()
                        .trim_end_matches(['|', '\0'])
                        .to_string(),
                ),
                // A key stored in some other tag: GDAL ignores these too.
                _ => continue,
            };
            keys.insert(id, value);
        }
        Ok(GeoKeys { keys })
    }

    fn short(&self, id: u16) -> Option<u16> {
        match self.keys.get(&id) {
            Some(KeyValue::Short(v)) => Some(*v),
            _ => None,
        }
    }

    fn double(&self, id: u16) -> Option<f64> {
        match self.keys.get(&id) {
            Some(KeyValue::Doubles(v)) => v.first().copied(),
            Some(KeyValue::Short(v)) => Some(f64::from(*v)),
            _ => None,
        }
    }

    /// True when the raster type is "pixel is point": the transform then places pixel
    /// centres, and GDAL shifts it by half a pixel to place corners.
    pub(crate) fn pixel_is_point(&self) -> bool {
        self.short(RASTER_TYPE) == Some(2)
    }

    /// A human-readable note of the citation keys, for error messages.
    fn citation(&self) -> String {
        let citations: Vec<&str> = self
            .keys
            .values()
            .filter_map(|v| match v {
                KeyValue::Ascii(s) if !s.is_empty() => Some(s.as_str()),
                _ => None,
            })
            .collect();
        if citations.is_empty() {
            String::new()
        } else {
            format!(" (citation: {})", citations.join("; "))
        }
    }

    /// The CRS the keys declare, or `None` when they declare none.
    pub(crate) fn crs(&self) -> Result<Option<Crs>, ReadErrorKind> {
        let projected = self.short(PROJECTED_CS_TYPE);
        let projection = self.short(PROJECTION);
        let geographic = self.short(GEOGRAPHIC_TYPE);
        match self.short(MODEL_TYPE) {
            Some(3) => {
                return Err(ReadErrorKind::UnknownCrs(format!(
                    "geocentric model space is not supported{}",
                    self.citation()
                )))
            }
            // Projected, or unstated with projection keys present.
            Some(1) | None if projected.is_some() || projection.is_some() => {}
            Some(2) | None if geographic.is_some() || self.has_user_datum() => {
                return self.geographic().map(Some)
            }
            _ => return Ok(None),
        }
        match projected {
            Some(code) if code != USER_DEFINED => {
                epsg(u32::from(code), "ProjectedCSTypeGeoKey").map(Some)
            }
            _ => self.user_projected().map(Some),
        }
    }

    fn has_user_datum(&self) -> bool {
        self.short(GEOG_GEODETIC_DATUM).is_some() || self.short(GEOG_ELLIPSOID).is_some()
    }

    /// The geographic CRS, from its EPSG code or its datum.
    fn geographic(&self) -> Result<Crs, ReadErrorKind> {
        match self.short(GEOGRAPHIC_TYPE) {
            Some(code) if code != USER_DEFINED => epsg(u32::from(code), "GeographicTypeGeoKey"),
            _ => proj4(&format!("+proj=longlat {} +no_defs", self.datum()?)),
        }
    }

    /// The PROJ.4 datum or ellipsoid parameters of the geographic CRS under the keys.
    fn datum(&self) -> Result<String, ReadErrorKind> {
        if let Some(code) = self.short(GEOGRAPHIC_TYPE).filter(|&c| c != USER_DEFINED) {
            let base = Crs::from_epsg(u32::from(code)).map_err(|e| {
                ReadErrorKind::UnknownCrs(format!("GeographicTypeGeoKey: {e}{}", self.citation()))
            })?;
            let params: Vec<&str> = base
                .proj4
                .split_whitespace()
                .filter(|p| !p.starts_with("+proj=") && *p != "+no_defs" && *p != "+type=crs")
                .collect();
            return Ok(params.join(" "));
        }
        let by_datum = match self.short(GEOG_GEODETIC_DATUM) {
            Some(6326) => Some("+datum=WGS84"),
            Some(6269) => Some("+datum=NAD83"),
            Some(6267) => Some("+datum=NAD27"),
            Some(6258) => Some("+ellps=GRS80 +towgs84=0,0,0,0,0,0,0"),
            _ => None,
        };
        let by_ellipsoid = match self.short(GEOG_ELLIPSOID) {
            Some(7030) => Some("+ellps=WGS84"),
            Some(7019) => Some("+ellps=GRS80"),
            Some(7008) => Some("+ellps=clrk66"),
            _ => None,
        };
        if let Some(params) = by_datum.or(by_ellipsoid) {
            return Ok(params.to_string());
        }
        let a = self.double(GEOG_SEMI_MAJOR_AXIS);
        match (
            a,
            self.double(GEOG_INV_FLATTENING),
            self.double(GEOG_SEMI_MINOR_AXIS),
        ) {
            (Some(a), Some(rf), _) => Ok(format!("+a={a} +rf={rf}")),
            (Some(a), None, Some(b)) => Ok(format!("+a={a} +b={b}")),
            _ => Err(ReadErrorKind::UnknownCrs(format!(
                "user-defined geographic CRS with datum {:?} and ellipsoid {:?}, which \
                 sitewatch does not know{}",
                self.short(GEOG_GEODETIC_DATUM),
                self.short(GEOG_ELLIPSOID),
                self.citation()
            ))),
        }
    }

    /// A user-defined projected CRS: a UTM zone by its projection code, or a projection by
    /// its coordinate transformation and parameters.
    fn user_projected(&self) -> Result<Crs, ReadErrorKind> {
        let datum = self.datum()?;
        let units = match self.short(PROJ_LINEAR_UNITS) {
            None | Some(9001) => "+units=m",
            Some(9002) => "+units=ft",
            Some(9003) => "+units=us-ft",
            Some(other) => {
                return Err(ReadErrorKind::UnknownCrs(format!(
                    "linear unit {other} of a user-defined projected CRS{}",
                    self.citation()
                )))
            }
        };
        if let Some(code @ (16001..=16060 | 16101..=16160)) = self.short(PROJECTION) {
            let (zone, south) = (code % 100, code > 16100);
            // The standard UTM zones on WGS 84 and NAD83 have EPSG codes of their own.
            let known = match (self.short(GEOGRAPHIC_TYPE), south) {
                (Some(4326), false) => Some(32600 + u32::from(zone)),
                (Some(4326), true) => Some(32700 + u32::from(zone)),
                (Some(4269), false) if zone <= 23 => Some(26900 + u32::from(zone)),
                _ => None,
            };
            if units == "+units=m" {
                if let Some(code) = known {
                    return epsg(code, "ProjectionGeoKey");
                }
            }
            let south = if south { " +south" } else { "" };
            return proj4(&format!(
                "+proj=utm +zone={zone}{south} {datum} {units} +no_defs"
            ));
        }
        let p = |id: u16| self.double(id).unwrap_or(0.0);
        let params = match self.short(PROJ_COORD_TRANS) {
            Some(1) => format!(
                "+proj=tmerc +lat_0={} +lon_0={} +k={} +x_0={} +y_0={}",
                p(PROJ_NAT_ORIGIN_LAT),
                p(PROJ_NAT_ORIGIN_LONG),
                self.double(PROJ_SCALE_AT_NAT_ORIGIN).unwrap_or(1.0),
                p(PROJ_FALSE_EASTING),
                p(PROJ_FALSE_NORTHING)
            ),
            Some(7) => format!(
                "+proj=merc +lon_0={} +k={} +x_0={} +y_0={}",
                p(PROJ_NAT_ORIGIN_LONG),
                self.double(PROJ_SCALE_AT_NAT_ORIGIN).unwrap_or(1.0),
                p(PROJ_FALSE_EASTING),
                p(PROJ_FALSE_NORTHING)
            ),
            Some(8) => format!(
                "+proj=lcc +lat_1={} +lat_2={} +lat_0={} +lon_0={} +x_0={} +y_0={}",
                p(PROJ_STD_PARALLEL_1),
                p(PROJ_STD_PARALLEL_2),
                p(PROJ_FALSE_ORIGIN_LAT),
                p(PROJ_FALSE_ORIGIN_LONG),
                self.double(PROJ_FALSE_ORIGIN_EASTING)
                    .unwrap_or(p(PROJ_FALSE_EASTING)),
                self.double(PROJ_FALSE_ORIGIN_NORTHING)
                    .unwrap_or(p(PROJ_FALSE_NORTHING))
            ),
            Some(11) => format!(
                "+proj=aea +lat_1={} +lat_2={} +lat_0={} +lon_0={} +x_0={} +y_0={}",
                p(PROJ_STD_PARALLEL_1),
                p(PROJ_STD_PARALLEL_2),
                self.double(PROJ_NAT_ORIGIN_LAT)
                    .unwrap_or(p(PROJ_CENTER_LAT)),
                self.double(PROJ_NAT_ORIGIN_LONG)
                    .unwrap_or(p(PROJ_CENTER_LONG)),
                p(PROJ_FALSE_EASTING),
                p(PROJ_FALSE_NORTHING)
            ),
            other => {
                return Err(ReadErrorKind::UnknownCrs(format!(
                    "user-defined projected CRS with projection {:?} and coordinate \
                     transformation {other:?}, which sitewatch does not support{}",
                    self.short(PROJECTION),
                    self.citation()
                )))
            }
        };
        proj4(&format!("{params} {datum} {units} +no_defs"))
    }
}

/// The CRS of an EPSG code named by key `key`.
fn epsg(code: u32, key: &str) -> Result<Crs, ReadErrorKind> {
    Crs::from_epsg(code).map_err(|e| ReadErrorKind::UnknownCrs(format!("{key} = {code}: {e}")))
}

/// A CRS from a PROJ.4 string built from the keys.
fn proj4(definition: &str) -> Result<Crs, ReadErrorKind> {
    Crs::from_proj4(definition).map_err(|e| ReadErrorKind::UnknownCrs(e.to_string()))
}

/// The GeoKeyDirectory that declares `crs` by its EPSG code, with pixels as areas; `None`
/// when the CRS has no EPSG code that fits a GeoKey.
pub(crate) fn epsg_directory(crs: &Crs) -> Option<Vec<u16>> {
    let code = u16::try_from(crs.epsg?).ok()?;
    let (model, key) = if crs.is_geographic() {
        (2, GEOGRAPHIC_TYPE)
    } else {
        (1, PROJECTED_CS_TYPE)
    };
    Some(vec![
        1,
        1,
        0,
        3, // version 1.1.0, three keys
        MODEL_TYPE,
        0,
        1,
        model, //
        RASTER_TYPE,
        0,
        1,
        1, // pixel is area
        key,
        0,
        1,
        code,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(entries: &[[u16; 4]], doubles: &[f64]) -> GeoKeys {
        let mut directory = vec![1, 1, 0, entries.len() as u16];
        entries.iter().for_each(|e| directory.extend_from_slice(e));
        GeoKeys::parse(&directory, doubles, "").unwrap()
    }

    #[test]
    fn written_directory_reads_back() {
        for code in [32618, 4326, 3857, 26915] {
            let crs = Crs::from_epsg(code).unwrap();
            let directory = epsg_directory(&crs).unwrap();
            let read = GeoKeys::parse(&directory, &[], "").unwrap().crs().unwrap();
            assert_eq!(read.unwrap().epsg, Some(code));
        }
    }

    #[test]
    fn user_defined_utm_zone_on_wgs84_is_its_epsg_code() {
        let k = keys(
            &[
                [MODEL_TYPE, 0, 1, 1],
                [PROJECTED_CS_TYPE, 0, 1, USER_DEFINED],
                [PROJECTION, 0, 1, 16_033],
                [GEOGRAPHIC_TYPE, 0, 1, 4326],
            ],
            &[],
        );
        assert_eq!(k.crs().unwrap().unwrap().epsg, Some(32633));
    }

    #[test]
    fn user_defined_transverse_mercator_builds_proj4() {
        let k = keys(
            &[
                [MODEL_TYPE, 0, 1, 1],
                [PROJECTED_CS_TYPE, 0, 1, USER_DEFINED],
                [PROJ_COORD_TRANS, 0, 1, 1],
                [GEOG_GEODETIC_DATUM, 0, 1, 6326],
                [PROJ_NAT_ORIGIN_LONG, GEO_DOUBLE_PARAMS, 1, 0],
                [PROJ_SCALE_AT_NAT_ORIGIN, GEO_DOUBLE_PARAMS, 1, 1],
                [PROJ_FALSE_EASTING, GEO_DOUBLE_PARAMS, 1, 2],
            ],
            &[9.0, 0.9996, 500_000.0],
        );
        let crs = k.crs().unwrap().unwrap();
        assert_eq!(crs.epsg, None);
        assert_eq!(
            crs.proj4,
            "+proj=tmerc +lat_0=0 +lon_0=9 +k=0.9996 +x_0=500000 +y_0=0 +datum=WGS84 \
             +units=m +no_defs"
        );
    }

    #[test]
    fn user_defined_geographic_with_a_known_datum() {
        let k = keys(
            &[
                [MODEL_TYPE, 0, 1, 2],
                [GEOGRAPHIC_TYPE, 0, 1, USER_DEFINED],
                [GEOG_GEODETIC_DATUM, 0, 1, 6269],
            ],
            &[],
        );
        let crs = k.crs().unwrap().unwrap();
        assert!(crs.is_geographic() && crs.proj4.contains("+datum=NAD83"));
    }

    #[test]
    fn unknown_epsg_code_is_named() {
        let k = keys(
            &[[MODEL_TYPE, 0, 1, 1], [PROJECTED_CS_TYPE, 0, 1, 29_999]],
            &[],
        );
        let err = k.crs().unwrap_err().to_string();
        assert!(err.contains("29999"), "{err}");
    }

    #[test]
    fn raster_type_alone_declares_no_crs() {
        let k = keys(&[[RASTER_TYPE, 0, 1, 1]], &[]);
        assert!(k.crs().unwrap().is_none());
    }
}
