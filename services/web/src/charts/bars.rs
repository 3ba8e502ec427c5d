//! [`bar_chart`]: one horizontal bar per unit (street, district) with target lines and
//! highlighted bars.

use std::fmt::Write;

use super::svg::{Target, escape, open, percent};

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

// Geometry.

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

/// Horizontal bars of rates (0–100%), one per unit, with vertical target lines.
pub fn bar_chart(id: &str, title: &str, desc: &str, items: &[Bar], targets: &[Target]) -> String {
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
