//! A finding's figure: the image before and the image after side by side, contrast-stretched
//! and enlarged, with the outlines drawn, a scale bar and a true-north arrow on each, the
//! acquisition date above and the sensor and credit line below each, and the finding's
//! position and dates at the foot: everything an editor needs to print it on its own.

use crate::canvas::{Canvas, Rgb, Stroke, BLACK, WHITE};
use crate::error::ReportError;
use crate::format;
use crate::input::{Finding, Outline, OutlineStyle, Panel, Panels};
use crate::north_arrow::TrueNorth;
use crate::resize::resize_bilinear;
use crate::scale_bar;
use crate::stretch::stretch;
use crate::text::Lettering;

/// The longer side of each image on the figure, in pixels: small crops are enlarged to it so
/// that buildings are visible, large ones reduced.
pub(crate) const PANEL_SIDE: usize = 600;
/// The white margin around the figure.
const MARGIN: usize = 24;
/// The space between the two images.
const GUTTER: usize = 24;
/// Main text colour (near black) and secondary text colour (grey).
const INK: Rgb = [17, 17, 17];
const MUTED: Rgb = [85, 85, 85];

/// The colour and line of an outline style, as the figure draws it and the legend shows it.
fn stroke(style: OutlineStyle) -> Stroke {
    match style {
        OutlineStyle::New => Stroke {
            color: [235, 30, 30],
            width: 3.0,
            dash: None,
        },
        OutlineStyle::Reference => Stroke {
            color: [0, 215, 255],
            width: 3.0,
            dash: None,
        },
        OutlineStyle::Previous => Stroke {
            color: [255, 176, 0],
            width: 3.0,
            dash: Some((12.0, 8.0)),
        },
    }
}

/// What an outline style means, in the legend's words.
pub(crate) fn legend_label(style: OutlineStyle) -> &'static str {
    match style {
        OutlineStyle::New => "new",
        OutlineStyle::Reference => "original / reference",
        OutlineStyle::Previous => "before the change (dashed)",
    }
}

/// The CSS colour of an outline style, for the HTML legend.
pub(crate) fn css_color(style: OutlineStyle) -> String {
    let [r, g, b] = stroke(style).color;
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Checks that a finding's two crops can be drawn: one grid, projected, in metres, not empty.
fn check_crops(finding: &Finding) -> Result<(), ReportError> {
    let bad = |reason: &str| ReportError::BadFinding {
        finding: finding.title.clone(),
        reason: reason.to_string(),
    };
    let grid = &finding.before.crop.grid;
    if *grid != finding.after.crop.grid {
        return Err(bad("the before and after crops are not on one grid"));
    }
    if grid.width == 0 || grid.height == 0 {
        return Err(bad("the crops are empty"));
    }
    for crop in [&finding.before.crop, &finding.after.crop] {
        if crop.band_count == 0 {
            return Err(bad("a crop has no bands"));
        }
        if crop.data.len() != grid.width * grid.height * crop.band_count {
            return Err(bad("a crop's samples do not fill its grid"));
        }
    }
    if grid.crs.is_geographic() {
        return Err(bad(&format!(
            "the crops are in {} (degrees); figures need a projected CRS in metres",
            grid.crs
        )));
    }
    let not_metres = grid.crs.proj4.split_whitespace().any(|token| {
        token.starts_with("+to_meter=") || (token.starts_with("+units=") && token != "+units=m")
    });
    if not_metres {
        return Err(bad(&format!(
            "the map units of {} are not metres",
            grid.crs
        )));
    }
    Ok(())
}

/// Where things go on a figure, in figure pixels.
struct Layout {
    /// The enlargement from crop pixels to figure pixels.
    scale: f64,
    panel_w: usize,
    panel_h: usize,
    width: usize,
}

impl Layout {
    fn new(crop_w: usize, crop_h: usize) -> Layout {
        let scale = PANEL_SIDE as f64 / crop_w.max(crop_h) as f64;
        let panel_w = ((crop_w as f64 * scale).round() as usize).max(1);
        let panel_h = ((crop_h as f64 * scale).round() as usize).max(1);
        Layout {
            scale,
            panel_w,
            panel_h,
            width: 2 * MARGIN + GUTTER + 2 * panel_w.max(PANEL_SIDE / 2),
        }
    }

    /// The left edge of panel 0 (before) or 1 (after).
    fn panel_x(&self, index: usize) -> usize {
        let column = (self.width - 2 * MARGIN - GUTTER) / 2;
        MARGIN + index * (column + GUTTER)
    }
}

/// The figure of `finding`, ready to write as a PNG.
pub(crate) fn render(finding: &Finding) -> Result<Canvas, ReportError> {
    check_crops(finding)?;
    let grid = &finding.before.crop.grid;
    let north = TrueNorth::of(grid).map_err(|source| ReportError::NorthArrow {
        finding: finding.title.clone(),
        source,
    })?;
    let layout = Layout::new(grid.width, grid.height);
    let metres_per_pixel = grid.transform.pixel_size().0 / layout.scale;
    let to_pixel = grid
        .transform
        .inverse()
        .expect("a grid that maps to longitude/latitude is invertible");

    let headline = Lettering {
        scale: 3,
        color: INK,
    };
    let body = Lettering {
        scale: 2,
        color: INK,
    };
    let muted = Lettering {
        scale: 2,
        color: MUTED,
    };
    let full = layout.width - 2 * MARGIN;
    let column = layout.panel_w;
    let panels = [("BEFORE", &finding.before), ("AFTER", &finding.after)];
    let caption = |panel: &Panel| format!("{} · {}", panel.sensor, panel.credit);
    let caption_h = panels
        .iter()
        .map(|(_, p)| muted.wrapped_height(column, &caption(p)))
        .max()
        .unwrap_or(0);
    let place = format!(
        "{} · MGRS {}",
        format::lat_lon(finding.lonlat),
        finding.mgrs
    );
    let angle = north.angle_from_up_deg();
    let when = format!(
        "Changed between {} and {}. North arrow: true north, {:.2}° {} of the image's up.",
        finding.not_before,
        finding.by,
        angle.abs(),
        if angle < 0.0 { "left" } else { "right" }
    );
    let styles = legend_styles(&finding.outlines);
    let legend_h = if styles.is_empty() {
        0
    } else {
        body.line_step() + 8
    };

    let title_h = headline.wrapped_height(full, &finding.title);
    let panels_top = MARGIN + title_h + 12 + body.line_step();
    let captions_top = panels_top + layout.panel_h + 10;
    let footer_top = captions_top + caption_h + 14;
    let height = footer_top
        + body.wrapped_height(full, &place)
        + muted.wrapped_height(full, &when)
        + legend_h
        + MARGIN;

    let mut canvas = Canvas::new(layout.width, height, WHITE);
    headline.draw_wrapped(
        &mut canvas,
        MARGIN as i64,
        MARGIN as i64,
        full,
        &finding.title,
    );
    for (index, (word, panel)) in panels.iter().enumerate() {
        let x = layout.panel_x(index);
        body.draw(
            &mut canvas,
            x as i64,
            (panels_top - body.line_step()) as i64,
            &format!("{word} · {}", panel.acquired),
        );
        let mut picture = resize_bilinear(&stretch(&panel.crop), layout.panel_w, layout.panel_h);
        let side = if index == 0 {
            Panels::Before
        } else {
            Panels::After
        };
        for outline in finding.outlines.iter().filter(|o| shows_on(o, side)) {
            let points: Vec<(f64, f64)> = closed(&outline.ring)
                .iter()
                .map(|&(mx, my)| {
                    let (c, r) = to_pixel.apply(mx, my);
                    (c * layout.scale, r * layout.scale)
                })
                .collect();
            let line = stroke(outline.style);
            let halo = Stroke {
                color: BLACK,
                width: line.width + 2.0,
                ..line
            };
            picture.polyline(&points, &halo);
            picture.polyline(&points, &line);
        }
        scale_bar::draw(
            &mut picture,
            10,
            layout.panel_h as i64 - 10,
            layout.panel_w,
            metres_per_pixel,
        );
        let radius = 34.0;
        north.draw(
            &mut picture,
            layout.panel_w as f64 - radius - 10.0,
            radius + 10.0,
            radius,
        );
        canvas.paste(&picture, x as i64, panels_top as i64);
        muted.draw_wrapped(
            &mut canvas,
            x as i64,
            captions_top as i64,
            column,
            &caption(panel),
        );
    }
    let mut y = footer_top;
    y += body.draw_wrapped(&mut canvas, MARGIN as i64, y as i64, full, &place);
    y += muted.draw_wrapped(&mut canvas, MARGIN as i64, y as i64, full, &when);
    draw_legend(&mut canvas, MARGIN, y + 8, &styles, &body);
    Ok(canvas)
}

/// Whether `outline` is drawn on the panel `side`.
fn shows_on(outline: &Outline, side: Panels) -> bool {
    outline.on == Panels::Both || outline.on == side
}

/// The ring with its first vertex repeated at the end, so the outline closes.
fn closed(ring: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut points = ring.to_vec();
    if let (Some(&first), Some(&last)) = (ring.first(), ring.last()) {
        if first != last {
            points.push(first);
        }
    }
    points
}

/// The outline styles a figure uses, each once, in legend order.
pub(crate) fn legend_styles(outlines: &[Outline]) -> Vec<OutlineStyle> {
    let mut styles: Vec<OutlineStyle> = outlines.iter().map(|o| o.style).collect();
    styles.sort();
    styles.dedup();
    styles
}

/// Draws a line sample and the meaning of each style in one row from `(x, y)`.
fn draw_legend(canvas: &mut Canvas, x: usize, y: usize, styles: &[OutlineStyle], body: &Lettering) {
    let mut x = x as f64;
    let mid = y as f64 + body.height() as f64 / 2.0;
    for &style in styles {
        let line = stroke(style);
        let sample = [(x, mid), (x + 44.0, mid)];
        canvas.polyline(
            &sample,
            &Stroke {
                color: BLACK,
                width: line.width + 2.0,
                ..line
            },
        );
        canvas.polyline(&sample, &line);
        let label = legend_label(style);
        body.draw(canvas, (x + 54.0) as i64, y as i64, label);
        x += 54.0 + body.width(label) as f64 + 32.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use raster::{Crs, GeoTransform, Grid, Raster, SampleType};

    /// A finding on a 100 x 80 grid of 0.5 m in UTM 11N, a bright square in the after image
    /// outlined as new.
    fn finding() -> Finding {
        let grid = Grid::new(
            Crs::from_epsg(32611).unwrap(),
            GeoTransform::north_up(580_000.0, 4_100_040.0, 0.5, 0.5),
            100,
            80,
        );
        let before = Raster::filled(grid.clone(), 3, 40.0, SampleType::U8);
        let mut after = before.clone();
        for b in 0..3 {
            for row in 20..40 {
                for col in 30..60 {
                    after.band_mut(b)[row * 100 + col] = 200.0;
                }
            }
        }
        let panel = |crop, day| Panel {
            crop,
            sensor: "TestSat".into(),
            credit: "test".into(),
            acquired: NaiveDate::from_ymd_opt(2021, 1, day).unwrap(),
        };
        let (x0, y0) = grid.transform.apply(30.0, 20.0);
        let (x1, y1) = grid.transform.apply(60.0, 40.0);
        Finding {
            title: "a square appeared".into(),
            building_codes: vec!["B1".into()],
            kind: "appeared".into(),
            not_before: NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
            by: NaiveDate::from_ymd_opt(2021, 1, 2).unwrap(),
            lonlat: (-116.1, 37.04),
            mgrs: "11SMA 80000 00000".into(),
            measures: Vec::new(),
            before: panel(before, 1),
            after: panel(after, 2),
            outlines: vec![Outline {
                ring: vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
                style: OutlineStyle::New,
                on: Panels::After,
            }],
        }
    }

    #[test]
    fn the_figure_shows_both_panels_enlarged_with_the_outline_on_the_after_one() {
        let finding = finding();
        let canvas = render(&finding).unwrap();
        let layout = Layout::new(100, 80);
        assert_eq!((layout.panel_w, layout.panel_h), (600, 480));
        assert_eq!(canvas.width, layout.width);
        let red = stroke(OutlineStyle::New).color;
        let reds_in = |x0: usize| {
            (0..canvas.height)
                .flat_map(|r| (x0..x0 + layout.panel_w).map(move |c| (r, c)))
                .filter(|&(r, c)| canvas.pixels[r * canvas.width + c] == red)
                .count()
        };
        // The legend's sample is red too, but it lies below the panels and left of panel 1.
        let after_reds = reds_in(layout.panel_x(1));
        assert!(after_reds > 4 * 100, "{after_reds}");
        // The outline's top edge runs along row 20 of the crop: row 120 of the panel.
        let top = (0..canvas.height)
            .find(|&r| canvas.pixels[r * canvas.width + layout.panel_x(1) + 300] == red)
            .unwrap();
        let panel_top = (0..canvas.height)
            .find(|&r| canvas.pixels[r * canvas.width + layout.panel_x(1) + 300] != WHITE)
            .unwrap();
        assert!(
            (top as i64 - panel_top as i64 - 120).abs() <= 2,
            "{top} {panel_top}"
        );
    }

    #[test]
    fn crops_on_two_grids_or_in_degrees_are_refused_by_name() {
        let mut finding = finding();
        finding.after.crop.grid.transform.0[0] += 1.0;
        let error = render(&finding).unwrap_err().to_string();
        assert!(
            error.contains("a square appeared") && error.contains("one grid"),
            "{error}"
        );
        let mut finding = self::finding();
        for panel in [&mut finding.before, &mut finding.after] {
            panel.crop.grid.crs = Crs::wgs84();
        }
        let error = render(&finding).unwrap_err().to_string();
        assert!(error.contains("projected"), "{error}");
    }
}
