//! Military Grid Reference System (MGRS) references of points, to the metre: the grid
//! reference analysts quote beside latitude and longitude (`31N AA 66021 00000`).
//!
//! The reference is the point's UTM coordinate written in MGRS's letters: zone number, the
//! 8-degree latitude band, the two letters of the 100 km square (AA lettering scheme of WGS 84:
//! columns `A-H`, `J-R`, `S-Z` repeating every three zones, rows `A-V` without `I` and `O`,
//! shifted by five in even zones), then easting and northing within the square, truncated
//! (not rounded) to whole metres as MGRS requires. The zone follows the legal exceptions
//! (32V over south-west Norway, 31X/33X/35X/37X over Svalbard). Polar (UPS) areas, south of
//! 80°S and north of 84°N, have no UTM reference and are refused.

use raster::{CoordTransform, Crs};

use crate::error::RegistryError;

/// The latitude bands from 80°S, 8 degrees each (X: 12 degrees, 72°N to 84°N).
const BANDS: &[u8] = b"CDEFGHJKLMNPQRSTUVWX";
/// The row letters of the 100 km squares.
const ROWS: &[u8] = b"ABCDEFGHJKLMNPQRSTUV";
/// The column letters of the 100 km squares, one set per zone modulo 3.
const COLUMNS: [&[u8]; 3] = [b"ABCDEFGH", b"JKLMNPQR", b"STUVWXYZ"];

/// The MGRS reference to 1 m of the point `(lon, lat)` in WGS 84 degrees, written with spaces
/// between its parts: `"18S UJ 23487 06483"`.
pub fn mgrs(lon: f64, lat: f64) -> Result<String, RegistryError> {
    if !(-80.0..=84.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(RegistryError::NoMgrs { lon, lat });
    }
    let band_index = (((lat + 80.0) / 8.0).floor() as usize).min(BANDS.len() - 1);
    let band = BANDS[band_index] as char;
    let zone = mgrs_zone(lon, band);
    let base = if lat >= 0.0 { 32600 } else { 32700 };
    let utm =
        Crs::from_epsg(base + u32::from(zone)).map_err(|source| RegistryError::Projection {
            from: "EPSG:4326".into(),
            to: format!("UTM zone {zone}"),
            source,
        })?;
    let to_utm =
        CoordTransform::new(&Crs::wgs84(), &utm).map_err(|source| RegistryError::Projection {
            from: "EPSG:4326".into(),
            to: utm.name(),
            source,
        })?;
    let (easting, northing) =
        to_utm
            .transform_point(lon, lat)
            .map_err(|source| RegistryError::Projection {
                from: "EPSG:4326".into(),
                to: utm.name(),
                source,
            })?;
    let (e, n) = (easting.floor() as i64, northing.floor() as i64);
    let column_set = COLUMNS[usize::from(zone - 1) % 3];
    let column = column_set[((e / 100_000 - 1).clamp(0, 7)) as usize] as char;
    let row_shift = if zone % 2 == 0 { 5 } else { 0 };
    let row = ROWS[((n / 100_000 + row_shift) % 20) as usize] as char;
    Ok(format!(
        "{zone}{band} {column}{row} {:05} {:05}",
        e % 100_000,
        n % 100_000
    ))
}

/// The UTM zone MGRS uses at `(lon, lat)`: the 6-degree zone, with the Norway and Svalbard
/// exceptions.
fn mgrs_zone(lon: f64, band: char) -> u8 {
    let zone = raster::crs::utm_zone(lon);
    match band {
        'V' if (3.0..12.0).contains(&lon) => 32,
        'X' if (0.0..42.0).contains(&lon) => match lon {
            l if l < 9.0 => 31,
            l if l < 21.0 => 33,
            l if l < 33.0 => 35,
            _ => 37,
        },
        _ => zone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_of_latitude_and_longitude() {
        // The equator at the Greenwich meridian, 3 degrees west of zone 31's central meridian:
        // easting 166,021.44 m, northing 0 (the NGA/GeoTrans reference 31NAA6602100000).
        assert_eq!(mgrs(0.0, 0.0).unwrap(), "31N AA 66021 00000");
    }

    #[test]
    fn a_central_meridian_in_the_north_and_a_point_in_the_south() {
        // Zone 31's central meridian at the equator: easting 500,000 m exactly.
        assert_eq!(mgrs(3.0, 0.0).unwrap(), "31N EA 00000 00000");
        // Just south of the equator the northing is 10,000,000 m less a little: the last row
        // before the 100th, letter V in an odd zone.
        let south = mgrs(3.0, -0.0001).unwrap();
        assert!(south.starts_with("31M EV 00000 99"), "{south}");
    }

    #[test]
    fn the_norway_exception_and_polar_refusal() {
        // Bergen (5.32 E, 60.39 N) lies in 6-degree zone 31 but MGRS puts it in 32V.
        assert!(mgrs(5.32, 60.39).unwrap().starts_with("32V"));
        assert!(mgrs(0.0, 85.0).is_err());
    }
}
