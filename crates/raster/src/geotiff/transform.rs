//! The raster-to-model transform of a GeoTIFF: ModelPixelScale with one ModelTiepoint, or a
//! ModelTransformation matrix, read into a GDAL-order [`GeoTransform`] exactly as GDAL does
//! (including its half-pixel shift for "pixel is point"), and chosen for writing.

use crate::grid::GeoTransform;
use crate::raster::ReadErrorKind;

/// The transform tags of a GeoTIFF, as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TransformTags {
    /// ModelPixelScale `(sx, sy, sz)` and ModelTiepoint `(i, j, k, x, y, z)`.
    ScaleTiepoint { scale: [f64; 3], tiepoint: [f64; 6] },
    /// The 4x4 ModelTransformation matrix, row-major.
    Matrix([f64; 16]),
}

impl TransformTags {
    /// The tags found in a file, in GDAL's order of preference: scale and tiepoint first, then
    /// the matrix. `None` when the file has neither.
    pub(crate) fn from_tags(
        scale: Option<Vec<f64>>,
        tiepoints: Option<Vec<f64>>,
        matrix: Option<Vec<f64>>,
    ) -> Result<Option<TransformTags>, ReadErrorKind> {
        if let (Some(scale), Some(tiepoints)) = (&scale, &tiepoints) {
            if scale.len() >= 2 && scale[0] != 0.0 && scale[1] != 0.0 && tiepoints.len() >= 6 {
                let mut s = [0.0; 3];
                s[..scale.len().min(3)].copy_from_slice(&scale[..scale.len().min(3)]);
                let mut t = [0.0; 6];
                t.copy_from_slice(&tiepoints[..6]);
                return Ok(Some(TransformTags::ScaleTiepoint {
                    scale: s,
                    tiepoint: t,
                }));
            }
        }
        if let Some(matrix) = matrix {
            let m: [f64; 16] = matrix.as_slice().try_into().map_err(|_| {
                ReadErrorKind::Corrupt(format!(
                    "ModelTransformation has {} values instead of 16",
                    matrix.len()
                ))
            })?;
            return Ok(Some(TransformTags::Matrix(m)));
        }
        match tiepoints {
            Some(t) if t.len() > 6 => Err(ReadErrorKind::Unsupported(format!(
                "georeferencing by {} ground control points (tiepoints without a pixel scale)",
                t.len() / 6
            ))),
            _ => Ok(None),
        }
    }

    /// The GDAL geotransform; `pixel_is_point` shifts it by half a pixel so that it places
    /// pixel corners, as GDAL does by default.
    pub(crate) fn geotransform(&self, pixel_is_point: bool) -> GeoTransform {
        let mut t = match self {
            TransformTags::ScaleTiepoint { scale, tiepoint } => [
                tiepoint[3] - tiepoint[0] * scale[0],
                scale[0],
                0.0,
                tiepoint[4] + tiepoint[1] * scale[1],
                0.0,
                -scale[1],
            ],
            TransformTags::Matrix(m) => [m[3], m[0], m[1], m[7], m[4], m[5]],
        };
        if pixel_is_point {
            t[0] -= 0.5 * (t[1] + t[2]);
            t[3] -= 0.5 * (t[4] + t[5]);
        }
        GeoTransform(t)
    }

    /// The tags that store `transform`: scale and tiepoint for north-up transforms, the matrix
    /// otherwise (GDAL's choice).
    pub(crate) fn for_transform(transform: &GeoTransform) -> TransformTags {
        let t = transform.0;
        if t[2] == 0.0 && t[4] == 0.0 && t[5] < 0.0 {
            TransformTags::ScaleTiepoint {
                scale: [t[1], -t[5], 0.0],
                tiepoint: [0.0, 0.0, 0.0, t[0], t[3], 0.0],
            }
        } else {
            TransformTags::Matrix([
                t[1], t[2], 0.0, t[0], //
                t[4], t[5], 0.0, t[3], //
                0.0, 0.0, 0.0, 0.0, //
                0.0, 0.0, 0.0, 1.0,
            ])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn north_up_and_rotated_transforms_round_trip() {
        for t in [
            GeoTransform::north_up(101_985.0, 2_826_915.0, 300.04, 300.04),
            GeoTransform([100.0, 17.32, 5.0, 200.0, 10.0, -8.66]),
        ] {
            assert_eq!(TransformTags::for_transform(&t).geotransform(false), t);
        }
    }

    #[test]
    fn tiepoint_away_from_the_origin() {
        let tags = TransformTags::from_tags(
            Some(vec![2.0, 3.0, 0.0]),
            Some(vec![10.0, 20.0, 0.0, 1000.0, 5000.0, 0.0]),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            tags.geotransform(false).0,
            [980.0, 2.0, 0.0, 5060.0, 0.0, -3.0]
        );
        // Pixel is point: the tiepoint is the centre of pixel (10, 20).
        assert_eq!(
            tags.geotransform(true).0,
            [979.0, 2.0, 0.0, 5061.5, 0.0, -3.0]
        );
    }

    #[test]
    fn ground_control_points_are_refused() {
        let gcps = vec![0.0; 18];
        assert!(TransformTags::from_tags(None, Some(gcps), None).is_err());
        assert_eq!(TransformTags::from_tags(None, None, None).unwrap(), None);
    }
}
