//! The model of a synthetic site: buildings with a state per date, roads, and the
//! acquisitions that image it. Everything is in metres of one projected CRS.

use serde::Serialize;

/// A rotated rectangle on the ground: centre, length along `angle_deg` (counter-clockwise from
/// east), width across it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    pub cx: f64,
    pub cy: f64,
    pub length: f64,
    pub width: f64,
    pub angle_deg: f64,
}

impl Rect {
    /// The rectangle's two unit axes: along its length, and across it.
    fn axes(&self) -> ((f64, f64), (f64, f64)) {
        let (s, c) = self.angle_deg.to_radians().sin_cos();
        ((c, s), (-s, c))
    }

    /// Position of `(x, y)` in the rectangle's own frame: (along, across) from the centre.
    pub fn local(&self, x: f64, y: f64) -> (f64, f64) {
        let ((ax, ay), (bx, by)) = self.axes();
        let (dx, dy) = (x - self.cx, y - self.cy);
        (dx * ax + dy * ay, dx * bx + dy * by)
    }

    pub fn contains(&self, x: f64, y: f64) -> bool {
        let (u, v) = self.local(x, y);
        u.abs() <= self.length / 2.0 && v.abs() <= self.width / 2.0
    }

    /// Corners counter-clockwise, as a closed ring would list them (without repeating the first).
    pub fn corners(&self) -> [(f64, f64); 4] {
        let ((ax, ay), (bx, by)) = self.axes();
        let (hl, hw) = (self.length / 2.0, self.width / 2.0);
        [(-hl, -hw), (hl, -hw), (hl, hw), (-hl, hw)]
            .map(|(u, v)| (self.cx + u * ax + v * bx, self.cy + u * ay + v * by))
    }

    pub fn area(&self) -> f64 {
        self.length * self.width
    }

    /// Axis-aligned bounds `(min_x, min_y, max_x, max_y)`.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let c = self.corners();
        let xs = c.map(|p| p.0);
        let ys = c.map(|p| p.1);
        (
            xs.iter().cloned().fold(f64::INFINITY, f64::min),
            ys.iter().cloned().fold(f64::INFINITY, f64::min),
            xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        )
    }
}

/// A building's outline: a union of rectangles that do not overlap (a hall and its annex).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Footprint {
    pub parts: Vec<Rect>,
}

impl Footprint {
    pub fn rect(rect: Rect) -> Self {
        Footprint { parts: vec![rect] }
    }

    pub fn contains(&self, x: f64, y: f64) -> bool {
        self.parts.iter().any(|r| r.contains(x, y))
    }

    /// Area in m² (the parts do not overlap).
    pub fn area(&self) -> f64 {
        self.parts.iter().map(Rect::area).sum()
    }

    /// The part that contains `(x, y)`, if any.
    pub fn part_at(&self, x: f64, y: f64) -> Option<&Rect> {
        self.parts.iter().find(|r| r.contains(x, y))
    }

    /// Axis-aligned bounds of all parts.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        self.parts.iter().map(Rect::bounds).fold(
            (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ),
            |a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)),
        )
    }
}

/// How a roof looks from above.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoofPattern {
    /// A flat roof with faint mottling.
    Flat,
    /// Metal sheeting: darker seams every `period_m` across the length.
    Corrugated { period_m: f64 },
    /// A pitched roof with its ridge along the length: the two slopes catch the sun differently.
    Gable,
}

/// A roof: its reflectance in red, green, blue and near-infrared (0-1) and its pattern.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Roof {
    pub reflectance: [f64; 4],
    pub pattern: RoofPattern,
}

/// What a building is for; the registry's housing indicator is checked against `Residential`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildingUse {
    Industrial,
    Residential,
    Support,
}

/// A building as it stands on one date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildingState {
    pub footprint: Footprint,
    pub roof: Roof,
    pub height_m: f64,
}

/// A building of the scenario and its state on each date (`None`: not standing).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthBuilding {
    pub id: String,
    pub label: String,
    pub building_use: BuildingUse,
    pub states: Vec<Option<BuildingState>>,
}

/// A straight road segment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Road {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub width_m: f64,
}

impl Road {
    /// Distance from `(x, y)` to the road's centre line.
    pub fn distance(&self, x: f64, y: f64) -> f64 {
        let (dx, dy) = (self.to.0 - self.from.0, self.to.1 - self.from.1);
        let len2 = dx * dx + dy * dy;
        let t = (((x - self.from.0) * dx + (y - self.from.1) * dy) / len2).clamp(0.0, 1.0);
        (x - self.from.0 - t * dx).hypot(y - self.from.1 - t * dy)
    }
}

/// One acquisition of the site: when, by what, and how it differs from the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acquisition {
    /// ISO 8601 UTC date-time.
    pub datetime: String,
    pub sensor: String,
    pub credit: String,
    pub gsd_m: f64,
    pub sun_elevation_deg: f64,
    pub sun_azimuth_deg: f64,
    /// Overall illumination gain (1 = nominal).
    pub gain: f64,
    /// Haze: the fraction of the signal replaced by a flat bright veil (0-1).
    pub haze: f64,
    /// Vegetation vigour for the season (0 = dormant, 1 = full).
    pub vegetation_vigour: f64,
    /// The georeferencing error of the delivered file, in pixels (east, south): what
    /// co-registration has to find and remove.
    pub misregistration_px: (f64, f64),
    /// Spectral response of each band relative to nominal (red, green, blue, NIR).
    pub band_gains: [f64; 4],
    /// Sensor noise, standard deviation in reflectance units.
    pub noise_sigma: f64,
    /// The largest digital number: 255 for 8-bit, 2047 for 11-bit sensors.
    pub max_dn: u16,
}

/// A synthetic site: its place, its buildings over time, and its acquisitions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    /// The projected CRS (a UTM zone) all coordinates are in.
    pub epsg: u32,
    /// Centre of the site in map metres.
    pub center: (f64, f64),
    /// Half the side of the square area of interest, in metres.
    pub aoi_half_m: f64,
    /// Ring distance around the AOI where housing is looked for, in metres.
    pub ring_m: f64,
    pub seed: u64,
    pub acquisitions: Vec<Acquisition>,
    pub buildings: Vec<SynthBuilding>,
    pub roads: Vec<Road>,
}

impl Scenario {
    /// Half the side of the imaged square: the AOI plus its ring plus a margin for
    /// misregistration and warping.
    pub fn scene_half_m(&self) -> f64 {
        self.aoi_half_m + self.ring_m + 20.0
    }
}
