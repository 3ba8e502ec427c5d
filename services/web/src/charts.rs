//! Server-rendered SVG charts (图表): pure functions from figures to an SVG string that a
//! template embeds with `|safe`. No script, no external asset; every chart has a
//! `viewBox` (it scales to a phone's width), a `<title>` and `<desc>` referenced by
//! `aria-labelledby`, and every text put into it is escaped here.
//!
//! - [`line_chart`]: a rate over time (coverage by month) against horizontal target lines.
//! - [`bar_chart`]: one horizontal bar per unit (street, district) with target lines and
//!   highlighted bars (the viewer's own street, a bottom-three flag).
//! - [`gauge`]: a single rate on a 0–100% bar with the target ticks (the home page figure).
//! - [`scatter_map`]: compounds placed by longitude/latitude, groups (bundles) coloured and
//!   circled.

use std::fmt::Write;

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

/// A rate as a percentage with up to one decimal: `0.305` → `30.5%`, `0.7` → `70%`.
pub fn percent(rate: f64) -> String {
    let p = (rate * 1000.0).round() / 10.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{p:.1}%")
    }
}

/// The opening `<svg>` with its accessible name and description.
fn open(out: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
    let id = escape(id);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-label="{t}" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{t}</title><desc id="{id}-desc">{d}</desc>"#,
        t = escape(title),
        d = escape(desc),
    );
    out.push_str(
        "<style>.chart text{font-size:12px;fill:#52606d;font-family:inherit}\
         .chart .axis{stroke:#bcccdc;stroke-width:1}\
         .chart .grid{stroke:#eef2f6;stroke-width:1}\
         .chart .target{stroke:#b44d12;stroke-width:1.5;stroke-dasharray:6 4}\
         .chart text.target-label{fill:#b44d12}\
         .chart .series{fill:none;stroke:#0b6e4f;stroke-width:2.5}\
         .chart .dot{fill:#0b6e4f}\
         .chart .bar{fill:#7cc4a8}\
         .chart .bar.highlight{fill:#0b6e4f}\
         .chart .bar.flagged{fill:#a61b1b}\
         .chart text.value{fill:#1f2933}\
         .chart .track{fill:#eef2f6}\
         .chart .fill{fill:#0b6e4f}\
         .chart .point{fill:#9aa5b1;stroke:#fff;stroke-width:1}\
         .chart .ring{fill-opacity:.12;stroke-width:2}\
         .chart text.map-label{font-size:11px;fill:#1f2933}</style>",
    );
}

/// A target drawn across a chart (目标线): a rate and its label (`2024年底 70%`).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub label: String,
    pub rate: f64,
}

/// The three targets of the plan: 30% by the end of 2023, 70% by the end of 2024, every
/// eligible and willing compound by the end of 2025.
pub fn plan_targets() -> Vec<Target> {
    [(2023, 0.3), (2024, 0.7), (2025, 1.0)]
        .into_iter()
        .map(|(year, rate)| Target {
            label: format!("{year}年底 {}", percent(rate)),
            rate,
        })
        .collect()
}

/// One point of a series: its label (a date) and its rate, if there is one that day.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
}

/// Geometry of [`line_chart`].
pub mod line {
    pub const WIDTH: f64 = 680.0;
    pub const HEIGHT: f64 = 300.0;
    pub const LEFT: f64 = 48.0;
    pub const RIGHT: f64 = 118.0;
    pub const TOP: f64 = 16.0;
    pub const BOTTOM: f64 = 44.0;

    /// The y coordinate of a rate (0 at the bottom of the plot, 100% at its top).
    pub fn y(rate: f64) -> f64 {
        let h = HEIGHT - TOP - BOTTOM;
        TOP + h * (1.0 - rate.clamp(0.0, 1.0))
    }

    /// The x coordinate of point `i` of `n`.
    pub fn x(i: usize, n: usize) -> f64 {
        let w = WIDTH - LEFT - RIGHT;
        if n <= 1 {
            LEFT + w / 2.0
        } else {
            LEFT + w * i as f64 / (n - 1) as f64
        }
    }
}

/// A rate over time (0–100%) against target lines. Points without a value break the line.
pub fn line_chart(
    id: &str,
    title: &str,
    desc: &str,
    points: &[Point],
    targets: &[Target],
) -> String {
    use line::*;
    let mut out = String::new();
    open(&mut out, id, WIDTH, HEIGHT, title, desc);
    // Grid and y axis labels.
    for k in 0..=4 {
        let rate = k as f64 / 4.0;
        let y = y(rate);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{p}</text>"#,
            x2 = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            p = percent(rate),
        );
    }
    let _ = write!(
        out,
        r#"<line class="axis" x1="{LEFT}" y1="{b:.1}" x2="{x2}" y2="{b:.1}"/>"#,
        b = y(0.0),
        x2 = WIDTH - RIGHT,
    );
    // Target lines, labelled in the right margin.
    for t in targets {
        let y = y(t.rate);
        let _ = write!(
            out,
            r#"<line class="target" x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}"><title>{title}</title></line><text class="target-label" x="{tx}" y="{ty:.1}">{l}</text>"#,
            x2 = WIDTH - RIGHT,
            tx = WIDTH - RIGHT + 6.0,
            ty = y + 4.0,
            title = escape(&format!("目标：{}", t.label)),
            l = escape(&t.label),
        );
    }
    // X labels: at most eight, evenly spread, always the last (and none crowding it).
    let n = points.len();
    let every = n.div_ceil(8).max(1);
    for (i, p) in points.iter().enumerate() {
        if (i % every == 0 && i + every < n) || i + 1 == n {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle">{l}</text>"#,
                x = x(i, n),
                y = HEIGHT - BOTTOM + 18.0,
                l = escape(&p.label),
            );
        }
    }
    // The series: polylines over runs of points that have a value.
    let mut run: Vec<(f64, f64)> = Vec::new();
    let flush = |run: &mut Vec<(f64, f64)>, out: &mut String| {
        if run.len() > 1 {
            let pts: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                out,
                r#"<polyline class="series" points="{}"/>"#,
                pts.join(" ")
            );
        }
        run.clear();
    };
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => run.push((x(i, n), y(v))),
            None => flush(&mut run, &mut out),
        }
    }
    flush(&mut run, &mut out);
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.value {
            let _ = write!(
                out,
                r#"<circle class="dot" cx="{x:.1}" cy="{y:.1}" r="3.5"><title>{t}</title></circle>"#,
                x = x(i, n),
                y = y(v),
                t = escape(&format!("{}：{}", p.label, percent(v))),
            );
        }
    }
    if points.iter().all(|p| p.value.is_none()) {
        let _ = write!(
            out,
            r#"<text x="{x}" y="{y}" text-anchor="middle">暂无数据</text>"#,
            x = (LEFT + WIDTH - RIGHT) / 2.0,
            y = HEIGHT / 2.0,
        );
    }
    out.push_str("</svg>");
    out
}

/// One bar of a [`bar_chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// The rate (0–1); `None` draws no bar and says so.
    pub value: Option<f64>,
    /// The text after the bar (`45%（9/20）`).
    pub note: String,
    /// Drawn in the strong colour (the viewer's own street).
    pub highlight: bool,
    /// Drawn in red (连续两次排名后三位).
    pub flagged: bool,
}

/// Geometry of [`bar_chart`].
pub mod bars {
    pub const WIDTH: f64 = 680.0;
    pub const LABEL: f64 = 150.0;
    pub const NOTE: f64 = 150.0;
    pub const ROW: f64 = 28.0;
    pub const TOP: f64 = 24.0;
    pub const BOTTOM: f64 = 12.0;

    pub fn height(bars: usize) -> f64 {
        TOP + ROW * bars.max(1) as f64 + BOTTOM
    }

    /// The x coordinate of a rate.
    pub fn x(rate: f64) -> f64 {
        LABEL + (WIDTH - LABEL - NOTE) * rate.clamp(0.0, 1.0)
    }
}

/// Horizontal bars of rates (0–100%), one per unit, with vertical target lines.
pub fn bar_chart(id: &str, title: &str, desc: &str, items: &[Bar], targets: &[Target]) -> String {
    use bars::*;
    let mut out = String::new();
    let height = height(items.len());
    open(&mut out, id, WIDTH, height, title, desc);
    for k in 0..=4 {
        let rate = k as f64 / 4.0;
        let _ = write!(
            out,
            r#"<line class="grid" x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b:.1}"/><text x="{x:.1}" y="{ty}" text-anchor="middle">{p}</text>"#,
            x = x(rate),
            b = height - BOTTOM,
            ty = TOP - 8.0,
            p = percent(rate),
        );
    }
    for (i, b) in items.iter().enumerate() {
        let top = TOP + ROW * i as f64;
        let class = if b.flagged {
            "bar flagged"
        } else if b.highlight {
            "bar highlight"
        } else {
            "bar"
        };
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{ty:.1}" text-anchor="end"{weight}>{l}</text>"#,
            lx = LABEL - 8.0,
            ty = top + ROW / 2.0 + 4.0,
            weight = if b.highlight || b.flagged {
                r#" font-weight="700""#
            } else {
                ""
            },
            l = escape(&b.label),
        );
        let end = match b.value {
            Some(v) => {
                let w = x(v) - LABEL;
                let _ = write!(
                    out,
                    r#"<rect class="{class}" x="{LABEL}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="2"><title>{t}</title></rect>"#,
                    y = top + 5.0,
                    h = ROW - 10.0,
                    t = escape(&format!("{}：{}", b.label, b.note)),
                );
                x(v)
            }
            None => LABEL,
        };
        let _ = write!(
            out,
            r#"<text class="value" x="{x:.1}" y="{ty:.1}">{n}</text>"#,
            x = end + 6.0,
            ty = top + ROW / 2.0 + 4.0,
            n = escape(&b.note),
        );
    }
    for t in targets {
        let _ = write!(
            out,
            r#"<line class="target" x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b:.1}"><title>{l}</title></line>"#,
            x = x(t.rate),
            b = height - BOTTOM,
            l = escape(&format!("目标：{}", t.label)),
        );
    }
    if items.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{x}" y="{y}" text-anchor="middle">暂无数据</text>"#,
            x = WIDTH / 2.0,
            y = TOP + ROW / 2.0 + 4.0,
        );
    }
    out.push_str("</svg>");
    out
}

/// Geometry of [`gauge`].
pub mod gauge {
    pub const WIDTH: f64 = 680.0;
    pub const HEIGHT: f64 = 74.0;
    pub const PAD: f64 = 16.0;
    pub const BAR_TOP: f64 = 14.0;
    pub const BAR_H: f64 = 22.0;

    pub fn x(rate: f64) -> f64 {
        PAD + (WIDTH - 2.0 * PAD) * rate.clamp(0.0, 1.0)
    }
}

/// One rate on a 0–100% track with a tick and label per target.
pub fn gauge(id: &str, title: &str, desc: &str, rate: Option<f64>, targets: &[Target]) -> String {
    use gauge::*;
    let mut out = String::new();
    open(&mut out, id, WIDTH, HEIGHT, title, desc);
    let _ = write!(
        out,
        r#"<rect class="track" x="{PAD}" y="{BAR_TOP}" width="{w}" height="{BAR_H}" rx="4"/>"#,
        w = WIDTH - 2.0 * PAD,
    );
    if let Some(r) = rate {
        let _ = write!(
            out,
            r#"<rect class="fill" x="{PAD}" y="{BAR_TOP}" width="{w:.1}" height="{BAR_H}" rx="4"><title>{t}</title></rect>"#,
            w = x(r) - PAD,
            t = escape(&format!("当前覆盖率 {}", percent(r))),
        );
    }
    for (i, t) in targets.iter().enumerate() {
        let x = x(t.rate);
        let anchor = if i + 1 == targets.len() && t.rate >= 0.99 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            out,
            r#"<line class="target" x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y2}"/><text class="target-label" x="{x:.1}" y="{ty}" text-anchor="{anchor}">{l}</text>"#,
            y1 = BAR_TOP - 6.0,
            y2 = BAR_TOP + BAR_H + 6.0,
            ty = BAR_TOP + BAR_H + 22.0,
            l = escape(&t.label),
        );
    }
    out.push_str("</svg>");
    out
}

/// A compound on a [`scatter_map`].
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    /// The name written beside the point (when the map is not crowded).
    pub name: String,
    /// The point's tooltip.
    pub label: String,
    pub lon: f64,
    pub lat: f64,
    /// The group (bundle) it belongs to, an index into the groups; `None` for none.
    pub group: Option<usize>,
}

/// Colours of groups, in order (and then again).
pub const GROUP_COLOURS: [&str; 8] = [
    "#0b6e4f", "#b44d12", "#2f5fb3", "#8e3ba3", "#a61b1b", "#1b7f8e", "#7a6a00", "#c2185b",
];

/// The colour of group `i`.
pub fn group_colour(i: usize) -> &'static str {
    GROUP_COLOURS[i % GROUP_COLOURS.len()]
}

/// Geometry of [`scatter_map`].
pub mod map {
    pub const WIDTH: f64 = 680.0;
    pub const HEIGHT: f64 = 440.0;
    pub const PAD: f64 = 40.0;
}

/// Compounds placed by longitude and latitude (north up, the same scale both ways), each
/// group's members coloured and circled with the group's number.
pub fn scatter_map(
    id: &str,
    title: &str,
    desc: &str,
    points: &[MapPoint],
    groups: usize,
) -> String {
    use map::*;
    let mut out = String::new();
    open(&mut out, id, WIDTH, HEIGHT, title, desc);
    let _ = write!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f8faf9" stroke="#d9e2ec"/>"##
    );
    if points.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{x}" y="{y}" text-anchor="middle">暂无小区坐标</text></svg>"#,
            x = WIDTH / 2.0,
            y = HEIGHT / 2.0,
        );
        return out;
    }
    let project = projection(points);
    // Rings first, under the points.
    for g in 0..groups {
        let members: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.group == Some(g))
            .map(|p| project(p.lon, p.lat))
            .collect();
        if members.is_empty() {
            continue;
        }
        let cx = members.iter().map(|m| m.0).sum::<f64>() / members.len() as f64;
        let cy = members.iter().map(|m| m.1).sum::<f64>() / members.len() as f64;
        let r = members
            .iter()
            .map(|m| ((m.0 - cx).powi(2) + (m.1 - cy).powi(2)).sqrt())
            .fold(0.0, f64::max)
            + 16.0;
        let colour = group_colour(g);
        let _ = write!(
            out,
            r#"<circle class="ring" data-group="{n}" cx="{cx:.1}" cy="{cy:.1}" r="{r:.1}" fill="{colour}" stroke="{colour}"><title>{t}</title></circle><text x="{tx:.1}" y="{ty:.1}" text-anchor="middle" font-weight="700" style="fill:{colour}">{n}</text>"#,
            n = g + 1,
            tx = cx,
            ty = (cy - r - 4.0).max(12.0),
            t = escape(&format!("建议片区 {}", g + 1)),
        );
    }
    // Names beside the points, unless there are too many to read.
    let named = points.len() <= 40;
    for p in points {
        let (x, y) = project(p.lon, p.lat);
        let style = match p.group {
            Some(g) => format!(r#" style="fill:{}""#, group_colour(g)),
            None => String::new(),
        };
        if named {
            // Names of points near the right edge go to their left.
            let (tx, anchor) = if x > WIDTH * 0.7 {
                (x - 9.0, "end")
            } else {
                (x + 9.0, "start")
            };
            let _ = write!(
                out,
                r#"<text class="map-label" x="{tx:.1}" y="{ty:.1}" text-anchor="{anchor}">{n}</text>"#,
                ty = y + 4.0,
                n = escape(&p.name),
            );
        }
        let _ = write!(
            out,
            r#"<circle class="point" cx="{x:.1}" cy="{y:.1}" r="6"{style}><title>{t}</title></circle>"#,
            t = escape(&p.label),
        );
    }
    // A scale bar of 500 m.
    let (x0, y0) = project(points[0].lon, points[0].lat);
    let (x1, _) = project(
        points[0].lon + 0.5 / km_per_degree_lon(points[0].lat),
        points[0].lat,
    );
    let len = (x1 - x0).abs();
    let _ = y0;
    if len.is_finite() && len > 4.0 && len < WIDTH - 2.0 * PAD {
        let _ = write!(
            out,
            r##"<line x1="{PAD}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="#52606d" stroke-width="2"/><text x="{PAD}" y="{ty:.1}">500 米</text>"##,
            y = HEIGHT - 14.0,
            x2 = PAD + len,
            ty = HEIGHT - 20.0,
        );
    }
    out.push_str(r#"<text x="670" y="20" text-anchor="end">北 ↑</text></svg>"#);
    out
}

fn km_per_degree_lon(lat: f64) -> f64 {
    111.32 * lat.to_radians().cos()
}

/// Maps longitude/latitude into the map's box: the same km-per-pixel both ways, centred.
fn projection(points: &[MapPoint]) -> impl Fn(f64, f64) -> (f64, f64) + use<> {
    use map::*;
    let lat0 = points.iter().map(|p| p.lat).sum::<f64>() / points.len() as f64;
    let kx = km_per_degree_lon(lat0);
    let ky = 110.57;
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in points {
        let (x, y) = (p.lon * kx, p.lat * ky);
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    // At least 0.5 km across, so one or two close points do not fill the box.
    let span_x = (max_x - min_x).max(0.5);
    let span_y = (max_y - min_y).max(0.5);
    let scale = ((WIDTH - 2.0 * PAD) / span_x).min((HEIGHT - 2.0 * PAD) / span_y);
    let (cx, cy) = ((min_x + max_x) / 2.0, (min_y + max_y) / 2.0);
    move |lon, lat| {
        (
            WIDTH / 2.0 + (lon * kx - cx) * scale,
            HEIGHT / 2.0 - (lat * ky - cy) * scale,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(s: &str, needle: &str) -> usize {
        s.matches(needle).count()
    }

    /// The numbers of an attribute on every element that has it.
    fn attr_values(svg: &str, element: &str, attr: &str) -> Vec<f64> {
        svg.split(&format!("<{element} "))
            .skip(1)
            .filter_map(|rest| {
                let tag = &rest[..rest.find('>')?];
                let start = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
                tag[start..].split('"').next()?.parse().ok()
            })
            .collect()
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let svg = bar_chart(
            "c<1>",
            "标题 <script>",
            "说明 & \"引号\"",
            &[Bar {
                label: "<b>街道</b>".into(),
                value: Some(0.5),
                note: "50% & 更多".into(),
                highlight: false,
                flagged: false,
            }],
            &[],
        );
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
        assert!(svg.contains("标题 &lt;script&gt;"));
        assert!(svg.contains("&lt;b&gt;街道&lt;/b&gt;"));
        assert!(svg.contains("说明 &amp; &quot;引号&quot;"));
        assert!(svg.contains(r#"id="c&lt;1&gt;""#));
        assert_eq!(escape("a'b"), "a&#39;b");
    }

    #[test]
    fn charts_are_accessible_and_scale() {
        let svg = line_chart("cov", "覆盖率", "按月", &[], &plan_targets());
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(r#"viewBox="0 0 680 300""#));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-label="覆盖率""#));
        assert!(svg.contains(r#"aria-labelledby="cov-title cov-desc""#));
        assert!(svg.contains(r#"<title id="cov-title">覆盖率</title>"#));
        assert!(svg.contains(r#"<desc id="cov-desc">按月</desc>"#));
        assert!(svg.contains("暂无数据"), "an empty series says so");
    }

    #[test]
    fn percentages_read_naturally() {
        assert_eq!(percent(0.3), "30%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.3333), "33.3%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn line_chart_draws_targets_at_their_rates_and_breaks_on_gaps() {
        let points = vec![
            Point {
                label: "2024-01-31".into(),
                value: Some(0.1),
            },
            Point {
                label: "2024-02-29".into(),
                value: Some(0.2),
            },
            Point {
                label: "2024-03-31".into(),
                value: None,
            },
            Point {
                label: "2024-04-30".into(),
                value: Some(0.4),
            },
            Point {
                label: "2024-05-31".into(),
                value: Some(0.5),
            },
        ];
        let svg = line_chart("c", "t", "d", &points, &plan_targets());
        // Three target lines at 30%, 70%, 100% of the plot height.
        let target_ys: Vec<f64> = svg
            .split(r#"<line class="target" "#)
            .skip(1)
            .map(|rest| {
                let s = rest.find("y1=\"").unwrap() + 4;
                rest[s..].split('"').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(target_ys.len(), 3);
        let plot = line::HEIGHT - line::TOP - line::BOTTOM;
        for (y, rate) in target_ys.iter().zip([0.3, 0.7, 1.0]) {
            let expected = line::TOP + plot * (1.0 - rate);
            assert!((y - expected).abs() < 0.06, "{y} vs {expected}");
        }
        assert!((line::y(1.0) - line::TOP).abs() < 1e-9);
        assert!((line::y(0.0) - (line::HEIGHT - line::BOTTOM)).abs() < 1e-9);
        assert!(svg.contains("<title>目标：2024年底 70%</title>"));
        assert!(svg.contains(">2024年底 70%</text>"));
        // Two runs (the gap breaks the line), four dots.
        assert_eq!(count(&svg, r#"<polyline class="series""#), 2);
        assert_eq!(count(&svg, r#"<circle class="dot""#), 4);
        assert!(svg.contains("<title>2024-05-31：50%</title>"));
        // Dots lie at their rates.
        let ys = attr_values(&svg, "circle", "cy");
        assert!((ys[0] - line::y(0.1)).abs() < 0.06);
        assert!((ys[3] - line::y(0.5)).abs() < 0.06);
        // The first and last point span the plot.
        let xs = attr_values(&svg, "circle", "cx");
        assert!((xs[0] - line::LEFT).abs() < 0.06);
        assert!((xs[3] - (line::WIDTH - line::RIGHT)).abs() < 0.06);
    }

    #[test]
    fn line_chart_thins_its_axis_labels() {
        let points: Vec<Point> = (0..36)
            .map(|i| Point {
                label: format!("L{i}"),
                value: Some(i as f64 / 36.0),
            })
            .collect();
        let svg = line_chart("c", "t", "d", &points, &[]);
        let labels = points
            .iter()
            .filter(|p| svg.contains(&format!(">{}<", p.label)))
            .count();
        assert!(labels <= 9, "{labels} labels");
        assert!(svg.contains(">L35<"), "the last point is labelled");
        assert!(
            !svg.contains(">L34<") && !svg.contains(">L33<"),
            "nothing crowds it"
        );
        assert!(svg.contains(">L0<") && svg.contains(">L5<"));
        assert_eq!(count(&svg, r#"<circle class="dot""#), 36);
    }

    #[test]
    fn bar_chart_has_one_bar_per_value_with_widths_and_flags() {
        let items = vec![
            Bar {
                label: "甲街道".into(),
                value: Some(1.0),
                note: "100%".into(),
                highlight: false,
                flagged: false,
            },
            Bar {
                label: "乙街道".into(),
                value: Some(0.5),
                note: "50%".into(),
                highlight: true,
                flagged: false,
            },
            Bar {
                label: "丙街道".into(),
                value: None,
                note: "无符合条件的小区".into(),
                highlight: false,
                flagged: false,
            },
            Bar {
                label: "丁街道".into(),
                value: Some(0.25),
                note: "25%".into(),
                highlight: false,
                flagged: true,
            },
        ];
        let svg = bar_chart("b", "t", "d", &items, &plan_targets());
        assert_eq!(
            count(&svg, "<rect class=\"bar"),
            3,
            "no bar without a value"
        );
        assert_eq!(count(&svg, "<rect class=\"bar highlight\""), 1);
        assert_eq!(count(&svg, "<rect class=\"bar flagged\""), 1);
        assert!(svg.contains("无符合条件的小区"));
        let widths = attr_values(&svg, "rect", "width");
        let full = bars::WIDTH - bars::LABEL - bars::NOTE;
        assert!((widths[0] - full).abs() < 0.06);
        assert!((widths[1] - full / 2.0).abs() < 0.06);
        assert!((widths[2] - full / 4.0).abs() < 0.06);
        // Target lines stand at their rates.
        let xs: Vec<f64> = svg
            .split(r#"<line class="target" "#)
            .skip(1)
            .map(|rest| {
                let s = rest.find("x1=\"").unwrap() + 4;
                rest[s..].split('"').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(xs.len(), 3);
        assert!((xs[1] - bars::x(0.7)).abs() < 0.06);
        assert!(svg.contains(&format!(r#"viewBox="0 0 680 {}""#, bars::height(4))));
    }

    #[test]
    fn gauge_fills_to_the_rate() {
        let svg = gauge("g", "全市覆盖率", "d", Some(0.45), &plan_targets());
        let widths = attr_values(&svg, "rect", "width");
        let full = gauge::WIDTH - 2.0 * gauge::PAD;
        assert!((widths[0] - full).abs() < 0.06, "the track");
        assert!((widths[1] - full * 0.45).abs() < 0.06, "the fill");
        assert_eq!(count(&svg, r#"<line class="target""#), 3);
        assert!(svg.contains("2025年底 100%"));
        let none = gauge("g", "t", "d", None, &[]);
        assert_eq!(count(&none, r#"class="fill""#), 0);
    }

    #[test]
    fn scatter_map_keeps_points_inside_north_up_and_rings_groups() {
        let p = |label: &str, lon: f64, lat: f64, group: Option<usize>| MapPoint {
            name: label.into(),
            label: label.into(),
            lon,
            lat,
            group,
        };
        let points = vec![
            p("西", 104.070, 30.650, Some(0)),
            p("东", 104.090, 30.650, Some(0)),
            p("北", 104.080, 30.660, Some(1)),
            p("南", 104.080, 30.640, None),
        ];
        let svg = scatter_map("m", "片区", "d", &points, 2);
        assert_eq!(count(&svg, r#"<circle class="point""#), 4);
        assert_eq!(count(&svg, r#"<circle class="ring""#), 2);
        let cxs = attr_values(&svg, "circle", "cx");
        let cys = attr_values(&svg, "circle", "cy");
        // Skip the two rings; the points follow in order.
        let (xs, ys) = (&cxs[2..], &cys[2..]);
        for (x, y) in xs.iter().zip(ys) {
            assert!((0.0..=map::WIDTH).contains(x) && (0.0..=map::HEIGHT).contains(y));
        }
        assert!(xs[0] < xs[1], "west is left of east");
        assert!(ys[2] < ys[3], "north is above south");
        // Same scale both ways: 0.02° of longitude is shorter than 0.02° of latitude here.
        assert!((xs[1] - xs[0]) < (ys[3] - ys[2]));
        assert!(svg.contains(&format!("fill:{}", group_colour(1))));
        assert!(svg.contains("<title>北</title>"));
        assert_eq!(
            count(&svg, r#"<text class="map-label""#),
            4,
            "each point named"
        );
        assert!(scatter_map("m", "t", "d", &[], 0).contains("暂无小区坐标"));
    }
}
