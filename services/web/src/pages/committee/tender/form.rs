//! The committee's tender draft form: create a draft, and edit it (an edit sends only what
//! changed). Amounts are typed in 元, instants in Beijing time, the rated method's criteria
//! one `名称 分值` per line.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::workbench::own_tender;
use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::{
    FEE_MODELS, METHODS, MODELS, beijing_now, local_text, remuneration_inputs, when_secs,
    yuan_plain,
};
use crate::forms::{FormErrors, Keys, REMUNERATION_KIND, REMUNERATION_RENAMES, see_other_with};
use crate::pages::model::Created;
use crate::pages::model::tender::{Evaluation, TenderView};
use crate::roles::CommitteeUser;
use crate::state::WebState;

/// The tender form as typed. Amounts are in 元 (the API takes 分); instants are Beijing
/// time `YYYY-MM-DD HH:MM[:SS]`; criteria are one `名称 分值` per line.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct TenderForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    service_model: String,
    #[serde(default)]
    fee_model: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    term_months: String,
    #[serde(default)]
    annual_budget_yuan: String,
    #[serde(default)]
    proposed_fee_yuan: String,
    #[serde(default)]
    needs: String,
    #[serde(default)]
    enquiry_deadline: String,
    #[serde(default)]
    bid_deadline: String,
    #[serde(default)]
    opening_at: String,
    #[serde(default)]
    evaluation_method: String,
    #[serde(default)]
    price_weight: String,
    #[serde(default)]
    criteria: String,
    /// 酬金: `fixed`, `percentage`, or empty (不约定).
    #[serde(default)]
    remuneration_kind: String,
    /// 元 a year (`fixed`) or % of the fee income (`percentage`).
    #[serde(default)]
    remuneration_value: String,
}

/// API field (up to its first list index) → form input, where they differ.
const RENAMES: [(&str, &str); 7] = [
    ("annual_budget_fen", "annual_budget_yuan"),
    ("proposed_fee", "proposed_fee_yuan"),
    ("compound_id", "general"),
    REMUNERATION_RENAMES[0],
    REMUNERATION_RENAMES[1],
    REMUNERATION_RENAMES[2],
    REMUNERATION_RENAMES[3],
];

/// An API instant as the form shows it (`2026-03-01 09:30:00`, Beijing time).
fn instant_text(s: &str) -> String {
    when_secs(s)
}

/// A typed Beijing time as RFC 3339, or a message.
fn parse_local(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().replace('T', " ");
    if s.is_empty() {
        return Err("此项必填");
    }
    let (date, clock) = s.split_once(' ').ok_or("时间格式应为 2026-12-01 18:00")?;
    let mut parts = clock.trim().split(':');
    let h = parts.next().unwrap_or_default();
    let m = parts.next().unwrap_or_default();
    let sec = parts.next().unwrap_or("00");
    let sec = sec.split('.').next().unwrap_or("00");
    let text = format!("{}T{h:0>2}:{m:0>2}:{sec:0>2}+08:00", date.trim());
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
        .map(|_| text)
        .map_err(|_| "时间格式应为 2026-12-01 18:00")
}

fn criteria_text(e: &Evaluation) -> String {
    e.criteria
        .iter()
        .map(|c| format!("{} {}", c.name, c.weight))
        .collect::<Vec<_>>()
        .join("\n")
}

impl TenderForm {
    fn defaults() -> Self {
        let now = beijing_now();
        Self {
            service_model: "professional".into(),
            fee_model: "commission".into(),
            grade: "3".into(),
            term_months: "36".into(),
            enquiry_deadline: local_text(now + time::Duration::days(10)),
            bid_deadline: local_text(now + time::Duration::days(21)),
            opening_at: local_text(now + time::Duration::days(21)),
            evaluation_method: "price_only".into(),
            ..Default::default()
        }
    }

    fn of(t: &TenderView) -> Self {
        let (remuneration_kind, remuneration_value) = remuneration_inputs(t.remuneration);
        Self {
            title: t.title.clone(),
            service_model: t.service_model.clone(),
            fee_model: t.fee_model.clone(),
            grade: t.grade.to_string(),
            term_months: t.term_months.to_string(),
            annual_budget_yuan: yuan_plain(t.annual_budget_fen),
            proposed_fee_yuan: yuan_plain(t.proposed_fee),
            needs: t.needs.clone(),
            enquiry_deadline: instant_text(&t.enquiry_deadline),
            bid_deadline: instant_text(&t.bid_deadline),
            opening_at: instant_text(&t.opening_at),
            evaluation_method: t.evaluation.method.clone(),
            price_weight: t
                .evaluation
                .price_weight
                .map(|w| w.to_string())
                .unwrap_or_default(),
            criteria: criteria_text(&t.evaluation),
            remuneration_kind,
            remuneration_value,
        }
    }

    /// The API body: every field on create; on edit only those that differ from `base`.
    fn body(&self, base: Option<&TenderForm>, errors: &mut FormErrors) -> Value {
        let mut body = json!({});
        let changed = |pick: fn(&TenderForm) -> &String| {
            base.is_none_or(|b| pick(b).trim() != pick(self).trim())
        };
        if changed(|f| &f.title) && !self.title.trim().is_empty() {
            body["title"] = json!(self.title.trim());
        }
        if changed(|f| &f.service_model) {
            body["service_model"] = json!(self.service_model);
        }
        if changed(|f| &f.fee_model) {
            body["fee_model"] = json!(self.fee_model);
        }
        if changed(|f| &f.grade)
            && let Some(g) = errors.int("grade", &self.grade)
        {
            body["grade"] = json!(g);
        }
        if changed(|f| &f.term_months)
            && let Some(m) = errors.int("term_months", &self.term_months)
        {
            body["term_months"] = json!(m);
        }
        if changed(|f| &f.annual_budget_yuan)
            && let Some(v) = errors.yuan("annual_budget_yuan", &self.annual_budget_yuan)
        {
            body["annual_budget_fen"] = json!(v);
        }
        if changed(|f| &f.proposed_fee_yuan)
            && let Some(v) = errors.yuan("proposed_fee_yuan", &self.proposed_fee_yuan)
        {
            body["proposed_fee"] = json!(v);
        }
        if changed(|f| &f.needs) {
            body["needs"] = json!(self.needs);
        }
        if changed(|f| &f.remuneration_kind) || changed(|f| &f.remuneration_value) {
            match errors.remuneration(&self.remuneration_kind, &self.remuneration_value) {
                Some(r) => body["remuneration"] = r,
                // The API keeps a proposed remuneration when none is sent: it cannot be
                // withdrawn by choosing 不约定.
                None if self.remuneration_kind.trim().is_empty()
                    && base.is_some_and(|b| !b.remuneration_kind.is_empty()) =>
                {
                    errors.add(
                        REMUNERATION_KIND,
                        "已提出的酬金不能改为“不约定”；可修改酬金方式或数额",
                    );
                }
                None => {}
            }
        }
        for (name, raw) in [
            ("enquiry_deadline", &self.enquiry_deadline),
            ("bid_deadline", &self.bid_deadline),
            ("opening_at", &self.opening_at),
        ] {
            let differs = base.is_none_or(|b| {
                let old = match name {
                    "enquiry_deadline" => &b.enquiry_deadline,
                    "bid_deadline" => &b.bid_deadline,
                    _ => &b.opening_at,
                };
                old.trim() != raw.trim()
            });
            if differs {
                match parse_local(raw) {
                    Ok(v) => body[name] = json!(v),
                    Err(m) => errors.add(name, m),
                }
            }
        }
        let evaluation_changed = changed(|f| &f.evaluation_method)
            || changed(|f| &f.price_weight)
            || changed(|f| &f.criteria);
        if evaluation_changed {
            body["evaluation_method"] = json!(self.evaluation_method);
            if self.evaluation_method == "rated" {
                if let Some(w) = errors.int("price_weight", &self.price_weight) {
                    body["price_weight"] = json!(w);
                }
                let mut list = Vec::new();
                for line in self
                    .criteria
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                {
                    let parsed = line
                        .rsplit_once([' ', '\t', '：', ':', '，', ','])
                        .and_then(|(n, w)| Some((n.trim(), w.trim().parse::<i64>().ok()?)));
                    match parsed {
                        Some((name, weight)) if !name.is_empty() => {
                            list.push(json!({"name": name, "weight": weight}));
                        }
                        _ => errors.add(
                            "criteria",
                            format!("无法识别“{line}”：每行写一个评分项，格式为“名称 分值”"),
                        ),
                    }
                }
                body["criteria"] = json!(list);
            }
        }
        body
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_tender_form.html")]
pub struct TenderFormPage {
    chrome: Chrome,
    /// `None` for a new draft.
    tender: Option<TenderView>,
    f: TenderForm,
    errors: FormErrors,
}

impl TenderFormPage {
    fn action(&self) -> String {
        match &self.tender {
            Some(t) => format!("/committee/tenders/{}/edit", t.id),
            None => "/committee/tenders".into(),
        }
    }

    fn models(&self) -> Vec<(&'static str, &'static str)> {
        MODELS.to_vec()
    }

    fn fee_models(&self) -> Vec<(&'static str, &'static str)> {
        FEE_MODELS.to_vec()
    }

    fn methods(&self) -> Vec<(&'static str, &'static str)> {
        METHODS.to_vec()
    }

    fn grades(&self) -> Vec<&'static str> {
        vec!["1", "2", "3", "4", "5"]
    }
}

pub async fn new_form(_c: CommitteeUser, chrome: Chrome) -> TenderFormPage {
    TenderFormPage {
        chrome,
        tender: None,
        f: TenderForm::defaults(),
        errors: FormErrors::none(),
    }
}

pub async fn create(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    CsrfForm(f): CsrfForm<TenderForm>,
) -> Result<Response, PageError> {
    let mut errors = FormErrors::none();
    let mut body = f.body(None, &mut errors);
    let refused = |chrome, f, errors, status| {
        let page = TenderFormPage {
            chrome,
            tender: None,
            f,
            errors,
        };
        (status, page).into_response()
    };
    if !errors.is_empty() {
        return Ok(refused(chrome, f, errors, StatusCode::UNPROCESSABLE_ENTITY));
    }
    body["compound_id"] = json!(c.compound_id);
    let answer: Result<Created, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/tenders", app.api.tender),
            Some(&c.token),
            &body,
        )
        .await;
    Ok(match answer {
        Ok(t) => see_other_with(
            &format!("/committee/tenders/{}", t.id),
            "已保存招标草稿；核对无误后请发布",
        ),
        Err(e) => refused(
            chrome,
            f,
            FormErrors::from_api_as(&e, Keys::Path, &RENAMES),
            FormErrors::status(&e),
        ),
    })
}

pub async fn edit_form(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<TenderFormPage, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    Ok(TenderFormPage {
        chrome,
        f: TenderForm::of(&t),
        tender: Some(t),
        errors: FormErrors::none(),
    })
}

pub async fn edit(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<TenderForm>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let base = TenderForm::of(&t);
    let mut errors = FormErrors::none();
    let body = f.body(Some(&base), &mut errors);
    if !errors.is_empty() {
        let page = TenderFormPage {
            chrome,
            tender: Some(t),
            f,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let answer: Result<Value, ApiError> = app
        .api
        .send(
            Method::PATCH,
            &format!("{}{}", app.api.tender, api::path(&["tenders", &id])),
            Some(&c.token),
            &body,
        )
        .await;
    Ok(match answer {
        Ok(_) => see_other_with(&format!("/committee/tenders/{id}"), "已保存招标条件"),
        Err(e) => {
            let page = TenderFormPage {
                chrome,
                tender: Some(t),
                f,
                errors: FormErrors::from_api_as(&e, Keys::Path, &RENAMES),
            };
            (FormErrors::status(&e), page).into_response()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_beijing_times_become_rfc3339() {
        assert_eq!(
            parse_local("2026-12-01 18:00").unwrap(),
            "2026-12-01T18:00:00+08:00"
        );
        assert_eq!(
            parse_local(" 2026-12-01T08:05:09 ").unwrap(),
            "2026-12-01T08:05:09+08:00"
        );
        assert_eq!(parse_local("").unwrap_err(), "此项必填");
        assert!(parse_local("2026-13-01 18:00").is_err());
        assert!(parse_local("明天").is_err());
    }

    #[test]
    fn an_edit_sends_only_what_changed() {
        let base = TenderForm {
            title: "望江小区物业服务招标".into(),
            service_model: "professional".into(),
            fee_model: "commission".into(),
            grade: "3".into(),
            term_months: "36".into(),
            annual_budget_yuan: "604800.00".into(),
            proposed_fee_yuan: "1.80".into(),
            needs: "保洁".into(),
            enquiry_deadline: "2099-01-01 10:00:00".into(),
            bid_deadline: "2099-02-01 10:00:00".into(),
            opening_at: "2099-02-01 10:00:00".into(),
            evaluation_method: "rated".into(),
            price_weight: "40".into(),
            criteria: "服务方案 40\n人员配置 20".into(),
            remuneration_kind: "fixed".into(),
            remuneration_value: "120000.00".into(),
        };
        let mut errors = FormErrors::none();
        let typed = TenderForm {
            proposed_fee_yuan: "1.95".into(),
            ..base.clone()
        };
        assert_eq!(
            typed.body(Some(&base), &mut errors),
            json!({"proposed_fee": 195})
        );
        assert!(errors.is_empty());
        let body = base.body(None, &mut errors);
        assert_eq!(body["annual_budget_fen"], 60_480_000);
        assert_eq!(
            body["criteria"],
            json!([{"name": "服务方案", "weight": 40}, {"name": "人员配置", "weight": 20}])
        );
        assert_eq!(body["bid_deadline"], "2099-02-01T10:00:00+08:00");
        assert_eq!(
            body["remuneration"],
            json!({"kind": "fixed", "annual_fen": 12_000_000})
        );
        let bad = TenderForm {
            criteria: "服务方案".into(),
            grade: "三".into(),
            ..base
        };
        bad.body(None, &mut errors);
        assert!(errors.has("criteria") && errors.has("grade"));
    }

    #[test]
    fn the_remuneration_is_sent_only_when_chosen_or_changed() {
        let base = TenderForm {
            fee_model: "trust".into(),
            annual_budget_yuan: "604800".into(),
            proposed_fee_yuan: "1.80".into(),
            ..TenderForm::defaults()
        };
        let mut errors = FormErrors::none();
        // 不约定: nothing sent, whatever is typed beside it.
        let none = TenderForm {
            remuneration_value: "8".into(),
            ..base.clone()
        };
        assert!(none.body(None, &mut errors).get("remuneration").is_none());
        assert!(errors.is_empty());
        let share = TenderForm {
            remuneration_kind: "percentage".into(),
            remuneration_value: "7.5".into(),
            ..base.clone()
        };
        assert_eq!(
            share.body(None, &mut errors)["remuneration"],
            json!({"kind": "percentage", "basis_points": 750})
        );
        // On edit: unchanged → not sent; changed → sent.
        assert_eq!(share.body(Some(&share), &mut errors), json!({}));
        let more = TenderForm {
            remuneration_value: "8".into(),
            ..share.clone()
        };
        assert_eq!(
            more.body(Some(&share), &mut errors),
            json!({"remuneration": {"kind": "percentage", "basis_points": 800}})
        );
        assert!(errors.is_empty());
        // Unreadable: a Chinese message beside the value, nothing sent.
        let bad = TenderForm {
            remuneration_kind: "fixed".into(),
            remuneration_value: "十二万".into(),
            ..base.clone()
        };
        assert!(bad.body(None, &mut errors).get("remuneration").is_none());
        assert!(
            errors
                .get("remuneration_value")
                .is_some_and(|m| m.contains("固定酬金"))
        );
        // A proposed remuneration cannot be withdrawn by choosing 不约定.
        let mut errors = FormErrors::none();
        let cleared = TenderForm {
            remuneration_kind: String::new(),
            ..share.clone()
        };
        assert!(
            cleared
                .body(Some(&share), &mut errors)
                .get("remuneration")
                .is_none()
        );
        assert!(errors.has("remuneration_kind"));
    }
}
