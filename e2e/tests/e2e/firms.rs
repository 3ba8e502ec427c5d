//! End-to-end tests of the catalog's firms and roster: applications and their validation,
//! profile edits and who may make them, every standing transition and the refused ones,
//! standing decided by date, credit arithmetic and grades, the whitelist, the blacklist,
//! roster filters and pagination, and the feed carrying each firm change once and in order.

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::domain::roster::{Date, FirmSnapshot, RosterStanding, china_today, format_date};
use wuye_e2e::fixtures::{credit_code, firm_body};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

both_backends!(
    application_validation_and_duplicates,
    service_models_are_data,
    standing_transitions_and_refusals,
    standing_is_decided_by_date,
    credit_arithmetic_and_whitelist,
    profile_edits_roles_and_masking,
    roster_filters_and_pagination,
    feed_carries_each_firm_change_once_in_order,
    application_with_a_sign_in_account,
);

/// The catalog's reference data (places, seeded service models) opens its feed.
const PLACES: i64 = wuye_e2e::REFERENCE_CHANGES;

/// A day relative to today in China, as `YYYY-MM-DD`.
fn day(offset: i32) -> String {
    let today = china_today();
    format_date(Date::from_julian_day(today.to_julian_day() + offset).unwrap())
}

fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.catalog_url)
}

fn association(app: &TestApp) -> String {
    app.token(Role::Association, Scope::City)
}

fn firm_token(app: &TestApp, id: &str) -> String {
    app.token(Role::Firm, Scope::Firm(id.to_string()))
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> Answer {
    app.send(Method::POST, &url(app, path), token, Some(body))
        .await
}

async fn put(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> Answer {
    app.send(Method::PUT, &url(app, path), token, Some(body))
        .await
}

/// Applies (anonymously) and returns the new firm.
async fn apply(app: &TestApp, body: &Value) -> Value {
    let a = post(app, "/catalog/firms", None, body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()
}

async fn standing(app: &TestApp, id: &str, body: Value) -> Answer {
    post(
        app,
        &format!("/catalog/firms/{id}/standing"),
        Some(&association(app)),
        &body,
    )
    .await
}

/// A transition that must succeed; returns the firm.
async fn transition(app: &TestApp, id: &str, body: Value) -> Value {
    let a = standing(app, id, body).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Asserts a 422 naming each of `fields` with a Chinese message.
fn assert_fields(a: &Answer, fields: &[&str]) {
    a.problem(422, "validation_failed");
    for f in fields {
        let message = a
            .field_error(f)
            .unwrap_or_else(|| panic!("no message for {f}: {}", a.body));
        assert!(has_chinese(&message), "{f}: {message}");
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

async fn application_validation_and_duplicates(backend: Backend) {
    let app = spawn_app(backend).await;

    // Every field bad at once: each one is named, in Chinese.
    let bad = json!({
        "name": " ",
        "credit_code": "91350100M000100Y44",
        "legal_representative": "",
        "contact_phone": "12345",
        "ownership": "state",
        "base_address": "",
        "location": {"lon": 2.35, "lat": 48.85},
        "districts_served": ["999999", "510104"],
        "service_radius_km": -1.0,
        "service_models": ["concierge"],
        "fee_models": ["free"],
        "grades": [0, 6],
        "capacity_households": -5,
        "households_served": -1,
        "staff_count": -3,
        "profile": "很".repeat(5001),
        "office_street": "510104999",
        "standing": "recommended"
    });
    let a = post(&app, "/catalog/firms", None, &bad).await;
    assert_fields(
        &a,
        &[
            "name",
            "credit_code",
            "legal_representative",
            "contact_phone",
            "ownership",
            "base_address",
            "location",
            "districts_served[0]",
            "service_radius_km",
            "service_models[0]",
            "fee_models[0]",
            "grades[0]",
            "grades[1]",
            "capacity_households",
            "households_served",
            "staff_count",
            "profile",
            "office_street",
            "low_profit_commitment",
            "standing",
        ],
    );
    assert!(
        a.field_error("office_street")
            .unwrap()
            .contains("510104999")
    );
    assert_eq!(
        a.field_error("credit_code").unwrap(),
        "统一社会信用代码校验位错误"
    );
    assert!(a.field_error("location").unwrap().contains("中国"));
    assert!(
        a.field_error("districts_served[0]")
            .unwrap()
            .contains("999999")
    );
    assert!(a.field_error("districts_served[1]").is_none());
    assert!(
        a.field_error("capacity_households")
            .unwrap()
            .contains("负数")
    );
    assert!(
        a.field_error("service_models[0]")
            .unwrap()
            .contains("concierge")
    );
    assert!(a.field_error("profile").unwrap().contains("5000"));

    // Nothing at all: every field is required.
    let a = post(&app, "/catalog/firms", None, &json!({})).await;
    assert_fields(
        &a,
        &[
            "name",
            "credit_code",
            "contact_phone",
            "location",
            "districts_served",
            "service_models",
            "fee_models",
            "grades",
            "capacity_households",
            "households_served",
            "staff_count",
            "profile",
            "low_profit_commitment",
        ],
    );

    // More served than the capacity; empty lists; zero staff.
    let mut body = firm_body("超员物业", 1);
    body["households_served"] = json!(6000);
    body["districts_served"] = json!([]);
    body["staff_count"] = json!(0);
    let a = post(&app, "/catalog/firms", None, &body).await;
    assert_fields(
        &a,
        &["households_served", "districts_served", "staff_count"],
    );
    assert!(a.field_error("households_served").unwrap().contains("5000"));

    // A wrong JSON type is a 400, never a 500.
    let mut body = firm_body("类型错误物业", 1);
    body["capacity_households"] = json!("很多");
    post(&app, "/catalog/firms", None, &body)
        .await
        .problem(400, "malformed_json");

    // A good application, anonymous: an applicant, its record without dates.
    let firm = apply(&app, &firm_body("锦城物业服务有限公司", 1)).await;
    assert_eq!(firm["standing"], "applicant");
    assert_eq!(firm["standing_record"]["stage"], "applicant");
    assert!(firm["standing_record"]["review_date"].is_null());
    assert_eq!(firm["credit_code"], credit_code(1));
    assert_eq!(firm["districts_served"], json!(["510104", "510105"]));
    assert_eq!(firm["grades"], json!([2, 3]));
    assert_eq!(firm["location"], json!({"lon": 104.081, "lat": 30.658}));
    assert_eq!(firm["whitelisted"], false);
    assert_eq!(firm["credit"], json!({"score": 80, "grade": "AA"}));
    // The applicant sees what it sent.
    assert_eq!(firm["contact_phone"], "13812345678");

    // The same credit code again, even in lowercase: 409 naming the field.
    let mut dup = firm_body("另一家物业", 1);
    dup["credit_code"] = json!(credit_code(1).to_lowercase());
    let a = post(&app, "/catalog/firms", None, &dup).await;
    a.problem(409, "duplicate_credit_code");
    assert!(a.field_error("credit_code").is_some());

    // A firm's own account (or any account) may also submit an application.
    let token = firm_token(&app, "somebody");
    let a = post(
        &app,
        "/catalog/firms",
        Some(&token),
        &firm_body("蓉城物业", 2),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);

    let list = app.catalog_get("/catalog/firms", None).await.json();
    assert_eq!(list["total"], 2);
    app.stop().await;
}

async fn service_models_are_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let models = app
        .catalog_get("/catalog/service-models", None)
        .await
        .json();
    let codes: Vec<&str> = models
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["community", "professional", "self_managed", "trust"]
    );
    let trust = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == "trust")
        .unwrap();
    assert_eq!(trust["name_zh"], "信托制物业");

    let new = json!({"code": "mixed", "name_zh": "混合式物业", "description_zh": "基础服务由社区兜底，专项服务单独采购。"});
    let path = "/catalog/service-models";
    post(&app, path, None, &new)
        .await
        .problem(401, "unauthenticated");
    post(&app, path, Some(&firm_token(&app, "f")), &new)
        .await
        .problem(403, "forbidden");
    let a = post(
        &app,
        path,
        Some(&association(&app)),
        &json!({"code": "Bad-Code"}),
    )
    .await;
    assert_fields(&a, &["code", "name_zh", "description_zh"]);
    let a = post(&app, path, Some(&association(&app)), &new).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let a = post(&app, path, Some(&association(&app)), &new).await;
    a.problem(409, "duplicate_service_model");
    assert!(a.field_error("code").is_some());

    // The new model is on the feed and can be offered at once.
    let feed = app
        .feed(&app.catalog_url, "/catalog", PLACES, 10, 0)
        .await
        .json();
    let changes = feed["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["topic"], "service_model");
    assert_eq!(changes[0]["entity_id"], "mixed");
    assert_eq!(changes[0]["kind"], "created");
    assert_eq!(changes[0]["payload"]["name_zh"], "混合式物业");
    let mut body = firm_body("混合物业", 3);
    body["service_models"] = json!(["mixed"]);
    let firm = apply(&app, &body).await;
    assert_eq!(firm["service_models"], json!(["mixed"]));

    // The document describes the firm payload (every route is in the document: they come
    // from one list, `foundation::every_documented_operation_is_served`).
    let doc = app.catalog_get("/catalog/openapi.json", None).await.json();
    assert!(doc["components"]["schemas"]["FirmSnapshot"].is_object());
    app.stop().await;
}

async fn standing_transitions_and_refusals(backend: Backend) {
    let app = spawn_app(backend).await;
    let firm = apply(&app, &firm_body("天府物业", 10)).await;
    let id = firm["id"].as_str().unwrap();
    let path = format!("/catalog/firms/{id}/standing");
    let recommend =
        json!({"action": "recommend", "reason": "年度评审通过", "review_date": day(365)});

    // Only the association: not anonymous, not the firm itself, not an official.
    post(&app, &path, None, &recommend)
        .await
        .problem(401, "unauthenticated");
    post(&app, &path, Some(&firm_token(&app, id)), &recommend)
        .await
        .problem(403, "forbidden");
    let official = app.token(Role::DistrictOfficial, Scope::District("510104".into()));
    post(&app, &path, Some(&official), &recommend)
        .await
        .problem(403, "forbidden");

    // Bad requests.
    let a = standing(&app, id, json!({"action": "promote", "reason": ""})).await;
    assert_fields(&a, &["action", "reason"]);
    let a = standing(&app, id, json!({"action": "recommend", "reason": "评审"})).await;
    assert_fields(&a, &["review_date"]);
    let a = standing(
        &app,
        id,
        json!({"action": "recommend", "reason": "评审", "review_date": day(-1)}),
    )
    .await;
    assert_fields(&a, &["review_date"]);
    let a = standing(
        &app,
        id,
        json!({"action": "suspend", "reason": "投诉", "rectify_by": "2025-02-30"}),
    )
    .await;
    assert_fields(&a, &["rectify_by"]);
    let a = standing(
        &app,
        id,
        json!({"action": "blacklist", "reason": "弄虚作假", "from": day(5), "to": day(4)}),
    )
    .await;
    assert_fields(&a, &["to"]);
    standing(&app, "no-such-firm", recommend.clone())
        .await
        .problem(404, "not_found");

    // Refused from `applicant`.
    let suspend = json!({"action": "suspend", "reason": "多次投诉", "rectify_by": day(30)});
    let restore = json!({"action": "restore", "reason": "整改合格"});
    let end = json!({"action": "end_blacklist", "reason": "申诉成立"});
    standing(&app, id, suspend.clone())
        .await
        .problem(409, "invalid_transition");
    standing(&app, id, restore.clone())
        .await
        .problem(409, "invalid_transition");
    standing(&app, id, end.clone())
        .await
        .problem(409, "not_blacklisted");

    // applicant → recommended → suspended → recommended.
    let f = transition(&app, id, recommend.clone()).await;
    assert_eq!(f["standing"], "recommended");
    assert_eq!(f["standing_record"]["review_date"], day(365));
    standing(&app, id, restore.clone())
        .await
        .problem(409, "invalid_transition");
    let f = transition(&app, id, suspend.clone()).await;
    assert_eq!(f["standing"], "suspended");
    assert_eq!(f["standing_record"]["rectify_by"], day(30));
    standing(&app, id, suspend.clone())
        .await
        .problem(409, "invalid_transition");
    let a = standing(&app, id, recommend.clone()).await;
    a.problem(409, "invalid_transition");
    assert!(a.json()["detail"].as_str().unwrap().contains("restore"));
    let f = transition(&app, id, restore.clone()).await;
    assert_eq!(f["standing"], "recommended");
    assert_eq!(f["standing_record"]["review_date"], day(365));
    assert!(f["standing_record"]["rectify_by"].is_null());

    // Blacklisted from any standing; a blacklisted firm cannot be recommended (nor
    // suspended, restored or blacklisted again) until the blacklisting is ended.
    let f = transition(
        &app,
        id,
        json!({"action": "blacklist", "reason": "拒不整改", "to": day(90)}),
    )
    .await;
    assert_eq!(f["standing"], "blacklisted");
    assert_eq!(f["standing_record"]["blacklist_from"], day(0));
    assert_eq!(f["standing_record"]["blacklist_to"], day(90));
    let list = app.catalog_get("/catalog/blacklist", None).await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["firm_id"], id);
    assert_eq!(list["items"][0]["reason"], "拒不整改");
    assert_eq!(list["items"][0]["from"], day(0));
    assert_eq!(list["items"][0]["to"], day(90));
    assert_eq!(list["items"][0]["permanent"], false);
    let a = standing(&app, id, recommend.clone()).await;
    let p = a.problem(409, "blacklisted");
    assert!(
        p["detail"].as_str().unwrap().contains("须先解除黑名单"),
        "{p}"
    );
    standing(&app, id, suspend.clone())
        .await
        .problem(409, "blacklisted");
    standing(&app, id, restore.clone())
        .await
        .problem(409, "blacklisted");
    standing(
        &app,
        id,
        json!({"action": "blacklist", "reason": "再次", "to": day(10)}),
    )
    .await
    .problem(409, "already_blacklisted");
    let f = transition(&app, id, end.clone()).await;
    assert_eq!(f["standing"], "applicant");
    assert!(f["standing_record"]["blacklist_from"].is_null());
    assert_eq!(
        app.catalog_get("/catalog/blacklist", None).await.json()["total"],
        0
    );
    let f = transition(&app, id, recommend.clone()).await;
    assert_eq!(f["standing"], "recommended");

    // A future-dated, permanent blacklisting: not yet in force, but it already blocks a
    // recommendation; ending it early cancels it.
    let f = transition(
        &app,
        id,
        json!({"action": "blacklist", "reason": "严重违规", "from": day(10)}),
    )
    .await;
    assert_eq!(f["standing"], "recommended");
    assert_eq!(f["standing_record"]["blacklist_from"], day(10));
    assert!(f["standing_record"]["blacklist_to"].is_null());
    assert_eq!(
        app.catalog_get("/catalog/blacklist", None).await.json()["total"],
        0
    );
    standing(&app, id, recommend.clone())
        .await
        .problem(409, "blacklisted");
    let f = transition(&app, id, end.clone()).await;
    assert_eq!(f["standing"], "recommended");
    assert!(f["standing_record"]["blacklist_from"].is_null());

    // A permanent blacklisting in force is listed as permanent.
    let other = apply(&app, &firm_body("黑名单物业", 11)).await;
    let other_id = other["id"].as_str().unwrap();
    transition(
        &app,
        other_id,
        json!({"action": "blacklist", "reason": "伪造材料"}),
    )
    .await;
    let list = app.catalog_get("/catalog/blacklist", None).await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["firm_id"], other_id);
    assert_eq!(list["items"][0]["permanent"], true);
    assert!(list["items"][0]["to"].is_null());

    // The history: every transition, in order, with the standing before and after; the
    // authors are shown to the association only.
    let history_path = format!("/catalog/firms/{id}/standing-history");
    let history = app.catalog_get(&history_path, None).await.json();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "apply",
            "recommend",
            "suspend",
            "restore",
            "blacklist",
            "end_blacklist",
            "recommend",
            "blacklist",
            "end_blacklist"
        ]
    );
    assert_eq!(history["total"], 9);
    let items = history["items"].as_array().unwrap();
    assert!(items[0]["standing_before"].is_null());
    assert_eq!(items[0]["standing_after"], "applicant");
    assert_eq!(items[4]["standing_before"], "recommended");
    assert_eq!(items[4]["standing_after"], "blacklisted");
    assert_eq!(items[4]["reason"], "拒不整改");
    assert_eq!(items[4]["blacklist_to"], day(90));
    assert!(items.iter().all(|e| e["author_name"].is_null()));
    let history = app
        .catalog_get(&history_path, Some(&association(&app)))
        .await
        .json();
    let items = history["items"].as_array().unwrap();
    assert!(
        items[0]["author_name"]
            .as_str()
            .unwrap()
            .contains("天府物业")
    );
    assert!(items[0]["author_id"].is_null());
    assert_eq!(items[1]["author_name"], "测试账号");
    assert_eq!(items[1]["author_id"], "test-Association");
    let page = app
        .catalog_get(&format!("{history_path}?limit=2&offset=8"), None)
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["action"], "end_blacklist");
    app.catalog_get("/catalog/firms/nobody/standing-history", None)
        .await
        .problem(404, "not_found");

    // No endpoint edits or deletes the history.
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let a = app
            .send(
                method,
                &url(&app, &history_path),
                Some(&association(&app)),
                Some(&json!({})),
            )
            .await;
        a.problem(405, "method_not_allowed");
    }
    app.stop().await;
}

async fn standing_is_decided_by_date(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = shared::db::connect(&app.catalog_db).await.unwrap();
    let reviewed = apply(&app, &firm_body("复核物业", 20)).await;
    let reviewed = reviewed["id"].as_str().unwrap().to_string();
    let banned = apply(&app, &firm_body("限期黑名单物业", 21)).await;
    let banned = banned["id"].as_str().unwrap().to_string();
    transition(
        &app,
        &reviewed,
        json!({"action": "recommend", "reason": "评审通过", "review_date": day(0)}),
    )
    .await;
    let f = transition(
        &app,
        &banned,
        json!({"action": "recommend", "reason": "评审通过", "review_date": day(100)}),
    )
    .await;
    assert_eq!(f["standing"], "recommended");
    transition(
        &app,
        &banned,
        json!({"action": "blacklist", "reason": "违规", "to": day(5)}),
    )
    .await;
    let standing_of = |id: String| {
        let app = &app;
        async move {
            app.catalog_get(&format!("/catalog/firms/{id}"), None)
                .await
                .json()["standing"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    // The review date is inclusive.
    assert_eq!(standing_of(reviewed.clone()).await, "recommended");
    assert_eq!(standing_of(banned.clone()).await, "blacklisted");

    // Time passes (the stored dates move back): nothing is written, yet the standing
    // follows the calendar.
    sqlx::query("UPDATE firm SET review_date = $1 WHERE id = $2")
        .bind(day(-1))
        .bind(&reviewed)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE firm SET blacklist_from = $1, blacklist_to = $2 WHERE id = $3")
        .bind(day(-30))
        .bind(day(-1))
        .bind(&banned)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(standing_of(reviewed.clone()).await, "review_overdue");
    // A blacklisting that has ended no longer applies: the firm left the roster.
    assert_eq!(standing_of(banned.clone()).await, "applicant");
    assert_eq!(
        app.catalog_get("/catalog/blacklist", None).await.json()["total"],
        0
    );
    let by = |s: &'static str| {
        let app = &app;
        async move {
            ids(&app
                .catalog_get(&format!("/catalog/firms?standing={s}"), None)
                .await
                .json())
        }
    };
    assert_eq!(by("review_overdue").await, std::slice::from_ref(&reviewed));
    assert!(by("recommended").await.is_empty());
    assert!(by("blacklisted").await.is_empty());
    assert_eq!(by("applicant").await, std::slice::from_ref(&banned));

    // The record travels with its dates, so a follower decides the same way.
    let f: FirmSnapshot = app
        .catalog_get(&format!("/catalog/firms/{banned}"), None)
        .await
        .parse();
    assert_eq!(f.standing_on(china_today()), RosterStanding::Applicant);
    let earlier = Date::from_julian_day(china_today().to_julian_day() - 10).unwrap();
    assert_eq!(f.standing_on(earlier), RosterStanding::Blacklisted);

    // An ended blacklisting needs no `end_blacklist`: the firm may be recommended again;
    // an overdue review is renewed by recommending again, and may be suspended.
    standing(
        &app,
        &banned,
        json!({"action": "end_blacklist", "reason": "到期"}),
    )
    .await
    .problem(409, "not_blacklisted");
    let f = transition(
        &app,
        &banned,
        json!({"action": "recommend", "reason": "重新评审", "review_date": day(200)}),
    )
    .await;
    assert_eq!(f["standing"], "recommended");
    assert!(f["standing_record"]["blacklist_from"].is_null());
    let f = transition(
        &app,
        &reviewed,
        json!({"action": "suspend", "reason": "复核逾期且有投诉", "rectify_by": day(14)}),
    )
    .await;
    assert_eq!(f["standing"], "suspended");
    let f = transition(
        &app,
        &reviewed,
        json!({"action": "restore", "reason": "整改合格", "review_date": day(300)}),
    )
    .await;
    assert_eq!(f["standing"], "recommended");
    assert_eq!(f["standing_record"]["review_date"], day(300));
    app.stop().await;
}

async fn credit_arithmetic_and_whitelist(backend: Backend) {
    let app = spawn_app(backend).await;
    let firm = apply(&app, &firm_body("信用物业", 30)).await;
    let id = firm["id"].as_str().unwrap();
    let path = format!("/catalog/firms/{id}/credit-events");
    let event = |kind: &str, points: i64| json!({"kind": kind, "points": points, "reason": "检查结果", "source": "街道检查", "date": day(0)});

    post(&app, &path, None, &event("good", 5))
        .await
        .problem(401, "unauthenticated");
    post(&app, &path, Some(&firm_token(&app, id)), &event("good", 5))
        .await
        .problem(403, "forbidden");
    let a = post(
        &app,
        &path,
        Some(&association(&app)),
        &json!({"kind": "great", "points": 0, "reason": "", "date": day(1)}),
    )
    .await;
    assert_fields(&a, &["kind", "points", "reason", "source", "date"]);
    let a = post(&app, &path, Some(&association(&app)), &event("bad", 101)).await;
    assert_fields(&a, &["points"]);
    post(
        &app,
        "/catalog/firms/nobody/credit-events",
        Some(&association(&app)),
        &event("good", 1),
    )
    .await
    .problem(404, "not_found");

    // Base 80 (AA), then across every default threshold (85/80/70/60).
    let steps = [
        ("good", 5, 85, "AAA"),
        ("bad", 1, 84, "AA"),
        ("bad", 4, 80, "AA"),
        ("bad", 1, 79, "A"),
        ("bad", 9, 70, "A"),
        ("bad", 1, 69, "B"),
        ("bad", 9, 60, "B"),
        ("bad", 1, 59, "C"),
        ("bad", 100, -41, "C"),
        ("good", 100, 59, "C"),
        ("good", 26, 85, "AAA"),
    ];
    for (kind, points, score, grade) in steps {
        let a = post(&app, &path, Some(&association(&app)), &event(kind, points)).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let f = a.json();
        assert_eq!(
            f["credit"],
            json!({"score": score, "grade": grade}),
            "after {kind} {points}"
        );
    }
    let f = app
        .catalog_get(&format!("/catalog/firms/{id}"), None)
        .await
        .json();
    assert_eq!(f["credit"], json!({"score": 85, "grade": "AAA"}));

    // The events are public; their authors only for the association.
    let list = app.catalog_get(&path, None).await.json();
    assert_eq!(list["total"], 11);
    assert_eq!(list["items"][0]["kind"], "good");
    assert_eq!(list["items"][0]["points"], 5);
    assert_eq!(list["items"][0]["source"], "街道检查");
    assert_eq!(list["items"][0]["date"], day(0));
    assert!(list["items"][0]["author_name"].is_null());
    let list = app
        .catalog_get(&format!("{path}?limit=1"), Some(&association(&app)))
        .await
        .json();
    assert_eq!(list["items"][0]["author_name"], "测试账号");
    let net: i64 = steps
        .iter()
        .map(|(k, p, _, _)| if *k == "good" { *p } else { -*p })
        .sum();
    assert_eq!(80 + net, 85);

    // Whitelist: association only, on/off with a reason, history kept.
    let wl = format!("/catalog/firms/{id}/whitelist");
    let on = json!({"on": true, "reason": "连续两年检查优秀"});
    post(&app, &wl, Some(&firm_token(&app, id)), &on)
        .await
        .problem(403, "forbidden");
    post(&app, &wl, None, &on)
        .await
        .problem(401, "unauthenticated");
    let a = post(&app, &wl, Some(&association(&app)), &json!({"reason": " "})).await;
    assert_fields(&a, &["on", "reason"]);
    let f = post(&app, &wl, Some(&association(&app)), &on).await.json();
    assert_eq!(f["whitelisted"], true);
    post(&app, &wl, Some(&association(&app)), &on)
        .await
        .problem(409, "whitelist_unchanged");
    let f = post(
        &app,
        &wl,
        Some(&association(&app)),
        &json!({"on": false, "reason": "出现重大投诉", "date": day(-1)}),
    )
    .await
    .json();
    assert_eq!(f["whitelisted"], false);
    let history = app.catalog_get(&wl, None).await.json();
    assert_eq!(history["total"], 2);
    assert_eq!(history["items"][0]["on"], true);
    assert_eq!(history["items"][0]["date"], day(0));
    assert_eq!(history["items"][1]["on"], false);
    assert_eq!(history["items"][1]["reason"], "出现重大投诉");
    assert_eq!(history["items"][1]["date"], day(-1));
    assert!(history["items"][1]["author_name"].is_null());
    app.stop().await;
}

async fn profile_edits_roles_and_masking(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = apply(&app, &firm_body("甲物业", 40)).await;
    let a_id = a["id"].as_str().unwrap().to_string();
    let mut b_body = firm_body("乙物业", 41);
    b_body["contact_phone"] = json!("028-87654321");
    let b = apply(&app, &b_body).await;
    let b_id = b["id"].as_str().unwrap().to_string();
    let a_path = format!("/catalog/firms/{a_id}");

    // The phone: masked for the public and other roles, whole for the association and the
    // firm itself.
    let phone = |token: Option<String>, id: String| {
        let app = &app;
        async move {
            app.catalog_get(&format!("/catalog/firms/{id}"), token.as_deref())
                .await
                .json()["contact_phone"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(phone(None, a_id.clone()).await, "138****5678");
    assert_eq!(phone(None, b_id.clone()).await, "028-****4321");
    assert_eq!(
        phone(Some(association(&app)), a_id.clone()).await,
        "13812345678"
    );
    assert_eq!(
        phone(Some(firm_token(&app, &a_id)), a_id.clone()).await,
        "13812345678"
    );
    assert_eq!(
        phone(Some(firm_token(&app, &b_id)), a_id.clone()).await,
        "138****5678"
    );
    let committee = app.token(Role::Committee, Scope::Compound("c1".into()));
    assert_eq!(
        phone(Some(committee.clone()), a_id.clone()).await,
        "138****5678"
    );
    let list = app.catalog_get("/catalog/firms", None).await.json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["contact_phone"].as_str().unwrap().contains("****"))
    );
    let list = app
        .catalog_get("/catalog/firms", Some(&association(&app)))
        .await
        .json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["contact_phone"].as_str().unwrap().contains("****"))
    );
    app.catalog_get("/catalog/firms/nobody", None)
        .await
        .problem(404, "not_found");

    // Who may edit: the firm itself or the association; not anonymous, not another firm,
    // not a committee.
    let mut edit = firm_body("甲物业服务有限公司", 40);
    edit["capacity_households"] = json!(8000);
    edit["households_served"] = json!(3000);
    edit["districts_served"] = json!(["510107"]);
    edit["profile"] = json!("新增停车管理、二次供水运维能力。");
    put(&app, &a_path, None, &edit)
        .await
        .problem(401, "unauthenticated");
    put(&app, &a_path, Some(&firm_token(&app, &b_id)), &edit)
        .await
        .problem(403, "forbidden");
    put(&app, &a_path, Some(&committee), &edit)
        .await
        .problem(403, "forbidden");
    put(
        &app,
        "/catalog/firms/nobody",
        Some(&association(&app)),
        &edit,
    )
    .await
    .problem(404, "not_found");
    let r = put(&app, &a_path, Some(&firm_token(&app, &a_id)), &edit).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let f = r.json();
    assert_eq!(f["name"], "甲物业服务有限公司");
    assert_eq!(f["capacity_households"], 8000);
    assert_eq!(f["districts_served"], json!(["510107"]));
    assert_eq!(f["standing"], "applicant");

    // The same checks as an application.
    let mut bad = edit.clone();
    bad["contact_phone"] = json!("110");
    bad["households_served"] = json!(9000);
    let r = put(&app, &a_path, Some(&firm_token(&app, &a_id)), &bad).await;
    assert_fields(&r, &["contact_phone", "households_served"]);

    // Standing, credit and whitelist are not part of a profile: refused, by name.
    let mut sneaky = edit.clone();
    sneaky["standing"] = json!("recommended");
    sneaky["credit"] = json!({"score": 100, "grade": "AAA"});
    sneaky["whitelisted"] = json!(true);
    sneaky["nickname"] = json!("甲");
    let r = put(&app, &a_path, Some(&firm_token(&app, &a_id)), &sneaky).await;
    assert_fields(&r, &["standing", "credit", "whitelisted", "nickname"]);
    let errors = r.json()["errors"].clone();
    let code_of = |field: &str| {
        errors
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap()["code"]
            .clone()
    };
    assert_eq!(code_of("standing"), "not_editable");
    assert_eq!(code_of("nickname"), "unknown_field");
    let f = app
        .catalog_get(&a_path, Some(&association(&app)))
        .await
        .json();
    assert_eq!(f["standing"], "applicant");
    assert_eq!(f["whitelisted"], false);
    assert_eq!(f["credit"]["score"], 80);

    // The firm cannot change its credit code; the association can correct it, but not to
    // another firm's.
    let mut recode = edit.clone();
    recode["credit_code"] = json!(credit_code(42));
    let r = put(&app, &a_path, Some(&firm_token(&app, &a_id)), &recode).await;
    assert_fields(&r, &["credit_code"]);
    let mut taken = edit.clone();
    taken["credit_code"] = json!(credit_code(41));
    put(&app, &a_path, Some(&association(&app)), &taken)
        .await
        .problem(409, "duplicate_credit_code");
    let r = put(&app, &a_path, Some(&association(&app)), &recode).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["credit_code"], credit_code(42));

    // The firm cannot touch its own credit or whitelist either.
    post(
        &app,
        &format!("{a_path}/whitelist"),
        Some(&firm_token(&app, &a_id)),
        &json!({"on": true, "reason": "自荐"}),
    )
    .await
    .problem(403, "forbidden");
    app.stop().await;
}

async fn roster_filters_and_pagination(backend: Backend) {
    let app = spawn_app(backend).await;
    let variants = [
        // name, districts, models, fees, grades, profile
        (
            "锦江安居物业",
            vec!["510104"],
            vec!["professional"],
            vec!["lump_sum"],
            vec![1, 2],
            "电梯维保与消防设施管理",
        ),
        (
            "青羊信托物业",
            vec!["510105"],
            vec!["trust"],
            vec!["trust"],
            vec![3],
            "信托制物业试点，账目公开",
        ),
        (
            "金牛公益物业",
            vec!["510106", "510104"],
            vec!["community"],
            vec!["commission"],
            vec![1],
            "国企兜底，垃圾分类",
        ),
        (
            "武侯自治服务",
            vec!["510107"],
            vec!["self_managed"],
            vec!["commission", "lump_sum"],
            vec![4, 5],
            "停车管理",
        ),
        (
            "成华综合物业",
            vec!["510108"],
            vec!["professional", "trust"],
            vec!["commission"],
            vec![2, 3],
            "电梯维保、二次供水",
        ),
    ];
    let mut all = Vec::new();
    for (i, (name, districts, models, fees, grades, profile)) in variants.iter().enumerate() {
        let mut body = firm_body(name, 50 + i as u32);
        body["districts_served"] = json!(districts);
        body["service_models"] = json!(models);
        body["fee_models"] = json!(fees);
        body["grades"] = json!(grades);
        body["profile"] = json!(profile);
        all.push(apply(&app, &body).await["id"].as_str().unwrap().to_string());
    }
    transition(
        &app,
        &all[0],
        json!({"action": "recommend", "reason": "通过", "review_date": day(30)}),
    )
    .await;
    transition(
        &app,
        &all[4],
        json!({"action": "recommend", "reason": "通过", "review_date": day(30)}),
    )
    .await;
    transition(
        &app,
        &all[2],
        json!({"action": "blacklist", "reason": "违规", "to": day(30)}),
    )
    .await;

    let find = |query: &'static str| {
        let app = &app;
        async move {
            let a = app
                .catalog_get(&format!("/catalog/firms?{query}"), None)
                .await;
            assert_eq!(a.status, 200, "{query}: {}", a.body);
            let page = a.json();
            let ids = ids(&page);
            assert_eq!(page["total"], ids.len() as i64, "{query}");
            ids
        }
    };
    let pick = |is: &[usize]| is.iter().map(|i| all[*i].clone()).collect::<Vec<_>>();
    assert_eq!(find("").await, pick(&[0, 1, 2, 3, 4]));
    assert_eq!(find("district=510104").await, pick(&[0, 2]));
    assert_eq!(find("standing=recommended").await, pick(&[0, 4]));
    assert_eq!(find("standing=applicant").await, pick(&[1, 3]));
    assert_eq!(find("standing=blacklisted").await, pick(&[2]));
    assert_eq!(find("model=trust").await, pick(&[1, 4]));
    assert_eq!(find("fee_model=commission").await, pick(&[2, 3, 4]));
    assert_eq!(find("grade=3").await, pick(&[1, 4]));
    assert_eq!(
        find("q=%E7%94%B5%E6%A2%AF%E7%BB%B4%E4%BF%9D").await,
        pick(&[0, 4])
    ); // 电梯维保
    assert_eq!(find("q=%E4%BF%A1%E6%89%98").await, pick(&[1])); // 信托 (name and profile)
    assert_eq!(
        find("standing=recommended&model=professional&grade=3&fee_model=commission").await,
        pick(&[4])
    );
    assert!(find("district=510112").await.is_empty());

    // Bad filters are 422 naming the filter.
    for (query, field) in [
        ("district=999999", "district"),
        ("district=abc", "district"),
        ("standing=famous", "standing"),
        ("model=concierge", "model"),
        ("fee_model=free", "fee_model"),
        ("grade=9", "grade"),
        ("grade=abc", "grade"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
    ] {
        let a = app
            .catalog_get(&format!("/catalog/firms?{query}"), None)
            .await;
        a.problem(422, "validation_failed");
        assert!(a.field_error(field).is_some(), "{query}: {}", a.body);
    }

    // Pages: stable order, no overlap, the same total on every page.
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let page = app
            .catalog_get(&format!("/catalog/firms?limit=2&offset={offset}"), None)
            .await
            .json();
        assert_eq!(page["total"], 5);
        assert_eq!(page["limit"], 2);
        assert_eq!(page["offset"], offset);
        seen.extend(ids(&page));
    }
    assert_eq!(seen, all);
    let page = app
        .catalog_get("/catalog/firms?limit=2&offset=10", None)
        .await
        .json();
    assert!(ids(&page).is_empty());
    assert_eq!(page["total"], 5);
    app.stop().await;
}

async fn feed_carries_each_firm_change_once_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.feed(&app.catalog_url, "/catalog", 0, 1, 0).await.json()["head"]
        .as_i64()
        .unwrap();
    assert_eq!(head, PLACES);
    let assoc = association(&app);

    let mut answers = Vec::new();
    let f = apply(&app, &firm_body("馈送物业", 60)).await;
    let id = f["id"].as_str().unwrap().to_string();
    answers.push(f);
    let mut edit = firm_body("馈送物业有限公司", 60);
    edit["households_served"] = json!(1300);
    let r = put(
        &app,
        &format!("/catalog/firms/{id}"),
        Some(&firm_token(&app, &id)),
        &edit,
    )
    .await;
    answers.push(r.json());
    // Refused requests write nothing to the feed.
    standing(
        &app,
        &id,
        json!({"action": "suspend", "reason": "x", "rectify_by": day(3)}),
    )
    .await
    .problem(409, "invalid_transition");
    put(&app, &format!("/catalog/firms/{id}"), None, &edit)
        .await
        .problem(401, "unauthenticated");
    answers.push(
        transition(
            &app,
            &id,
            json!({"action": "recommend", "reason": "评审通过", "review_date": day(180)}),
        )
        .await,
    );
    let r = post(
        &app,
        &format!("/catalog/firms/{id}/credit-events"),
        Some(&assoc),
        &json!({"kind": "good", "points": 7, "reason": "满意度第一", "source": "区住建局", "date": day(0)}),
    )
    .await;
    answers.push(r.json());
    let r = post(
        &app,
        &format!("/catalog/firms/{id}/whitelist"),
        Some(&assoc),
        &json!({"on": true, "reason": "检查优秀"}),
    )
    .await;
    answers.push(r.json());
    answers.push(
        transition(
            &app,
            &id,
            json!({"action": "blacklist", "reason": "转包", "from": day(7), "to": day(60)}),
        )
        .await,
    );

    let page = app
        .feed(&app.catalog_url, "/catalog", PLACES, 100, 0)
        .await
        .json();
    let changes = page["changes"].as_array().unwrap();
    let kinds: Vec<&str> = changes
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "applied",
            "profile_updated",
            "standing_changed",
            "credit_changed",
            "whitelist_changed",
            "standing_changed"
        ]
    );
    let mut last = PLACES;
    for (change, answer) in changes.iter().zip(&answers) {
        assert_eq!(change["topic"], "firm");
        assert_eq!(change["entity_id"], id);
        let seq = change["seq"].as_i64().unwrap();
        assert_eq!(seq, last + 1, "each change once, in order");
        last = seq;
        // The payload is the firm's whole state: what the association saw after the change.
        assert_eq!(&change["payload"], answer);
    }
    let last_payload = &changes[5]["payload"];
    assert_eq!(last_payload["contact_phone"], "13812345678");
    assert_eq!(last_payload["households_served"], 1300);
    assert_eq!(
        last_payload["location"],
        json!({"lon": 104.081, "lat": 30.658})
    );
    assert_eq!(last_payload["credit"], json!({"score": 87, "grade": "AAA"}));
    assert_eq!(last_payload["whitelisted"], true);
    assert_eq!(last_payload["standing"], "recommended");
    assert_eq!(
        last_payload["standing_record"],
        json!({
            "stage": "recommended",
            "review_date": day(180),
            "rectify_by": null,
            "blacklist_from": day(7),
            "blacklist_to": day(60),
            "blacklist_reason": "转包"
        })
    );
    // A follower decodes the payload and decides the standing on any day from its dates.
    let snapshot: FirmSnapshot = serde_json::from_value(last_payload.clone()).unwrap();
    let in_ten_days = Date::from_julian_day(china_today().to_julian_day() + 10).unwrap();
    assert_eq!(
        snapshot.standing_on(china_today()),
        RosterStanding::Recommended
    );
    assert_eq!(
        snapshot.standing_on(in_ten_days),
        RosterStanding::Blacklisted
    );
    assert_eq!(snapshot.capacity_left(), 3700);

    // Nothing more: a read, a repeated read of the feed, do not add or repeat changes.
    app.catalog_get(&format!("/catalog/firms/{id}"), None).await;
    let again = app
        .feed(&app.catalog_url, "/catalog", last, 100, 0)
        .await
        .json();
    assert!(again["changes"].as_array().unwrap().is_empty());
    assert_eq!(again["head"], last);
    app.stop().await;
}

/// A firm that asks for an account with its application signs in as that firm: it may
/// edit its own profile and nothing of its standing or of another firm.
async fn application_with_a_sign_in_account(backend: Backend) {
    let app = spawn_app(backend).await;

    // Bad account fields are reported together with the profile's.
    let mut bad = firm_body("成都锦城物业服务有限公司", 41);
    bad["contact_phone"] = json!("12345");
    bad["account"] = json!({"username": "A", "password": "short"});
    let a = post(&app, "/catalog/firms", None, &bad).await;
    assert_fields(
        &a,
        &["contact_phone", "account.username", "account.password"],
    );

    let mut body = firm_body("成都锦城物业服务有限公司", 41);
    body["account"] = json!({"username": "jincheng", "password": "jincheng-物业-2026"});
    let firm = apply(&app, &body).await;
    let id = firm["id"].as_str().unwrap();

    // The same username again: 409 naming it, and nothing of the second firm is kept.
    let mut again = firm_body("另一家物业公司", 42);
    again["account"] = json!({"username": "jincheng", "password": "another-password-1"});
    let a = post(&app, "/catalog/firms", None, &again).await;
    let p = a.problem(409, "username_taken");
    assert_eq!(p["errors"][0]["field"], "account.username");
    let roster = app
        .catalog_get("/catalog/firms?q=另一家", None)
        .await
        .json();
    assert_eq!(
        roster["total"], 0,
        "a refused application leaves nothing behind"
    );

    let session = post(
        &app,
        "/catalog/session",
        None,
        &json!({"username": "jincheng", "password": "jincheng-物业-2026"}),
    )
    .await;
    assert_eq!(session.status, 200, "{}", session.body);
    let session = session.json();
    assert_eq!(session["account"]["role"], "firm");
    assert_eq!(session["account"]["scope"]["id"], id);
    assert_eq!(
        session["account"]["display_name"],
        "成都锦城物业服务有限公司"
    );
    let token = session["token"].as_str().unwrap();

    let mut edited = firm_body("成都锦城物业服务有限公司", 41);
    edited["staff_count"] = json!(95);
    let a = put(&app, &format!("/catalog/firms/{id}"), Some(token), &edited).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["staff_count"], 95);
    let a = post(
        &app,
        &format!("/catalog/firms/{id}/standing"),
        Some(token),
        &json!({"action": "recommend", "reason": "自荐", "review_date": day(300)}),
    )
    .await;
    a.problem(403, "forbidden");

    // The account is on the feed, without its password hash.
    let page = app
        .feed(&app.catalog_url, "/catalog", PLACES, 100, 0)
        .await
        .json();
    let account = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["topic"] == "account")
        .expect("an account change");
    assert_eq!(account["payload"]["username"], "jincheng");
    assert!(!account.to_string().contains("argon2"));
    app.stop().await;
}
