//! The indicator charts: a site's figures over dates as inline SVG line charts, each value
//! with its interval as a shaded band, the dates placed in proportion to time.

use std::fmt::Write;

use chrono::NaiveDate;

use crate::format;
use crate::html::escape;
use crate::input::{IndicatorPoint, Quantity};
use crate::round::round_at_most;

/// The chart's size in SVG units, and the room left for axes and labels.
const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 44.0;
const BOTTOM: f64 = 40.0;
/// The room above the plot for the title and for each line of the legend.
const TITLE_ROOM: f64 = 30.0;
const LEGEND_LINE: f64 = 15.0;

/// One value of a series: its date, the value, and its interval when it has one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChartPoint {
    pub date: NaiveDate,
    pub value: f64,
    pub interval: Option<(f64, f64)>,
}

impl ChartPoint {
    fn of_quantity(date: NaiveDate, q: &Quantity) -> ChartPoint {
        ChartPoint {
            date,
            value: q.value,
            interval: Some((q.low, q.high)),
        }
    }

    fn of_count(date: NaiveDate, count: usize) -> ChartPoint {
        ChartPoint {
            date,
            value: count as f64,
            interval: None,
        }
    }
}

/// A named line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub label: String,
    pub color: &'static str,
    pub points: Vec<ChartPoint>,
}

/// The four indicator charts of a site: roofed area, the new buildings' area, the housing's
/// area (each with its interval) and the counts of new buildings and housing blocks.
pub(crate) fn indicator_charts(points: &[IndicatorPoint]) -> Vec<String> {
    if points.is_empty() {
        return Vec::new();
    }
    let area = |label: &str, color, pick: fn(&IndicatorPoint) -> &Quantity| {
        let series = Series {
            label: label.to_string(),
            color,
            points: points
                .iter()
                .map(|p| ChartPoint::of_quantity(p.date, pick(p)))
                .collect(),
        };
        line_chart(label, &pick(&points[0]).unit, &[series])
    };
    let counts = [
        Series {
            label: "new buildings".into(),
            color: "#c0392b",
            points: points
                .iter()
                .map(|p| ChartPoint::of_count(p.date, p.new_buildings))
                .collect(),
        },
        Series {
            label: "housing blocks".into(),
            color: "#2471a3",
            points: points
                .iter()
                .map(|p| ChartPoint::of_count(p.date, p.housing_blocks))
                .collect(),
        },
    ];
    vec![
        area("Roofed area", "#34495e", |p| &p.roofed_area),
        area("Area of new buildings", "#c0392b", |p| &p.new_building_area),
        area("Housing area in the ring", "#2471a3", |p| &p.housing_area),
        line_chart("New buildings and housing blocks", "count", &counts),
    ]
}

/// An SVG line chart of `series` titled `title`, its y axis in `unit` from zero up.
pub(crate) fn line_chart(title: &str, unit: &str, series: &[Series]) -> String {
    let all = series.iter().flat_map(|s| &s.points);
    let first = all.clone().map(|p| p.date).min();
    let last = all.clone().map(|p| p.date).max();
    let top = all
        .clone()
        .map(|p| p.interval.map_or(p.value, |(_, high)| high.max(p.value)))
        .fold(0.0, f64::max);
    let step = if top > 0.0 {
        round_at_most(top / 3.0)
    } else {
        1.0
    };
    let y_max = (top / step).ceil().max(1.0) * step;
    let span = match (first, last) {
        (Some(a), Some(b)) => (b - a).num_days().max(0) as f64,
        _ => 0.0,
    };
    let x = |date: NaiveDate| match first {
        Some(first) if span > 0.0 => {
            LEFT + (date - first).num_days() as f64 / span * (WIDTH - LEFT - RIGHT)
        }
        _ => (LEFT + WIDTH - RIGHT) / 2.0,
    };
    // A single series is named by the title; several get a legend line each.
    let legend_lines = if series.len() > 1 { series.len() } else { 0 };
    let plot_top = TITLE_ROOM + LEGEND_LINE * legend_lines as f64;
    let y = |value: f64| HEIGHT - BOTTOM - value / y_max * (HEIGHT - plot_top - BOTTOM);
    let decimals = if step < 1.0 { 1 } else { 0 };

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r#"<text x="{LEFT}" y="18" class="chart-title">{} ({})</text>"#,
        escape(title),
        escape(unit)
    );
    let mut tick = 0.0;
    while tick <= y_max + step * 1e-9 {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end" class="tick">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(tick) + 4.0,
            format::grouped(tick, decimals),
            y = y(tick),
        );
        tick += step;
    }
    let mut dates: Vec<NaiveDate> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.date))
        .collect();
    dates.sort();
    dates.dedup();
    let mut last_label = f64::NEG_INFINITY;
    for date in dates {
        let at = x(date);
        // Dates closer than a label's width share the first one's label.
        if at - last_label >= 74.0 {
            let _ = write!(
                svg,
                r#"<text x="{at:.1}" y="{}" text-anchor="middle" class="tick">{date}</text>"#,
                HEIGHT - BOTTOM + 18.0
            );
            last_label = at;
        }
    }
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{}" y1="{b}" y2="{b}" stroke="#333"/>"##,
        WIDTH - RIGHT,
        b = HEIGHT - BOTTOM
    );
    for (i, s) in series.iter().enumerate() {
        let band: Vec<(f64, f64, f64)> = s
            .points
            .iter()
            .filter_map(|p| p.interval.map(|(low, high)| (x(p.date), y(low), y(high))))
            .collect();
        if band.len() == s.points.len() && !band.is_empty() {
            let outline: Vec<String> = band
                .iter()
                .map(|(px, low, _)| format!("{px:.1},{low:.1}"))
                .chain(
                    band.iter()
                        .rev()
                        .map(|(px, _, high)| format!("{px:.1},{high:.1}")),
                )
                .collect();
            let _ = write!(
                svg,
                r#"<polygon points="{}" fill="{}" fill-opacity="0.18" stroke="none"/>"#,
                outline.join(" "),
                s.color
            );
        }
        let line: Vec<String> = s
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.date), y(p.value)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            line.join(" "),
            s.color
        );
        for p in &s.points {
            let interval = p.interval.map_or(String::new(), |(low, high)| {
                format!(
                    " [{}–{}]",
                    format::grouped(low, 0),
                    format::grouped(high, 0)
                )
            });
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{}: {} {}{}</title></circle>"#,
                x(p.date),
                y(p.value),
                s.color,
                p.date,
                format::grouped(p.value, decimals),
                escape(unit),
                interval
            );
        }
        if legend_lines > 0 {
            let baseline = TITLE_ROOM + LEGEND_LINE * i as f64 + 2.0;
            let _ = write!(
                svg,
                r#"<rect x="{LEFT}" y="{}" width="14" height="3" fill="{}"/><text x="{}" y="{baseline}" class="tick">{}</text>"#,
                baseline - 4.0,
                s.color,
                LEFT + 20.0,
                escape(&s.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 1, d).unwrap()
    }

    /// The numbers of an SVG attribute list such as `points="1,2 3,4"`.
    fn numbers_after(svg: &str, tag: &str) -> Vec<f64> {
        let start = svg.find(tag).unwrap() + tag.len();
        let end = start + svg[start..].find('"').unwrap();
        svg[start..end]
            .split([' ', ','])
            .map(|n| n.parse().unwrap())
            .collect()
    }

    #[test]
    fn dates_are_placed_in_proportion_to_time_and_values_from_zero() {
        let series = Series {
            label: "roofed".into(),
            color: "#000",
            points: [(1, 10.0), (11, 20.0), (31, 30.0)]
                .map(|(d, v)| ChartPoint {
                    date: day(d),
                    value: v,
                    interval: Some((v - 1.0, v + 1.0)),
                })
                .to_vec(),
        };
        let svg = line_chart("Roofed <area>", "m²", &[series]);
        assert!(svg.contains("Roofed &lt;area&gt;"));
        let line = numbers_after(&svg, "<polyline points=\"");
        let xs: Vec<f64> = line.iter().step_by(2).copied().collect();
        let ys: Vec<f64> = line.iter().skip(1).step_by(2).copied().collect();
        // Day 11 is a third of the way from day 1 to day 31.
        let third = (xs[1] - xs[0]) / (xs[2] - xs[0]);
        assert!((third - 1.0 / 3.0).abs() < 0.01, "{xs:?}");
        // Values go up the page, the step from 10 to 20 the same as from 20 to 30.
        assert!(ys[0] > ys[1] && ys[1] > ys[2]);
        assert!(((ys[0] - ys[1]) - (ys[1] - ys[2])).abs() < 0.2);
        // Zero sits on the axis: 10 is as far above it as 20 is above 10.
        let axis = HEIGHT - BOTTOM;
        assert!(((axis - ys[0]) - (ys[0] - ys[1])).abs() < 0.2);
        // The interval band spans 2 units around each value.
        let band = numbers_after(&svg, "<polygon points=\"");
        assert_eq!(band.len(), 12);
        assert!(band[1] > ys[0] && band[11] < ys[0]);
    }

    #[test]
    fn counts_have_no_band_and_every_series_is_in_the_legend() {
        let series: Vec<Series> = ["new", "housing"]
            .iter()
            .map(|label| Series {
                label: label.to_string(),
                color: "#123",
                points: vec![
                    ChartPoint::of_count(day(1), 2),
                    ChartPoint::of_count(day(5), 3),
                ],
            })
            .collect();
        let svg = line_chart("Counts", "count", &series);
        assert!(!svg.contains("<polygon"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(">new</text>") && svg.contains(">housing</text>"));
    }
}
