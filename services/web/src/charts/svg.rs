//! What every chart shares: escaping, percentages, the opening `<svg>` with its accessible
//! name, and the plan's target lines.

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
pub(super) fn open(out: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
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
