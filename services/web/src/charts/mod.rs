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
//! - [`money_chart`]: a service fund's income and spending by month with its balance.

mod bars;
mod gauge;
mod line;
mod map;
mod money;
mod svg;

pub use bars::{Bar, bar_chart};
pub use gauge::gauge;
pub use line::{Point, line_chart};
pub use map::{GROUP_COLOURS, MapPoint, group_colour, scatter_map};
pub use money::{MoneyMonth, money_chart};
pub use svg::{Target, escape, percent, plan_targets};

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
