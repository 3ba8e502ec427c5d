//! [`gauge`]: a single rate on a 0–100% bar with the target ticks.

use std::fmt::Write;

use super::svg::{Target, escape, open, percent};

// Geometry.

pub const WIDTH: f64 = 680.0;
pub const HEIGHT: f64 = 74.0;
pub const PAD: f64 = 16.0;
pub const BAR_TOP: f64 = 14.0;
pub const BAR_H: f64 = 22.0;

pub fn x(rate: f64) -> f64 {
    PAD + (WIDTH - 2.0 * PAD) * rate.clamp(0.0, 1.0)
}

/// One rate on a 0–100% track with a tick and label per target.
pub fn gauge(id: &str, title: &str, desc: &str, rate: Option<f64>, targets: &[Target]) -> String {
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
