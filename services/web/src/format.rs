//! How the pages write money, instants, dates and codes for people: amounts in 元 with
//! thousands separators, instants and dates in Beijing time, durations as people say them,
//! and the Chinese labels of the APIs' codes. Also the reverse for forms: an amount typed
//! in 元 read as 分.

use shared::clock::{CHINA, china_date, china_now, china_today, now_ms};
use shared::domain::roster::format_date;
use shared::domain::{Fen, district, street};
use shared::events::tender::Remuneration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// `12345` 分 → `123.45`, with thousands separators (`604,800.00`).
pub fn yuan(fen: i64) -> String {
    Fen::new(fen).to_yuan_grouped()
}

/// `12345` 分 → `123.45 元`, with thousands separators.
pub fn yuan_label(fen: i64) -> String {
    format!("{} 元", yuan(fen))
}

/// `12345` 分 → `123.45`, as a form field holds it (no separators): [`parse_yuan`] reads
/// it back.
pub fn yuan_plain(fen: i64) -> String {
    Fen::new(fen).to_yuan_string()
}

/// A fee in 分/㎡·月 as `1.80 元/㎡·月`.
pub fn fee_label(fee: i64) -> String {
    format!("{} 元/㎡·月", yuan_plain(fee))
}

/// An amount typed in 元 (up to two decimals; separators, spaces and ¥ allowed) as 分.
pub fn parse_yuan(raw: &str) -> Option<i64> {
    let s = raw.trim().replace([',', '，', ' ', '¥', '￥'], "");
    if s.is_empty() {
        return None;
    }
    Fen::parse_yuan(&s).ok().map(Fen::get)
}

/// 酬金 (remuneration) as people read it: `固定酬金 每年 120,000.00 元` or
/// `物业费收入的 8.00%`.
pub fn remuneration_label(r: Remuneration) -> String {
    match r {
        Remuneration::Fixed { annual_fen } => format!("固定酬金 每年 {}", yuan_label(annual_fen)),
        Remuneration::Percentage { basis_points } => {
            format!("物业费收入的 {}%", percent_plain(basis_points))
        }
    }
}

/// Basis points (万分之一) as a percentage with two decimals and no sign: `750` → `7.50`;
/// [`parse_percent`] reads it back.
pub fn percent_plain(basis_points: i64) -> String {
    format!("{}.{:02}", basis_points / 100, basis_points % 100)
}

/// A percentage typed with up to two decimals (a trailing `%` allowed) as basis points:
/// `8` → 800, `7.5` → 750, `0.25%` → 25. Negative, empty or finer input is `None`.
pub fn parse_percent(raw: &str) -> Option<i64> {
    let s = raw.trim().trim_end_matches(['%', '％']).trim_end();
    if s.starts_with(['-', '+']) {
        return None;
    }
    // The same decimal reading as 元 → 分: two decimals, times 100.
    Fen::parse_yuan(s).ok().map(Fen::get)
}

/// The fee models under which a remuneration is agreed: 酬金制 and 信托制.
pub fn agrees_remuneration(fee_model: &str) -> bool {
    matches!(fee_model, "commission" | "trust")
}

/// 酬金 kinds a form offers: none (不约定), a fixed amount a year, or a share of the fee
/// income.
pub const REMUNERATION_KINDS: [(&str, &str); 3] = [
    ("", "不约定"),
    ("fixed", "固定金额（元/年）"),
    ("percentage", "按物业费收入比例（%）"),
];

/// A stored remuneration as a form's kind and value inputs hold it (`("fixed",
/// "120000.00")`, `("percentage", "8.00")`; `("", "")` for none).
pub fn remuneration_inputs(r: Option<Remuneration>) -> (String, String) {
    match r {
        Some(Remuneration::Fixed { annual_fen }) => ("fixed".into(), yuan_plain(annual_fen)),
        Some(Remuneration::Percentage { basis_points }) => {
            ("percentage".into(), percent_plain(basis_points))
        }
        None => (String::new(), String::new()),
    }
}

/// An API instant (RFC 3339) in Beijing time with `format`; the text as it came when it is
/// no instant.
fn beijing(s: &str, seconds: bool) -> Option<String> {
    let at = OffsetDateTime::parse(s, &Rfc3339).ok()?.to_offset(CHINA);
    let text = if seconds {
        at.format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
    } else {
        at.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
    };
    text.ok()
}

/// An API instant (`2026-03-01T09:30:00.000+08:00`) as `2026-03-01 09:30`, Beijing time.
pub fn when(s: &str) -> String {
    beijing(s, false).unwrap_or_else(|| s.to_string())
}

/// An API instant with seconds: `2026-03-01 09:30:05`, Beijing time.
pub fn when_secs(s: &str) -> String {
    beijing(s, true).unwrap_or_else(|| s.to_string())
}

/// Milliseconds since the epoch of an API instant (for countdowns).
pub fn instant_ms(s: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `ms` since the epoch as a Beijing date, `2026-01-01`.
pub fn beijing_date(ms: i64) -> String {
    format_date(china_date(ms))
}

/// Today in Beijing, `YYYY-MM-DD`.
pub fn today() -> String {
    format_date(china_today())
}

/// Now in Beijing, to the minute.
pub fn beijing_now() -> OffsetDateTime {
    let now = china_now();
    now.replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(now)
}

/// A Beijing time as a form shows it: `2026-03-01 09:30:00`.
pub fn local_text(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
}

/// The quarter (`2026-Q4`) a day falls in.
pub fn quarter_of(day: time::Date) -> String {
    format!("{}-Q{}", day.year(), (u8::from(day.month()) - 1) / 3 + 1)
}

/// Remaining time as people say it: “2 天 3 小时”, “3 小时 5 分”, “4 分 10 秒”, “35 秒”
/// (whole seconds, rounded up). The countdown scripts in `static/` write it the same way.
pub fn remaining(ms: i64) -> String {
    let s = (ms.max(0) + 999) / 1000;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d > 0 {
        format!("{d} 天 {h} 小时")
    } else if h > 0 {
        format!("{h} 小时 {m} 分")
    } else if m > 0 {
        format!("{m} 分 {sec} 秒")
    } else {
        format!("{sec} 秒")
    }
}

/// The time left until `until_ms`, as [`remaining`] says it; `None` once passed.
pub fn time_left(until_ms: i64) -> Option<String> {
    let left = until_ms - now_ms();
    (left > 0).then(|| remaining(left))
}

/// A rate (0–1) as `95.2%`.
pub fn rate_percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// 服务方式 (service model) in Chinese.
pub fn model_label(m: &str) -> &str {
    match m {
        "professional" => "专业化物业服务",
        "trust" => "信托制物业",
        "community" => "公益/保障型物业",
        "self_managed" => "业主自治管理",
        other => other,
    }
}

/// The service models a committee may choose, in order.
pub const MODELS: [(&str, &str); 4] = [
    ("professional", "专业化物业服务"),
    ("trust", "信托制物业"),
    ("community", "公益/保障型物业"),
    ("self_managed", "业主自治管理"),
];

/// 收费方式 (fee model).
pub const FEE_MODELS: [(&str, &str); 3] = [
    ("lump_sum", "包干制"),
    ("commission", "酬金制"),
    ("trust", "信托制"),
];

/// 包干制 / 酬金制 / 信托制, or 其他 for a code the pages do not know.
pub fn fee_model_label(code: &str) -> &'static str {
    FEE_MODELS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("其他", |(_, l)| l)
}

/// 评标方法 (evaluation method).
pub const METHODS: [(&str, &str); 3] = [
    ("price_only", "最低价法"),
    ("rated", "综合评分法"),
    ("owners_vote", "业主表决定标"),
];

pub fn method_label(m: &str) -> &str {
    METHODS.iter().find(|(c, _)| *c == m).map_or(m, |(_, l)| l)
}

/// 名录状态 (a firm's roster standing).
pub fn standing_label(s: &str) -> &'static str {
    match s {
        "applicant" => "申请中",
        "recommended" => "推荐",
        "review_overdue" => "待复核",
        "suspended" => "重点监管",
        "blacklisted" => "黑名单",
        _ => "未知",
    }
}

/// The badge class of a standing.
pub fn standing_class(standing: &str) -> &'static str {
    match standing {
        "recommended" => "badge",
        "suspended" | "review_overdue" => "badge warn",
        "blacklisted" => "badge bad",
        _ => "badge plain",
    }
}

/// 锦江区锦官驿街道 from the codes.
pub fn place_label(district_code: &str, street_code: Option<&str>) -> String {
    let d = district(district_code).map_or(district_code.to_string(), |d| d.name.to_string());
    match street_code.and_then(street) {
        Some(s) => format!("{d}{}", s.name),
        None => d,
    }
}

/// The name of a street code (or the code when unknown).
pub fn street_name(code: &str) -> String {
    street(code).map_or_else(|| code.to_string(), |s| s.name.to_string())
}

/// 表决事项 (the matter of an owners' vote).
pub const MATTERS: [(&str, &str); 4] = [
    ("choose_service_model", "选择物业服务方式"),
    ("choose_firm", "选聘物业服务企业"),
    ("other", "其他共同决定事项"),
    ("maintenance_fund", "筹集维修资金（须四分之三同意）"),
];

pub fn matter_label(m: &str) -> &str {
    match m {
        "maintenance_fund" => "筹集维修资金",
        m => MATTERS.iter().find(|(c, _)| *c == m).map_or(m, |(_, l)| l),
    }
}

/// 管理方式 (how a compound is managed).
/// The stages of the progress list (推进阶段), in order: API value and label.
pub const STAGES: [(&str, &str); 6] = [
    ("survey", "摸底"),
    ("mobilisation", "动员"),
    ("self_governance", "自治组织"),
    ("owners_vote", "业主表决"),
    ("tender", "招标"),
    ("contract", "签约"),
];

/// A stage's label ("" when unknown).
pub fn stage_label(code: &str) -> &'static str {
    STAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| l)
}

pub const MANAGEMENT: [(&str, &str); 4] = [
    ("none", "无物业"),
    ("self_managed", "自管"),
    ("property_firm", "物业企业"),
    ("other", "其他"),
];

/// 自治组织 (a compound's governance body).
pub const GOVERNANCE: [(&str, &str); 4] = [
    ("none", "无"),
    ("owners_committee", "业主委员会"),
    ("property_management_committee", "物业管理委员会"),
    ("courtyard_committee", "院委会"),
];

/// The label of `value` in a table of codes, or the value itself.
pub fn label_of<'a>(table: &[(&str, &'a str)], value: &'a str) -> &'a str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(value, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_as_basis_points_and_back() {
        assert_eq!(parse_percent("8"), Some(800));
        assert_eq!(parse_percent("7.5"), Some(750));
        assert_eq!(parse_percent(" 0.25% "), Some(25));
        assert_eq!(parse_percent("12.34％"), Some(1234));
        for bad in ["", "%", "-1", "+1", "7.555", "八", "7.5.1"] {
            assert_eq!(parse_percent(bad), None, "{bad}");
        }
        assert_eq!(percent_plain(750), "7.50");
        assert_eq!(parse_percent(&percent_plain(1234)), Some(1234));
    }

    #[test]
    fn remuneration_reads_as_contracts_state_it() {
        let fixed = Remuneration::Fixed {
            annual_fen: 12_000_000,
        };
        let share = Remuneration::Percentage { basis_points: 800 };
        assert_eq!(remuneration_label(fixed), "固定酬金 每年 120,000.00 元");
        assert_eq!(remuneration_label(share), "物业费收入的 8.00%");
        assert_eq!(
            remuneration_inputs(Some(fixed)),
            ("fixed".into(), "120000.00".into())
        );
        assert_eq!(
            remuneration_inputs(Some(share)),
            ("percentage".into(), "8.00".into())
        );
        assert_eq!(remuneration_inputs(None), (String::new(), String::new()));
        assert!(agrees_remuneration("trust") && !agrees_remuneration("lump_sum"));
    }

    #[test]
    fn money_reads_as_people_write_it() {
        assert_eq!(yuan(180), "1.80");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(60_480_000), "604,800.00");
        assert_eq!(yuan(100_000), "1,000.00");
        assert_eq!(yuan(99_999), "999.99");
        assert_eq!(yuan_plain(60_480_000), "604800.00");
        assert_eq!(fee_label(180), "1.80 元/㎡·月");
    }

    #[test]
    fn amounts_in_yuan_become_fen() {
        assert_eq!(parse_yuan("604800"), Some(60_480_000));
        assert_eq!(parse_yuan("1.8"), Some(180));
        assert_eq!(parse_yuan("1.80"), Some(180));
        assert_eq!(parse_yuan("2"), Some(200));
        assert_eq!(parse_yuan("1,234.05"), Some(123_405));
        assert_eq!(parse_yuan("604,800.5"), Some(60_480_050));
        assert_eq!(parse_yuan("-3"), Some(-300));
        assert_eq!(parse_yuan("-3.25"), Some(-325));
        assert_eq!(parse_yuan("0"), Some(0));
        assert_eq!(parse_yuan("￥ 12"), Some(1_200));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(parse_yuan("五千"), None);
        assert_eq!(parse_yuan(""), None);
    }

    #[test]
    fn instants_read_in_beijing_time() {
        assert_eq!(when_secs("2026-03-01T01:30:00.000Z"), "2026-03-01 09:30:00");
        assert_eq!(when("2026-03-01T09:30:05.000+08:00"), "2026-03-01 09:30");
        assert_eq!(when("not an instant"), "not an instant");
        assert_eq!(instant_ms("1970-01-01T08:00:01.500+08:00"), Some(1_500));
        // 2026-01-01T00:30+08:00 is still 2025-12-31 in UTC.
        assert_eq!(beijing_date(1_767_198_600_000), "2026-01-01");
        assert_eq!(quarter_of(time::macros::date!(2026 - 11 - 27)), "2026-Q4");
    }

    #[test]
    fn remaining_time_reads_naturally() {
        assert_eq!(remaining(35_000), "35 秒");
        assert_eq!(remaining(34_001), "35 秒");
        assert_eq!(remaining(250_000), "4 分 10 秒");
        assert_eq!(remaining((3 * 3600 + 5 * 60) * 1000), "3 小时 5 分");
        assert_eq!(remaining((2 * 86_400 + 3 * 3600) * 1000), "2 天 3 小时");
        assert_eq!(remaining(-5), "0 秒");
        assert_eq!(time_left(now_ms() - 1), None);
        assert!(time_left(now_ms() + 90_000).is_some());
    }

    #[test]
    fn codes_have_labels() {
        assert_eq!(fee_model_label("commission"), "酬金制");
        assert_eq!(fee_model_label("x"), "其他");
        assert_eq!(method_label("owners_vote"), "业主表决定标");
        assert_eq!(matter_label("maintenance_fund"), "筹集维修资金");
        assert_eq!(matter_label("choose_firm"), "选聘物业服务企业");
        assert_eq!(label_of(&MANAGEMENT, "self_managed"), "自管");
    }
}
