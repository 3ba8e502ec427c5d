//! Officials' pages: ledger, import preview, coverage dashboard, satisfaction ranking, bundles.
//!
//! Over HTTP: the refusals (a visitor is sent to sign in, other roles get 403, another
//! street's compound is 403, an unknown one 404, a form without its CSRF token 403, an
//! import job is only its starter's) and the edit form keeping typed values with the error
//! beside the field. In the browser: a street official imports a ledger file with one bad
//! row, sees the preview, fixes the file and imports, then opens the ledger, the coverage
//! dashboard and the bundle suggestions.

use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::json;
use shared::auth::{Identity, Role, Scope};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::compound_body;
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(
    official_pages_refuse_what_the_role_may_not_do,
    street_official_imports_a_ledger_in_a_browser,
);

/// 锦江区 (510104) 锦官驿街道 and 东湖街道, and 青羊区 (510105) 草市街街道.
const JINGUANYI: &str = "510104017";
const DONGHU: &str = "510104018";
const CAOSHIJIE: &str = "510105002";
/// A CSRF token the test browser holds (any value of 32+ characters).
const CSRF: &str = "0123456789abcdef0123456789abcdef0123";

/// A client that does not follow redirects.
fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// The cookies of a browser signed in with `token` (none for a visitor).
fn cookies(token: Option<&str>) -> String {
    match token {
        Some(t) => format!("wuye_csrf={CSRF}; wuye_session={t}"),
        None => format!("wuye_csrf={CSRF}"),
    }
}

async fn page(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String, String) {
    let res = client()
        .get(format!("{}{path}", app.web_url))
        .header(COOKIE, cookies(token))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, res.text().await.unwrap())
}

async fn post_form(
    app: &TestApp,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let res = client()
        .post(format!("{}{path}", app.web_url))
        .header(COOKIE, cookies(Some(token)))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, res.text().await.unwrap())
}

/// A multipart upload of a ledger file to the import page, with or without the CSRF field.
async fn upload(
    app: &TestApp,
    token: &str,
    csrf: Option<&str>,
    name: &str,
    content_type: &str,
    file: &[u8],
) -> (StatusCode, String, String) {
    let boundary = "----wuye-test-boundary-7d1f";
    let mut body = Vec::new();
    if let Some(c) = csrf {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{c}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = client()
        .post(format!("{}/official/import", app.web_url))
        .header(COOKIE, cookies(Some(token)))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, res.text().await.unwrap())
}

async fn create_compound(app: &TestApp, code: &str, street: &str) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.catalog_url),
            Some(&app.token(Role::Association, Scope::City)),
            Some(&compound_body(code, street)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

/// The edit form's fields for a compound as the fixture makes it, with `changes`.
fn edit_fields<'a>(code: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("_csrf", CSRF),
        ("code", code),
        ("name", "锦官驿一号院"),
        ("address", "水津街 1 号"),
        ("street", JINGUANYI),
        ("community", "水井坊社区"),
        ("lon", "104.083"),
        ("lat", "30.652"),
        ("year_built", "1995"),
        ("buildings", "6"),
        ("households", "480"),
        ("floor_area_m2", "42000"),
        ("management", "none"),
        ("fire_safety", "on"),
        ("garbage_sorting_points", "2"),
        ("parking_spaces", "40"),
        ("elevators", "0"),
        ("governance_body", "owners_committee"),
        ("governance_formed_on", "2021-06-18"),
        ("eligible_and_willing", "true"),
        ("is_old", "true"),
    ];
    for (k, v) in changes {
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(f) => f.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

async fn official_pages_refuse_what_the_role_may_not_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let mine = create_compound(&app, "JGY-1", JINGUANYI).await;
    let other = create_compound(&app, "CSJ-1", CAOSHIJIE).await;
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    // Its own account (test tokens of one role otherwise share an account id).
    let other_street = app
        .keys
        .issue(&Identity {
            account_id: "donghu-official".into(),
            name: "东湖街道工作人员".into(),
            role: Role::StreetOfficial,
            scope: Scope::Street(DONGHU.into()),
            token_id: String::new(),
        })
        .unwrap();
    let district = app.token(Role::DistrictOfficial, Scope::District("510104".into()));
    let committee = app.token(Role::Committee, Scope::Compound(mine.clone()));
    let firm = app.token(Role::Firm, Scope::Firm("some-firm".into()));

    // A visitor is sent to sign in, and back.
    for path in [
        "/official/ledger",
        "/official/import",
        "/official/coverage",
        "/official/bundles",
    ] {
        let (status, location, _) = page(&app, path, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            location.starts_with("/signin?next=%2Fofficial%2F"),
            "{location}"
        );
    }
    // Committees and firms are refused.
    for token in [&committee, &firm] {
        for path in [
            "/official/ledger".to_string(),
            format!("/official/ledger/{mine}"),
            "/official/coverage".to_string(),
            "/official/bundles".to_string(),
        ] {
            let (status, _, body) = page(&app, &path, Some(token)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert!(body.contains("无权"), "{body}");
        }
    }

    // A district official's dashboard has a bar per street of the district; a bad date
    // is said, and today's figures shown.
    let (status, _, body) = page(&app, "/official/coverage", Some(&district)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("锦江区 · 覆盖率看板"));
    let bars = &body[body
        .find("id=\"coverage-streets\"")
        .expect("the street chart")..];
    assert!(bars.contains(">锦官驿街道</text>") && bars.contains(">东湖街道</text>"));
    assert!(!bars.contains("草市街"));
    let (status, _, body) = page(&app, "/official/coverage?as_of=2025-13-40", Some(&street)).await;
    assert_eq!(status, 200);
    assert!(body.contains("日期有误"), "{body}");
    // Bundles for another district's street are not offered: the page shows its own.
    let (status, _, body) = page(
        &app,
        &format!("/official/bundles?street={CAOSHIJIE}"),
        Some(&district),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("草市街街道小区分布"), "{body}");

    // The ledger lists the official's street only.
    let (status, _, body) = page(&app, "/official/ledger", Some(&street)).await;
    assert_eq!(status, 200);
    assert!(body.contains("JGY-1") && !body.contains("CSJ-1"), "{body}");
    assert!(body.contains("共 1 个小区"));
    // The old-compound filter (JGY-1 is old).
    let (_, _, body) = page(&app, "/official/ledger?old=true", Some(&street)).await;
    assert!(
        body.contains("JGY-1")
            && body.contains("<option value=\"true\" selected>老旧小区</option>"),
        "{body}"
    );
    let (_, _, body) = page(&app, "/official/ledger?old=false", Some(&street)).await;
    assert!(
        !body.contains("JGY-1") && body.contains("共 0 个小区"),
        "{body}"
    );
    // Asking for another district's street does not widen the list.
    let (_, _, body) = page(
        &app,
        &format!("/official/ledger?street={CAOSHIJIE}"),
        Some(&street),
    )
    .await;
    assert!(!body.contains("CSJ-1"));

    // Another street's compound is 403 for a street official and for another district's
    // official; an unknown one 404; the district official opens its streets' compounds.
    let (status, _, body) = page(&app, &format!("/official/ledger/{other}"), Some(&street)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("不在您的管辖范围") && !body.contains("CSJ-1号院\""),
        "{body}"
    );
    let (status, _, _) = page(
        &app,
        &format!("/official/ledger/{mine}"),
        Some(&other_street),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = page(&app, "/official/ledger/no-such-compound", Some(&street)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = page(&app, &format!("/official/ledger/{mine}"), Some(&district)).await;
    assert_eq!(status, 200);
    assert!(body.contains("value=\"JGY-1\""));
    let (status, _, _) = page(&app, &format!("/official/ledger/{other}"), Some(&district)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Posting to another street's compound is refused too, and changes nothing.
    let (status, _, _) = post_form(
        &app,
        &format!("/official/ledger/{other}"),
        &street,
        &edit_fields("CSJ-1", &[("name", "改名"), ("street", CAOSHIJIE)]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stored = app
        .catalog_get(&format!("/catalog/compounds/{other}"), None)
        .await
        .json();
    assert_eq!(stored["name"], "CSJ-1号院");

    // A bad edit: re-rendered with what was typed and the error beside each field.
    let (status, _, body) = post_form(
        &app,
        &format!("/official/ledger/{mine}"),
        &street,
        &edit_fields(
            "JGY-1",
            &[
                ("households", "很多"),
                ("year_built", "1800"),
                ("name", "新名字"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("value=\"很多\"") && body.contains("value=\"新名字\""));
    assert!(body.contains("value=\"1800\""));
    let after = |field: &str| -> String {
        let start = body.find(&format!("id=\"{field}\"")).expect("the input");
        body[start..].chars().take(400).collect()
    };
    assert!(after("households").contains("aria-invalid=\"true\""));
    assert!(
        after("households")
            .contains("<div class=\"field-error\" id=\"households-error\">“很多”不是整数</div>"),
        "{}",
        after("households")
    );
    assert!(
        after("year_built").contains("id=\"year_built-error\""),
        "{}",
        after("year_built")
    );
    assert!(body.contains("class=\"alert\""));
    let stored = app
        .catalog_get(&format!("/catalog/compounds/{mine}"), None)
        .await
        .json();
    assert_eq!(stored["name"], "JGY-1号院", "nothing saved");
    assert_eq!(stored["households"], 480);

    // Without its CSRF field the form is refused.
    let without: Vec<(&str, &str)> = edit_fields("JGY-1", &[("name", "新名字")])
        .into_iter()
        .filter(|(k, _)| *k != "_csrf")
        .collect();
    let (status, _, body) =
        post_form(&app, &format!("/official/ledger/{mine}"), &street, &without).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("表单已过期或来源不明"));

    // A good edit is saved and redirects with a notice.
    let (status, location, _) = post_form(
        &app,
        &format!("/official/ledger/{mine}"),
        &street,
        &edit_fields("JGY-1", &[("name", "锦官驿新村"), ("households", "500")]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&format!("/official/ledger/{mine}?done=")));
    let stored = app
        .catalog_get(&format!("/catalog/compounds/{mine}"), None)
        .await
        .json();
    assert_eq!(stored["name"], "锦官驿新村");
    assert_eq!(stored["households"], 500);

    // A new compound outside the street is refused by the API, beside the street field.
    let (status, _, body) = post_form(
        &app,
        "/official/ledger/new",
        &street,
        &edit_fields("NEW-1", &[("street", CAOSHIJIE)]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("value=\"NEW-1\""));

    // The import: without the CSRF field refused; with it, a job only its starter sees.
    let file = ledger_csv(&[row("U-1", JINGUANYI, 200, 0)]);
    let (status, _, _) = upload(&app, &street, None, "台账.csv", "text/csv", &file).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = upload(
        &app,
        &street,
        Some(CSRF),
        "台账.xls",
        "application/vnd.ms-excel",
        &file,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("只能导入 CSV"));
    let (status, job, _) = upload(&app, &street, Some(CSRF), "台账.csv", "text/csv", &file).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(job.starts_with("/official/import/jobs/"), "{job}");
    let preview = wait_for_job(&app, &job, &street).await;
    assert!(
        preview.contains("试导入完成") && preview.contains("将新增"),
        "{preview}"
    );
    let (status, _, _) = page(&app, &job, Some(&other_street)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another official cannot see the job"
    );
    let (status, _, _) = post_form(
        &app,
        &format!("{job}/confirm"),
        &other_street,
        &[("_csrf", CSRF), ("mode", "strict")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nor confirm it");
    let listed = app
        .catalog_get(
            &format!("/catalog/compounds?street={JINGUANYI}&q=U-1"),
            None,
        )
        .await
        .json();
    assert_eq!(listed["total"], 0, "a preview saves nothing");
    app.stop().await;
}

/// Polls a job page until it is no longer running; returns the page.
async fn wait_for_job(app: &TestApp, job: &str, token: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, body) = page(app, job, Some(token)).await;
        assert_eq!(status, 200, "{body}");
        if !body.contains("<progress") {
            return body;
        }
        assert!(Instant::now() < deadline, "the job never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ledger's column headers.
const HEADER: &str = "小区编码,小区名称,地址,区县代码,街道代码,社区,经度,纬度,建成年份,楼栋数,户数,建筑面积,管理方式,消防设施,视频监控,门禁,垃圾分类投放点,停车位,电梯,自治组织,自治组织成立日期,符合条件且业主自愿,是否老旧小区";

/// A ledger row: `households` in `street`, `east` hundred metres east of the first.
fn row(code: &str, street: &str, households: u32, east: u32) -> Vec<String> {
    vec![
        code.into(),
        format!("{code}号院"),
        "水津街 8 号".into(),
        street[..6].into(),
        street.into(),
        "水井坊社区".into(),
        format!("{:.4}", 104.0830 + f64::from(east) * 0.00105),
        "30.6520".into(),
        "1992".into(),
        "3".into(),
        households.to_string(),
        "9000".into(),
        "无物业".into(),
        "是".into(),
        "否".into(),
        "否".into(),
        "1".into(),
        "10".into(),
        "0".into(),
        "院委会".into(),
        "2020-05-01".into(),
        "是".into(),
        "是".into(),
    ]
}

fn with(mut row: Vec<String>, column: &str, value: &str) -> Vec<String> {
    let k = HEADER
        .split(',')
        .position(|h| h == column)
        .expect("a column");
    row[k] = value.into();
    row
}

fn ledger_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut text = format!("\u{feff}{HEADER}\r\n");
    for r in rows {
        text.push_str(&r.join(","));
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// The journey's ledger: three small neighbouring compounds without service (a bundle),
/// two served by firms, one large one without service; `bad` puts words in a number.
fn journey_rows(bad: bool) -> Vec<Vec<String>> {
    let named = |code: &str, households: u32, east: u32, lat: &str, name: &str, served: bool| {
        let r = with(row(code, JINGUANYI, households, east), "纬度", lat);
        let r = with(r, "小区名称", name);
        if served {
            with(r, "管理方式", "物业企业")
        } else {
            r
        }
    };
    vec![
        named("JGY-001", 420, 9, "30.6545", "水津街小区", true),
        named("JGY-002", 130, 0, "30.6520", "锦官驿一号院", false),
        with(
            with(row("JGY-003", JINGUANYI, 120, 1), "纬度", "30.6528"),
            "户数",
            if bad { "一百二十" } else { "120" },
        ),
        named("JGY-004", 110, 2, "30.6515", "东门巷院落", false),
        named("JGY-005", 380, 12, "30.6500", "望江名苑", true),
        named("JGY-006", 520, 30, "30.6560", "合江亭小区", false),
    ]
}

async fn street_official_imports_a_ledger_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(backend.clone()).await;
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let association = app.token(Role::Association, Scope::City);
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&association),
            Some(&json!({
                "username": "jgy.street",
                "display_name": "锦官驿街道 王主任",
                "password": "a-long-enough-password",
                "role": "street_official",
                "scope_id": JINGUANYI,
            })),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let url = |p: &str| format!("{}{p}", app.web_url);
    let dir = wuye_e2e::test_dir().unwrap();

    // Sign in; the ledger is empty.
    browser
        .open(&url("/signin?next=/official/ledger"))
        .await
        .unwrap();
    browser.fill("#username", "jgy.street").await.unwrap();
    browser
        .fill("#password", "a-long-enough-password")
        .await
        .unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    browser
        .wait_for("锦江区锦官驿街道 · 小区台账")
        .await
        .unwrap();
    browser.wait_for("共 0 个小区").await.unwrap();

    // Upload a file with one bad row: the preview names the row, nothing is saved.
    let bad = dir.join("锦官驿台账.csv");
    std::fs::write(&bad, ledger_csv(&journey_rows(true))).unwrap();
    browser
        .click("a[href='/official/import'].button")
        .await
        .unwrap();
    browser.wait_for("上传并试导入").await.unwrap();
    attach(&browser, &bad).await;
    browser
        .click("form[action='/official/import'] button")
        .await
        .unwrap();
    let text = browser.wait_for("试导入完成").await.unwrap();
    assert!(text.contains("尚未保存任何数据"), "{text}");
    assert!(
        text.contains("第 4 行") && text.contains("户数") && text.contains("一百二十"),
        "{text}"
    );
    assert!(text.contains("1 行，1 处错误"), "{text}");
    browser
        .screenshot(&format!("import-preview-error-{tag}"))
        .await
        .unwrap();
    let listed = app
        .catalog_get(&format!("/catalog/compounds?street={JINGUANYI}"), None)
        .await
        .json();
    assert_eq!(listed["total"], 0, "a preview saves nothing: {listed}");

    // Fix the file, upload it again, confirm.
    let fixed = dir.join("锦官驿台账（改）.csv");
    std::fs::write(&fixed, ledger_csv(&journey_rows(false))).unwrap();
    browser
        .click("a[href='/official/import'].button")
        .await
        .unwrap();
    browser.wait_for("上传并试导入").await.unwrap();
    attach(&browser, &fixed).await;
    browser
        .click("form[action='/official/import'] button")
        .await
        .unwrap();
    let text = browser.wait_for("文件全部正确").await.unwrap();
    assert!(text.contains("将新增"), "{text}");
    browser
        .click("form[action$='/confirm'] button")
        .await
        .unwrap();
    let text = browser.wait_for("已导入台账").await.unwrap();
    assert!(text.contains("新增 6 个小区"), "{text}");
    browser
        .screenshot(&format!("import-done-{tag}"))
        .await
        .unwrap();
    let listed = app
        .catalog_get(&format!("/catalog/compounds?street={JINGUANYI}"), None)
        .await
        .json();
    assert_eq!(listed["total"], 6, "{listed}");

    // The ledger shows them.
    browser
        .click("a.button[href='/official/ledger']")
        .await
        .unwrap();
    let text = browser.wait_for("共 6 个小区").await.unwrap();
    assert!(
        text.contains("锦官驿一号院") && text.contains("合江亭小区"),
        "{text}"
    );
    browser.screenshot(&format!("ledger-{tag}")).await.unwrap();

    // Editing a compound with a word for a number: the error beside the field, typed
    // values kept, nothing saved.
    browser
        .click("a[aria-label='编辑 锦官驿一号院']")
        .await
        .unwrap();
    browser.wait_for("编辑小区：锦官驿一号院").await.unwrap();
    browser.fill("#households", "一百三十").await.unwrap();
    browser.fill("#name", "锦官驿一号院（东）").await.unwrap();
    browser
        .click("form[action^='/official/ledger/'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("“一百三十”不是整数").await.unwrap();
    let kept = browser
        .client
        .find(fantoccini::Locator::Css("#households"))
        .await
        .unwrap();
    assert_eq!(
        kept.prop("value").await.unwrap().as_deref(),
        Some("一百三十")
    );
    assert_eq!(
        kept.attr("aria-describedby").await.unwrap().as_deref(),
        Some("households-error")
    );
    browser
        .screenshot(&format!("ledger-edit-error-{tag}"))
        .await
        .unwrap();
    let listed = app
        .catalog_get(
            &format!("/catalog/compounds?street={JINGUANYI}&q=JGY-002"),
            None,
        )
        .await
        .json();
    assert_eq!(listed["items"][0]["name"], "锦官驿一号院", "nothing saved");

    // Coverage: two of the six are served by firms.
    app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
        .await;
    browser.open(&url("/official/coverage")).await.unwrap();
    let text = browser.wait_for("覆盖率看板").await.unwrap();
    assert!(text.contains("33.33%"), "{text}");
    assert!(
        text.contains("已覆盖 2 个 ÷ 符合条件且业主自愿 6 个"),
        "{text}"
    );
    for id in ["coverage-gauge", "coverage-history", "coverage-streets"] {
        let svg = browser
            .client
            .find(fantoccini::Locator::Css(&format!("svg#{id}")))
            .await
            .unwrap_or_else(|_| panic!("the {id} chart"));
        assert_eq!(svg.attr("role").await.unwrap().as_deref(), Some("img"));
    }
    browser
        .screenshot(&format!("coverage-dashboard-{tag}"))
        .await
        .unwrap();
    browser
        .client
        .execute(
            "document.getElementById('history-heading').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    browser
        .screenshot(&format!("coverage-charts-{tag}"))
        .await
        .unwrap();

    // Bundles: the three small neighbours without service make one (the index follows the
    // feed a moment after matching's tables).
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        browser.open(&url("/official/bundles")).await.unwrap();
        let text = browser.wait_for("片区化建议").await.unwrap();
        if text.contains("片区 1") {
            break text;
        }
        assert!(Instant::now() < deadline, "no bundle suggested: {text}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(text.contains("合计 360 户"), "{text}");
    assert!(
        text.contains("锦官驿一号院") && text.contains("东门巷院落"),
        "{text}"
    );
    let rings = browser
        .client
        .find_all(fantoccini::Locator::Css("svg#bundle-map circle.ring"))
        .await
        .unwrap();
    assert_eq!(rings.len(), 1);
    let points = browser
        .client
        .find_all(fantoccini::Locator::Css("svg#bundle-map circle.point"))
        .await
        .unwrap();
    assert_eq!(points.len(), 6);
    browser.screenshot(&format!("bundles-{tag}")).await.unwrap();

    // The home page shows the citywide figure.
    browser.open(&url("/")).await.unwrap();
    let text = browser.wait_for("全市覆盖率").await.unwrap();
    assert!(
        text.contains("已覆盖 2 个 ÷ 符合条件且业主自愿 6 个"),
        "{text}"
    );
    assert!(text.contains("共 20 个区（市）县、261 个镇街道"));
    browser
        .client
        .find(fantoccini::Locator::Css("svg#city-coverage"))
        .await
        .unwrap();
    browser
        .screenshot(&format!("home-coverage-{tag}"))
        .await
        .unwrap();
    browser.close().await;
    app.stop().await;
}

/// Chooses a file in the import form's file input.
async fn attach(browser: &Browser, path: &std::path::Path) {
    browser
        .client
        .find(fantoccini::Locator::Css("input[type=file]#file"))
        .await
        .unwrap()
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
}
