//! The tender lifecycle API: create (draft), edit, publish, cancel, list, read, and the
//! opening record.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::db::{new_id, now_ms};
use shared::domain::{DistrictCode, FeeRate, Fen};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{self, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::audit::Actor;
use crate::clock::{self, parse_rfc3339};
use crate::error::Result;
use crate::ocds;
use crate::state::AppState;
use crate::tenders::{
    self, Evaluation, OpenedBid, OpeningRecord, Tender, TenderView, load_current, not_found,
};
use crate::terms::{Criterion, EvaluationMethod, FeeModel, Grade, ServiceModel, TenderStatus};

#[derive(OpenApi)]
#[openapi(
    paths(
        create_tender,
        list_tenders,
        get_tender,
        update_tender,
        publish_tender,
        cancel_tender,
        get_opening
    ),
    components(schemas(
        TenderView,
        OpeningRecord,
        OpenedBid,
        Evaluation,
        Criterion,
        EvaluationMethod,
        TenderStatus,
        NewTender,
        TermsInput,
        CriterionInput,
        CancelTender
    ))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(list_tenders).post(create_tender))
        .route("/{id}", get(get_tender).patch(update_tender))
        .route("/{id}/publish", post(publish_tender))
        .route("/{id}/cancel", post(cancel_tender))
        .route("/{id}/opening", get(get_opening))
}

/// A quality criterion of a rated evaluation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CriterionInput {
    pub name: String,
    pub weight: i64,
}

/// A tender's terms. On create every field but `title` is required; on edit, the fields
/// given replace the current ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TermsInput {
    /// Defaults to “〈compound〉物业服务招标”.
    pub title: Option<String>,
    /// 物业服务方式 code: `professional`, `trust`, `community`, `self_managed`, …
    pub service_model: Option<String>,
    /// `lump_sum` | `commission` | `trust`.
    pub fee_model: Option<String>,
    /// Service grade wanted, 1–5.
    pub grade: Option<i64>,
    /// Contract term in months (1–120).
    pub term_months: Option<i64>,
    /// Annual budget in 分.
    pub annual_budget_fen: Option<i64>,
    /// Proposed fee in 分/㎡·月 (1–2000).
    pub proposed_fee: Option<i64>,
    /// Needs, in Chinese.
    pub needs: Option<String>,
    /// RFC 3339; after now, at most the bid deadline.
    pub enquiry_deadline: Option<String>,
    /// RFC 3339; at least the configured minimum bidding window from now.
    pub bid_deadline: Option<String>,
    /// RFC 3339; at or after the bid deadline.
    pub opening_at: Option<String>,
    /// `price_only` | `rated` | `owners_vote`.
    pub evaluation_method: Option<String>,
    /// For `rated`: the weight of the price, 0–100.
    pub price_weight: Option<i64>,
    /// For `rated`: the quality criteria; `price_weight` + Σ weights = 100.
    pub criteria: Option<Vec<CriterionInput>>,
}

/// A new tender (a draft) for the committee's own compound.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTender {
    pub compound_id: String,
    #[serde(flatten)]
    pub terms: TermsInput,
}

/// The checked terms.
struct Terms {
    title: Option<String>,
    service_model: ServiceModel,
    fee_model: FeeModel,
    grade: Grade,
    term_months: i64,
    annual_budget_fen: i64,
    proposed_fee: FeeRate,
    needs: String,
    enquiry_deadline: i64,
    bid_deadline: i64,
    opening_at: i64,
    evaluation: Evaluation,
}

fn required(v: &mut Validation, field: &str) {
    v.push(FieldError::new(field, "required", "此项必填"));
}

fn text_field(
    v: &mut Validation,
    field: &str,
    value: Option<&str>,
    max: usize,
    label: &str,
) -> Option<String> {
    let s = value?.trim();
    let n = s.chars().count();
    if n == 0 || n > max {
        v.push(FieldError::new(
            field,
            "length",
            format!("{label}应为 1–{max} 个字符"),
        ));
        None
    } else {
        Some(s.to_string())
    }
}

/// Checks the evaluation method and its weights.
fn check_evaluation(
    method: EvaluationMethod,
    price_weight: Option<i64>,
    criteria: Option<&[CriterionInput]>,
) -> std::result::Result<Evaluation, Vec<FieldError>> {
    if method != EvaluationMethod::Rated {
        if price_weight.is_some() || criteria.is_some_and(|c| !c.is_empty()) {
            return Err(vec![FieldError::new(
                "criteria",
                "not_rated",
                "只有综合评分法（rated）才设置价格权重和评分项",
            )]);
        }
        return Ok(Evaluation {
            method,
            price_weight: None,
            criteria: Vec::new(),
        });
    }
    let mut v = Validation::new();
    let weight = match price_weight {
        None => {
            required(&mut v, "price_weight");
            None
        }
        Some(w @ 0..=100) => Some(w as u32),
        Some(_) => {
            v.push(FieldError::new(
                "price_weight",
                "range",
                "价格权重应在 0–100 之间",
            ));
            None
        }
    };
    let criteria = criteria.unwrap_or_default();
    if criteria.is_empty() || criteria.len() > 20 {
        v.push(FieldError::new(
            "criteria",
            "criteria_count",
            "综合评分法应设置 1–20 个评分项",
        ));
    }
    let mut checked: Vec<Criterion> = Vec::new();
    for (i, c) in criteria.iter().enumerate() {
        let field = format!("criteria[{i}].name");
        let name = text_field(&mut v, &field, Some(&c.name), 50, "评分项名称");
        if let Some(name) = &name
            && checked.iter().any(|x| &x.name == name)
        {
            v.push(FieldError::new(field, "duplicate", "评分项名称不能重复"));
        }
        let weight = match c.weight {
            w @ 1..=100 => Some(w as u32),
            _ => {
                v.push(FieldError::new(
                    format!("criteria[{i}].weight"),
                    "range",
                    "评分项分值应在 1–100 之间",
                ));
                None
            }
        };
        if let (Some(name), Some(weight)) = (name, weight) {
            checked.push(Criterion { name, weight });
        }
    }
    if let Err(p) = v.finish() {
        return Err(p.errors);
    }
    let weight = weight.expect("checked");
    let sum: u32 = weight + checked.iter().map(|c| c.weight).sum::<u32>();
    if sum != 100 {
        return Err(vec![FieldError::new(
            "criteria",
            "weights_sum",
            format!("价格权重与各评分项分值之和应为 100（现为 {sum}）"),
        )]);
    }
    Ok(Evaluation {
        method,
        price_weight: Some(weight),
        criteria: checked,
    })
}

/// Checks terms, taking missing fields from `base` (an edit) or reporting them (a create).
/// Deadline rules: enquiry deadline after now and at most the bid deadline; bid deadline
/// at least `min_window` ms from now; opening at or after the bid deadline.
fn check_terms(
    input: &TermsInput,
    base: Option<&Tender>,
    now: i64,
    min_window: i64,
    push_bid_deadline: bool,
) -> std::result::Result<Terms, Problem> {
    let mut v = Validation::new();
    macro_rules! pick {
        ($field:ident, $parse:expr, $from_base:expr) => {
            match &input.$field {
                Some(raw) => v.field(stringify!($field), $parse(raw)),
                None => match base {
                    Some(b) => Some($from_base(b)),
                    None => {
                        required(&mut v, stringify!($field));
                        None
                    }
                },
            }
        };
    }
    let service_model = pick!(
        service_model,
        |s: &String| ServiceModel::parse(s),
        |b: &Tender| ServiceModel::parse(&b.service_model).expect("stored model")
    );
    let fee_model = pick!(fee_model, |s: &String| FeeModel::parse(s), |b: &Tender| {
        FeeModel::parse(&b.fee_model).expect("stored fee model")
    });
    let grade = pick!(grade, |g: &i64| Grade::new(*g), |b: &Tender| Grade::new(
        b.grade
    )
    .expect("stored grade"));
    let term_months = pick!(
        term_months,
        |m: &i64| if (1..=120).contains(m) {
            Ok(*m)
        } else {
            Err(shared::domain::DomainError::new(
                "invalid_term",
                "服务期限应为 1–120 个月",
            ))
        },
        |b: &Tender| b.term_months
    );
    let annual_budget_fen = pick!(
        annual_budget_fen,
        |f: &i64| Fen::non_negative(*f).and_then(|f| if f.get() == 0 {
            Err(shared::domain::DomainError::new(
                "invalid_budget",
                "年度预算必须大于 0",
            ))
        } else {
            Ok(f.get())
        }),
        |b: &Tender| b.annual_budget_fen
    );
    let proposed_fee = pick!(
        proposed_fee,
        |f: &i64| FeeRate::try_from(*f),
        |b: &Tender| FeeRate::try_from(b.proposed_fee).expect("stored fee")
    );
    let needs = match &input.needs {
        Some(s) => text_field(&mut v, "needs", Some(s), 10_000, "需求说明"),
        None => match base {
            Some(b) => Some(b.needs.clone()),
            None => {
                required(&mut v, "needs");
                None
            }
        },
    };
    let title = match &input.title {
        Some(s) => text_field(&mut v, "title", Some(s), 200, "标题"),
        None => base.map(|b| b.title.clone()),
    };
    let enquiry = pick!(
        enquiry_deadline,
        |s: &String| parse_rfc3339(s),
        |b: &Tender| b.enquiry_deadline
    );
    let bid = pick!(bid_deadline, |s: &String| parse_rfc3339(s), |b: &Tender| b
        .bid_deadline);
    let opening = pick!(opening_at, |s: &String| parse_rfc3339(s), |b: &Tender| b
        .opening_at);
    let method = pick!(
        evaluation_method,
        |s: &String| EvaluationMethod::parse(s),
        |b: &Tender| b.evaluation.method
    );
    let (price_weight, criteria_in);
    let base_criteria: Vec<CriterionInput>;
    if input.evaluation_method.is_some() || input.price_weight.is_some() || input.criteria.is_some()
    {
        price_weight = input.price_weight;
        criteria_in = input.criteria.as_deref();
    } else {
        base_criteria = base
            .map(|b| {
                b.evaluation
                    .criteria
                    .iter()
                    .map(|c| CriterionInput {
                        name: c.name.clone(),
                        weight: i64::from(c.weight),
                    })
                    .collect()
            })
            .unwrap_or_default();
        price_weight = base.and_then(|b| b.evaluation.price_weight.map(i64::from));
        criteria_in = Some(&base_criteria);
    }
    let evaluation = method.and_then(|m| match check_evaluation(m, price_weight, criteria_in) {
        Ok(e) => Some(e),
        Err(errors) => {
            for e in errors {
                v.push(e);
            }
            None
        }
    });

    // Deadlines.
    let mut bid = bid;
    let mut opening = opening;
    if push_bid_deadline && let Some(b) = bid.as_mut() {
        *b = (*b).max(now.saturating_add(min_window));
        if let Some(o) = opening.as_mut() {
            *o = (*o).max(*b);
        }
    }
    if let Some(e) = enquiry
        && e <= now
        && input.enquiry_deadline.is_some()
    {
        v.push(FieldError::new(
            "enquiry_deadline",
            "in_past",
            "答疑截止时间应晚于现在",
        ));
    }
    if let Some(b) = bid
        && b < now.saturating_add(min_window)
    {
        v.push(FieldError::new(
            "bid_deadline",
            "bid_window_too_short",
            format!(
                "投标截止时间距现在不得少于最短投标期（{}），最早可为 {}",
                window_label(min_window),
                clock::to_rfc3339(now.saturating_add(min_window))
            ),
        ));
    }
    if let (Some(e), Some(b)) = (enquiry, bid)
        && e > b
    {
        v.push(FieldError::new(
            "enquiry_deadline",
            "after_bid_deadline",
            "答疑截止时间不能晚于投标截止时间",
        ));
    }
    if let (Some(b), Some(o)) = (bid, opening)
        && o < b
    {
        v.push(FieldError::new(
            "opening_at",
            "before_bid_deadline",
            "开标时间不能早于投标截止时间",
        ));
    }
    v.finish()?;
    Ok(Terms {
        title,
        service_model: service_model.expect("validated"),
        fee_model: fee_model.expect("validated"),
        grade: grade.expect("validated"),
        term_months: term_months.expect("validated"),
        annual_budget_fen: annual_budget_fen.expect("validated"),
        proposed_fee: proposed_fee.expect("validated"),
        needs: needs.expect("validated"),
        enquiry_deadline: enquiry.expect("validated"),
        bid_deadline: bid.expect("validated"),
        opening_at: opening.expect("validated"),
        evaluation: evaluation.expect("validated"),
    })
}

/// “20 天”, “2 小时”, “5 秒” …
fn window_label(ms: i64) -> String {
    let secs = ms / 1000;
    if secs % 86_400 == 0 {
        format!("{} 天", secs / 86_400)
    } else if secs % 3600 == 0 {
        format!("{} 小时", secs / 3600)
    } else if secs % 60 == 0 {
        format!("{} 分钟", secs / 60)
    } else {
        format!("{secs} 秒")
    }
}

impl Terms {
    /// Writes the terms onto a tender row; returns whether anything changed.
    fn apply(self, t: &mut Tender) -> bool {
        let before = (
            t.title.clone(),
            t.service_model.clone(),
            t.fee_model.clone(),
            t.grade,
            t.term_months,
            t.annual_budget_fen,
            t.proposed_fee,
            t.needs.clone(),
            t.enquiry_deadline,
            t.bid_deadline,
            t.opening_at,
            t.evaluation.clone(),
        );
        if let Some(title) = self.title {
            t.title = title;
        }
        t.service_model = self.service_model.as_str().to_string();
        t.fee_model = self.fee_model.as_str().to_string();
        t.grade = i64::from(self.grade.get());
        t.term_months = self.term_months;
        t.annual_budget_fen = self.annual_budget_fen;
        t.proposed_fee = i64::from(self.proposed_fee.get());
        t.needs = self.needs;
        t.enquiry_deadline = self.enquiry_deadline;
        t.bid_deadline = self.bid_deadline;
        t.opening_at = self.opening_at;
        t.evaluation = self.evaluation;
        let after = (
            t.title.clone(),
            t.service_model.clone(),
            t.fee_model.clone(),
            t.grade,
            t.term_months,
            t.annual_budget_fen,
            t.proposed_fee,
            t.needs.clone(),
            t.enquiry_deadline,
            t.bid_deadline,
            t.opening_at,
            t.evaluation.clone(),
        );
        before != after
    }
}

/// The Chinese names of the terms that differ between two versions of a tender.
fn changed_terms(before: &Tender, after: &Tender) -> Vec<&'static str> {
    let checks: [(bool, &'static str); 12] = [
        (before.title != after.title, "标题"),
        (before.service_model != after.service_model, "物业服务方式"),
        (before.fee_model != after.fee_model, "收费方式"),
        (before.grade != after.grade, "服务等级"),
        (before.term_months != after.term_months, "服务期限"),
        (
            before.annual_budget_fen != after.annual_budget_fen,
            "年度预算",
        ),
        (before.proposed_fee != after.proposed_fee, "拟定物业费"),
        (before.needs != after.needs, "需求说明"),
        (
            before.enquiry_deadline != after.enquiry_deadline,
            "答疑截止时间",
        ),
        (before.bid_deadline != after.bid_deadline, "投标截止时间"),
        (before.opening_at != after.opening_at, "开标时间"),
        (before.evaluation != after.evaluation, "评标办法"),
    ];
    checks
        .into_iter()
        .filter_map(|(changed, name)| changed.then_some(name))
        .collect()
}

/// Whether the caller may see a tender: everyone once published; a draft only its own
/// committee and the association.
pub fn may_see(t: &Tender, identity: Option<&Identity>) -> bool {
    if t.status != TenderStatus::Draft {
        return true;
    }
    identity
        .is_some_and(|i| i.role == Role::Association || i.require_compound(&t.compound_id).is_ok())
}

/// A tender the caller may see, current as of now; 404 otherwise.
pub async fn visible_tender(
    app: &AppState,
    id: &str,
    identity: Option<&Identity>,
) -> Result<Tender> {
    let t = load_current(app, id).await?;
    if may_see(&t, identity) {
        Ok(t)
    } else {
        Err(not_found().into())
    }
}

/// Creates a draft tender for the caller's own compound. Role: committee of the compound;
/// the compound must be known from the catalog, and have no other tender in progress.
#[utoipa::path(post, path = "/tenders", tag = "tenders", request_body = NewTender,
    responses((status = 201, body = TenderView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_tender(
    State(app): State<AppState>,
    identity: Identity,
    extract::Json(dto): extract::Json<NewTender>,
) -> Result<(StatusCode, Json<TenderView>)> {
    identity.require_any(&[Role::Committee])?;
    identity.require_compound(&dto.compound_id)?;
    let now = now_ms();
    let terms = check_terms(&dto.terms, None, now, app.policy.min_bid_window_ms(), false)?;

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = crate::replica::compound(tx.conn(), &dto.compound_id)
        .await?
        .ok_or_else(|| {
            Problem::validation(vec![FieldError::new(
                "compound_id",
                "unknown_compound",
                "平台尚未收到该小区的台账信息",
            )])
        })?;
    let busy: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tender WHERE compound_id = $1 AND status IN ('draft', 'open', 'evaluation', 'awarded')",
    )
    .bind(&compound.id)
    .fetch_one(&mut *tx.conn())
    .await?;
    if busy > 0 {
        return Err(Problem::conflict(
            "tender_in_progress",
            "该小区已有进行中的招标项目，请先完成或终止它。",
        )
        .into());
    }
    let mut t = Tender {
        id: new_id(),
        compound_id: compound.id.clone(),
        compound_name: compound.name.clone(),
        district_code: compound.district_code.clone(),
        street_code: compound.street_code.clone(),
        title: format!("{}物业服务招标", compound.name),
        status: TenderStatus::Draft,
        service_model: String::new(),
        fee_model: String::new(),
        grade: 0,
        term_months: 0,
        annual_budget_fen: 0,
        proposed_fee: 0,
        needs: String::new(),
        enquiry_deadline: 0,
        bid_deadline: 0,
        opening_at: 0,
        evaluation: Evaluation {
            method: EvaluationMethod::PriceOnly,
            price_weight: None,
            criteria: Vec::new(),
        },
        terms_version: 1,
        cancel_reason: None,
        created_by: identity.account_id.clone(),
        created_at: now,
        published_at: None,
        opened_at: None,
        closed_at: None,
        updated_at: now,
    };
    terms.apply(&mut t);
    tenders::insert(tx.conn(), &t).await?;
    let view = tenders::publish_change(
        &mut tx,
        &t,
        "drafted",
        &Actor::from(&identity),
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Changes a tender's terms. Role: committee of the compound; while `draft` or `open`.
///
/// While open, any change of the terms is material: the bid deadline moves to at least the
/// minimum bidding window from now (the opening follows), the terms version goes up, and
/// every bid already submitted is marked `needs_reconfirmation` (its firm must confirm or
/// replace it before the deadline, or it is invalid at the opening).
#[utoipa::path(patch, path = "/tenders/{id}", tag = "tenders", request_body = TermsInput,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = TenderView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_tender(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<TermsInput>,
) -> Result<Json<TenderView>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let mut t = own_tender(tx.conn(), &id, &identity).await?;
    let now = now_ms();
    let open = match t.status {
        TenderStatus::Draft => false,
        TenderStatus::Open if now < t.bid_deadline => true,
        _ => {
            return Err(Problem::conflict(
                "tender_not_editable",
                "只有草稿或投标截止前的招标项目可以修改。",
            )
            .into());
        }
    };
    let terms = check_terms(&dto, Some(&t), now, app.policy.min_bid_window_ms(), open)?;
    let before = t.clone();
    if !terms.apply(&mut t) {
        drop(tx);
        return Ok(Json(
            tenders::view(&mut *app.db.pool.acquire().await?, &t).await?,
        ));
    }
    t.updated_at = now;
    let kind = if open {
        t.terms_version += 1;
        sqlx::query(
            "UPDATE bid SET status = 'needs_reconfirmation' WHERE tender_id = $1 AND status = 'submitted'",
        )
        .bind(&t.id)
        .execute(&mut *tx.conn())
        .await?;
        "terms_changed"
    } else {
        "updated"
    };
    tenders::update(tx.conn(), &t).await?;
    let view = tenders::publish_change(
        &mut tx,
        &t,
        kind,
        &Actor::from(&identity),
        &serde_json::json!({ "terms_version": t.terms_version }),
    )
    .await?;
    if open {
        let rationale = format!(
            "招标条件变更（{}）；投标截止时间为 {}，此前提交的投标须在截止前重新确认或替换。",
            changed_terms(&before, &t).join("、"),
            clock::to_rfc3339(t.bid_deadline)
        );
        ocds::publish(
            tx.conn(),
            &app.policy,
            &t.id,
            &[ocds::tag::TENDER_AMENDMENT],
            Some(&rationale),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(view))
}

/// The caller's own compound's tender (committee), inside a transaction.
pub(crate) async fn own_tender(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    identity: &Identity,
) -> Result<Tender> {
    identity.require_any(&[Role::Committee])?;
    let t = tenders::load(conn, id).await?.ok_or_else(not_found)?;
    if identity.require_compound(&t.compound_id).is_err() {
        // Someone else's draft is as invisible as a tender that does not exist.
        if t.status == TenderStatus::Draft {
            return Err(not_found().into());
        }
        return Err(Problem::forbidden("只能操作本小区的招标项目。").into());
    }
    Ok(t)
}

/// Publishes a draft: firms may now ask questions and bid. Role: committee of the
/// compound. The bid deadline must still be at least the minimum bidding window away.
#[utoipa::path(post, path = "/tenders/{id}/publish", tag = "tenders",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = TenderView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_tender(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<TenderView>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let mut t = own_tender(tx.conn(), &id, &identity).await?;
    if t.status != TenderStatus::Draft {
        return Err(Problem::conflict("tender_not_draft", "只有草稿可以发布。").into());
    }
    let now = now_ms();
    let min = app.policy.min_bid_window_ms();
    let mut errors = Vec::new();
    if t.bid_deadline < now.saturating_add(min) {
        errors.push(FieldError::new(
            "bid_deadline",
            "bid_window_too_short",
            format!(
                "投标截止时间距现在不得少于最短投标期（{}），请先修改截止时间",
                window_label(min)
            ),
        ));
    }
    if t.enquiry_deadline <= now {
        errors.push(FieldError::new(
            "enquiry_deadline",
            "in_past",
            "答疑截止时间已过，请先修改",
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }
    t.status = TenderStatus::Open;
    t.published_at = Some(now);
    t.updated_at = now;
    tenders::update(tx.conn(), &t).await?;
    let view = tenders::publish_change(
        &mut tx,
        &t,
        "published",
        &Actor::from(&identity),
        &serde_json::json!({}),
    )
    .await?;
    ocds::publish(
        tx.conn(),
        &app.policy,
        &t.id,
        &[ocds::tag::PLANNING, ocds::tag::TENDER],
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Why a tender is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelTender {
    /// Required, 2–500 characters.
    pub reason: String,
}

/// Cancels (终止) a tender with a reason. Role: committee of the compound; before a
/// contract is signed. Bids of a tender cancelled before opening stay sealed for good; the
/// `cancelled` change in the feed is the bidders' notice.
#[utoipa::path(post, path = "/tenders/{id}/cancel", tag = "tenders", request_body = CancelTender,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = TenderView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel_tender(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<CancelTender>,
) -> Result<Json<TenderView>> {
    let reason = dto.reason.trim().to_string();
    let n = reason.chars().count();
    if !(2..=500).contains(&n) {
        return Err(Problem::validation(vec![FieldError::new(
            "reason",
            "length",
            "终止原因应为 2–500 个字符",
        )])
        .into());
    }
    // Bring the tender up to date first, so a cancellation never lands on a tender whose
    // opening time has already passed unopened.
    load_current(&app, &id).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let mut t = own_tender(tx.conn(), &id, &identity).await?;
    if t.status.is_final() {
        return Err(Problem::conflict(
            "tender_closed",
            format!("该招标项目已{}，不能终止。", t.status.label()),
        )
        .into());
    }
    let now = now_ms();
    // An award still in notice falls with the tender.
    sqlx::query(
        "UPDATE award SET status = 'revoked', revoked_at = $2, revoked_reason = $3 \
         WHERE tender_id = $1 AND status = 'in_notice'",
    )
    .bind(&t.id)
    .bind(now)
    .bind(format!("招标终止：{reason}"))
    .execute(&mut *tx.conn())
    .await?;
    t.status = TenderStatus::Cancelled;
    t.cancel_reason = Some(reason.clone());
    t.closed_at = Some(now);
    t.updated_at = now;
    tenders::update(tx.conn(), &t).await?;
    let view = tenders::publish_change(
        &mut tx,
        &t,
        "cancelled",
        &Actor::from(&identity),
        &serde_json::json!({ "reason": reason }),
    )
    .await?;
    ocds::publish(
        tx.conn(),
        &app.policy,
        &t.id,
        &[ocds::tag::TENDER_CANCELLATION],
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// One tender. Public once published; a draft only for its committee and the association.
#[utoipa::path(get, path = "/tenders/{id}", tag = "tenders",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = TenderView), (status = 404, body = Problem)))]
pub async fn get_tender(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<TenderView>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(tenders::view(&mut conn, &t).await?))
}

/// The opening record (开标记录): every bid, with bidder and price, once opened. Public.
/// Before the opening there is nothing to show, whoever asks.
#[utoipa::path(get, path = "/tenders/{id}/opening", tag = "tenders",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = OpeningRecord), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_opening(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<OpeningRecord>> {
    let t = visible_tender(&app, &id, identity.as_ref()).await?;
    let mut conn = app.db.pool.acquire().await?;
    match tenders::opening(&mut conn, &t.id).await? {
        Some(r) => Ok(Json(r)),
        None => Err(sealed().into()),
    }
}

/// The one answer about bids before opening, whoever asks and however many bids exist.
pub fn sealed() -> Problem {
    Problem::conflict(
        "bids_sealed",
        "投标文件在开标前密封，任何人（包括招标人和协会）都不能查看。",
    )
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TenderQuery {
    /// `open`, `evaluation`, … (`draft` only shows the caller's own).
    pub status: Option<String>,
    /// 6-digit district code.
    pub district: Option<String>,
    /// Service model code.
    pub model: Option<String>,
    /// Only this compound's tenders.
    pub compound: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Tenders, newest first. Public; drafts appear only to their committee and the association.
#[utoipa::path(get, path = "/tenders", tag = "tenders", params(TenderQuery),
    responses((status = 200, body = Page<TenderView>), (status = 422, body = Problem)))]
pub async fn list_tenders(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Query(q): Query<TenderQuery>,
) -> Result<Json<Page<TenderView>>> {
    let mut v = Validation::new();
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .check();
    if let Err(errs) = &page {
        for e in errs {
            v.push(e.clone());
        }
    }
    let status = q
        .status
        .as_deref()
        .and_then(|s| v.field("status", TenderStatus::parse(s)));
    let district = q
        .district
        .as_deref()
        .and_then(|s| v.field("district", DistrictCode::parse(s)));
    let model = q
        .model
        .as_deref()
        .and_then(|s| v.field("model", ServiceModel::parse(s)));
    v.finish()?;
    let (limit, offset) = page.expect("validated");

    tenders::open_all_due(&app).await?;

    let (see_all_drafts, own_compound) = match &identity {
        Some(i) if i.role == Role::Association => (true, None),
        Some(i) if i.role == Role::Committee => match &i.scope {
            Scope::Compound(c) => (false, Some(c.clone())),
            _ => (false, None),
        },
        _ => (false, None),
    };
    let filter = "(status <> 'draft' OR $1 OR compound_id = $2) \
        AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR district_code = $4) \
        AND ($5 IS NULL OR service_model = $5) AND ($6 IS NULL OR compound_id = $6)";
    let status = status.map(|s| s.as_str());
    let district = district.as_ref().map(|d| d.as_str());
    let model = model.as_ref().map(|m| m.as_str().to_string());
    let own = own_compound.unwrap_or_default();
    let mut conn = app.db.pool.acquire().await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM tender WHERE {filter}"
    )))
    .bind(see_all_drafts)
    .bind(&own)
    .bind(status)
    .bind(district)
    .bind(&model)
    .bind(&q.compound)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM tender WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $7 OFFSET $8",
        tenders::COLUMNS
    )))
    .bind(see_all_drafts)
    .bind(&own)
    .bind(status)
    .bind(district)
    .bind(&model)
    .bind(&q.compound)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let now = now_ms();
    let items = rows
        .iter()
        .map(|r| tenders::from_row(r).map(|t| t.view(None, now)))
        .collect::<std::result::Result<_, _>>()?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}
