//! [`money_chart`]: a service fund month by month: income and spending (remuneration
//! included) as side-by-side bars, the month-end balance as a line, on one scale in 元 that
//! reaches below zero when the fund does.

use std::fmt::Write;

use super::svg::{escape, open};

/// One month of a fund, in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyMonth {
    pub label: String,
    pub income_fen: i64,
    pub spending_fen: i64,
    pub balance_fen: i64,
}

pub const WIDTH: f64 = 680.0;
pub const HEIGHT: f64 = 300.0;
pub const LEFT: f64 = 72.0;
pub const RIGHT: f64 = 16.0;
pub const TOP: f64 = 16.0;
pub const BOTTOM: f64 = 60.0;

/// The scale's lowest and highest value (fen): zero is always on it.
pub fn bounds(months: &[MoneyMonth]) -> (i64, i64) {
    let values = months
        .iter()
        .flat_map(|m| [m.income_fen, m.spending_fen, m.balance_fen]);
    let (lo, hi) = values.fold((0i64, 0i64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo == hi { (0, 100) } else { (lo, hi) }
}

/// The y coordinate of `fen` on a scale from `lo` to `hi`.
pub fn y(fen: i64, (lo, hi): (i64, i64)) -> f64 {
    let h = HEIGHT - TOP - BOTTOM;
    TOP + h * (hi - fen) as f64 / (hi - lo) as f64
}

fn yuan(fen: i64) -> String {
    shared::domain::Fen::new(fen).to_yuan_grouped()
}

/// The chart; an empty fund says so.
pub fn money_chart(id: &str, title: &str, desc: &str, months: &[MoneyMonth]) -> String {
    let mut out = String::new();
    open(&mut out, id, WIDTH, HEIGHT, title, desc);
    out.push_str(
        "<style>.chart .income{fill:#7cc4a8}.chart .spending{fill:#e4a672}\
         .chart .balance{fill:none;stroke:#1f4e79;stroke-width:2.5}.chart .bdot{fill:#1f4e79}</style>",
    );
    if months.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{x}" y="{y}" text-anchor="middle">暂无收支记录</text></svg>"#,
            x = WIDTH / 2.0,
            y = HEIGHT / 2.0
        );
        return out;
    }
    let scale = bounds(months);
    for k in 0..=4 {
        let fen = scale.0 + (scale.1 - scale.0) * k / 4;
        let y = y(fen, scale);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{l}</text>"#,
            x2 = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            l = escape(&yuan(fen / 100 * 100)),
        );
    }
    let zero = y(0, scale);
    let _ = write!(
        out,
        r#"<line class="axis" x1="{LEFT}" y1="{zero:.1}" x2="{x2}" y2="{zero:.1}"/>"#,
        x2 = WIDTH - RIGHT
    );
    let slot = (WIDTH - LEFT - RIGHT) / months.len() as f64;
    let bar = (slot * 0.35).min(24.0);
    let mut line = Vec::new();
    for (i, m) in months.iter().enumerate() {
        let centre = LEFT + slot * (i as f64 + 0.5);
        for (class, fen, dx, what) in [
            ("income", m.income_fen, -bar, "收入"),
            ("spending", m.spending_fen, 0.0, "支出"),
        ] {
            let (top, bottom) = (y(fen.max(0), scale), y(fen.min(0), scale));
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{x:.1}" y="{top:.1}" width="{bar:.1}" height="{h:.1}"><title>{t}</title></rect>"#,
                x = centre + dx,
                h = (bottom - top).max(0.5),
                t = escape(&format!("{} {what} {} 元", m.label, yuan(fen))),
            );
        }
        let by = y(m.balance_fen, scale);
        line.push(format!("{centre:.1},{by:.1}"));
        let _ = write!(
            out,
            r#"<circle class="bdot" cx="{centre:.1}" cy="{by:.1}" r="3.5"><title>{t}</title></circle>"#,
            t = escape(&format!("{} 月末结余 {} 元", m.label, yuan(m.balance_fen))),
        );
        let _ = write!(
            out,
            r#"<text x="{centre:.1}" y="{ly:.1}" text-anchor="middle">{l}</text>"#,
            ly = HEIGHT - BOTTOM + 18.0,
            l = escape(&m.label),
        );
    }
    if line.len() > 1 {
        let _ = write!(
            out,
            r#"<polyline class="balance" points="{}"/>"#,
            line.join(" ")
        );
    }
    let _ = write!(
        out,
        r#"<rect class="income" x="{LEFT}" y="{ly}" width="12" height="12"/><text x="{t1}" y="{ty}">收入</text><rect class="spending" x="{x2}" y="{ly}" width="12" height="12"/><text x="{t2}" y="{ty}">支出（含酬金）</text><line class="balance" x1="{x3}" y1="{lm}" x2="{x4}" y2="{lm}"/><text x="{t3}" y="{ty}">月末结余</text></svg>"#,
        ly = HEIGHT - 22.0,
        ty = HEIGHT - 12.0,
        lm = HEIGHT - 16.0,
        t1 = LEFT + 16.0,
        x2 = LEFT + 60.0,
        t2 = LEFT + 76.0,
        x3 = LEFT + 190.0,
        x4 = LEFT + 210.0,
        t3 = LEFT + 216.0,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_balance_stand_on_one_scale_through_zero() {
        let months = vec![
            MoneyMonth {
                label: "2026-01".into(),
                income_fen: 10_000,
                spending_fen: 15_000,
                balance_fen: -5_000,
            },
            MoneyMonth {
                label: "2026-02".into(),
                income_fen: 20_000,
                spending_fen: 5_000,
                balance_fen: 10_000,
            },
        ];
        assert_eq!(bounds(&months), (-5_000, 20_000));
        let svg = money_chart("f", "收支", "按月", &months);
        assert_eq!(
            svg.matches("<rect class=\"income\"").count(),
            3,
            "two bars and the key"
        );
        assert_eq!(svg.matches("<circle class=\"bdot\"").count(), 2);
        assert!(svg.contains("2026-01 月末结余 -50.00 元"));
        let scale = bounds(&months);
        assert!(y(-5_000, scale) > y(0, scale) && y(0, scale) > y(20_000, scale));
        assert!((y(20_000, scale) - TOP).abs() < 1e-9);
        assert!(money_chart("e", "t", "d", &[]).contains("暂无收支记录"));
    }
}
