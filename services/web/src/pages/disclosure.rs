//! 预算与收支公开: one form, for a contract's committee and for its firm, to publish the
//! contract's annual budget or periodic accounts and to correct (更正) a published one.
//!
//! The form's inputs are the API's fields (`income.fee_fen`, `total_spending_fen` …), typed
//! in 元. A line left empty counts as 0; totals and the closing balance left empty are
//! computed from the lines, typed ones are sent as typed (the API checks that they add up).
//! A refused form comes back on its own page with what was typed and the API's message
//! beside each field; success goes back to the party's workbench with a notice. A
//! correction is the same form prefilled with the current figures, its type and period
//! fixed, plus the required reason; the API keeps the earlier version public as 已更正.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};

use super::model::contract::{Contract, Disclosure};
use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::{today, yuan_plain};
use crate::forms::{FormErrors, Keys, see_other_at};
use crate::roles::{CommitteeUser, FirmUser};
use crate::state::WebState;

/// One amount of the form: the API's field (the input's name), the element id, the label.
struct Line {
    field: &'static str,
    slug: &'static str,
    label: &'static str,
}

const fn line(field: &'static str, slug: &'static str, label: &'static str) -> Line {
    Line { field, slug, label }
}

impl Line {
    /// A total or the closing balance: computed when left empty.
    fn computed(&self) -> bool {
        [TOTAL_INCOME.field, TOTAL_SPENDING.field, CLOSING.field].contains(&self.field)
    }
}

const INCOME: [Line; 4] = [
    line("income.fee_fen", "income_fee", "物业费收入"),
    line("income.parking_fen", "income_parking", "停车收益"),
    line("income.advertising_fen", "income_advertising", "广告收益"),
    line("income.other_fen", "income_other", "其他收入"),
];
const TOTAL_INCOME: Line = line("total_income_fen", "total_income", "收入合计");
const SPENDING: [Line; 7] = [
    line("spending.personnel_fen", "spending_personnel", "人员费用"),
    line("spending.cleaning_fen", "spending_cleaning", "保洁"),
    line("spending.greening_fen", "spending_greening", "绿化"),
    line("spending.security_fen", "spending_security", "秩序维护"),
    line(
        "spending.maintenance_fen",
        "spending_maintenance",
        "维修养护",
    ),
    line("spending.energy_fen", "spending_energy", "能耗"),
    line("spending.other_fen", "spending_other", "其他支出"),
];
const TOTAL_SPENDING: Line = line("total_spending_fen", "total_spending", "支出合计");
const OPENING: Line = line("opening_balance_fen", "opening_balance", "期初结余");
const CLOSING: Line = line("closing_balance_fen", "closing_balance", "期末结余");

/// Who is publishing: the contract's committee or its firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Committee,
    Firm,
}

impl Party {
    /// The party's workbench, where a success goes back to (and under which its forms are).
    fn home(self) -> &'static str {
        match self {
            Party::Committee => "/committee",
            Party::Firm => "/firm",
        }
    }

    /// The section of the workbench that lists the disclosures.
    fn section(self) -> &'static str {
        match self {
            Party::Committee => "money-heading",
            Party::Firm => "contracts-h",
        }
    }

    /// `published_by` of what this party publishes.
    pub fn code(self) -> &'static str {
        match self {
            Party::Committee => "committee",
            Party::Firm => "firm",
        }
    }

    /// The type a new form starts with: a committee publishes the budget first, a firm
    /// its accounts.
    fn default_kind(self) -> &'static str {
        match self {
            Party::Committee => "budget",
            Party::Firm => "accounts",
        }
    }
}

/// The signed-in party with its token and what it owns.
pub struct Acting<'a> {
    party: Party,
    token: &'a str,
    /// The committee's compound or the firm.
    scope: &'a str,
}

/// A user who may publish for a contract: its committee or its firm. The form's handlers are
/// generic over it, routed once per party (`publish::<CommitteeUser>`).
pub trait Publisher: Send + Sync {
    fn acting(&self) -> Acting<'_>;
}

impl Publisher for CommitteeUser {
    fn acting(&self) -> Acting<'_> {
        Acting {
            party: Party::Committee,
            token: &self.token,
            scope: &self.compound_id,
        }
    }
}

impl Publisher for FirmUser {
    fn acting(&self) -> Acting<'_> {
        Acting {
            party: Party::Firm,
            token: &self.token,
            scope: &self.firm_id,
        }
    }
}

impl Acting<'_> {
    /// The contract, if it is this party's (as the API shows it to them); 403 otherwise.
    async fn contract(&self, app: &WebState, cid: &str) -> Result<Contract, PageError> {
        let url = format!(
            "{}{}",
            app.api.tender,
            api::path(&["tenders", "contracts", cid])
        );
        let c: Contract = app.api.get(&url, Some(self.token)).await?;
        let owns = match self.party {
            Party::Committee => c.compound_id == self.scope,
            Party::Firm => c.firm_id == self.scope,
        };
        if owns {
            Ok(c)
        } else {
            Err(PageError::forbidden(match self.party {
                Party::Committee => "这是其他小区的合同。",
                Party::Firm => "这是其他企业的合同。",
            }))
        }
    }

    /// A published version with its contract, if the contract is this party's.
    async fn disclosure(
        &self,
        app: &WebState,
        did: &str,
    ) -> Result<(Disclosure, Contract), PageError> {
        let url = format!(
            "{}{}",
            app.api.tender,
            api::path(&["tenders", "disclosures", did])
        );
        let d: Disclosure = app.api.get(&url, Some(self.token)).await?;
        let c = self.contract(app, &d.contract_id).await?;
        Ok((d, c))
    }
}

/// The form as typed (or prefilled): values by input name.
#[derive(Debug, Clone, Default)]
pub struct DisclosureForm {
    values: BTreeMap<String, String>,
}

impl DisclosureForm {
    /// A new form of `party`'s for this contract.
    fn blank(party: Party) -> Self {
        let mut values = BTreeMap::new();
        values.insert("kind".into(), party.default_kind().into());
        if party == Party::Committee {
            values.insert("period".into(), today()[..4].to_string());
        }
        Self { values }
    }

    /// The figures of a published version, to correct: its lines and opening balance (the
    /// totals and the closing balance left to be computed again from them).
    fn of(d: &Disclosure) -> Self {
        let (i, s) = (&d.income, &d.spending);
        let amounts = [
            (INCOME[0].field, i.fee_fen),
            (INCOME[1].field, i.parking_fen),
            (INCOME[2].field, i.advertising_fen),
            (INCOME[3].field, i.other_fen),
            (SPENDING[0].field, s.personnel_fen),
            (SPENDING[1].field, s.cleaning_fen),
            (SPENDING[2].field, s.greening_fen),
            (SPENDING[3].field, s.security_fen),
            (SPENDING[4].field, s.maintenance_fen),
            (SPENDING[5].field, s.energy_fen),
            (SPENDING[6].field, s.other_fen),
            (OPENING.field, d.opening_balance_fen),
        ];
        let mut values: BTreeMap<String, String> = amounts
            .iter()
            .map(|(k, fen)| (k.to_string(), yuan_plain(*fen)))
            .collect();
        values.insert("kind".into(), d.kind.clone());
        values.insert("period".into(), d.period.clone());
        values.insert("note".into(), d.note.clone().unwrap_or_default());
        Self { values }
    }

    fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", |v| v.trim())
    }

    /// The API's body (with `reason` when correcting). Amounts the page cannot read get a
    /// message in `errors`.
    fn body(&self, errors: &mut FormErrors, correcting: bool) -> Value {
        let mut amount = |l: &Line| -> Option<i64> {
            match self.get(l.field) {
                "" => None,
                raw => errors.yuan(l.field, raw),
            }
        };
        let mut sum = |lines: &[Line], group: &mut serde_json::Map<String, Value>| {
            let mut total = 0i64;
            for l in lines {
                let v = amount(l).unwrap_or(0);
                total = total.saturating_add(v);
                let key = l.field.split_once('.').map_or(l.field, |(_, k)| k);
                group.insert(key.to_string(), json!(v));
            }
            total
        };
        let (mut income, mut spending) = (serde_json::Map::new(), serde_json::Map::new());
        let income_sum = sum(&INCOME, &mut income);
        let spending_sum = sum(&SPENDING, &mut spending);
        let total_income = amount(&TOTAL_INCOME).unwrap_or(income_sum);
        let total_spending = amount(&TOTAL_SPENDING).unwrap_or(spending_sum);
        let opening = amount(&OPENING).unwrap_or(0);
        let closing = amount(&CLOSING).unwrap_or_else(|| {
            opening
                .saturating_add(total_income)
                .saturating_sub(total_spending)
        });
        let note = self.get("note");
        let mut body = json!({
            "kind": self.get("kind"),
            "period": self.get("period"),
            "income": income,
            "total_income_fen": total_income,
            "spending": spending,
            "total_spending_fen": total_spending,
            "opening_balance_fen": opening,
            "closing_balance_fen": closing,
            "note": if note.is_empty() { Value::Null } else { json!(note) },
        });
        if correcting {
            body["reason"] = json!(self.get("reason"));
        }
        body
    }

    /// The inputs as the template shows them, with `errors` beside them; `suffix` keeps
    /// element ids unique where a page holds several forms.
    pub fn fields(&self, errors: FormErrors, suffix: String, correcting: bool) -> Fields {
        let view = |l: &Line| Input {
            name: l.field,
            id: format!("{}{suffix}", l.slug),
            label: l.label,
            value: self.values.get(l.field).cloned().unwrap_or_default(),
            error: errors.get(l.field).map(str::to_string),
            computed: l.computed(),
        };
        let group = |legend, lines: Vec<&Line>| Group {
            legend,
            inputs: lines.into_iter().map(view).collect(),
        };
        let text = |k: &str| self.values.get(k).cloned().unwrap_or_default();
        Fields {
            groups: vec![
                group("收入", INCOME.iter().chain([&TOTAL_INCOME]).collect()),
                group("支出", SPENDING.iter().chain([&TOTAL_SPENDING]).collect()),
                group("结余", vec![&OPENING, &CLOSING]),
            ],
            kind: text("kind"),
            period: text("period"),
            note: text("note"),
            reason: text("reason"),
            correcting,
            suffix,
            errors,
        }
    }
}

/// One amount input as the template shows it.
pub struct Input {
    pub name: &'static str,
    pub id: String,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
    /// Computed from the lines when left empty.
    pub computed: bool,
}

/// A fieldset of inputs.
pub struct Group {
    pub legend: &'static str,
    pub inputs: Vec<Input>,
}

/// The form's fields as `disclosure_fields.html` shows them.
pub struct Fields {
    pub groups: Vec<Group>,
    pub kind: String,
    pub period: String,
    pub note: String,
    pub reason: String,
    /// A correction: type and period fixed, a reason asked for.
    pub correcting: bool,
    /// Appended to element ids.
    pub suffix: String,
    pub errors: FormErrors,
}

impl Fields {
    /// A party's new form for one of the contracts on its workbench.
    pub fn blank(party: Party, suffix: String) -> Self {
        DisclosureForm::blank(party).fields(FormErrors::none(), suffix, false)
    }

    pub fn kind_label(&self) -> &'static str {
        if self.kind == "budget" {
            "年度预算"
        } else {
            "收支情况"
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "disclosure_form.html")]
pub struct DisclosurePage {
    chrome: Chrome,
    contract: Contract,
    /// Where the party's workbench is (the breadcrumb).
    home: &'static str,
    /// The form's action.
    action: String,
    /// The version being corrected.
    correcting: Option<Disclosure>,
    df: Fields,
}

fn publish_path(party: Party, cid: &str) -> String {
    format!("{}/contracts/{cid}/disclosures", party.home())
}

fn correction_path(party: Party, did: &str) -> String {
    format!("{}/disclosures/{did}/correction", party.home())
}

/// Posts a publication or a correction; success → the workbench with a notice, refusal →
/// the form again with what was typed and why.
async fn submit(
    app: &WebState,
    who: Acting<'_>,
    chrome: Chrome,
    contract: Contract,
    correcting: Option<Disclosure>,
    form: DisclosureForm,
) -> Result<Response, PageError> {
    let mut errors = FormErrors::none();
    let body = form.body(&mut errors, correcting.is_some());
    let (url, action) = match &correcting {
        Some(d) => (
            api::path(&["tenders", "disclosures", &d.id, "corrections"]),
            correction_path(who.party, &d.id),
        ),
        None => (
            api::path(&["tenders", "contracts", &contract.id, "disclosures"]),
            publish_path(who.party, &contract.id),
        ),
    };
    let status = if errors.is_empty() {
        let answer: Result<Disclosure, ApiError> = app
            .api
            .send(
                Method::POST,
                &format!("{}{url}", app.api.tender),
                Some(who.token),
                &body,
            )
            .await;
        match answer {
            Ok(d) => {
                let verb = if correcting.is_some() {
                    "已更正"
                } else {
                    "已公开"
                };
                let done = format!("{verb} {} {}。", d.period, d.kind_label);
                return Ok(see_other_at(who.party.home(), &done, who.party.section()));
            }
            Err(e)
                if matches!(
                    e.status(),
                    Some(StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                ) =>
            {
                return Err(e.into());
            }
            Err(e) => {
                errors = FormErrors::from_api_as(&e, Keys::Path, &[]);
                FormErrors::status(&e)
            }
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DisclosurePage {
        chrome,
        contract,
        home: who.party.home(),
        action,
        df: form.fields(errors, String::new(), correcting.is_some()),
        correcting,
    };
    Ok((status, page).into_response())
}

/// A new publication's form (`GET …/contracts/{cid}/disclosures`).
pub async fn new_form<U: Publisher>(
    State(app): State<WebState>,
    user: U,
    chrome: Chrome,
    Path(cid): Path<String>,
) -> Result<DisclosurePage, PageError> {
    let who = user.acting();
    let contract = who.contract(&app, &cid).await?;
    Ok(DisclosurePage {
        chrome,
        action: publish_path(who.party, &contract.id),
        contract,
        home: who.party.home(),
        correcting: None,
        df: DisclosureForm::blank(who.party).fields(FormErrors::none(), String::new(), false),
    })
}

/// Publishes (`POST …/contracts/{cid}/disclosures`).
pub async fn publish<U: Publisher>(
    State(app): State<WebState>,
    user: U,
    chrome: Chrome,
    Path(cid): Path<String>,
    CsrfForm(values): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let who = user.acting();
    let contract = who.contract(&app, &cid).await?;
    submit(&app, who, chrome, contract, None, DisclosureForm { values }).await
}

/// A correction's form (`GET …/disclosures/{did}/correction`), prefilled with the current
/// figures.
pub async fn correction_form<U: Publisher>(
    State(app): State<WebState>,
    user: U,
    chrome: Chrome,
    Path(did): Path<String>,
) -> Result<DisclosurePage, PageError> {
    let who = user.acting();
    let (d, contract) = who.disclosure(&app, &did).await?;
    if d.is_superseded() {
        return Err(PageError::new(
            StatusCode::CONFLICT,
            "无法更正",
            "这一版已被更正，请在工作台更正现行版本。",
        ));
    }
    Ok(DisclosurePage {
        chrome,
        contract,
        home: who.party.home(),
        action: correction_path(who.party, &d.id),
        df: DisclosureForm::of(&d).fields(FormErrors::none(), String::new(), true),
        correcting: Some(d),
    })
}

/// Corrects (`POST …/disclosures/{did}/correction`).
pub async fn correct<U: Publisher>(
    State(app): State<WebState>,
    user: U,
    chrome: Chrome,
    Path(did): Path<String>,
    CsrfForm(values): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let who = user.acting();
    let (d, contract) = who.disclosure(&app, &did).await?;
    submit(
        &app,
        who,
        chrome,
        contract,
        Some(d),
        DisclosureForm { values },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> DisclosureForm {
        DisclosureForm {
            values: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn empty_lines_are_zero_and_empty_totals_are_computed() {
        let mut errors = FormErrors::none();
        let body = form(&[
            ("kind", "accounts"),
            ("period", "2026-07"),
            ("income.fee_fen", "30000"),
            ("income.parking_fen", "1,200.50"),
            ("spending.personnel_fen", "20000"),
            ("spending.cleaning_fen", "5000"),
        ])
        .body(&mut errors, false);
        assert!(errors.is_empty());
        assert_eq!(body["income"]["parking_fen"], 120_050);
        assert_eq!(body["income"]["other_fen"], 0);
        assert_eq!(body["total_income_fen"], 3_120_050);
        assert_eq!(body["total_spending_fen"], 2_500_000);
        assert_eq!(body["closing_balance_fen"], 620_050);
        assert_eq!(body["note"], Value::Null);
        assert!(body.get("reason").is_none());
    }

    #[test]
    fn typed_totals_are_sent_as_typed_and_bad_amounts_are_said() {
        let mut errors = FormErrors::none();
        let body = form(&[
            ("income.fee_fen", "600000"),
            ("total_income_fen", "600000"),
            ("spending.personnel_fen", "300000"),
            ("total_spending_fen", "500000"),
            ("spending.cleaning_fen", "五千"),
            ("reason", "笔误"),
        ])
        .body(&mut errors, true);
        assert_eq!(body["total_spending_fen"], 50_000_000);
        assert_eq!(body["reason"], "笔误");
        assert!(errors.get("spending.cleaning_fen").is_some());
    }

    #[test]
    fn a_correction_starts_from_the_published_figures() {
        let d: Disclosure = serde_json::from_value(json!({
            "id": "d1", "contract_id": "k1", "kind": "budget", "kind_label": "年度预算",
            "period": "2027",
            "income": {"fee_fen": 60_000_000, "parking_fen": 0, "advertising_fen": 0, "other_fen": 0},
            "total_income_fen": 60_000_000,
            "spending": {"personnel_fen": 30_000_000, "cleaning_fen": 10_000_000, "greening_fen": 0,
                "security_fen": 0, "maintenance_fen": 0, "energy_fen": 0, "other_fen": 0},
            "total_spending_fen": 40_000_000, "opening_balance_fen": 0,
            "closing_balance_fen": 20_000_000, "note": "按合同约定编制",
            "published_by": "committee", "published_at": "2027-01-05T10:00:00.000+08:00"
        }))
        .unwrap();
        let f = DisclosureForm::of(&d);
        assert_eq!(f.get("income.fee_fen"), "600000.00");
        assert_eq!(f.get("closing_balance_fen"), "", "computed again");
        let mut errors = FormErrors::none();
        let body = f.body(&mut errors, true);
        assert!(errors.is_empty());
        assert_eq!(body["total_spending_fen"], 40_000_000);
        assert_eq!(body["closing_balance_fen"], 20_000_000);
        assert_eq!(body["period"], "2027");
        let fields = f.fields(FormErrors::none(), "-k1".into(), true);
        assert_eq!(fields.groups[0].inputs[4].id, "total_income-k1");
        assert_eq!(fields.kind_label(), "年度预算");
    }
}
