//! [`scatter_map`]: compounds placed by longitude/latitude, groups (bundles) coloured and
//! circled.

use std::fmt::Write;

use super::svg::{escape, open};

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

// Geometry.

pub const WIDTH: f64 = 680.0;
pub const HEIGHT: f64 = 440.0;
pub const PAD: f64 = 40.0;

/// Compounds placed by longitude and latitude (north up, the same scale both ways), each
/// group's members coloured and circled with the group's number.
pub fn scatter_map(
    id: &str,
    title: &str,
    desc: &str,
    points: &[MapPoint],
    groups: usize,
) -> String {
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
