//! What the tender API answers about contracts and their published budgets and accounts
//! (信息公开), as the pages read it, with the texts the templates print.

use std::ops::Deref;

use serde::Deserialize;
use shared::events::tender::{ContractPublished, ContractStatus};

use crate::format::{
    fee_label, fee_model_label, model_label, remuneration_label, when, yuan, yuan_label,
};

/// A contract as `GET /tenders/contracts…` answers it: the type tender publishes
/// (`shared::events::tender::ContractPublished`), read through, plus the compound's name.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "ContractPublished")]
pub struct Contract {
    pub contract: ContractPublished,
    /// The compound's name, from the catalog (filled in by the page that lists them).
    pub compound_name: String,
}

impl From<ContractPublished> for Contract {
    fn from(contract: ContractPublished) -> Self {
        Self {
            contract,
            compound_name: String::new(),
        }
    }
}

impl Deref for Contract {
    type Target = ContractPublished;

    fn deref(&self) -> &ContractPublished {
        &self.contract
    }
}

impl Contract {
    pub fn active(&self) -> bool {
        self.status == ContractStatus::Active
    }

    pub fn status_label(&self) -> &'static str {
        if self.active() {
            "履行中"
        } else {
            "已终止"
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Income {
    pub fee_fen: i64,
    pub parking_fen: i64,
    pub advertising_fen: i64,
    pub other_fen: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Spending {
    pub personnel_fen: i64,
    pub cleaning_fen: i64,
    pub greening_fen: i64,
    pub security_fen: i64,
    pub maintenance_fen: i64,
    pub energy_fen: i64,
    pub other_fen: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Disclosure {
    pub id: String,
    pub contract_id: String,
    /// `budget` or `accounts`.
    pub kind: String,
    pub kind_label: String,
    pub period: String,
    pub income: Income,
    pub total_income_fen: i64,
    pub spending: Spending,
    pub total_spending_fen: i64,
    pub opening_balance_fen: i64,
    pub closing_balance_fen: i64,
    pub note: Option<String>,
    pub published_by: String,
    #[serde(default)]
    pub published_by_name: Option<String>,
    pub published_at: String,
    #[serde(default = "first_version")]
    pub version: i64,
    #[serde(default)]
    pub correction_reason: Option<String>,
    #[serde(default)]
    pub superseded_by: Option<String>,
    #[serde(default)]
    pub superseded_at: Option<String>,
}

fn first_version() -> i64 {
    1
}

impl Disclosure {
    /// Whether a later version corrected it (已更正).
    pub fn is_superseded(&self) -> bool {
        self.superseded_by.is_some()
    }

    /// When it was superseded, as people read it.
    pub fn superseded_text(&self) -> String {
        self.superseded_at.as_deref().map(when).unwrap_or_default()
    }

    /// Who published it: the party, and the account's name when known.
    pub fn author_label(&self) -> String {
        match &self.published_by_name {
            Some(n) => format!("{}·{n}", self.publisher_label()),
            None => self.publisher_label().to_string(),
        }
    }

    pub fn publisher_label(&self) -> &'static str {
        if self.published_by == "firm" {
            "物业服务企业"
        } else {
            "小区自治组织"
        }
    }
}

impl Contract {
    /// The fee in 元/㎡·月, the number only.
    pub fn fee_yuan(&self) -> String {
        yuan(self.fee)
    }
    /// The annual price in 元, the number only.
    pub fn price_yuan(&self) -> String {
        yuan(self.annual_price_fen)
    }
    pub fn fee_text(&self) -> String {
        fee_label(self.fee)
    }
    /// The fee in force when the owners approved this year's budget, with its source.
    pub fn fee_in_force_text(&self) -> Option<String> {
        self.fee_in_force.as_ref().map(|f| {
            format!(
                "{}（{} 年度预算经业主表决通过后的收费标准）",
                fee_label(f.fee),
                f.year
            )
        })
    }
    pub fn price_text(&self) -> String {
        yuan_label(self.annual_price_fen)
    }
    pub fn model_text(&self) -> &str {
        model_label(&self.service_model)
    }
    pub fn fee_model_text(&self) -> &str {
        fee_model_label(&self.fee_model)
    }
    /// The remuneration agreed (酬金制, 信托制), in Chinese, if any.
    pub fn remuneration_text(&self) -> Option<String> {
        self.remuneration.map(remuneration_label)
    }
}

impl Disclosure {
    pub fn published_text(&self) -> String {
        when(&self.published_at)
    }
    pub fn income_text(&self) -> String {
        yuan(self.total_income_fen)
    }
    pub fn spending_text(&self) -> String {
        yuan(self.total_spending_fen)
    }
    pub fn closing_text(&self) -> String {
        yuan(self.closing_balance_fen)
    }
    /// The published lines, label and amount in 元.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let (i, s) = (&self.income, &self.spending);
        vec![
            ("物业费收入", yuan(i.fee_fen)),
            ("停车收益", yuan(i.parking_fen)),
            ("广告收益", yuan(i.advertising_fen)),
            ("其他收入", yuan(i.other_fen)),
            ("人员费用", yuan(s.personnel_fen)),
            ("保洁", yuan(s.cleaning_fen)),
            ("绿化", yuan(s.greening_fen)),
            ("秩序维护", yuan(s.security_fen)),
            ("维修养护", yuan(s.maintenance_fen)),
            ("能耗", yuan(s.energy_fen)),
            ("其他支出", yuan(s.other_fen)),
            ("期初结余", yuan(self.opening_balance_fen)),
            ("期末结余", yuan(self.closing_balance_fen)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contract_reads_as_tender_publishes_it_and_prints_its_days() {
        let active: Contract = serde_json::from_str(
            r#"{"id": "k1", "tender_id": "t1", "compound_id": "c1", "firm_id": "f1",
            "firm_name": "锦城物业", "service_model": "professional", "fee_model": "lump_sum",
            "fee": 150, "annual_price_fen": 1, "term_months": 36, "start_date": "2026-03-01",
            "end_date": "2029-02-28", "signed_on": "2026-02-20",
            "signed_at": "2026-02-20T10:00:00.000+08:00", "status": "active",
            "terminated_on": null, "termination_reason": null}"#,
        )
        .unwrap();
        assert!(active.active() && active.terminated_on.is_none());
        let c: Contract = serde_json::from_value(serde_json::json!({"id": "k1",
            "tender_id": "t1", "compound_id": "c1", "firm_id": "f1", "firm_name": "锦城物业",
            "service_model": "professional", "fee_model": "lump_sum", "fee": 150,
            "annual_price_fen": 75_600_000, "term_months": 36, "start_date": "2026-03-01",
            "end_date": "2029-02-28", "signed_on": "2026-02-20",
            "signed_at": "2026-02-20T10:00:00.000+08:00", "status": "terminated",
            "terminated_on": "2027-06-30", "termination_reason": "业主共同决定解除合同"}))
        .unwrap();
        assert!(!c.active());
        assert_eq!(c.status_label(), "已终止");
        assert_eq!(c.start_date.to_string(), "2026-03-01");
        assert_eq!(
            c.terminated_on.map(|d| d.to_string()).as_deref(),
            Some("2027-06-30")
        );
        assert_eq!(c.price_text(), "756,000.00 元");
    }
}

/// An owners' passing decision to dismiss the firm, as
/// `GET /tenders/contracts/{cid}/dismissal-votes` answers it: what a termination rests on.
#[derive(Debug, Clone, Deserialize)]
pub struct DismissalVote {
    pub id: String,
    /// `ballot` | `typed`.
    pub kind: String,
    pub title: String,
    pub decided_on: String,
}

impl DismissalVote {
    pub fn label(&self) -> String {
        let how = if self.kind == "ballot" {
            "按户投票"
        } else {
            "表决记录"
        };
        format!("{}（{}，{} 通过）", self.title, how, self.decided_on)
    }
}

/// A street's recorded notice to a committee (`GET /tenders/contracts/{cid}/guidance`).
#[derive(Debug, Clone, Deserialize)]
pub struct CommitteeNotice {
    pub note: String,
    pub notified_at: String,
}

impl CommitteeNotice {
    pub fn at_text(&self) -> String {
        when(&self.notified_at)
    }
}

/// Where a contract's guided termination stands (`GET /tenders/contracts/{cid}/guidance`).
#[derive(Debug, Clone, Deserialize)]
pub struct Guidance {
    pub notices: Vec<CommitteeNotice>,
    pub owners_decisions: Vec<DismissalVote>,
    pub terminated: bool,
}
