//! Firms and the roster: applications, profiles, standing, credit, whitelist, blacklist and
//! service models.
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET /catalog/service-models` | public |
//! | `POST /catalog/service-models` | association |
//! | `POST /catalog/firms` (apply) | anyone, anonymous included |
//! | `GET /catalog/firms`, `GET /catalog/firms/{id}` | public; phone masked except for the association, services and the firm itself |
//! | `PUT /catalog/firms/{id}` | the firm itself or the association |
//! | `POST /catalog/firms/{id}/standing`, `…/credit-events`, `…/whitelist` | association |
//! | `GET …/standing-history`, `…/credit-events`, `…/whitelist` | public; authors shown to the association only |
//! | `GET /catalog/blacklist` | public |
//! | `POST /catalog/firms/{id}/rejection`, `…/profile-review` | association |
//! | `GET /catalog/firms/{id}/audit` | association, district and street officials, the firm itself |

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role};
use shared::client_addr::ClientAddr;
use shared::clock::{china_today, now_ms};
use shared::db::{Filter, ListQuery, ResultExt};
use shared::domain::DistrictCode;
use shared::domain::roster::{FeeModel, FirmSnapshot, RosterStanding, ServiceGrade, format_date};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Page, PageQuery, Pagination, Query};
use shared::feed::WriteTx;
use sqlx::Row;
use sqlx::pool::PoolConnection;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::{Validate, ValidationError};

use crate::accounts;
use crate::error::Result;
use crate::firms::credit::{self, CreditEvent, CreditEventInput, WhitelistEvent, WhitelistInput};
use crate::firms::models::{self, ServiceModel, ServiceModelInput};
use crate::firms::review::{self, AuditEntry, FieldChange, NewHistory, ReasonInput};
use crate::firms::standing::{self, NewStandingEvent, StandingEvent, StandingInput};
use crate::firms::{self, Author, FirmInput, RosterFilter, kind};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    ServiceModel,
    ServiceModelInput,
    FirmInput,
    firms::PointInput,
    FirmSnapshot,
    shared::domain::roster::StandingRecord,
    shared::domain::roster::CreditSummary,
    shared::domain::roster::CreditGrade,
    shared::domain::roster::Ownership,
    shared::domain::roster::FeeModel,
    shared::domain::roster::RosterStanding,
    shared::domain::roster::RosterStage,
    StandingInput,
    StandingEvent,
    CreditEventInput,
    CreditEvent,
    credit::CreditKind,
    WhitelistInput,
    WhitelistEvent,
    BlacklistEntry,
    ReasonInput,
    AuditEntry,
    FieldChange,
    shared::domain::roster::Rejection
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list_service_models, create_service_model))
        .routes(routes!(list_firms, apply))
        .routes(routes!(get_firm, update_firm))
        .routes(routes!(change_standing))
        .routes(routes!(standing_history))
        .routes(routes!(list_credit_events, add_credit_event))
        .routes(routes!(whitelist_history, set_whitelist))
        .routes(routes!(blacklist))
        .routes(routes!(reject_application))
        .routes(routes!(confirm_profile_review))
        .routes(routes!(firm_audit))
}

/// A query parameter's value, unless absent or blank.
fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Ends a write to a firm: reads its new snapshot, appends it to the feed with `kind`,
/// commits, and returns it (the answer and the feed payload are the same struct).
async fn commit_firm_change(
    mut tx: WriteTx,
    app: &AppState,
    id: &str,
    today: shared::domain::roster::Date,
    kind: &str,
) -> Result<FirmSnapshot> {
    let snapshot = firms::load_or_404(tx.conn(), id, &app.policy, today).await?;
    tx.emit(firms::TOPIC, id, kind, &snapshot).await?;
    tx.commit().await?;
    Ok(snapshot)
}

/// A write to an existing firm: the transaction (the feed-head lock taken) and the firm as
/// it is inside it; 404 when there is no such firm.
async fn firm_in_write(
    app: &AppState,
    id: &str,
    today: shared::domain::roster::Date,
) -> Result<(WriteTx, FirmSnapshot)> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let firm = firms::load_or_404(tx.conn(), id, &app.policy, today).await?;
    Ok((tx, firm))
}

/// A connection for reading one of a firm's histories; 404 when there is no such firm.
async fn existing_firm(app: &AppState, id: &str) -> Result<PoolConnection<sqlx::Any>> {
    let mut conn = app.db.pool.acquire().await?;
    firms::load_or_404(&mut conn, id, &app.policy, china_today()).await?;
    Ok(conn)
}

// ---------------------------------------------------------------------------------------
// Service models

/// The service models (物业服务方式). Public.
#[utoipa::path(get, path = "/catalog/service-models", tag = "firms",
    responses((status = 200, body = Vec<ServiceModel>)))]
pub async fn list_service_models(State(app): State<AppState>) -> Result<Json<Vec<ServiceModel>>> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(models::all(&mut conn).await?))
}

/// Adds a service model. Association only; the change goes to the feed (topic
/// `service_model`, kind `created`, payload = the model).
#[utoipa::path(post, path = "/catalog/service-models", tag = "firms",
    request_body = ServiceModelInput,
    responses((status = 201, body = ServiceModel), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_service_model(
    State(app): State<AppState>,
    identity: Identity,
    Json(input): Json<ServiceModelInput>,
) -> Result<(StatusCode, Json<ServiceModel>)> {
    identity.require_any(&[Role::Association])?;
    let model = input.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    if models::exists(tx.conn(), &model.code).await? {
        return Err(models::duplicate(&model.code).into());
    }
    models::insert(tx.conn(), &model, now_ms())
        .await
        .on_constraint(|| models::duplicate(&model.code))?;
    tx.emit(models::TOPIC, &model.code, "created", &model)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(model)))
}

// ---------------------------------------------------------------------------------------
// Applications and profiles

/// The sign-in account a firm may ask for with its application (企业账号).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
pub struct ApplicantAccount {
    /// 3–32 characters of `a-z 0-9 _ . -`.
    #[validate(custom(function = "accounts::username"))]
    pub username: Option<String>,
    /// At least 10 characters, not the username.
    #[validate(custom(function = "accounts::new_password"))]
    pub password: Option<String>,
}

/// A firm's application: the profile, and optionally the account it will sign in with.
#[derive(Debug, Clone, ToSchema)]
#[allow(dead_code)] // documents the request body for OpenAPI; the handler reads it in parts
pub struct FirmApplication {
    #[schema(inline)]
    pub profile: FirmInput,
    pub account: Option<ApplicantAccount>,
}

/// Checks the optional `account` of an application; its field errors are reported
/// together with the profile's.
fn applicant_account(
    raw: Option<serde_json::Value>,
) -> (Option<accounts::NewAccount>, Vec<FieldError>) {
    let Some(raw) = raw.filter(|v| !v.is_null()) else {
        return (None, Vec::new());
    };
    let parsed: ApplicantAccount = match serde_json::from_value(raw) {
        Ok(a) => a,
        Err(_) => {
            return (
                None,
                vec![FieldError::new(
                    "account",
                    "invalid_account",
                    "账号应包含 username 和 password 两个文本字段",
                )],
            );
        }
    };
    // Checked as given, a missing text read as empty; the username compared as sign-in
    // compares it.
    let username = accounts::normalise_username(parsed.username.as_deref().unwrap_or_default());
    let password = parsed.password.unwrap_or_default();
    let mut v = Validation::new();
    v.rules(
        &ApplicantAccount {
            username: Some(username.clone()),
            password: Some(password.clone()),
        },
        &["username", "password"],
    );
    accounts::credentials_across(&mut v, (&username, &password));
    let errors: Vec<FieldError> = v
        .finish()
        .err()
        .map(|p| p.errors)
        .unwrap_or_default()
        .into_iter()
        .map(|e| FieldError {
            field: format!("account.{}", e.field),
            ..e
        })
        .collect();
    let account = errors.is_empty().then(|| accounts::NewAccount {
        username,
        display_name: String::new(),
        password,
        role: Role::Firm,
        scope: shared::auth::Scope::City,
    });
    (account, errors)
}

fn username_taken() -> Problem {
    Problem::conflict("username_taken", "该用户名已被使用，请换一个。").with_errors(vec![
        FieldError::new("account.username", "username_taken", "该用户名已被使用"),
    ])
}

/// The application's profile and optional account, every bad field at once (422).
async fn check_application(
    app: &AppState,
    mut input: FirmInput,
) -> Result<(firms::ValidFirm, Option<accounts::NewAccount>)> {
    let known = {
        let mut conn = app.db.pool.acquire().await?;
        models::codes(&mut conn).await?
    };
    let (account, account_errors) = applicant_account(input.other.remove("account"));
    match input.check(&known, None) {
        Ok(firm) if account_errors.is_empty() => Ok((firm, account)),
        Ok(_) => Err(Problem::validation(account_errors).into()),
        Err(mut problem) => {
            problem.errors.extend(account_errors);
            Err(problem.into())
        }
    }
}

/// Refuses, before any password is hashed, a credit code or username already taken
/// (409). The write transaction checks again; the unique indexes decide a race.
async fn refuse_taken(
    app: &AppState,
    firm: &firms::ValidFirm,
    account: Option<&accounts::NewAccount>,
) -> Result<()> {
    let mut conn = app.db.pool.acquire().await?;
    if firms::firm_with_credit_code(&mut conn, &firm.credit_code)
        .await?
        .is_some()
    {
        return Err(firms::duplicate_credit_code(&firm.credit_code).into());
    }
    if let Some(a) = account
        && accounts::username_exists(&mut conn, &a.username).await?
    {
        return Err(username_taken().into());
    }
    Ok(())
}

/// Applications are counted per client address, except the association's and the
/// services' (staff and the demo loader register firms on their behalf).
async fn throttle_application(
    app: &AppState,
    identity: Option<&Identity>,
    client: &ClientAddr,
) -> Result<()> {
    if identity.is_some_and(|i| matches!(i.role, Role::Association | Role::Service)) {
        return Ok(());
    }
    app.applications
        .admit(&client.key())
        .await?
        .map_err(|wait| {
            let what = format!(
                "同一网络地址每小时最多提交 {} 份入库申请",
                app.applications.limit()
            );
            crate::throttle::too_many(&what, wait).into()
        })
}

/// A firm applies to the roster (入库申请). Anyone may apply, anonymously too; the new firm's
/// standing is `applicant`. With `account: {username, password}` the firm's sign-in account
/// (role `firm`, scope this firm) is created in the same transaction. Every bad field is
/// reported at once (422); then a client address may submit 5 applications an hour (429
/// with `Retry-After`; the association and services are not counted); a credit code or
/// username already taken is 409, all before the password is hashed. Feed: topic `firm`,
/// kind `applied` (and `account`, kind `created`).
#[utoipa::path(post, path = "/catalog/firms", tag = "firms",
    request_body = FirmApplication,
    responses((status = 201, body = FirmSnapshot), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem),
        (status = 503, body = Problem, description = "Too many passwords being hashed; see `Retry-After`")))]
pub async fn apply(
    State(app): State<AppState>,
    identity: Option<Identity>,
    client: ClientAddr,
    Json(input): Json<FirmInput>,
) -> Result<impl IntoResponse> {
    let (firm, account) = check_application(&app, input).await?;
    throttle_application(&app, identity.as_ref(), &client).await?;
    refuse_taken(&app, &firm, account.as_ref()).await?;
    let password_hash = match &account {
        Some(a) => Some(app.passwords.hash(a.password.clone()).await?),
        None => None,
    };
    let today = china_today();
    let now = now_ms();
    let id = shared::db::new_id();
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    if firms::firm_with_credit_code(tx.conn(), &firm.credit_code)
        .await?
        .is_some()
    {
        return Err(firms::duplicate_credit_code(&firm.credit_code).into());
    }
    firms::insert(tx.conn(), &id, &firm, now)
        .await
        .on_constraint(|| firms::duplicate_credit_code(&firm.credit_code))?;
    let record = shared::domain::roster::StandingRecord::applicant();
    standing::append_event(
        tx.conn(),
        NewStandingEvent {
            firm_id: &id,
            action: "apply",
            reason: "提交入库申请",
            today,
            before: None,
            after: &record,
            author: &Author::of_applicant(identity.as_ref(), &firm.name),
            at: now,
        },
    )
    .await?;
    if let (Some(account), Some(hash)) = (account, password_hash) {
        let account = accounts::NewAccount {
            display_name: firm.name.clone(),
            scope: shared::auth::Scope::Firm(id.clone()),
            ..account
        };
        let account_id = accounts::insert_account(tx.conn(), &account, &hash)
            .await
            .on_constraint(username_taken)?;
        let created = accounts::find_by_id(tx.conn(), &account_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("reading back a new firm account"))?
            .account;
        accounts::record_event(
            tx.conn(),
            &account_id,
            accounts::event_kind::CREATED,
            (None, Some(&created.display_name)),
            ("", "企业入库申请"),
        )
        .await
        .map_err(anyhow::Error::new)?;
        tx.emit(accounts::TOPIC, &account_id, "created", &created.change())
            .await?;
    }
    let snapshot = commit_firm_change(tx, &app, &id, today, kind::APPLIED).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/catalog/firms/{id}"))],
        Json(snapshot),
    ))
}

/// Filters of the roster list; bad values answer 422 naming the filter. A blank value is
/// no filter.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
pub struct FirmListQuery {
    /// Serves this district (6-digit code).
    #[validate(custom(function = "shared::validate::district_code"))]
    pub district: Option<String>,
    /// Standing today: `applicant`, `recommended`, `review_overdue`, `suspended`, `blacklisted`.
    #[validate(custom(function = "standing_filter"))]
    pub standing: Option<String>,
    /// Offers this service model (code).
    pub model: Option<String>,
    /// Offers this fee model: `lump_sum`, `commission`, `trust`.
    #[validate(custom(function = "fee_model_filter"))]
    pub fee_model: Option<String>,
    /// Can deliver this service grade (1–5).
    #[validate(custom(function = "grade_filter"))]
    pub grade: Option<String>,
    /// Text in the name or profile.
    #[validate(custom(
        function = "shared::validate::max_chars::<100>",
        message = "搜索文字不能超过 100 字"
    ))]
    pub q: Option<String>,
    /// `pending`: only firms whose material profile change awaits the association's review.
    #[validate(custom(
        function = "review_filter",
        code = "invalid_review",
        message = "review 只能为 pending（资料变更待复核）"
    ))]
    pub review: Option<String>,
    /// `true`: only rejected applications (which the roster otherwise leaves out).
    #[validate(custom(
        function = "rejected_filter",
        code = "invalid_flag",
        message = "rejected 应为 true 或 false"
    ))]
    pub rejected: Option<String>,
}

/// The filters' rules are answered in this order, the service model (known or not, a
/// question for the database) after them.
const ROSTER_FILTERS: &[&str] = &[
    "district",
    "standing",
    "fee_model",
    "grade",
    "review",
    "rejected",
    "q",
];

fn if_given<T>(
    s: &str,
    parse: impl FnOnce(&str) -> std::result::Result<T, shared::domain::DomainError>,
) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" => Ok(()),
        s => shared::validate::domain(parse(s)),
    }
}

fn standing_filter(s: &str) -> std::result::Result<(), ValidationError> {
    if_given(s, RosterStanding::parse)
}

fn fee_model_filter(s: &str) -> std::result::Result<(), ValidationError> {
    if_given(s, FeeModel::parse)
}

/// A grade as a query parameter: a whole number, 1–5.
fn grade(s: &str) -> std::result::Result<ServiceGrade, shared::domain::DomainError> {
    s.parse::<i64>()
        .map_err(|_| shared::domain::DomainError::new("invalid_grade", "服务等级应为 1–5 的整数"))
        .and_then(ServiceGrade::new)
}

fn grade_filter(s: &str) -> std::result::Result<(), ValidationError> {
    if_given(s, grade)
}

fn review_filter(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" | "pending" => Ok(()),
        _ => Err(ValidationError::new("invalid_review")),
    }
}

fn rejected_filter(s: &str) -> std::result::Result<(), ValidationError> {
    match s.trim() {
        "" | "true" | "false" => Ok(()),
        _ => Err(ValidationError::new("invalid_flag")),
    }
}

/// The roster (供应商名录): every firm with its standing today, filtered, by application
/// order. Public; the contact phone is masked except for the association, services and the
/// firm itself.
#[utoipa::path(get, path = "/catalog/firms", tag = "firms", params(FirmListQuery, PageQuery),
    responses((status = 200, body = Page<FirmSnapshot>), (status = 422, body = Problem)))]
pub async fn list_firms(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Query(q): Query<FirmListQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<FirmSnapshot>>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let filter = roster_filter(&app, &q, &mut v).await?;
    let page = v.finish_with(|| page)?;
    let mut firms = firms::list(&app.db, &filter, page, &app.policy, china_today()).await?;
    firms.items = firms
        .items
        .into_iter()
        .map(|f| firms::view(f, identity.as_ref()))
        .collect();
    Ok(Json(firms))
}

/// The roster's filters (their field rules checked), each bad one reported in `v`.
async fn roster_filter(
    app: &AppState,
    q: &FirmListQuery,
    v: &mut Validation,
) -> Result<RosterFilter> {
    v.rules(q, ROSTER_FILTERS);
    let mut filter = RosterFilter {
        district: nonempty(&q.district).and_then(|d| DistrictCode::parse(d).ok()),
        standing: nonempty(&q.standing).and_then(|s| RosterStanding::parse(s).ok()),
        fee_model: nonempty(&q.fee_model).and_then(|s| FeeModel::parse(s).ok()),
        grade: nonempty(&q.grade).and_then(|g| grade(g).ok()),
        q: nonempty(&q.q)
            .filter(|t| t.chars().count() <= 100)
            .map(str::to_string),
        model: None,
        review_pending: nonempty(&q.review) == Some("pending"),
        rejected: nonempty(&q.rejected) == Some("true"),
        whitelisted: false,
    };
    if let Some(model) = nonempty(&q.model) {
        let mut conn = app.db.pool.acquire().await?;
        if models::exists(&mut conn, model).await? {
            filter.model = Some(model.to_string());
        } else {
            v.push(FieldError::new(
                "model",
                "unknown_service_model",
                format!("未知的物业服务方式“{model}”"),
            ));
        }
    }
    Ok(filter)
}

/// One firm with its standing today. Public; phone masked as in the list.
#[utoipa::path(get, path = "/catalog/firms/{id}", tag = "firms",
    params(("id" = String, Path, description = "firm id")),
    responses((status = 200, body = FirmSnapshot), (status = 404, body = Problem)))]
pub async fn get_firm(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<FirmSnapshot>> {
    let mut conn = app.db.pool.acquire().await?;
    let firm = firms::load_or_404(&mut conn, &id, &app.policy, china_today()).await?;
    Ok(Json(firms::view(firm, identity.as_ref())))
}

/// Edits a firm's profile: the firm itself (scope `firm`) or the association. Same body and
/// checks as the application. Standing, credit and whitelist are not part of a profile:
/// sending them is refused (422 `not_editable`), as is any unknown field. Only the
/// association may correct a credit code. A material change (grades, service models, fee
/// models, served districts, radius, location, capacity) to a firm that has been on the
/// roster is written to its history, and, made by the firm, puts it in the association's
/// review queue (`review_pending_since`). A rejected application cannot be edited (409).
/// Feed: kind `profile_updated`.
#[utoipa::path(put, path = "/catalog/firms/{id}", tag = "firms",
    params(("id" = String, Path, description = "firm id")),
    request_body = FirmInput,
    responses((status = 200, body = FirmSnapshot), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_firm(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Json(input): Json<FirmInput>,
) -> Result<Json<FirmSnapshot>> {
    if identity.role != Role::Association {
        identity.require_firm(&id)?;
    }
    let today = china_today();
    let (existing, known) = {
        let mut conn = app.db.pool.acquire().await?;
        let existing = firms::load_or_404(&mut conn, &id, &app.policy, today).await?;
        (existing, models::codes(&mut conn).await?)
    };
    if existing.rejection.is_some() {
        return Err(review::rejected_conflict().into());
    }
    let locked = (identity.role != Role::Association).then_some(&existing.credit_code);
    let firm = input.check(&known, locked)?;
    let now = now_ms();
    // Compared with the record as it is inside the write lock, not as read before it.
    let (mut tx, current) = firm_in_write(&app, &id, today).await?;
    if current.rejection.is_some() {
        return Err(review::rejected_conflict().into());
    }
    if let Some(other) = firms::firm_with_credit_code(tx.conn(), &firm.credit_code).await?
        && other != id
    {
        return Err(firms::duplicate_credit_code(&firm.credit_code).into());
    }
    firms::update_profile(tx.conn(), &id, &firm, now)
        .await
        .on_constraint(|| firms::duplicate_credit_code(&firm.credit_code))?;
    let changes = review::material_changes(&current, &firm);
    if review::on_roster(&current) && !changes.is_empty() {
        review::append(
            tx.conn(),
            NewHistory {
                firm_id: &id,
                kind: review::kind::PROFILE_CHANGED,
                reason: "",
                changes: &changes,
                author: &Author::of(&identity),
                at: now,
            },
        )
        .await?;
        if identity.role != Role::Association {
            review::mark_pending(tx.conn(), &id, now).await?;
        }
    }
    let snapshot = commit_firm_change(tx, &app, &id, today, kind::PROFILE_UPDATED).await?;
    Ok(Json(snapshot))
}

// ---------------------------------------------------------------------------------------
// Standing

/// Changes a firm's roster standing: `recommend` (with `review_date`), `suspend` (with
/// `rectify_by`), `restore`, `blacklist` (`from`, optional `to`; none = permanent) or
/// `end_blacklist`, always with a reason. Association only (a firm changing its own
/// standing is 403). A transition the current standing does not allow is 409 (e.g. a
/// blacklisted firm cannot be recommended before the blacklisting is ended), as is any
/// change to a rejected application. Appends an audit event and ends any pending profile
/// review (acting on the standing is reviewing it); feed: kind `standing_changed`.
#[utoipa::path(post, path = "/catalog/firms/{id}/standing", tag = "firms",
    params(("id" = String, Path, description = "firm id")),
    request_body = StandingInput,
    responses((status = 200, body = FirmSnapshot), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_standing(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Json(input): Json<StandingInput>,
) -> Result<Json<FirmSnapshot>> {
    identity.require_any(&[Role::Association])?;
    let today = china_today();
    let change = input.check(today)?;
    let now = now_ms();
    let (mut tx, firm) = firm_in_write(&app, &id, today).await?;
    if firm.rejection.is_some() {
        return Err(review::rejected_conflict().into());
    }
    let next = firm
        .standing_record
        .apply(&change.action, today)
        .map_err(|e| Problem::conflict(e.code, e.message))?;
    standing::write_record(tx.conn(), &id, &next, now).await?;
    review::clear_pending(tx.conn(), &id).await?;
    standing::append_event(
        tx.conn(),
        NewStandingEvent {
            firm_id: &id,
            action: change.action.as_str(),
            reason: &change.reason,
            today,
            before: Some(firm.standing),
            after: &next,
            author: &Author::of(&identity),
            at: now,
        },
    )
    .await?;
    let snapshot = commit_firm_change(tx, &app, &id, today, kind::STANDING_CHANGED).await?;
    Ok(Json(snapshot))
}

/// A firm's standing history, oldest first, from its application on. Public; who made each
/// change (account id and name) is shown to association staff only.
#[utoipa::path(get, path = "/catalog/firms/{id}/standing-history", tag = "firms",
    params(("id" = String, Path, description = "firm id"), PageQuery),
    responses((status = 200, body = Page<StandingEvent>), (status = 404, body = Problem)))]
pub async fn standing_history(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
    page: Pagination,
) -> Result<Json<Page<StandingEvent>>> {
    let mut conn = existing_firm(&app, &id).await?;
    let shown = firms::sees_authors(identity.as_ref());
    Ok(Json(standing::history(&mut conn, &id, page, shown).await?))
}

// ---------------------------------------------------------------------------------------
// Credit and whitelist

/// Records a credit event (信用加分/扣分): `{kind: good|bad, points: 1–100, reason, source,
/// date}`. Association only. Answers the firm with its new score and grade; feed: kind
/// `credit_changed`.
#[utoipa::path(post, path = "/catalog/firms/{id}/credit-events", tag = "firms",
    params(("id" = String, Path, description = "firm id")),
    request_body = CreditEventInput,
    responses((status = 200, body = FirmSnapshot), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_credit_event(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Json(input): Json<CreditEventInput>,
) -> Result<Json<FirmSnapshot>> {
    identity.require_any(&[Role::Association])?;
    let today = china_today();
    let event = input.check(today)?;
    let (mut tx, _) = firm_in_write(&app, &id, today).await?;
    credit::record(tx.conn(), &id, &event, &Author::of(&identity), now_ms()).await?;
    let snapshot = commit_firm_change(tx, &app, &id, today, kind::CREDIT_CHANGED).await?;
    Ok(Json(snapshot))
}

/// A firm's credit events, oldest first. Public; authors shown to association staff only.
#[utoipa::path(get, path = "/catalog/firms/{id}/credit-events", tag = "firms",
    params(("id" = String, Path, description = "firm id"), PageQuery),
    responses((status = 200, body = Page<CreditEvent>), (status = 404, body = Problem)))]
pub async fn list_credit_events(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
    page: Pagination,
) -> Result<Json<Page<CreditEvent>>> {
    let mut conn = existing_firm(&app, &id).await?;
    let shown = firms::sees_authors(identity.as_ref());
    Ok(Json(credit::events(&mut conn, &id, page, shown).await?))
}

/// Puts a firm on the inspection whitelist (检查白名单) or takes it off: `{on, reason,
/// date?}`. Association only; asking for the state it already has is 409. History kept;
/// feed: kind `whitelist_changed`.
#[utoipa::path(post, path = "/catalog/firms/{id}/whitelist", tag = "firms",
    params(("id" = String, Path, description = "firm id")),
    request_body = WhitelistInput,
    responses((status = 200, body = FirmSnapshot), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_whitelist(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Json(input): Json<WhitelistInput>,
) -> Result<Json<FirmSnapshot>> {
    identity.require_any(&[Role::Association])?;
    let today = china_today();
    let change = input.check(today)?;
    let (mut tx, firm) = firm_in_write(&app, &id, today).await?;
    if firm.whitelisted == change.on {
        return Err(Problem::conflict(
            "whitelist_unchanged",
            if change.on {
                "该企业已在检查白名单中。"
            } else {
                "该企业不在检查白名单中。"
            },
        )
        .into());
    }
    credit::set_whitelist(tx.conn(), &id, &change, &Author::of(&identity), now_ms()).await?;
    let snapshot = commit_firm_change(tx, &app, &id, today, kind::WHITELIST_CHANGED).await?;
    Ok(Json(snapshot))
}

/// A firm's whitelist history, oldest first. Public; authors shown to association staff only.
#[utoipa::path(get, path = "/catalog/firms/{id}/whitelist", tag = "firms",
    params(("id" = String, Path, description = "firm id"), PageQuery),
    responses((status = 200, body = Page<WhitelistEvent>), (status = 404, body = Problem)))]
pub async fn whitelist_history(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
    page: Pagination,
) -> Result<Json<Page<WhitelistEvent>>> {
    let mut conn = existing_firm(&app, &id).await?;
    let shown = firms::sees_authors(identity.as_ref());
    Ok(Json(
        credit::whitelist_history(&mut conn, &id, page, shown).await?,
    ))
}

// ---------------------------------------------------------------------------------------
// Blacklist

/// A firm on the blacklist today.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BlacklistEntry {
    pub firm_id: String,
    pub name: String,
    pub credit_code: String,
    pub reason: Option<String>,
    /// First day.
    pub from: String,
    /// Last day, inclusive; none = permanent.
    pub to: Option<String>,
    pub permanent: bool,
}

/// The blacklist (黑名单): firms blacklisted today (by date), latest first. Public.
#[utoipa::path(get, path = "/catalog/blacklist", tag = "firms", params(PageQuery),
    responses((status = 200, body = Page<BlacklistEntry>), (status = 422, body = Problem)))]
pub async fn blacklist(
    State(app): State<AppState>,
    page: Pagination,
) -> Result<Json<Page<BlacklistEntry>>> {
    let mut filter = Filter::default();
    let today = filter.param(shared::db::Bind::Text(format_date(china_today())));
    filter.push(standing::blacklist_active_sql(today));
    let mut conn = app.db.pool.acquire().await?;
    let list = ListQuery {
        columns: "f.id, f.name, f.credit_code, f.blacklist_reason, f.blacklist_from, f.blacklist_to",
        from: "firm f",
        filter: &filter,
        order_by: "f.blacklist_from DESC, f.id",
    }
    .page(&mut conn, page, |r| {
        let to: Option<String> = r.try_get("blacklist_to")?;
        Ok::<_, sqlx::Error>(BlacklistEntry {
            firm_id: r.try_get("id")?,
            name: r.try_get("name")?,
            credit_code: r.try_get("credit_code")?,
            reason: r.try_get("blacklist_reason")?,
            from: r.try_get("blacklist_from")?,
            permanent: to.is_none(),
            to,
        })
    })
    .await?;
    Ok(Json(list))
}

// ---------------------------------------------------------------------------------------
// Review: rejection, profile review, the audit trail

/// Rejects a pending application (驳回入库申请) with a reason (required, Chinese). Association
/// only. Only an application that was never on the roster can be rejected (else 409
/// `not_pending`; use suspension or the blacklist). The rejected firm keeps its record and
/// history and shows `rejection`; its credit code is free for a new application by the
/// code's real holder, and every account of the firm is disabled (it can no longer sign
/// in). Feed: kind `application_rejected` (and `account`, kind `updated`, per account).
#[utoipa::path(post, path = "/catalog/firms/{id}/rejection", tag = "firms",
    params(("id" = String, Path, description = "firm id")),
    request_body = ReasonInput,
    responses((status = 200, body = FirmSnapshot), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reject_application(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Json(input): Json<ReasonInput>,
) -> Result<Json<FirmSnapshot>> {
    identity.require_any(&[Role::Association])?;
    let reason = input.check(true)?.unwrap_or_default();
    let today = china_today();
    let now = now_ms();
    let (mut tx, firm) = firm_in_write(&app, &id, today).await?;
    review::check_rejectable(&firm)?;
    let disabled = review::reject(tx.conn(), &id, &reason, now).await?;
    review::append(
        tx.conn(),
        NewHistory {
            firm_id: &id,
            kind: review::kind::REJECTED,
            reason: &reason,
            changes: &[],
            author: &Author::of(&identity),
            at: now,
        },
    )
    .await?;
    for account_id in disabled {
        if let Some(a) = accounts::find_by_id(tx.conn(), &account_id).await? {
            tx.emit(accounts::TOPIC, &account_id, "updated", &a.account.change())
                .await?;
        }
    }
    Ok(Json(
        commit_firm_change(tx, &app, &id, today, kind::APPLICATION_REJECTED).await?,
    ))
}

/// Confirms a firm's material profile changes (资料变更复核通过), taking it out of the review
/// queue; `{reason}` optional. Association only; 409 `no_pending_review` when nothing
/// awaits review. (Changing the firm's standing also ends the review.) Feed: kind
/// `profile_reviewed`.
#[utoipa::path(post, path = "/catalog/firms/{id}/profile-review", tag = "firms",
    params(("id" = String, Path, description = "firm id")),
    request_body = ReasonInput,
    responses((status = 200, body = FirmSnapshot), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_profile_review(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Json(input): Json<ReasonInput>,
) -> Result<Json<FirmSnapshot>> {
    identity.require_any(&[Role::Association])?;
    let reason = input
        .check(false)?
        .unwrap_or_else(|| "资料变更复核通过".into());
    let today = china_today();
    let now = now_ms();
    let (mut tx, firm) = firm_in_write(&app, &id, today).await?;
    if firm.review_pending_since.is_none() {
        return Err(Problem::conflict("no_pending_review", "该企业没有待复核的资料变更。").into());
    }
    review::clear_pending(tx.conn(), &id).await?;
    review::append(
        tx.conn(),
        NewHistory {
            firm_id: &id,
            kind: review::kind::PROFILE_REVIEWED,
            reason: &reason,
            changes: &[],
            author: &Author::of(&identity),
            at: now,
        },
    )
    .await?;
    firms::touch(tx.conn(), &id, now).await?;
    Ok(Json(
        commit_firm_change(tx, &app, &id, today, kind::PROFILE_REVIEWED).await?,
    ))
}

/// A firm's audit trail (审计记录), newest first: its application, every standing change,
/// credit event, whitelist change, material profile change (old → new), review and
/// rejection, each with its reason and time. The association and district and street
/// officials (read-only) see who did each; the firm itself reads its own without the
/// authors. Anyone else: 403; anonymous: 401. Paginated (`limit` 1–200).
#[utoipa::path(get, path = "/catalog/firms/{id}/audit", tag = "firms",
    params(("id" = String, Path, description = "firm id"), PageQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn firm_audit(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<AuditEntry>>> {
    firms::may_read_audit(&identity, &id)?;
    let page = p.checked().map_err(Problem::validation)?;
    let mut conn = existing_firm(&app, &id).await?;
    let shown = firms::audit_shows_authors(&identity);
    Ok(Json(review::audit(&mut conn, &id, page, shown).await?))
}
