//! GeoPackage binary geometry: the "GP" header (version, flags, SRS id, x/y envelope)
//! followed by the polygon as ISO well-known binary (WKB). Only polygons are stored: site
//! AOIs and scene footprints.

use geo_types::{Coord, LineString, Polygon};

/// The `srs_id` of WGS 84 longitude/latitude (EPSG:4326), the SRS of every catalog layer.
pub(crate) const WGS84_SRS_ID: i32 = 4326;

/// The GeoPackage geometry type name of the catalog's geometry columns.
pub(crate) const GEOMETRY_TYPE_NAME: &str = "POLYGON";

const MAGIC: [u8; 2] = *b"GP";
/// Flags: bit 0 = little-endian header, bits 1-3 = envelope indicator 1 ([minx, maxx, miny, maxy]).
const FLAGS_LITTLE_ENDIAN_XY_ENVELOPE: u8 = 0b0000_0011;
const FLAG_EMPTY: u8 = 0b0001_0000;
const FLAG_EXTENDED: u8 = 0b0010_0000;
const WKB_POLYGON: u32 = 3;
const WKB_MULTIPOLYGON: u32 = 6;

/// An x/y bounding box in the layer's SRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Envelope {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl Envelope {
    /// The bounding box of every vertex of `polygon` (`None` for an empty polygon).
    pub fn of_polygon(polygon: &Polygon<f64>) -> Option<Envelope> {
        let mut coords = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .flat_map(|ring| ring.coords());
        let first = coords.next()?;
        let start = Envelope {
            min_x: first.x,
            min_y: first.y,
            max_x: first.x,
            max_y: first.y,
        };
        Some(coords.fold(start, |e, c| Envelope {
            min_x: e.min_x.min(c.x),
            min_y: e.min_y.min(c.y),
            max_x: e.max_x.max(c.x),
            max_y: e.max_y.max(c.y),
        }))
    }

    /// The smallest box that holds both boxes.
    pub fn union(self, other: Envelope) -> Envelope {
        Envelope {
            min_x: self.min_x.min(other.min_x),
            min_y: self.min_y.min(other.min_y),
            max_x: self.max_x.max(other.max_x),
            max_y: self.max_y.max(other.max_y),
        }
    }
}

/// Checks that `polygon` is a usable longitude/latitude polygon: closed rings of at least
/// three distinct corners, finite coordinates, longitudes in [-180, 180] and latitudes in
/// [-90, 90]. The error says which of these fails.
pub(crate) fn check_lon_lat_polygon(polygon: &Polygon<f64>) -> Result<(), String> {
    for (index, ring) in std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .enumerate()
    {
        let name = if index == 0 {
            "the exterior ring".to_string()
        } else {
            format!("interior ring {index}")
        };
        // geo-types closes rings, so a triangle has four coordinates.
        if ring.0.len() < 4 {
            return Err(format!(
                "{name} has {} coordinates; a polygon ring needs at least 3 corners",
                ring.0.len()
            ));
        }
        if let Some(c) = ring
            .coords()
            .find(|c| !(c.x.is_finite() && (-180.0..=180.0).contains(&c.x)))
        {
            return Err(format!(
                "{name} has longitude {} (x must be a longitude in degrees, -180 to 180; coordinates are EPSG:4326 longitude, latitude)",
                c.x
            ));
        }
        if let Some(c) = ring
            .coords()
            .find(|c| !(c.y.is_finite() && (-90.0..=90.0).contains(&c.y)))
        {
            return Err(format!(
                "{name} has latitude {} (y must be a latitude in degrees, -90 to 90; coordinates are EPSG:4326 longitude, latitude)",
                c.y
            ));
        }
    }
    Ok(())
}

/// The GeoPackage binary encoding of a non-empty `polygon` in SRS `srs_id`: little-endian
/// header with its x/y envelope, then little-endian ISO WKB.
pub(crate) fn encode_polygon(polygon: &Polygon<f64>, srs_id: i32) -> Vec<u8> {
    let envelope = Envelope::of_polygon(polygon).expect("stored polygons are checked non-empty");
    let rings: Vec<&LineString<f64>> = std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .collect();
    let points: usize = rings.iter().map(|r| r.0.len()).sum();
    let mut out = Vec::with_capacity(8 + 32 + 9 + 4 * rings.len() + 16 * points);
    out.extend_from_slice(&MAGIC);
    out.push(0); // GeoPackage binary version 1
    out.push(FLAGS_LITTLE_ENDIAN_XY_ENVELOPE);
    out.extend_from_slice(&srs_id.to_le_bytes());
    for v in [
        envelope.min_x,
        envelope.max_x,
        envelope.min_y,
        envelope.max_y,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.push(1); // WKB little-endian
    out.extend_from_slice(&WKB_POLYGON.to_le_bytes());
    out.extend_from_slice(&(rings.len() as u32).to_le_bytes());
    for ring in rings {
        out.extend_from_slice(&(ring.0.len() as u32).to_le_bytes());
        for c in ring.coords() {
            out.extend_from_slice(&c.x.to_le_bytes());
            out.extend_from_slice(&c.y.to_le_bytes());
        }
    }
    out
}

/// The header of a GeoPackage binary geometry.
struct Header {
    envelope: Option<Envelope>,
    /// Where the WKB starts.
    wkb_offset: usize,
}

fn parse_header(blob: &[u8]) -> Result<Header, String> {
    if blob.len() < 8 || blob[0..2] != MAGIC {
        return Err("a geometry is not GeoPackage binary (no 'GP' header)".into());
    }
    if blob[2] != 0 {
        return Err(format!(
            "a geometry has GeoPackage binary version {}, not 1",
            blob[2] as u32 + 1
        ));
    }
    let flags = blob[3];
    if flags & FLAG_EXTENDED != 0 {
        return Err("a geometry uses an extended GeoPackage geometry type".into());
    }
    if flags & FLAG_EMPTY != 0 {
        return Err("a geometry is empty".into());
    }
    let mut reader = ByteReader {
        bytes: blob,
        pos: 4,
        little_endian: flags & 1 == 1,
    };
    reader.u32()?; // srs_id: the layer's SRS is the one that counts
    let doubles = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 4,
        2 | 3 => 6,
        4 => 8,
        other => return Err(format!("a geometry has envelope indicator {other}")),
    };
    let mut values = [0.0; 8];
    for v in values.iter_mut().take(doubles) {
        *v = reader.f64()?;
    }
    let envelope = (doubles > 0).then_some(Envelope {
        min_x: values[0],
        max_x: values[1],
        min_y: values[2],
        max_y: values[3],
    });
    Ok(Header {
        envelope,
        wkb_offset: reader.pos,
    })
}

/// True when a stored geometry is flagged empty (GeoPackage `ST_IsEmpty`).
pub(crate) fn is_empty(blob: &[u8]) -> Result<bool, String> {
    if blob.len() < 8 || blob[0..2] != MAGIC {
        return Err("a geometry is not GeoPackage binary (no 'GP' header)".into());
    }
    Ok(blob[3] & FLAG_EMPTY != 0)
}

/// The x/y envelope of a stored geometry: the one in its header, or else the polygon's own.
pub(crate) fn envelope(blob: &[u8]) -> Result<Envelope, String> {
    match parse_header(blob)?.envelope {
        Some(envelope) => Ok(envelope),
        None => Envelope::of_polygon(&decode_polygon(blob)?)
            .ok_or_else(|| "a geometry is empty".to_string()),
    }
}

/// The polygon of a GeoPackage binary geometry (either byte order).
pub(crate) fn decode_polygon(blob: &[u8]) -> Result<Polygon<f64>, String> {
    let header = parse_header(blob)?;
    let mut reader = ByteReader::at_wkb(&blob[header.wkb_offset..])?;
    let geometry_type = reader.u32()?;
    if geometry_type != WKB_POLYGON {
        return Err(format!(
            "a geometry has WKB type {geometry_type}; the catalog stores 2D polygons (type 3)"
        ));
    }
    reader.polygon(2)
}

/// The polygons of a GeoPackage binary geometry written by any program: the polygon, or each
/// part of a multipolygon, with Z and M values dropped. Any other geometry type is an error
/// that names it.
pub(crate) fn decode_polygons(blob: &[u8]) -> Result<Vec<Polygon<f64>>, String> {
    let header = parse_header(blob)?;
    let mut reader = ByteReader::at_wkb(&blob[header.wkb_offset..])?;
    let (base, dims) = reader.geometry_type()?;
    match base {
        WKB_POLYGON => Ok(vec![reader.polygon(dims)?]),
        WKB_MULTIPOLYGON => {
            let parts = reader.u32()?;
            (0..parts)
                .map(|_| {
                    reader.byte_order()?;
                    match reader.geometry_type()? {
                        (WKB_POLYGON, dims) => reader.polygon(dims),
                        (other, _) => Err(format!(
                            "a multipolygon has a part of WKB type {other}, not a polygon"
                        )),
                    }
                })
                .collect()
        }
        other => Err(format!(
            "the geometry is a {}, not a polygon or multipolygon",
            wkb_type_name(other)
        )),
    }
}

/// The name of a 2D WKB geometry type.
fn wkb_type_name(base: u32) -> String {
    match base {
        1 => "point".into(),
        2 => "line string".into(),
        4 => "multipoint".into(),
        5 => "multi line string".into(),
        7 => "geometry collection".into(),
        other => format!("geometry of WKB type {other}"),
    }
}

/// Reads fixed-size numbers from a byte slice in one byte order.
struct ByteReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    little_endian: bool,
}

impl<'a> ByteReader<'a> {
    /// A reader of the WKB `wkb`, past its byte-order mark.
    fn at_wkb(wkb: &'a [u8]) -> Result<ByteReader<'a>, String> {
        let mut reader = ByteReader {
            bytes: wkb,
            pos: 0,
            little_endian: true,
        };
        reader.byte_order()?;
        Ok(reader)
    }

    /// Reads a WKB byte-order mark and reads on in that order.
    fn byte_order(&mut self) -> Result<(), String> {
        self.little_endian = match self.take::<1>()? {
            [0] => false,
            [1] => true,
            _ => return Err("a geometry has no valid WKB byte-order mark".into()),
        };
        Ok(())
    }

    /// Reads a WKB geometry type, ISO (1003 = polygon Z) or extended (flag bits): the 2D
    /// type and the number of coordinates per point.
    fn geometry_type(&mut self) -> Result<(u32, usize), String> {
        let code = self.u32()?;
        let (z_flag, m_flag) = (code & 0x8000_0000 != 0, code & 0x4000_0000 != 0);
        let iso = code & 0x0fff_ffff;
        let (base, iso_z, iso_m) = match iso / 1000 {
            0 => (iso, false, false),
            1 => (iso % 1000, true, false),
            2 => (iso % 1000, false, true),
            3 => (iso % 1000, true, true),
            _ => return Err(format!("a geometry has unknown WKB type {code}")),
        };
        let dims = 2 + usize::from(z_flag || iso_z) + usize::from(m_flag || iso_m);
        Ok((base, dims))
    }

    /// Reads the rings of a WKB polygon (after its type) with `dims` values per point, of
    /// which the first two are x and y.
    fn polygon(&mut self, dims: usize) -> Result<Polygon<f64>, String> {
        let ring_count = self.u32()? as usize;
        let mut rings = Vec::with_capacity(ring_count.min(1024));
        for _ in 0..ring_count {
            let point_count = self.u32()? as usize;
            let mut coords = Vec::with_capacity(point_count.min(1 << 16));
            for _ in 0..point_count {
                let x = self.f64()?;
                let y = self.f64()?;
                for _ in 2..dims {
                    self.f64()?;
                }
                coords.push(Coord { x, y });
            }
            rings.push(LineString(coords));
        }
        let mut rings = rings.into_iter();
        let exterior = rings
            .next()
            .ok_or_else(|| "a polygon has no rings".to_string())?;
        Ok(Polygon::new(exterior, rings.collect()))
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.pos + N;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| "a geometry is truncated".to_string())?;
        self.pos = end;
        Ok(slice.try_into().expect("slice has N bytes"))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if self.little_endian {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    fn square_with_hole() -> Polygon<f64> {
        polygon!(
            exterior: [(x: 51.70, y: 33.70), (x: 51.75, y: 33.70), (x: 51.75, y: 33.74), (x: 51.70, y: 33.74)],
            interiors: [[(x: 51.72, y: 33.71), (x: 51.73, y: 33.71), (x: 51.73, y: 33.72)]],
        )
    }

    #[test]
    fn polygon_round_trips_with_header_envelope() {
        let polygon = square_with_hole();
        let blob = encode_polygon(&polygon, WGS84_SRS_ID);
        assert_eq!(&blob[0..4], &[b'G', b'P', 0, 0b11]);
        assert_eq!(i32::from_le_bytes(blob[4..8].try_into().unwrap()), 4326);
        assert_eq!(decode_polygon(&blob).unwrap(), polygon);
        let e = envelope(&blob).unwrap();
        assert_eq!(
            (e.min_x, e.min_y, e.max_x, e.max_y),
            (51.70, 33.70, 51.75, 33.74)
        );
    }

    #[test]
    fn reads_big_endian_wkb_without_envelope() {
        // Another writer's choice: big-endian header, no envelope, big-endian WKB.
        let polygon: Polygon<f64> = polygon![(x: 1.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 5.0)];
        let mut blob = vec![b'G', b'P', 0, 0];
        blob.extend_from_slice(&4326i32.to_be_bytes());
        blob.push(0);
        blob.extend_from_slice(&3u32.to_be_bytes());
        blob.extend_from_slice(&1u32.to_be_bytes());
        blob.extend_from_slice(&(polygon.exterior().0.len() as u32).to_be_bytes());
        for c in polygon.exterior().coords() {
            blob.extend_from_slice(&c.x.to_be_bytes());
            blob.extend_from_slice(&c.y.to_be_bytes());
        }
        assert_eq!(decode_polygon(&blob).unwrap(), polygon);
        let e = envelope(&blob).unwrap();
        assert_eq!((e.min_x, e.min_y, e.max_x, e.max_y), (1.0, 2.0, 3.0, 5.0));
    }

    #[test]
    fn multipolygons_with_z_split_into_polygons() {
        // A multipolygon Z (ISO 1006) of two parts, the second big-endian, as other programs
        // may write it.
        let a: Polygon<f64> = polygon![(x: 1.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 5.0)];
        let b: Polygon<f64> = polygon![(x: 7.0, y: 2.0), (x: 9.0, y: 2.0), (x: 9.0, y: 5.0)];
        let mut blob = vec![b'G', b'P', 0, 1];
        blob.extend_from_slice(&32639i32.to_le_bytes());
        blob.push(1);
        blob.extend_from_slice(&1006u32.to_le_bytes());
        blob.extend_from_slice(&2u32.to_le_bytes());
        for (part, little) in [(&a, true), (&b, false)] {
            let u32_bytes = |v: u32| {
                if little {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                }
            };
            let f64_bytes = |v: f64| {
                if little {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                }
            };
            blob.push(u8::from(little));
            blob.extend_from_slice(&u32_bytes(1003));
            blob.extend_from_slice(&u32_bytes(1));
            blob.extend_from_slice(&u32_bytes(part.exterior().0.len() as u32));
            for c in part.exterior().coords() {
                for v in [c.x, c.y, 1234.5] {
                    blob.extend_from_slice(&f64_bytes(v));
                }
            }
        }
        assert_eq!(decode_polygons(&blob).unwrap(), vec![a.clone(), b]);
        let single = encode_polygon(&a, 4326);
        assert_eq!(decode_polygons(&single).unwrap(), vec![a]);
        let mut point = single.clone();
        point[41..45].copy_from_slice(&1u32.to_le_bytes());
        assert!(decode_polygons(&point).unwrap_err().contains("point"));
    }

    #[test]
    fn damaged_geometries_are_refused() {
        let blob = encode_polygon(&square_with_hole(), WGS84_SRS_ID);
        assert!(decode_polygon(&blob[..blob.len() - 3])
            .unwrap_err()
            .contains("truncated"));
        assert!(decode_polygon(b"XY\0\0abcd").unwrap_err().contains("'GP'"));
        let mut point = blob.clone();
        point[41..45].copy_from_slice(&1u32.to_le_bytes());
        assert!(decode_polygon(&point).unwrap_err().contains("WKB type 1"));
    }

    #[test]
    fn lon_lat_check_names_the_fault() {
        assert!(check_lon_lat_polygon(&square_with_hole()).is_ok());
        let swapped = polygon![(x: 33.7, y: 151.7), (x: 33.8, y: 151.7), (x: 33.8, y: 151.8)];
        assert!(check_lon_lat_polygon(&swapped)
            .unwrap_err()
            .contains("latitude 151.7"));
        let line = polygon![(x: 1.0, y: 1.0), (x: 2.0, y: 2.0)];
        assert!(check_lon_lat_polygon(&line)
            .unwrap_err()
            .contains("at least 3 corners"));
    }
}
