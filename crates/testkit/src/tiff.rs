//! Hand-made TIFFs for bad-input tests: files no writer would produce on purpose.

/// A minimal little-endian TIFF of one 2x2 byte strip with the given extra entries
/// `(tag, type, count, value)` (values inline, up to 4 bytes).
pub fn tiny_tiff(compression: u16, extra: &[(u16, u16, u32, u32)], extra_data: &[u8]) -> Vec<u8> {
    let mut entries: Vec<(u16, u16, u32, u32)> = vec![
        (256, 3, 1, 2),
        (257, 3, 1, 2),
        (258, 3, 1, 8),
        (259, 3, 1, u32::from(compression)),
        (262, 3, 1, 1),
        (273, 4, 1, 8), // the strip follows the header
        (277, 3, 1, 1),
        (278, 3, 1, 2),
        (279, 4, 1, 4),
    ];
    entries.extend_from_slice(extra);
    entries.sort_by_key(|e| e.0);
    let data_start = 8 + 4;
    let ifd_offset = (data_start + extra_data.len()) as u32;
    let mut bytes = vec![b'I', b'I', 42, 0];
    bytes.extend_from_slice(&ifd_offset.to_le_bytes());
    bytes.extend_from_slice(&[1, 2, 3, 4]);
    bytes.extend_from_slice(extra_data);
    bytes.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        bytes.extend_from_slice(&tag.to_le_bytes());
        bytes.extend_from_slice(&kind.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes
}

/// A 2x2 GeoTIFF that GDAL reads, georeferenced by pixel scale and tiepoint, whose
/// ProjectedCSTypeGeoKey is 29999: a code no EPSG CRS has.
pub fn unknown_epsg_tiff() -> Vec<u8> {
    // Pixel scale (3 doubles) and tiepoint (6 doubles) stored after the strip, then a
    // GeoKeyDirectory declaring ProjectedCSTypeGeoKey = 29999, which no EPSG CRS has.
    let mut doubles = Vec::new();
    for v in [1.0f64, 1.0, 0.0, 0.0, 0.0, 0.0, 500_000.0, 4_000_000.0, 0.0] {
        doubles.extend_from_slice(&v.to_le_bytes());
    }
    let keys: Vec<u8> = [1u16, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 29_999]
        .iter()
        .flat_map(|k| k.to_le_bytes())
        .collect();
    let mut extra_data = doubles;
    extra_data.extend_from_slice(&keys);
    let start = 12u32;
    let extra = [
        (33550, 12, 3, start),
        (33922, 12, 6, start + 24),
        (34735, 3, 12, start + 72),
    ];
    tiny_tiff(1, &extra, &extra_data)
}
