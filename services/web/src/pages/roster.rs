//! 优选供应商名录 (the public roster), a firm's public page, and the blacklist.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use shared::domain::{district, districts};

use super::{Chrome, WebState};
use crate::api;
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::session::Session;

#[derive(Debug, Clone, Deserialize)]
pub struct Credit {
    pub score: i64,
    pub grade: String,
}

/// A firm as the roster API answers it (the fields the pages show).
#[derive(Debug, Clone, Deserialize)]
pub struct Firm {
    pub id: String,
    pub name: String,
    pub contact_phone: String,
    pub ownership: String,
    pub base_address: String,
    pub districts_served: Vec<String>,
    pub service_radius_km: f64,
    pub service_models: Vec<String>,
    pub fee_models: Vec<String>,
    pub grades: Vec<i64>,
    pub capacity_households: i64,
    pub households_served: i64,
    pub staff_count: i64,
    pub profile: String,
    pub low_profit_commitment: bool,
    pub standing: String,
    pub credit: Credit,
    pub whitelisted: bool,
}

impl Firm {
    pub fn standing_label(&self) -> &'static str {
        standing_label(&self.standing)
    }

    pub fn districts_label(&self) -> String {
        self.districts_served
            .iter()
            .map(|c| district(c).map_or(c.as_str(), |d| d.name))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn models_label(&self) -> String {
        self.service_models
            .iter()
            .map(|m| model_label(m))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn fee_models_label(&self) -> String {
        self.fee_models
            .iter()
            .map(|m| match m.as_str() {
                "lump_sum" | "commission" | "trust" => fee_model_label(m),
                other => other,
            })
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn grades_label(&self) -> String {
        self.grades
            .iter()
            .map(|g| format!("{g}级"))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn ownership_label(&self) -> &'static str {
        match self.ownership.as_str() {
            "soe" => "国有企业",
            "private" => "民营企业",
            _ => "其他",
        }
    }
}

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

pub fn model_label(m: &str) -> &str {
    match m {
        "professional" => "专业化物业服务",
        "trust" => "信托制物业",
        "community" => "公益/保障型物业",
        "self_managed" => "业主自治管理",
        other => other,
    }
}

#[derive(Debug, Deserialize)]
struct FirmPage {
    items: Vec<Firm>,
    total: i64,
    limit: i64,
    offset: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct RosterQuery {
    #[serde(default)]
    district: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: Option<i64>,
}

/// A select option.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "roster.html")]
pub struct RosterPage {
    chrome: Chrome,
    firms: Vec<Firm>,
    total: i64,
    q: String,
    district_choices: Vec<Choice>,
    model_choices: Vec<Choice>,
    grade_choices: Vec<Choice>,
    prev: Option<String>,
    next: Option<String>,
    error: Option<String>,
}

const PAGE: i64 = 20;

pub async fn list(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<RosterQuery>,
) -> Result<RosterPage, PageError> {
    let chrome = Chrome::new(&session, &csrf);
    let offset = q.offset.unwrap_or(0).max(0);
    let mut params = vec![
        ("standing", "recommended".to_string()),
        ("limit", PAGE.to_string()),
        ("offset", offset.to_string()),
    ];
    for (k, v) in [
        ("district", &q.district),
        ("model", &q.model),
        ("grade", &q.grade),
        ("q", &q.q),
    ] {
        if !v.trim().is_empty() {
            params.push((k, v.trim().to_string()));
        }
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let answer = app
        .api
        .catalog_get::<FirmPage>(&format!("/catalog/firms?{query}"), session.token.as_deref())
        .await;
    let (page, error) = match answer {
        Ok(p) => (p, None),
        // A bad filter is the visitor's mistake: show the form again with the message.
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => (
            FirmPage {
                items: Vec::new(),
                total: 0,
                limit: PAGE,
                offset: 0,
            },
            Some(e.message()),
        ),
        Err(e) => return Err(PageError::from_api(e, chrome)),
    };
    let link = |offset: i64| {
        let mut p: Vec<(&str, String)> = vec![];
        for (k, v) in [
            ("district", &q.district),
            ("model", &q.model),
            ("grade", &q.grade),
            ("q", &q.q),
        ] {
            if !v.is_empty() {
                p.push((k, v.clone()));
            }
        }
        p.push(("offset", offset.to_string()));
        format!(
            "/roster?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    let prev = (page.offset > 0).then(|| link((page.offset - page.limit).max(0)));
    let next = (page.offset + page.limit < page.total).then(|| link(page.offset + page.limit));
    Ok(RosterPage {
        chrome,
        total: page.total,
        firms: page.items,
        q: q.q.clone(),
        district_choices: std::iter::once(("".to_string(), "全部区（市）县".to_string()))
            .chain(
                districts()
                    .iter()
                    .map(|d| (d.code.as_str().to_string(), d.name.to_string())),
            )
            .map(|(value, label)| Choice {
                selected: value == q.district,
                value,
                label,
            })
            .collect(),
        model_choices: [
            ("", "全部服务方式"),
            ("professional", "专业化物业服务"),
            ("trust", "信托制物业"),
            ("community", "公益/保障型物业"),
            ("self_managed", "业主自治管理"),
        ]
        .iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            selected: *v == q.model,
        })
        .collect(),
        grade_choices: ["", "1", "2", "3", "4", "5"]
            .iter()
            .map(|g| Choice {
                value: g.to_string(),
                label: if g.is_empty() {
                    "全部等级".into()
                } else {
                    format!("{g}级")
                },
                selected: *g == q.grade,
            })
            .collect(),
        prev,
        next,
        error,
    })
}

#[derive(Debug, Deserialize)]
pub struct StandingEvent {
    pub action: String,
    pub reason: String,
    pub on_date: String,
    pub standing_after: String,
    pub author_name: Option<String>,
}

impl StandingEvent {
    pub fn action_label(&self) -> &'static str {
        match self.action.as_str() {
            "apply" => "提交入库申请",
            "recommend" => "列入推荐名录",
            "suspend" => "列入重点监管",
            "restore" => "恢复推荐",
            "blacklist" => "列入黑名单",
            "end_blacklist" => "移出黑名单",
            _ => "变更",
        }
    }

    pub fn standing_label(&self) -> &'static str {
        standing_label(&self.standing_after)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "firm.html")]
pub struct FirmDetailPage {
    chrome: Chrome,
    firm: Firm,
    history: Vec<StandingEvent>,
    /// Contracts the firm holds or held (public), newest first.
    contracts: Vec<ServedContract>,
    /// Residents' satisfaction over every survey naming the firm (public).
    satisfaction: Option<FirmSatisfaction>,
}

/// A contract as `GET /tenders/contracts` answers it (the fields the page shows).
#[derive(Debug, Clone, Deserialize)]
pub struct ServedContract {
    pub compound_id: String,
    pub fee: i64,
    pub fee_model: String,
    pub start_date: String,
    pub end_date: String,
    pub status: String,
}

impl ServedContract {
    /// 元/㎡·月 from 分.
    pub fn fee_yuan(&self) -> String {
        format!("{:.2}", self.fee as f64 / 100.0)
    }
    pub fn fee_model_label(&self) -> &'static str {
        fee_model_label(&self.fee_model)
    }
    pub fn active(&self) -> bool {
        self.status == "active"
    }
}

/// 包干制 / 酬金制 / 信托制 (or the code itself when unknown).
pub fn fee_model_label(code: &str) -> &'static str {
    match code {
        "lump_sum" => "包干制",
        "commission" => "酬金制",
        "trust" => "信托制",
        _ => "其他",
    }
}

/// `GET /tenders/satisfaction?firm=` (pooled).
#[derive(Debug, Clone, Deserialize)]
pub struct FirmSatisfaction {
    pub surveys: i64,
    pub respondents: i64,
    pub rate: Option<f64>,
}

impl FirmSatisfaction {
    pub fn percent(&self) -> String {
        self.rate
            .map(|r| format!("{:.1}%", r * 100.0))
            .unwrap_or_else(|| "—".into())
    }
}

#[derive(Debug, Deserialize)]
struct ContractPage {
    items: Vec<ServedContract>,
}

#[derive(Debug, Deserialize)]
struct EventPage {
    items: Vec<StandingEvent>,
}

pub async fn detail(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
) -> Result<FirmDetailPage, PageError> {
    let chrome = Chrome::new(&session, &csrf);
    let token = session.token.as_deref();
    let firm: Firm = app
        .api
        .catalog_get(&api::path(&["catalog", "firms", &id]), token)
        .await
        .map_err(|e| PageError::from_api(e, chrome.clone()))?;
    let history = app
        .api
        .catalog_get::<EventPage>(
            &api::path(&["catalog", "firms", &id, "standing-history"]),
            token,
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    // What tender knows publicly about the firm; the page still shows the roster record
    // when the tender service does not answer.
    let contracts = app
        .api
        .get::<ContractPage>(
            &format!(
                "{}/tenders/contracts?{}",
                app.api.tender,
                api::query(&[("firm", &id), ("limit", "200")])
            ),
            None,
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let satisfaction = app
        .api
        .get::<FirmSatisfaction>(
            &format!(
                "{}/tenders/satisfaction?{}",
                app.api.tender,
                api::query(&[("firm", &id), ("limit", "1")])
            ),
            None,
        )
        .await
        .ok()
        .filter(|s| s.surveys > 0);
    Ok(FirmDetailPage {
        chrome,
        firm,
        history,
        contracts,
        satisfaction,
    })
}

#[derive(Debug, Deserialize)]
pub struct Blacklisted {
    pub firm_id: String,
    pub name: String,
    pub credit_code: String,
    pub reason: Option<String>,
    pub from: String,
    pub to: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BlacklistPage {
    items: Vec<Blacklisted>,
}

#[derive(Template, WebTemplate)]
#[template(path = "blacklist.html")]
pub struct BlacklistView {
    chrome: Chrome,
    items: Vec<Blacklisted>,
}

pub async fn blacklist(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<BlacklistView, PageError> {
    let chrome = Chrome::new(&session, &csrf);
    let page: BlacklistPage = app
        .api
        .catalog_get("/catalog/blacklist?limit=200", session.token.as_deref())
        .await
        .map_err(|e| PageError::from_api(e, chrome.clone()))?;
    Ok(BlacklistView {
        chrome,
        items: page.items,
    })
}
