//! Compounds and the ledger: validation of every field, role and scope refusals, CSV and
//! XLSX import (dry run, strict, good rows) with files containing bad rows, idempotent
//! re-import, export round trips, list filters, and the `compound` feed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::compound_body;
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

both_backends!(
    create_edit_and_validate_every_field,
    roles_and_scopes_are_enforced,
    csv_import_reports_bad_rows_per_mode_and_is_idempotent,
    xlsx_import_reports_bad_rows_per_mode_and_is_idempotent,
    export_round_trips_for_both_formats_at_scale,
    list_filters_and_paginates,
);

/// The catalog's reference data (places, seeded service models) opens its feed.
const PLACES: i64 = wuye_e2e::REFERENCE_CHANGES;
/// 锦江区 (510104) streets, and a street of 青羊区 (510105).
const JINGUANYI: &str = "510104017";
const DONGHU: &str = "510104018";
const CAOSHIJIE: &str = "510105002";
const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The ledger's column headers, in export order.
const HEADER: [&str; 23] = [
    "小区编码",
    "小区名称",
    "地址",
    "区县代码",
    "街道代码",
    "社区",
    "经度",
    "纬度",
    "建成年份",
    "楼栋数",
    "户数",
    "建筑面积",
    "管理方式",
    "消防设施",
    "视频监控",
    "门禁",
    "垃圾分类投放点",
    "停车位",
    "电梯",
    "自治组织",
    "自治组织成立日期",
    "符合条件且业主自愿",
    "是否老旧小区",
];

/// A valid ledger row in `street`, as a district writes it.
fn row(code: &str, street: &str) -> Vec<String> {
    [
        code,
        &format!("{code}号院"),
        "东大街 8 号",
        &street[..6],
        street,
        "水井坊社区",
        "104.0831",
        "30.6522",
        "1992",
        "5",
        "360",
        "28000",
        "物业企业",
        "是",
        "是",
        "否",
        "3",
        "25",
        "0",
        "业主委员会",
        "2020-05-01",
        "是",
        "是",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn set(mut row: Vec<String>, column: &str, value: &str) -> Vec<String> {
    let k = HEADER.iter().position(|h| *h == column).expect("a column");
    row[k] = value.to_string();
    row
}

/// A CSV ledger (UTF-8 with BOM, as Excel writes "CSV UTF-8").
fn csv_file(rows: &[Vec<String>]) -> Vec<u8> {
    let mut text = String::from("\u{feff}");
    text.push_str(&HEADER.join(","));
    text.push_str("\r\n");
    for r in rows {
        text.push_str(&r.join(","));
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// An XLSX ledger with a title row above the header; numeric cells as numbers, dates
/// as date cells, the rest as text.
fn xlsx_file(rows: &[Vec<String>]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy/m/d");
    sheet.write_string(0, 0, "锦江区老旧小区台账").unwrap();
    for (k, h) in HEADER.iter().enumerate() {
        sheet.write_string(1, k as u16, *h).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let line = i as u32 + 2;
        for (k, cell) in r.iter().enumerate() {
            let k16 = k as u16;
            let numeric = matches!(k, 3 | 4 | 6..=11 | 16..=18);
            if cell.is_empty() {
                continue;
            } else if HEADER[k] == "自治组织成立日期" {
                let parts: Vec<u16> = cell.split('-').map(|p| p.parse().unwrap()).collect();
                let dt = ExcelDateTime::from_ymd(parts[0], parts[1] as u8, parts[2] as u8).unwrap();
                sheet
                    .write_datetime_with_format(line, k16, &dt, &date)
                    .unwrap();
            } else if let (true, Ok(n)) = (numeric, cell.parse::<f64>()) {
                sheet.write_number(line, k16, n).unwrap();
            } else {
                sheet.write_string(line, k16, cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// Sends a raw body.
async fn upload(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    let mut req = app
        .client
        .post(format!("{}{path}", app.catalog_url))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("sending an upload");
    let status = res.status();
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Answer {
        status,
        content_type,
        body: res.text().await.unwrap(),
    }
}

async fn import_csv(app: &TestApp, token: &str, mode: &str, file: Vec<u8>) -> Answer {
    let path = format!("/catalog/compounds/import?format=csv&mode={mode}");
    upload(app, &path, Some(token), "text/csv", file).await
}

async fn import_xlsx(app: &TestApp, token: &str, mode: &str, file: Vec<u8>) -> Answer {
    let path = format!("/catalog/compounds/import?format=xlsx&mode={mode}");
    upload(app, &path, Some(token), XLSX_MIME, file).await
}

/// The raw bytes of a GET.
async fn download(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{path}", app.catalog_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ct, res.bytes().await.unwrap().to_vec())
}

/// Every change of the `compound` topic after `after`.
async fn compound_changes(app: &TestApp, after: i64) -> Vec<Value> {
    let page = app
        .feed(&app.catalog_url, "/catalog", after, 1000, 0)
        .await
        .json();
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["topic"] == "compound")
        .cloned()
        .collect()
}

async fn feed_head(app: &TestApp) -> i64 {
    app.feed(&app.catalog_url, "/catalog", 0, 1, 0).await.json()["head"]
        .as_i64()
        .unwrap()
}

async fn post(app: &TestApp, token: Option<&str>, body: &Value) -> Answer {
    let url = format!("{}/catalog/compounds", app.catalog_url);
    app.send(Method::POST, &url, token, Some(body)).await
}

async fn put(app: &TestApp, id: &str, token: Option<&str>, body: &Value) -> Answer {
    let url = format!("{}/catalog/compounds/{id}", app.catalog_url);
    app.send(Method::PUT, &url, token, Some(body)).await
}

/// The form of a compound view (what a client edits and sends back).
fn form(view: &Value) -> Value {
    let mut v = view.clone();
    let o = v.as_object_mut().unwrap();
    for k in ["id", "created_at", "updated_at"] {
        o.remove(k);
    }
    v
}

async fn list_total(app: &TestApp, query: &str) -> i64 {
    let a = app
        .catalog_get(&format!("/catalog/compounds{query}"), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["total"].as_i64().unwrap()
}

async fn create_edit_and_validate_every_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = app.token(Role::Association, Scope::City);

    // Create, then read it back anonymously.
    let created = post(&app, Some(&assoc), &compound_body("JJ-0001", JINGUANYI)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let view = created.json();
    let id = view["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(view["code"], "JJ-0001");
    assert_eq!(view["district"], "510104");
    assert_eq!(view["street"], JINGUANYI);
    assert_eq!(view["location"], json!({"lon": 104.083, "lat": 30.652}));
    assert_eq!(view["management"], "none");
    assert_eq!(view["facilities"]["parking_spaces"], 40);
    assert_eq!(view["governance_formed_on"], "2021-06-18");
    assert_eq!(view["is_old"], true, "is_old defaults to true");
    let public = app
        .catalog_get(&format!("/catalog/compounds/{id}"), None)
        .await;
    assert_eq!(public.status, 200);
    assert_eq!(public.json(), view);

    // Every bad field at once.
    let mut bad = compound_body("bad code!", "510104999");
    bad["households"] = json!(-3);
    bad["location"] = json!({"lon": 0.0, "lat": 0.0});
    bad["year_built"] = json!(1800);
    bad["buildings"] = json!(0);
    bad["floor_area_m2"] = json!(-1);
    bad["management"] = json!("托管");
    bad["facilities"]["parking_spaces"] = json!(-1);
    bad["governance_formed_on"] = Value::Null;
    bad.as_object_mut().unwrap().remove("name");
    bad.as_object_mut().unwrap().remove("eligible_and_willing");
    let a = post(&app, Some(&assoc), &bad).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.field_error("households").unwrap(), "户数必须大于 0");
    assert_eq!(
        a.field_error("street").unwrap(),
        "未知的街道（镇）代码：510104999"
    );
    assert!(a.field_error("location").unwrap().contains("中国"));
    assert!(a.field_error("code").unwrap().contains("小区编码"));
    assert!(a.field_error("year_built").unwrap().contains("1900"));
    assert_eq!(a.field_error("buildings").unwrap(), "楼栋数必须大于 0");
    assert_eq!(
        a.field_error("floor_area_m2").unwrap(),
        "建筑面积必须大于 0"
    );
    assert!(a.field_error("management").unwrap().contains("无物业"));
    assert_eq!(
        a.field_error("facilities.parking_spaces").unwrap(),
        "停车位数不能为负数"
    );
    assert!(
        a.field_error("governance_formed_on")
            .unwrap()
            .contains("成立日期")
    );
    assert_eq!(a.field_error("name").unwrap(), "此项必填");
    assert_eq!(a.field_error("eligible_and_willing").unwrap(), "此项必填");
    assert_eq!(a.json()["errors"].as_array().unwrap().len(), 12);

    // A street of another district.
    let mut elsewhere = compound_body("JJ-0002", JINGUANYI);
    elsewhere["district"] = json!("510105");
    let a = post(&app, Some(&assoc), &elsewhere).await;
    a.problem(422, "validation_failed");
    assert_eq!(
        a.field_error("street").unwrap(),
        "锦官驿街道（510104017）不属于青羊区（510105）"
    );
    // A date with no governance body, and a body that is not JSON.
    let mut no_body = compound_body("JJ-0003", JINGUANYI);
    no_body["governance_body"] = json!("none");
    post(&app, Some(&assoc), &no_body)
        .await
        .problem(422, "validation_failed");
    let raw = upload(
        &app,
        "/catalog/compounds",
        Some(&assoc),
        "application/json",
        b"{not json".to_vec(),
    )
    .await;
    raw.problem(400, "malformed_json");

    // The code is unique.
    let dup = post(&app, Some(&assoc), &compound_body("JJ-0001", DONGHU)).await;
    dup.problem(409, "compound_code_taken");
    assert!(dup.field_error("code").is_some());

    // Edit: a change, a bad change (refused whole), no change, a missing compound.
    let mut edit = form(&view);
    edit["households"] = json!(500);
    edit["management"] = json!("物业企业");
    let edited = put(&app, &id, Some(&assoc), &edit).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let edited = edited.json();
    assert_eq!(edited["households"], 500);
    assert_eq!(edited["management"], "property_firm");
    assert_eq!(edited["id"], view["id"]);
    assert_eq!(edited["created_at"], view["created_at"]);
    let mut wrong = edit.clone();
    wrong["households"] = json!(-1);
    wrong["street"] = json!(CAOSHIJIE);
    let a = put(&app, &id, Some(&assoc), &wrong).await;
    a.problem(422, "validation_failed");
    assert!(a.field_error("households").is_some());
    assert!(a.field_error("street").unwrap().contains("不属于锦江区"));
    let same = put(&app, &id, Some(&assoc), &edit).await;
    assert_eq!(same.status, 200);
    assert_eq!(same.json(), edited, "an unchanged record stays as it was");
    let second = post(&app, Some(&assoc), &compound_body("JJ-0004", DONGHU))
        .await
        .json();
    let mut clash = form(&second);
    clash["code"] = json!("JJ-0001");
    put(&app, second["id"].as_str().unwrap(), Some(&assoc), &clash)
        .await
        .problem(409, "compound_code_taken");
    put(
        &app,
        "01890000-0000-7000-8000-000000000000",
        Some(&assoc),
        &edit,
    )
    .await
    .problem(404, "not_found");
    app.catalog_get("/catalog/compounds/nope", None)
        .await
        .problem(404, "not_found");

    // The feed: created, updated, created; once each, in order, with the full state.
    let changes = compound_changes(&app, PLACES).await;
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["entity_id"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
            )
        })
        .collect();
    let second_id = second["id"].as_str().unwrap();
    assert_eq!(
        kinds,
        vec![
            (id.as_str(), "created"),
            (id.as_str(), "updated"),
            (second_id, "created")
        ]
    );
    assert_eq!(changes[0]["payload"], view);
    assert_eq!(changes[1]["payload"], edited);
    let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![PLACES + 1, PLACES + 2, PLACES + 3]);
    app.stop().await;
}

async fn roles_and_scopes_are_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = app.token(Role::Association, Scope::City);
    let district = app.token(Role::DistrictOfficial, Scope::District("510104".into()));
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let firm = app.token(Role::Firm, Scope::Firm("f-1".into()));
    let service = app.service_token();

    // Who may register compounds, and where.
    post(&app, None, &compound_body("R-0", JINGUANYI))
        .await
        .problem(401, "unauthenticated");
    post(&app, Some(&firm), &compound_body("R-0", JINGUANYI))
        .await
        .problem(403, "forbidden");
    post(&app, Some(&service), &compound_body("R-0", JINGUANYI))
        .await
        .problem(403, "forbidden");
    let committee_of_nothing = app.token(Role::Committee, Scope::Compound("x".into()));
    post(
        &app,
        Some(&committee_of_nothing),
        &compound_body("R-0", JINGUANYI),
    )
    .await
    .problem(403, "forbidden");
    let s1 = post(&app, Some(&street), &compound_body("S-1", JINGUANYI)).await;
    assert_eq!(s1.status, 201, "{}", s1.body);
    let s1 = s1.json();
    let refused = post(&app, Some(&street), &compound_body("S-2", DONGHU)).await;
    let p = refused.problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("东湖街道"));
    let d1 = post(&app, Some(&district), &compound_body("D-1", DONGHU)).await;
    assert_eq!(d1.status, 201, "{}", d1.body);
    let d1 = d1.json();
    post(&app, Some(&district), &compound_body("D-2", CAOSHIJIE))
        .await
        .problem(403, "forbidden");
    let q1 = post(&app, Some(&assoc), &compound_body("Q-1", CAOSHIJIE)).await;
    assert_eq!(q1.status, 201);
    let q1 = q1.json();
    let (s1_id, d1_id, q1_id) = (
        s1["id"].as_str().unwrap(),
        d1["id"].as_str().unwrap(),
        q1["id"].as_str().unwrap(),
    );

    // Street official: only its street, and cannot move a compound out of it.
    let mut d1_edit = form(&d1);
    d1_edit["households"] = json!(999);
    put(&app, d1_id, Some(&street), &d1_edit)
        .await
        .problem(403, "forbidden");
    let mut s1_move = form(&s1);
    s1_move["street"] = json!(DONGHU);
    put(&app, s1_id, Some(&street), &s1_move)
        .await
        .problem(403, "forbidden");
    let mut s1_edit = form(&s1);
    s1_edit["households"] = json!(481);
    let a = put(&app, s1_id, Some(&street), &s1_edit).await;
    assert_eq!(a.status, 200, "{}", a.body);
    // District official: its district, and not out of it.
    put(&app, q1_id, Some(&district), &form(&q1))
        .await
        .problem(403, "forbidden");
    let mut d1_move = form(&d1);
    d1_move["district"] = json!("510105");
    d1_move["street"] = json!(CAOSHIJIE);
    put(&app, d1_id, Some(&district), &d1_move)
        .await
        .problem(403, "forbidden");
    let a = put(&app, d1_id, Some(&district), &d1_edit).await;
    assert_eq!(a.status, 200, "{}", a.body);

    // A committee: its own compound's facilities and governance body, nothing else.
    let committee = app.token(Role::Committee, Scope::Compound(s1_id.into()));
    let current = app
        .catalog_get(&format!("/catalog/compounds/{s1_id}"), None)
        .await
        .json();
    let mut facilities = form(&current);
    facilities["facilities"]["video_surveillance"] = json!(true);
    facilities["facilities"]["parking_spaces"] = json!(60);
    facilities["governance_body"] = json!("property_management_committee");
    facilities["governance_formed_on"] = json!("2024-03-01");
    let a = put(&app, s1_id, Some(&committee), &facilities).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let after = a.json();
    assert_eq!(after["facilities"]["parking_spaces"], 60);
    assert_eq!(after["governance_body"], "property_management_committee");
    let mut renamed = form(&after);
    renamed["name"] = json!("改名小区");
    renamed["households"] = json!(1);
    let a = put(&app, s1_id, Some(&committee), &renamed).await;
    let p = a.problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("name、households"));
    assert!(a.field_error("name").is_some());
    put(&app, d1_id, Some(&committee), &d1_edit)
        .await
        .problem(403, "forbidden");
    put(&app, s1_id, Some(&firm), &renamed)
        .await
        .problem(403, "forbidden");
    put(&app, s1_id, None, &renamed)
        .await
        .problem(401, "unauthenticated");
    let unchanged = app
        .catalog_get(&format!("/catalog/compounds/{s1_id}"), None)
        .await
        .json();
    assert_eq!(unchanged, after, "refused edits changed nothing");

    // Anonymous users read the public facts.
    assert_eq!(list_total(&app, "").await, 3);
    let one = app
        .catalog_get(&format!("/catalog/compounds/{q1_id}"), None)
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["name"], "Q-1号院");

    // Import and export are for officials.
    let file = csv_file(&[row("I-1", JINGUANYI)]);
    upload(
        &app,
        "/catalog/compounds/import?format=csv",
        None,
        "text/csv",
        file.clone(),
    )
    .await
    .problem(401, "unauthenticated");
    for token in [&firm, &committee, &service] {
        import_csv(&app, token, "good_rows", file.clone())
            .await
            .problem(403, "forbidden");
        let (status, _, _) = download(&app, "/catalog/compounds/export", token).await;
        assert_eq!(status, 403);
    }
    let anon = app.catalog_get("/catalog/compounds/export", None).await;
    anon.problem(401, "unauthenticated");
    // Each official exports its own area.
    for (token, codes) in [
        (&street, vec!["S-1"]),
        (&district, vec!["D-1", "S-1"]),
        (&assoc, vec!["D-1", "Q-1", "S-1"]),
    ] {
        let (status, ct, bytes) = download(&app, "/catalog/compounds/export", token).await;
        assert_eq!(status, 200);
        assert!(ct.starts_with("text/csv"), "{ct}");
        let text = String::from_utf8(bytes).unwrap();
        let got: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(got, codes);
    }
    app.stop().await;
}

async fn csv_import_reports_bad_rows_per_mode_and_is_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let official = app.token(Role::DistrictOfficial, Scope::District("510104".into()));
    let good = vec![
        row("G1", JINGUANYI),
        row("G2", DONGHU),
        set(row("G3", JINGUANYI), "自治组织成立日期", "2020/1/5"),
    ];
    let rows = vec![
        good[0].clone(),                                          // line 2
        good[1].clone(),                                          // line 3
        set(row("B1", JINGUANYI), "户数", "-5"),                  // line 4
        set(row("B2", JINGUANYI), "街道代码", "510104999"),       // line 5
        set(set(row("B3", JINGUANYI), "经度", "0"), "纬度", "0"), // line 6
        set(row("B4", JINGUANYI), "街道代码", CAOSHIJIE),         // line 7
        set(row("B5", CAOSHIJIE), "区县代码", "510105"),          // line 8: not 锦江区
        row("DUP", JINGUANYI),                                    // line 9
        row("DUP", DONGHU),                                       // line 10
        set(
            set(row("B6", JINGUANYI), "消防设施", "也许"),
            "楼栋数",
            "六",
        ), // line 11
        good[2].clone(),                                          // line 12
    ];
    let file = csv_file(&rows);
    let head = feed_head(&app).await;

    // Dry run: every bad row reported, nothing written.
    let a = import_csv(&app, &official, "dry_run", file.clone()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report = a.json();
    assert_eq!(report["mode"], "dry_run");
    assert_eq!(report["committed"], false);
    assert_eq!(report["rows_total"], 11);
    assert_eq!(report["rows_valid"], 3);
    assert_eq!(report["created"], 3, "what an import would create");
    let errors: Vec<(i64, String, String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        (4, "户数", "households", "invalid_households"),
        (5, "街道代码", "street", "unknown_street_code"),
        (6, "经度/纬度", "location", "coordinates_out_of_range"),
        (7, "街道代码", "street", "street_not_in_district"),
        (8, "街道代码", "street", "out_of_reach"),
        (9, "小区编码", "code", "duplicate_code"),
        (11, "楼栋数", "buildings", "not_an_integer"),
        (11, "消防设施", "facilities.fire_safety", "not_yes_no"),
    ];
    let expected: Vec<(i64, String, String, String)> = expected
        .iter()
        .map(|(l, c, f, k)| (*l, c.to_string(), f.to_string(), k.to_string()))
        .collect();
    assert_eq!(errors, expected);
    let by_line = |line: i64| -> Value {
        report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["line"] == line)
            .unwrap()
            .clone()
    };
    assert_eq!(by_line(4)["value"], "-5");
    assert_eq!(by_line(4)["message"], "户数必须大于 0");
    assert_eq!(by_line(5)["message"], "未知的街道（镇）代码：510104999");
    assert!(by_line(6)["message"].as_str().unwrap().contains("中国"));
    assert_eq!(by_line(6)["value"], "0, 0");
    assert!(
        by_line(7)["message"]
            .as_str()
            .unwrap()
            .contains("不属于锦江区")
    );
    assert!(by_line(8)["message"].as_str().unwrap().contains("管辖范围"));
    assert_eq!(
        by_line(9)["message"],
        "小区编码 DUP 在文件中出现了 2 次（首次在第 9 行），这些行都未导入"
    );
    assert_eq!(by_line(11)["message"], "楼栋数应为整数");
    assert_eq!(list_total(&app, "").await, 0);
    assert_eq!(feed_head(&app).await, head, "a dry run writes nothing");

    // Strict: refused with the report, nothing imported.
    let a = import_csv(&app, &official, "strict", file.clone()).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.content_type.starts_with("application/json"));
    let report = a.json();
    assert_eq!(report["committed"], false);
    assert_eq!(report["created"], 0);
    assert_eq!(report["errors"].as_array().unwrap().len(), 8);
    assert_eq!(list_total(&app, "").await, 0);
    assert_eq!(feed_head(&app).await, head);

    // Good rows: the three good ones are imported, in file order on the feed.
    let a = import_csv(&app, &official, "good_rows", file.clone()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report = a.json();
    assert_eq!(report["committed"], true);
    assert_eq!(
        (&report["created"], &report["updated"], &report["unchanged"]),
        (&json!(3), &json!(0), &json!(0))
    );
    assert_eq!(report["errors"].as_array().unwrap().len(), 8);
    assert_eq!(list_total(&app, "").await, 3);
    let changes = compound_changes(&app, head).await;
    let codes: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["payload"]["code"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![("G1", "created"), ("G2", "created"), ("G3", "created")]
    );
    let g3 = &changes[2]["payload"];
    assert_eq!(g3["governance_formed_on"], "2020-01-05");
    assert_eq!(g3["management"], "property_firm");
    assert_eq!(g3["facilities"]["video_surveillance"], true);
    assert_eq!(g3["facilities"]["access_control"], false);
    let stored = app
        .catalog_get(
            &format!(
                "/catalog/compounds/{}",
                changes[2]["entity_id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .json();
    assert_eq!(&stored, g3, "the payload is the compound's view");

    // Importing the same file again changes nothing and emits nothing.
    let head = feed_head(&app).await;
    let a = import_csv(&app, &official, "good_rows", file.clone()).await;
    let report = a.json();
    assert_eq!(
        (&report["created"], &report["updated"], &report["unchanged"]),
        (&json!(0), &json!(0), &json!(3))
    );
    let clean = csv_file(&good);
    let a = import_csv(&app, &official, "strict", clean).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["unchanged"], 3);
    assert_eq!(feed_head(&app).await, head, "re-imports write nothing");

    // A changed row updates its compound, once.
    let changed = vec![
        good[0].clone(),
        set(good[1].clone(), "户数", "400"),
        good[2].clone(),
    ];
    let a = import_csv(&app, &official, "strict", csv_file(&changed)).await;
    let report = a.json();
    assert_eq!(
        (&report["created"], &report["updated"], &report["unchanged"]),
        (&json!(0), &json!(1), &json!(2))
    );
    let changes = compound_changes(&app, head).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["kind"], "updated");
    assert_eq!(changes[0]["payload"]["code"], "G2");
    assert_eq!(changes[0]["payload"]["households"], 400);

    // A street official cannot take over another street's compound through a file.
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let takeover = csv_file(&[set(row("G2", JINGUANYI), "户数", "1")]);
    let a = import_csv(&app, &street, "good_rows", takeover).await;
    let report = a.json();
    assert_eq!(report["created"], 0);
    assert_eq!(report["errors"][0]["field"], "code");
    assert_eq!(report["errors"][0]["code"], "out_of_reach");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("东湖街道")
    );

    // Files that cannot be read at all, and bad parameters.
    let no_households = HEADER
        .iter()
        .filter(|h| **h != "户数")
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    let a = import_csv(&app, &official, "dry_run", no_households.into_bytes()).await;
    a.problem(422, "invalid_ledger_file");
    assert!(a.field_error("户数").unwrap().contains("缺少"));
    import_csv(&app, &official, "dry_run", b"name\nx\n".to_vec())
        .await
        .problem(422, "invalid_ledger_file");
    let a = import_csv(&app, &official, "maybe", csv_file(&good)).await;
    a.problem(422, "validation_failed");
    assert!(a.field_error("mode").is_some());
    let a = upload(
        &app,
        "/catalog/compounds/import",
        Some(&official),
        "application/octet-stream",
        csv_file(&good),
    )
    .await;
    a.problem(422, "validation_failed");
    assert!(a.field_error("format").is_some());
    // Without `format`, the content type says it; without `mode`, it is a dry run.
    let a = upload(
        &app,
        "/catalog/compounds/import",
        Some(&official),
        "text/csv",
        csv_file(&good),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["mode"], "dry_run");
    assert_eq!(a.json()["format"], "csv");
    app.stop().await;
}

async fn xlsx_import_reports_bad_rows_per_mode_and_is_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let no_body = set(
        set(row("X4", JINGUANYI), "自治组织", "无"),
        "自治组织成立日期",
        "",
    );
    let rows = vec![
        row("X1", JINGUANYI),                          // line 3 (title 1, header 2)
        set(row("X2", JINGUANYI), "户数", "0"),        // line 4
        row("X3", DONGHU),                             // line 5: another street
        no_body,                                       // line 6
        set(row("X5", JINGUANYI), "管理方式", "托管"), // line 7
    ];
    let file = xlsx_file(&rows);
    let head = feed_head(&app).await;

    let a = import_xlsx(&app, &street, "dry_run", file.clone()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report = a.json();
    assert_eq!(report["format"], "xlsx");
    assert_eq!(report["rows_total"], 5);
    assert_eq!(report["rows_valid"], 2);
    let errors: Vec<(i64, &str, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["column"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (4, "户数", "invalid_households"),
            (5, "街道代码", "out_of_reach"),
            (7, "管理方式", "invalid_management"),
        ]
    );
    assert_eq!(report["errors"][0]["message"], "户数必须大于 0");
    assert_eq!(report["errors"][0]["value"], "0");
    assert!(
        report["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("锦官驿街道")
    );
    assert!(
        report["errors"][2]["message"]
            .as_str()
            .unwrap()
            .starts_with("管理方式应为")
    );
    assert_eq!(list_total(&app, "").await, 0);

    let a = import_xlsx(&app, &street, "strict", file.clone()).await;
    assert_eq!(a.status, 422);
    assert_eq!(a.json()["committed"], false);
    assert_eq!(list_total(&app, "").await, 0);
    assert_eq!(feed_head(&app).await, head);

    let a = import_xlsx(&app, &street, "good_rows", file.clone()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["created"], 2);
    let changes = compound_changes(&app, head).await;
    let codes: Vec<&str> = changes
        .iter()
        .map(|c| c["payload"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["X1", "X4"]);
    let x1 = &changes[0]["payload"];
    assert_eq!(x1["location"], json!({"lon": 104.0831, "lat": 30.6522}));
    assert_eq!(x1["governance_formed_on"], "2020-05-01", "a date cell");
    assert_eq!(
        x1["district"], "510104",
        "a numeric code cell reads as text"
    );
    assert_eq!(changes[1]["payload"]["governance_body"], "none");
    assert_eq!(changes[1]["payload"]["governance_formed_on"], Value::Null);

    let head = feed_head(&app).await;
    let a = import_xlsx(&app, &street, "good_rows", file).await;
    let report = a.json();
    assert_eq!(
        (&report["created"], &report["updated"], &report["unchanged"]),
        (&json!(0), &json!(0), &json!(2))
    );
    assert_eq!(feed_head(&app).await, head, "re-import writes nothing");

    // A file that is not a workbook, and a workbook sent as CSV.
    import_xlsx(&app, &street, "dry_run", b"not a zip".to_vec())
        .await
        .problem(422, "invalid_ledger_file");
    let a = import_csv(&app, &street, "dry_run", xlsx_file(&[row("X9", JINGUANYI)])).await;
    let p = a.problem(422, "invalid_ledger_file");
    assert!(p["detail"].as_str().unwrap().contains("xlsx"));
    app.stop().await;
}

async fn export_round_trips_for_both_formats_at_scale(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = app.token(Role::Association, Scope::City);
    let streets = [JINGUANYI, DONGHU, CAOSHIJIE];
    let managements = ["无物业", "自管", "物业企业", "其他"];
    let bodies = ["无", "业主委员会", "物业管理委员会", "院委会"];
    let rows: Vec<Vec<String>> = (0..500)
        .map(|i| {
            let street = streets[i % 3];
            let mut r = row(&format!("L{i:04}"), street);
            r = set(r, "小区名称", &format!("第{i}号院, \"老\"宿舍"));
            r = set(r, "经度", &format!("{}", 104.0 + i as f64 / 1000.0));
            r = set(r, "纬度", &format!("{}", 30.6 + i as f64 / 3000.0));
            r = set(r, "户数", &(50 + i).to_string());
            r = set(r, "管理方式", managements[i % 4]);
            r = set(r, "自治组织", bodies[i % 4]);
            if i % 4 == 0 {
                r = set(r, "自治组织成立日期", "");
            }
            r = set(
                r,
                "符合条件且业主自愿",
                if i % 5 == 0 { "否" } else { "是" },
            );
            set(r, "是否老旧小区", if i % 7 == 0 { "否" } else { "是" })
        })
        .collect();
    // CSV quoting for the names with commas and quotes.
    let mut text = String::from(&HEADER.join(","));
    text.push('\n');
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| {
                if c.contains([',', '"']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.clone()
                }
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let started = std::time::Instant::now();
    let a = import_csv(&app, &assoc, "strict", text.into_bytes()).await;
    let took = started.elapsed();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["created"], 500);
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
    eprintln!("imported 500 rows in {took:?}");
    assert_eq!(list_total(&app, "").await, 500);
    let one = app
        .catalog_get("/catalog/compounds?q=L0007", None)
        .await
        .json();
    assert_eq!(one["items"][0]["name"], "第7号院, \"老\"宿舍");
    let head = feed_head(&app).await;
    assert_eq!(head, PLACES + 500);

    // CSV: export, then import the file back: nothing changes.
    let (status, ct, csv) = download(&app, "/catalog/compounds/export?format=csv", &assoc).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"));
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "with a BOM for Excel");
    let a = import_csv(&app, &assoc, "strict", csv).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report = a.json();
    assert_eq!(
        (&report["created"], &report["updated"], &report["unchanged"]),
        (&json!(0), &json!(0), &json!(500))
    );
    assert_eq!(report["errors"], json!([]));

    // XLSX likewise.
    let (status, ct, xlsx) = download(&app, "/catalog/compounds/export?format=xlsx", &assoc).await;
    assert_eq!(status, 200);
    assert_eq!(ct, XLSX_MIME);
    {
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.clone())).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.height(), 501);
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, HEADER.map(String::from).to_vec());
    }
    let a = import_xlsx(&app, &assoc, "strict", xlsx).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report = a.json();
    assert_eq!(
        (&report["created"], &report["updated"], &report["unchanged"]),
        (&json!(0), &json!(0), &json!(500))
    );
    assert_eq!(feed_head(&app).await, head, "round trips write nothing");

    // Officials export their own area.
    let district = app.token(Role::DistrictOfficial, Scope::District("510104".into()));
    let (_, _, own) = download(&app, "/catalog/compounds/export", &district).await;
    let lines = String::from_utf8(own).unwrap().lines().count();
    assert_eq!(lines, 1 + 334, "header + the 锦江区 two thirds");
    let (status, _, _) = download(&app, "/catalog/compounds/export?format=pdf", &assoc).await;
    assert_eq!(status, 422);
    app.stop().await;
}

async fn list_filters_and_paginates(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = app.token(Role::Association, Scope::City);
    let specs = [
        ("F-1", JINGUANYI, "none", true, "春熙苑"),
        ("F-2", JINGUANYI, "property_firm", false, "红星小区"),
        ("F-3", DONGHU, "self_managed", true, "东湖花园"),
        ("F-4", DONGHU, "none", true, "春熙里"),
        ("F-5", CAOSHIJIE, "other", false, "草市街宿舍"),
    ];
    for (code, street, management, eligible, name) in specs {
        let mut c = compound_body(code, street);
        // F-3 was built in 2005 and is not in the old-compound programme.
        c["is_old"] = json!(code != "F-3");
        c["management"] = json!(management);
        c["eligible_and_willing"] = json!(eligible);
        c["name"] = json!(name);
        c["community"] = json!(format!("{name}社区"));
        let a = post(&app, Some(&assoc), &c).await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let codes = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |q: &'static str| {
        let app = &app;
        async move {
            let a = app
                .catalog_get(&format!("/catalog/compounds{q}"), None)
                .await;
            assert_eq!(a.status, 200, "{q}: {}", a.body);
            a.json()
        }
    };
    assert_eq!(codes(&get("").await), ["F-1", "F-2", "F-3", "F-4", "F-5"]);
    assert_eq!(
        codes(&get("?district=510104").await),
        ["F-1", "F-2", "F-3", "F-4"]
    );
    assert_eq!(codes(&get("?street=510104018").await), ["F-3", "F-4"]);
    assert_eq!(codes(&get("?management=none").await), ["F-1", "F-4"]);
    assert_eq!(codes(&get("?eligible=false").await), ["F-2", "F-5"]);
    assert_eq!(codes(&get("?old=false").await), ["F-3"]);
    assert_eq!(
        codes(&get("?district=510104&old=true").await),
        ["F-1", "F-2", "F-4"]
    );
    assert_eq!(
        codes(&get("?district=510104&eligible=true&management=none").await),
        ["F-1", "F-4"]
    );
    assert_eq!(codes(&get("?q=%E6%98%A5%E7%86%99").await), ["F-1", "F-4"]); // 春熙
    assert_eq!(codes(&get("?q=f-5").await), ["F-5"], "code, any case");
    assert_eq!(
        codes(&get("?q=%E7%BA%A2%E6%98%9F%E5%B0%8F%E5%8C%BA%E7%A4%BE%E5%8C%BA").await),
        ["F-2"]
    ); // 红星小区社区
    let page = get("?limit=2&offset=2").await;
    assert_eq!(codes(&page), ["F-3", "F-4"]);
    assert_eq!(page["total"], 5);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 2);
    let last = get("?district=510104&limit=3&offset=3").await;
    assert_eq!(codes(&last), ["F-4"]);
    assert_eq!(last["total"], 4);

    for (query, field) in [
        ("?district=abc", "district"),
        ("?street=510104999", "street"),
        ("?management=%E6%89%98%E7%AE%A1", "management"),
        ("?eligible=maybe", "eligible"),
        ("?old=1", "old"),
        ("?limit=0", "limit"),
        ("?offset=-1", "offset"),
    ] {
        let a = app
            .catalog_get(&format!("/catalog/compounds{query}"), None)
            .await;
        a.problem(422, "validation_failed");
        assert!(a.field_error(field).is_some(), "{query}: {}", a.body);
    }

    // The OpenAPI document describes the import report (every route is in the document:
    // they come from one list, `foundation::every_documented_operation_is_served`).
    let doc = app.catalog_get("/catalog/openapi.json", None).await.json();
    assert!(doc["components"]["schemas"]["ImportReport"].is_object());
    app.stop().await;
}
