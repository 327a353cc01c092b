//! The report page: one self-contained HTML file that opens offline. Styles and charts are
//! inline, the figures are PNG files beside it under relative links, and nothing is fetched
//! from the network.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::figure::{css_color, legend_label, legend_styles};
use crate::format;
use crate::input::{Finding, Quantity, ReportInput};

/// Text made safe to put in HTML content or a quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text in which every word that is an http(s) URL becomes a link to it. Brackets
/// around it and closing punctuation stay outside the link.
pub(crate) fn linkify(text: &str) -> String {
    let mut out = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let rest = word.trim_start_matches(['(', '[']);
        let lead = &word[..word.len() - rest.len()];
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let url = rest.trim_end_matches(['.', ',', ';', ':', ')', ']']);
            let _ = write!(
                out,
                r#"{}<a href="{u}" rel="noreferrer">{u}</a>{}"#,
                escape(lead),
                escape(&rest[url.len()..]),
                u = escape(url),
            );
        } else {
            out.push_str(&escape(word));
        }
    }
    out
}

/// A measure for a table cell, or a dash when there is none.
fn cell(q: Option<&Quantity>) -> String {
    q.map_or("–".to_string(), |q| escape(&format::quantity(q)))
}

/// Tells the page's reader (and tests) how many images loaded: on window load, the body gets
/// `data-images="loaded/total"`, counting an image as loaded when it decoded to some pixels.
const IMAGE_CHECK: &str = "<script>\nwindow.addEventListener('load', function () {\n  \
    var images = Array.prototype.slice.call(document.images);\n  \
    var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });\n  \
    document.body.setAttribute('data-images', loaded.length + '/' + images.length);\n});\n</script>\n";

const STYLE: &str = "<style>
body { font-family: Georgia, 'Times New Roman', serif; color: #111; max-width: 1320px;
  margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 2em; margin-bottom: 0.1em; }
h2 { border-bottom: 2px solid #111; padding-bottom: 0.2em; margin-top: 2em; }
.sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { text-align: left; vertical-align: top; padding: 0.3em 0.6em; border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.5em 0 2.5em; }
figure img { max-width: 100%; height: auto; border: 1px solid #ccc; }
@media print { figure, tr, .chart { break-inside: avoid; } }
figcaption { font-size: 0.95em; }
.swatch { display: inline-block; width: 1.6em; height: 0.3em; vertical-align: middle; margin: 0 0.3em 0 0.8em; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
.chart { width: 560px; max-width: 100%; height: auto; font-family: sans-serif; }
.chart-title { font-size: 13px; font-weight: bold; }
.tick { font-size: 11px; fill: #333; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
code { word-break: break-all; }
</style>\n";

/// The report page for `input`, with finding `i`'s figure at `figures[i]` (relative to the
/// page), the indicator `charts` as inline SVG, made at `created`.
pub(crate) fn document(
    input: &ReportInput,
    figures: &[String],
    charts: &[String],
    created: DateTime<Utc>,
) -> String {
    let site = &input.site;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — sitewatch site report</title>\n{STYLE}</head>\n<body>\n",
        escape(&site.name)
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&site.name));
    let _ = writeln!(
        h,
        "<p class=\"sub\">Site report made {} by sitewatch {}. Every interval is at the level stated with it.</p>",
        created.format("%Y-%m-%d %H:%M UTC"),
        escape(&input.provenance.sitewatch_version)
    );

    h.push_str("<h2>Site</h2>\n<table>\n");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(h, "<tr><th scope=\"row\">{name}</th><td>{value}</td></tr>");
    };
    if !site.aliases.is_empty() {
        row("Also known as", escape(&site.aliases.join("; ")));
    }
    if let Some(parent) = &site.parent_complex {
        row("Part of", escape(parent));
    }
    row("Makes", escape(&site.products));
    let vertices: Vec<String> = site
        .aoi_lonlat
        .iter()
        .map(|&p| escape(&format::lat_lon(p)))
        .collect();
    row(
        "Area of interest",
        format!(
            "<details><summary>polygon of {} vertices</summary>{}</details>",
            vertices.len(),
            vertices.join("<br>")
        ),
    );
    row(
        "Ring searched",
        format!(
            "{} m around the area of interest",
            format::grouped(site.ring_m, 0)
        ),
    );
    row("Notes", escape(&site.notes));
    h.push_str("</table>\n");

    let _ = writeln!(h, "<h2>Findings ({})</h2>", input.findings.len());
    for (i, (finding, figure)) in input.findings.iter().zip(figures).enumerate() {
        finding_section(&mut h, i + 1, finding, figure);
    }

    h.push_str("<h2>Buildings</h2>\n<table>\n<tr><th>Code</th><th>Kind / use</th><th>Area</th><th>Length</th><th>Width</th><th>Position</th><th>MGRS</th><th>History</th><th>Review</th></tr>\n");
    for b in &input.buildings {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&b.code),
            escape(&b.kind),
            cell(b.area.as_ref()),
            cell(b.length.as_ref()),
            cell(b.width.as_ref()),
            escape(&format::lat_lon(b.lonlat)),
            escape(&b.mgrs),
            escape(&b.history),
            escape(&b.review)
        );
    }
    h.push_str("</table>\n");

    h.push_str("<h2>Indicators</h2>\n");
    if charts.is_empty() {
        h.push_str("<p>No indicator series.</p>\n");
    } else {
        h.push_str("<p>Shaded bands are the intervals of the measured areas.</p>\n<div class=\"charts\">\n");
        for chart in charts {
            h.push_str(chart);
            h.push('\n');
        }
        h.push_str("</div>\n");
    }

    h.push_str("<h2>Timeline</h2>\n<table>\n<tr><th>Date</th><th>Kind</th><th>What happened</th><th>Source</th></tr>\n");
    for e in &input.timeline {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.date,
            escape(&e.kind),
            escape(&e.text),
            linkify(&e.source)
        );
    }
    h.push_str("</table>\n");

    imagery_section(&mut h, input);
    provenance_section(&mut h, input);
    h.push_str(IMAGE_CHECK);
    h.push_str("</body>\n</html>\n");
    h
}

/// One finding: its figure, and a caption with everything the figure rests on.
fn finding_section(h: &mut String, number: usize, finding: &Finding, figure: &str) {
    let _ = writeln!(h, "<figure id=\"finding-{number}\">");
    let _ = writeln!(h, "<h3>{number}. {}</h3>", escape(&finding.title));
    let _ = writeln!(
        h,
        "<img src=\"{}\" alt=\"{}: before ({}) and after ({})\">",
        escape(figure),
        escape(&finding.title),
        finding.before.acquired,
        finding.after.acquired
    );
    h.push_str("<figcaption>\n<table>\n");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(h, "<tr><th scope=\"row\">{name}</th><td>{value}</td></tr>");
    };
    row("Change", escape(&finding.kind));
    row("Buildings", escape(&finding.building_codes.join(", ")));
    row(
        "When",
        format!("between {} and {}", finding.not_before, finding.by),
    );
    row("Position", escape(&format::lat_lon(finding.lonlat)));
    row("MGRS", escape(&finding.mgrs));
    for m in &finding.measures {
        row(
            &escape(&m.label),
            format!(
                "{} <small>({} interval)</small>",
                escape(&format::quantity(&m.quantity)),
                format::level(m.quantity.level)
            ),
        );
    }
    for (word, panel) in [("Before", &finding.before), ("After", &finding.after)] {
        row(
            &format!("{word} image"),
            format!(
                "{}, {} — {}",
                panel.acquired,
                escape(&panel.sensor),
                escape(&panel.credit)
            ),
        );
    }
    let legend: String = legend_styles(&finding.outlines)
        .into_iter()
        .map(|style| {
            format!(
                "<span class=\"swatch\" style=\"background:{}\"></span>{}",
                css_color(style),
                legend_label(style)
            )
        })
        .collect();
    if !legend.is_empty() {
        row("Outlines", legend);
    }
    h.push_str("</table>\n</figcaption>\n</figure>\n");
}

/// The scenes and how each was co-registered.
fn imagery_section(h: &mut String, input: &ReportInput) {
    h.push_str("<h2>Imagery</h2>\n<table>\n<tr><th>Scene</th><th>Date</th><th>Sensor</th><th>GSD</th><th>Bands</th><th>Credit</th><th>Co-registration</th></tr>\n");
    for s in &input.imagery {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{} m</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            s.scene,
            s.date,
            escape(&s.sensor),
            format::grouped(s.gsd_m, 2),
            s.band_count,
            escape(&s.credit),
            escape(&s.coregistration)
        );
    }
    h.push_str("</table>\n");
}

/// What made the report: versions, parameters and every input with its SHA-256.
fn provenance_section(h: &mut String, input: &ReportInput) {
    let p = &input.provenance;
    h.push_str("<h2>Provenance</h2>\n");
    let _ = writeln!(
        h,
        "<p>Made by sitewatch {}{}. The files below, and this page and its figures, are listed with their SHA-256 in <code>manifest.json</code>; <code>sitewatch verify</code> on this folder checks every one of them again.</p>",
        escape(&p.sitewatch_version),
        p.model_version
            .as_ref()
            .map_or(String::new(), |m| format!(" with detection model {}", escape(m)))
    );
    let parameters = serde_json::to_string_pretty(&p.parameters).expect("JSON values serialise");
    let _ = writeln!(h, "<h3>Parameters</h3>\n<pre>{}</pre>", escape(&parameters));
    h.push_str("<h3>Inputs</h3>\n<table>\n<tr><th>File</th><th>Role</th><th>SHA-256</th></tr>\n");
    for i in &p.inputs {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
            escape(&i.path.display().to_string()),
            escape(&i.role),
            escape(&i.sha256)
        );
    }
    h.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<b a="1">Tom & 'Jerry'</b>"#),
            "&lt;b a=&quot;1&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn urls_in_a_citation_become_links_and_nothing_else_does() {
        let html = linkify("Reuters, 2 March 2021 (https://example.org/a?b=1&c=2).");
        assert_eq!(
            html,
            "Reuters, 2 March 2021 (<a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"noreferrer\">https://example.org/a?b=1&amp;c=2</a>)."
        );
        assert_eq!(linkify("see <script>"), "see &lt;script&gt;");
        assert_eq!(linkify("ftp://x"), "ftp://x");
    }
}
