//! [`line_chart`]: a rate over time (coverage by month) against horizontal target lines.

use std::fmt::Write;

use super::svg::{Target, escape, open, percent};

/// One point of a series: its label (a date) and its rate, if there is one that day.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
}

// Geometry.

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

/// A rate over time (0–100%) against target lines. Points without a value break the line.
pub fn line_chart(
    id: &str,
    title: &str,
    desc: &str,
    points: &[Point],
    targets: &[Target],
) -> String {
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
