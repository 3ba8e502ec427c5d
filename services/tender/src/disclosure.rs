//! Transparency (信息公开): for each contract, its firm or its compound's committee
//! publishes the open annual budget (开放式年度预算) and periodic accounts (收支公开):
//! fee income, common revenue (公共收益: parking, advertising, other), spending by
//! category, and the balance. Everything is public.
//!
//! The numbers must add up, and the publisher states the totals so that a typing mistake
//! is caught rather than silently recomputed:
//!
//! - `total_income_fen` = Σ income (fee + parking + advertising + other);
//! - `total_spending_fen` = Σ spending categories;
//! - `closing_balance_fen` = `opening_balance_fen` + Σ income − Σ spending.
//!
//! For a budget the balances are the planned ones (the surplus carried into and out of
//! the year). Balances may be negative (a deficit); amounts may not.

use serde::{Deserialize, Serialize};
use shared::domain::Fen;
use shared::error::FieldError;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::clock::to_rfc3339;
use crate::period::Period;

/// What is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureKind {
    /// 年度预算: a year's planned income and spending.
    Budget,
    /// 收支情况: a year's, quarter's or month's actual income and spending.
    Accounts,
}

impl DisclosureKind {
    pub fn parse(s: &str) -> Result<Self, shared::domain::DomainError> {
        match s.trim() {
            "budget" => Ok(Self::Budget),
            "accounts" => Ok(Self::Accounts),
            _ => Err(shared::domain::DomainError::new(
                "invalid_kind",
                "公开类型应为 budget（年度预算）或 accounts（收支情况）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Budget => "budget",
            Self::Accounts => "accounts",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Budget => "年度预算",
            Self::Accounts => "收支情况",
        }
    }
}

/// Income (收入), in 分: the property fee, and common revenue (公共收益) from parking,
/// advertising and other uses of common parts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Income {
    /// 物业服务费收入.
    pub fee_fen: i64,
    /// 停车收益.
    pub parking_fen: i64,
    /// 广告收益.
    pub advertising_fen: i64,
    /// 其他公共收益.
    pub other_fen: i64,
}

impl Income {
    pub const FIELDS: [(&'static str, &'static str); 4] = [
        ("fee_fen", "物业服务费收入"),
        ("parking_fen", "停车收益"),
        ("advertising_fen", "广告收益"),
        ("other_fen", "其他公共收益"),
    ];

    fn values(&self) -> [i64; 4] {
        [
            self.fee_fen,
            self.parking_fen,
            self.advertising_fen,
            self.other_fen,
        ]
    }

    /// Parking + advertising + other.
    pub fn common_revenue_fen(&self) -> i64 {
        self.parking_fen
            .saturating_add(self.advertising_fen)
            .saturating_add(self.other_fen)
    }
}

/// Spending (支出) by category, in 分.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Spending {
    /// 人员费用.
    pub personnel_fen: i64,
    /// 保洁.
    pub cleaning_fen: i64,
    /// 绿化.
    pub greening_fen: i64,
    /// 秩序维护.
    pub security_fen: i64,
    /// 设施设备维护.
    pub maintenance_fen: i64,
    /// 公共能耗.
    pub energy_fen: i64,
    /// 其他.
    pub other_fen: i64,
}

impl Spending {
    pub const FIELDS: [(&'static str, &'static str); 7] = [
        ("personnel_fen", "人员费用"),
        ("cleaning_fen", "保洁费用"),
        ("greening_fen", "绿化费用"),
        ("security_fen", "秩序维护费用"),
        ("maintenance_fen", "设施设备维护费用"),
        ("energy_fen", "公共能耗费用"),
        ("other_fen", "其他支出"),
    ];

    fn values(&self) -> [i64; 7] {
        [
            self.personnel_fen,
            self.cleaning_fen,
            self.greening_fen,
            self.security_fen,
            self.maintenance_fen,
            self.energy_fen,
            self.other_fen,
        ]
    }
}

/// A budget or accounts as published.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DisclosureInput {
    /// `budget` | `accounts`.
    pub kind: String,
    /// A budget: a year (`2026`); accounts: a year, quarter (`2026-Q3`) or month (`2026-07`).
    pub period: String,
    #[serde(default)]
    pub income: Income,
    /// Σ income, 分.
    pub total_income_fen: i64,
    #[serde(default)]
    pub spending: Spending,
    /// Σ spending, 分.
    pub total_spending_fen: i64,
    /// 期初结余, 分 (may be negative).
    pub opening_balance_fen: i64,
    /// 期末结余 = opening + income − spending, 分.
    pub closing_balance_fen: i64,
    /// Remarks, up to 2000 characters.
    pub note: Option<String>,
}

/// The checked content of a disclosure.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub kind: DisclosureKind,
    pub period: Period,
    pub income: Income,
    pub spending: Spending,
    pub total_income_fen: i64,
    pub total_spending_fen: i64,
    pub opening_balance_fen: i64,
    pub closing_balance_fen: i64,
    pub note: Option<String>,
}

fn yuan(fen: i64) -> String {
    format!("{} 元", Fen::new(fen).to_yuan_string())
}

/// Checks a disclosure's content: every field's own rule, then that the numbers add up.
/// Every problem is reported at once, each on its field, in Chinese.
pub fn check(input: &DisclosureInput) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = match DisclosureKind::parse(&input.kind) {
        Ok(k) => Some(k),
        Err(e) => {
            errors.push(FieldError::domain("kind", &e));
            None
        }
    };
    let period = match Period::parse(&input.period) {
        Ok(p) if kind == Some(DisclosureKind::Budget) && !p.is_year() => {
            errors.push(FieldError::new(
                "period",
                "budget_period_not_year",
                "年度预算的期间应为年度，如 2026",
            ));
            None
        }
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(FieldError::domain("period", &e));
            None
        }
    };
    let mut amounts_ok = true;
    let mut non_negative = |field: String, label: &str, fen: i64| {
        if fen < 0 {
            amounts_ok = false;
            errors.push(FieldError::new(
                field,
                "negative_amount",
                format!("{label}不能为负数"),
            ));
        }
    };
    for ((field, label), fen) in Income::FIELDS.iter().zip(input.income.values()) {
        non_negative(format!("income.{field}"), label, fen);
    }
    for ((field, label), fen) in Spending::FIELDS.iter().zip(input.spending.values()) {
        non_negative(format!("spending.{field}"), label, fen);
    }
    non_negative(
        "total_income_fen".into(),
        "收入合计",
        input.total_income_fen,
    );
    non_negative(
        "total_spending_fen".into(),
        "支出合计",
        input.total_spending_fen,
    );
    let note = match input.note.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) if n.chars().count() > 2000 => {
            errors.push(FieldError::new("note", "length", "说明最多 2000 个字符"));
            None
        }
        Some(n) => Some(n.to_string()),
    };
    if amounts_ok {
        let income = Fen::checked_sum(input.income.values().map(Fen::new));
        let spending = Fen::checked_sum(input.spending.values().map(Fen::new));
        match income {
            None => errors.push(FieldError::new(
                "total_income_fen",
                "amount_out_of_range",
                "收入金额超出允许的范围",
            )),
            Some(sum) if sum.get() != input.total_income_fen => errors.push(FieldError::new(
                "total_income_fen",
                "sum_mismatch",
                format!(
                    "收入合计应等于各项收入之和 {}（物业服务费 + 停车 + 广告 + 其他公共收益），现填 {}",
                    yuan(sum.get()),
                    yuan(input.total_income_fen)
                ),
            )),
            Some(_) => {}
        }
        match spending {
            None => errors.push(FieldError::new(
                "total_spending_fen",
                "amount_out_of_range",
                "支出金额超出允许的范围",
            )),
            Some(sum) if sum.get() != input.total_spending_fen => errors.push(FieldError::new(
                "total_spending_fen",
                "sum_mismatch",
                format!(
                    "支出合计应等于各类支出之和 {}，现填 {}",
                    yuan(sum.get()),
                    yuan(input.total_spending_fen)
                ),
            )),
            Some(_) => {}
        }
        if let (Some(i), Some(s)) = (income, spending) {
            match Fen::new(input.opening_balance_fen)
                .checked_add(i)
                .and_then(|b| b.checked_sub(s))
            {
                None => errors.push(FieldError::new(
                    "closing_balance_fen",
                    "amount_out_of_range",
                    "结余金额超出允许的范围",
                )),
                Some(expected) if expected.get() != input.closing_balance_fen => {
                    errors.push(FieldError::new(
                        "closing_balance_fen",
                        "balance_mismatch",
                        format!(
                            "期末结余应等于期初结余 {} + 收入 {} − 支出 {} = {}，现填 {}",
                            yuan(input.opening_balance_fen),
                            yuan(i.get()),
                            yuan(s.get()),
                            yuan(expected.get()),
                            yuan(input.closing_balance_fen)
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Checked {
        kind: kind.expect("checked"),
        period: period.expect("checked"),
        income: input.income,
        spending: input.spending,
        total_income_fen: input.total_income_fen,
        total_spending_fen: input.total_spending_fen,
        opening_balance_fen: input.opening_balance_fen,
        closing_balance_fen: input.closing_balance_fen,
        note,
    })
}

/// Who published a disclosure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Publisher {
    /// The contract's firm.
    Firm,
    /// The compound's committee.
    Committee,
}

/// A published budget or accounts (feed topic `disclosure`, kind `published`; this is the
/// payload).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Disclosure {
    pub id: String,
    pub contract_id: String,
    pub tender_id: String,
    pub compound_id: String,
    pub firm_id: String,
    pub kind: DisclosureKind,
    /// The kind in Chinese.
    pub kind_label: String,
    pub period: String,
    /// First day of the period, `YYYY-MM-DD`.
    pub period_start: String,
    /// Last day of the period, `YYYY-MM-DD`.
    pub period_end: String,
    pub income: Income,
    /// 公共收益: parking + advertising + other, 分.
    pub common_revenue_fen: i64,
    pub total_income_fen: i64,
    pub spending: Spending,
    pub total_spending_fen: i64,
    pub opening_balance_fen: i64,
    pub closing_balance_fen: i64,
    pub note: Option<String>,
    pub published_by: Publisher,
    /// The publishing account's name (absent for figures published before names were kept).
    #[serde(default)]
    pub published_by_name: Option<String>,
    pub published_at: String,
    /// 1 for the first publication; a correction is the next version of the same contract,
    /// kind and period.
    #[serde(default = "first_version")]
    pub version: i64,
    /// The version this one corrects.
    #[serde(default)]
    pub supersedes: Option<String>,
    /// Why it was corrected (更正原因), on a correcting version.
    #[serde(default)]
    pub correction_reason: Option<String>,
    /// The version that corrected this one (已更正); absent while it is current.
    #[serde(default)]
    pub superseded_by: Option<String>,
    /// When it was superseded (RFC 3339).
    #[serde(default)]
    pub superseded_at: Option<String>,
}

fn first_version() -> i64 {
    1
}

pub const COLUMNS: &str = "id, contract_id, tender_id, compound_id, firm_id, kind, period, period_start, \
    period_end, income, spending, total_income_fen, total_spending_fen, opening_balance_fen, \
    closing_balance_fen, note, published_by, published_by_account, published_at, version, supersedes, \
    correction_reason, superseded_by, superseded_at, published_by_name";

fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Disclosure, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let kind = DisclosureKind::parse(&kind).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let income: Income = decode(&r.try_get::<String, _>("income")?)?;
    let by: String = r.try_get("published_by")?;
    Ok(Disclosure {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        tender_id: r.try_get("tender_id")?,
        compound_id: r.try_get("compound_id")?,
        firm_id: r.try_get("firm_id")?,
        kind,
        kind_label: kind.label().to_string(),
        period: r.try_get("period")?,
        period_start: r.try_get("period_start")?,
        period_end: r.try_get("period_end")?,
        common_revenue_fen: income.common_revenue_fen(),
        income,
        total_income_fen: r.try_get("total_income_fen")?,
        spending: decode(&r.try_get::<String, _>("spending")?)?,
        total_spending_fen: r.try_get("total_spending_fen")?,
        opening_balance_fen: r.try_get("opening_balance_fen")?,
        closing_balance_fen: r.try_get("closing_balance_fen")?,
        note: r.try_get("note")?,
        published_by: if by == "firm" {
            Publisher::Firm
        } else {
            Publisher::Committee
        },
        published_by_name: r.try_get("published_by_name")?,
        published_at: to_rfc3339(r.try_get("published_at")?),
        version: r.try_get("version")?,
        supersedes: r.try_get("supersedes")?,
        correction_reason: r.try_get("correction_reason")?,
        superseded_by: r.try_get("superseded_by")?,
        superseded_at: r
            .try_get::<Option<i64>, _>("superseded_at")?
            .map(to_rfc3339),
    })
}

/// Stores a disclosure.
pub async fn insert(
    conn: &mut AnyConnection,
    d: &Disclosure,
    account: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO disclosure ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, NULL, NULL, $23)"
    )))
    .bind(&d.id)
    .bind(&d.contract_id)
    .bind(&d.tender_id)
    .bind(&d.compound_id)
    .bind(&d.firm_id)
    .bind(d.kind.as_str())
    .bind(&d.period)
    .bind(&d.period_start)
    .bind(&d.period_end)
    .bind(serde_json::to_string(&d.income).unwrap_or_default())
    .bind(serde_json::to_string(&d.spending).unwrap_or_default())
    .bind(d.total_income_fen)
    .bind(d.total_spending_fen)
    .bind(d.opening_balance_fen)
    .bind(d.closing_balance_fen)
    .bind(&d.note)
    .bind(match d.published_by {
        Publisher::Firm => "firm",
        Publisher::Committee => "committee",
    })
    .bind(account)
    .bind(at)
    .bind(d.version)
    .bind(&d.supersedes)
    .bind(&d.correction_reason)
    .bind(&d.published_by_name)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One disclosure.
pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<Disclosure>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disclosure WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks `id` superseded by `by` (only while it is current: answers whether it was).
pub async fn supersede(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE disclosure SET superseded_by = $2, superseded_at = $3 WHERE id = $1 AND superseded_by IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every version of the budget or accounts `d` is one of, oldest first.
pub async fn versions(
    conn: &mut AnyConnection,
    d: &Disclosure,
) -> Result<Vec<Disclosure>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disclosure WHERE contract_id = $1 AND kind = $2 AND period = $3 ORDER BY version"
    )))
    .bind(&d.contract_id)
    .bind(d.kind.as_str())
    .bind(&d.period)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The disclosures of a contract, every version, by period start then kind (budget
/// first) then version.
pub async fn of_contract(
    conn: &mut AnyConnection,
    contract_id: &str,
) -> Result<Vec<Disclosure>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disclosure WHERE contract_id = $1 ORDER BY period_start, kind DESC, period_end DESC, version, id"
    )))
    .bind(contract_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DisclosureInput {
        DisclosureInput {
            kind: "accounts".into(),
            period: "2026-Q3".into(),
            income: Income {
                fee_fen: 15_000_000,
                parking_fen: 1_200_000,
                advertising_fen: 300_000,
                other_fen: 0,
            },
            total_income_fen: 16_500_000,
            spending: Spending {
                personnel_fen: 8_000_000,
                cleaning_fen: 2_000_000,
                greening_fen: 500_000,
                security_fen: 1_500_000,
                maintenance_fen: 1_000_000,
                energy_fen: 900_000,
                other_fen: 100_000,
            },
            total_spending_fen: 14_000_000,
            opening_balance_fen: -200_000,
            closing_balance_fen: 2_300_000,
            note: Some("  ".into()),
        }
    }

    fn codes(errors: &[FieldError]) -> Vec<(String, String)> {
        errors
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect()
    }

    #[test]
    fn numbers_that_add_up_are_accepted() {
        let c = check(&input()).unwrap();
        assert_eq!(c.kind, DisclosureKind::Accounts);
        assert_eq!(c.period.to_string(), "2026-Q3");
        assert_eq!(c.note, None);
        assert_eq!(c.income.common_revenue_fen(), 1_500_000);
    }

    #[test]
    fn every_mismatch_is_reported_on_its_field() {
        let mut bad = input();
        bad.total_income_fen += 1;
        bad.total_spending_fen -= 100;
        bad.closing_balance_fen = 0;
        let errors = check(&bad).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                ("total_income_fen".into(), "sum_mismatch".into()),
                ("total_spending_fen".into(), "sum_mismatch".into()),
                ("closing_balance_fen".into(), "balance_mismatch".into()),
            ]
        );
        assert!(
            errors[0].message.contains("165000.00 元"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[2].message.contains("23000.00 元"),
            "{}",
            errors[2].message
        );

        let mut bad = input();
        bad.kind = "report".into();
        bad.period = "2026-Q9".into();
        bad.spending.cleaning_fen = -1;
        let errors = check(&bad).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                ("kind".into(), "invalid_kind".into()),
                ("period".into(), "invalid_period".into()),
                ("spending.cleaning_fen".into(), "negative_amount".into()),
            ]
        );

        let mut bad = input();
        bad.kind = "budget".into();
        let errors = check(&bad).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![("period".into(), "budget_period_not_year".into())]
        );

        let mut bad = input();
        bad.income.fee_fen = i64::MAX;
        bad.income.parking_fen = 1;
        assert_eq!(
            codes(&check(&bad).unwrap_err())[0],
            ("total_income_fen".into(), "amount_out_of_range".into())
        );
    }
}
