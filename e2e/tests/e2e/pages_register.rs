//! The owner register's pages (业主名册): the committee's and the street official's, read
//! masked by the district; refusals, the import with its preview, one unit at a time with
//! its history, the export, over HTTP; and the committee's journey in a browser.

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::json;
use shared::auth::{Role, Scope};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, compound_body};
use wuye_e2e::pages::{self, CSRF};
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(
    register_pages_refuse_what_the_role_may_not_do,
    the_committee_and_the_street_keep_the_register_through_the_pages,
    a_committee_imports_and_keeps_its_register_in_a_browser,
);

/// 望江小区's register under a title row: 8 data rows (lines 3–10), 6 good, one bad area
/// (line 9), one bad phone (line 10).
///
/// Good: 1栋1单元101 and 102 of 张三 (one owner), 1栋1单元201 of 李四、王五, 1栋2单元101
/// and 102 unsold (one owner), 2栋101 of 赵六: 6 units, 4 owners by head, 575.08 ㎡.
const FILE: &str = "望江小区业主名册\n\
楼栋,单元,房号,专有部分面积(㎡),业主姓名,联系电话,状态\n\
1栋,1单元,101,89.57,张三,13800000001,\n\
1栋,1单元,102,60,张三,13800000001,\n\
1栋,1单元,201,75.5,李四、王五,13800000002、13800000003,\n\
1栋,2单元,101,120,,,未售\n\
1栋,2单元,102,130.01,,,未售\n\
2栋,,101,100,赵六,13800000006,\n\
2栋,,102,八十,钱七,13800000007,\n\
2栋,,103,70,孙八,12345,\n";

fn association(app: &TestApp) -> String {
    app.token(Role::Association, Scope::City)
}

/// A compound of 锦官驿街道 in the catalog, followed by tender; its id.
async fn compound(app: &TestApp, code: &str) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.catalog_url),
            Some(&association(app)),
            Some(&compound_body(code, JINGUANYI)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_str().unwrap().to_string();
    app.tender_follows_catalog().await;
    id
}

/// A multipart upload of a register file to `path`, with the form token.
async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    name: &str,
    file: &[u8],
) -> (StatusCode, String, String) {
    let boundary = "----wuye-register-boundary";
    let content_type = if name.ends_with(".csv") {
        "text/csv"
    } else {
        "application/vnd.ms-excel"
    };
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{CSRF}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", app.web_url))
        .header(COOKIE, format!("wuye_csrf={CSRF}; wuye_session={token}"))
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
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

/// Who may use which register page: visitors are sent to sign in, a firm gets 403, another
/// street's official the API's 403; the district reads masked and gets no edit links; a
/// form without its token is refused; an upload belongs to its account and compound.
async fn register_pages_refuse_what_the_role_may_not_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = compound(&app, "reg-p1").await;
    let other = compound(&app, "reg-p2").await;
    let committee = app.token(Role::Committee, Scope::Compound(c.clone()));
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let a = app
        .send(
            Method::POST,
            &format!(
                "{}/tenders/compounds/{c}/register/import?format=csv&mode=good_rows",
                app.tender_url
            ),
            Some(&committee),
            None::<&()>,
        )
        .await;
    assert_eq!(a.status, 422, "an empty body is no file: {}", a.body);
    let res = app
        .client
        .post(format!(
            "{}/tenders/compounds/{c}/register/import?format=csv&mode=good_rows",
            app.tender_url
        ))
        .bearer_auth(&committee)
        .body(FILE)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Visitors sign in first, and come back.
    for path in [
        "/committee/register",
        &format!("/official/register/{c}"),
        "/official/register",
    ] {
        let (status, location, _) = pages::get(&app, path, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert!(location.starts_with("/signin?next="), "{path}: {location}");
    }
    // A firm has no register page; a committee has no official's page.
    let firm = app.token(Role::Firm, Scope::Firm("f1".into()));
    let (status, _, _) = pages::get(&app, "/committee/register", Some(&firm)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) =
        pages::get(&app, &format!("/official/register/{c}"), Some(&committee)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another street's official: the API's 403.
    let other_street = app.token(Role::StreetOfficial, Scope::Street("510104018".into()));
    let (status, _, body) = pages::get(
        &app,
        &format!("/official/register/{c}"),
        Some(&other_street),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("业主名册"), "{body}");
    // The district reads, masked, without edit links.
    let district = app.token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let (status, _, body) =
        pages::get(&app, &format!("/official/register/{c}"), Some(&district)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("业主姓名和电话已隐去"), "{body}");
    assert!(body.contains("张*") && !body.contains("张三") && !body.contains("13800000001"));
    assert!(!body.contains("编辑 1栋1单元101") && !body.contains("导入名册"));
    // The street sees names whole and may keep.
    let (status, _, body) =
        pages::get(&app, &format!("/official/register/{c}"), Some(&street)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("张三") && body.contains("13800000001") && body.contains("导入名册"));
    // The official's list shows the compound with its totals.
    let (status, _, body) = pages::get(&app, "/official/register", Some(&street)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(&format!("href=\"/official/register/{c}\"")),
        "{body}"
    );
    // A form without its token.
    let (status, _, _) = pages::post(
        &app,
        "/committee/register/units",
        Some(&committee),
        &[
            ("building", "9"),
            ("room", "1"),
            ("area", "50"),
            ("developer", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An upload belongs to its account and to its compound: the street official's file for
    // one compound is no file for another, nor for the committee.
    let (status, location, _) = upload(
        &app,
        &format!("/official/register/{c}/import"),
        &street,
        "名册.csv",
        FILE.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let job = location.rsplit('/').next().unwrap().to_string();
    let (status, _, _) = pages::get(&app, &location, Some(&street)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = pages::get(
        &app,
        &format!("/official/register/{other}/import/{job}"),
        Some(&street),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = pages::get(
        &app,
        &format!("/committee/register/import/{job}"),
        Some(&committee),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = pages::post(
        &app,
        &format!("/official/register/{other}/import/{job}"),
        Some(&street),
        &[("_csrf", CSRF), ("mode", "good_rows")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor is it a ledger import.
    let (status, _, _) =
        pages::get(&app, &format!("/official/import/jobs/{job}"), Some(&street)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A file of another kind.
    let (status, _, body) = upload(
        &app,
        "/committee/register/import",
        &committee,
        "名册.xls",
        b"PK",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("只能导入 CSV（.csv）或 Excel（.xlsx）格式的业主名册"),
        "{body}"
    );
    app.stop().await;
}

/// The committee imports through the preview (bad rows named, the totals it would have),
/// imports the good rows, adds a unit (a bad area named beside its input, typed values
/// kept), changes one (a stale version refused), takes one out; the street does the same on
/// its pages; the export downloads.
async fn the_committee_and_the_street_keep_the_register_through_the_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = compound(&app, "reg-p3").await;
    let committee = app.token(Role::Committee, Scope::Compound(c.clone()));
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));

    let (status, _, body) = pages::get(&app, "/committee/register", Some(&committee)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("名册尚无记录"), "{body}");

    // Upload: the preview names the bad rows and the totals, nothing is saved.
    let (status, location, _) = upload(
        &app,
        "/committee/register/import",
        &committee,
        "名册.csv",
        FILE.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/committee/register/import/"),
        "{location}"
    );
    let (status, _, body) = pages::get(&app, &location, Some(&committee)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("尚未保存任何数据"), "{body}");
    assert!(
        body.contains("第 9 行") && body.contains("“八十”应为平方米数"),
        "{body}"
    );
    assert!(
        body.contains("第 10 行") && body.contains("联系电话"),
        "{body}"
    );
    assert!(
        body.contains("6 套，业主 4 人，专有部分总面积 575.08 ㎡"),
        "{body}"
    );
    let (_, _, body) = pages::get(&app, "/committee/register", Some(&committee)).await;
    assert!(body.contains("名册尚无记录"));

    // Strict refuses the whole file; good rows imports the six.
    let (status, _, body) = pages::post(
        &app,
        &location,
        Some(&committee),
        &[("_csrf", CSRF), ("mode", "strict")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("未导入任何一行"), "{body}");
    let (status, done, _) = pages::post(
        &app,
        &location,
        Some(&committee),
        &[("_csrf", CSRF), ("mode", "good_rows")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(done.starts_with("/committee/register?done="), "{done}");
    let (_, _, body) = pages::get(&app, &done, Some(&committee)).await;
    assert!(
        body.contains("已导入业主名册：新增 6 套，更新 0 套，0 套无变化；有错误的 2 行未导入"),
        "{body}"
    );
    assert!(
        body.contains("6 套") && body.contains("4 人") && body.contains("575.08 ㎡"),
        "{body}"
    );
    assert!(body.contains("同一业主共 2 套，按 1 人计"), "{body}");
    let (_, _, body) = pages::get(&app, "/committee/register?building=2栋", Some(&committee)).await;
    assert!(
        body.contains("共 1 套") && body.contains("赵六") && !body.contains("张三"),
        "{body}"
    );

    // A new unit: a bad area and a bad second owner's phone beside their inputs.
    let form = |area: &'static str, phone: &'static str| {
        vec![
            ("_csrf", CSRF),
            ("building", "2栋"),
            ("unit", ""),
            ("room", "102"),
            ("area", area),
            ("owner_0_name", "钱七"),
            ("owner_0_phone", "13800000007"),
            ("owner_1_name", "钱七的配偶"),
            ("owner_1_phone", phone),
        ]
    };
    let (status, _, body) = pages::post(
        &app,
        "/committee/register/units",
        Some(&committee),
        &form("八十", "12345"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("id=\"area-error\"") && body.contains("“八十”应为平方米数"),
        "{body}"
    );
    assert!(body.contains("id=\"owner_1_phone-error\""), "{body}");
    assert!(body.contains("value=\"钱七的配偶\""), "typed values kept");
    let (status, location, _) = pages::post(
        &app,
        "/committee/register/units",
        Some(&committee),
        &form("80", ""),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, body) = pages::get(&app, &location, Some(&committee)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("已将 2栋102 登记入名册"), "{body}");
    assert!(
        body.contains("第 1 版") && body.contains("逐户编辑"),
        "{body}"
    );
    let unit_path = location.split('?').next().unwrap().to_string();

    // The street changes it; the committee's page, read before, is stale and refused.
    let street_path = unit_path.replace("/committee/register", &format!("/official/register/{c}"));
    let change = |version: &'static str, name: &'static str| {
        vec![
            ("_csrf", CSRF),
            ("building", "2栋"),
            ("room", "102"),
            ("area", "80.5"),
            ("owner_0_name", name),
            ("version", version),
        ]
    };
    let (status, location, _) =
        pages::post(&app, &street_path, Some(&street), &change("1", "周九")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (status, _, body) =
        pages::post(&app, &unit_path, Some(&committee), &change("1", "吴十")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("当前为第 2 版"), "{body}");
    assert!(body.contains("value=\"吴十\""), "typed values kept");
    let (_, _, body) = pages::get(&app, &unit_path, Some(&committee)).await;
    assert!(body.contains("周九") && body.contains("80.50"), "{body}");
    assert!(
        body.contains("钱七（13800000007）"),
        "the history shows the version before: {body}"
    );

    // Taken out: out of the totals, in the history.
    let (status, done, _) = pages::post(
        &app,
        &format!("{unit_path}/remove"),
        Some(&committee),
        &[("_csrf", CSRF), ("version", "2")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, body) = pages::get(&app, &done, Some(&committee)).await;
    assert!(body.contains("已将 2栋102 移出名册"), "{body}");
    assert!(body.contains("575.08 ㎡"), "{body}");
    let (_, _, body) = pages::get(&app, "/committee/register/history", Some(&committee)).await;
    assert!(
        body.contains("移出名册") && body.contains("共 9 条"),
        "{body}"
    );

    // The export, whole.
    let res = Client::new()
        .get(format!(
            "{}/committee/register/export?format=csv",
            app.web_url
        ))
        .header(
            COOKIE,
            format!("wuye_csrf={CSRF}; wuye_session={committee}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains("1栋,1单元,201,75.5,李四、王五,13800000002、13800000003,"),
        "{text}"
    );
    assert!(
        !text.contains("2栋,,102"),
        "a removed unit is not exported: {text}"
    );
    let district = app.token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let (status, _, _) = pages::get(
        &app,
        &format!("/official/register/{c}/export"),
        Some(&district),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}

/// The committee signs in, opens its register from the workbench, uploads a file with bad
/// rows, reads the preview on a phone-sized screen, imports the good rows, corrects a unit
/// that the file got wrong and sees the totals follow.
async fn a_committee_imports_and_keeps_its_register_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(backend.clone()).await;
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let c = compound(&app, "reg-b1").await;
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&association(&app)),
            Some(
                &json!({"username": "wangjiang.yw", "display_name": "望江小区业委会",
                "password": "committee-pass-2026", "role": "committee", "scope_id": c}),
            ),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let url = |p: &str| format!("{}{p}", app.web_url);
    let dir = wuye_e2e::test_dir().unwrap();
    let file = dir.join("望江小区业主名册.csv");
    std::fs::write(&file, FILE).unwrap();

    browser.open(&url("/signin?next=/committee")).await.unwrap();
    browser.fill("#username", "wangjiang.yw").await.unwrap();
    browser
        .fill("#password", "committee-pass-2026")
        .await
        .unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("小区自治组织工作台").await.unwrap();
    browser
        .click("a[href='/committee/register']")
        .await
        .unwrap();
    browser.wait_for("名册尚无记录").await.unwrap();

    // Upload: the preview on a phone.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser
        .click("a[href='/committee/register/import']")
        .await
        .unwrap();
    browser.wait_for("上传并试导入").await.unwrap();
    browser
        .client
        .find(fantoccini::Locator::Css("input[type=file]#file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    browser
        .click("form[action='/committee/register/import'] button")
        .await
        .unwrap();
    let text = browser.wait_for("试导入完成").await.unwrap();
    assert!(
        text.contains("第 9 行") && text.contains("“八十”应为平方米数"),
        "{text}"
    );
    assert!(
        text.contains("6 套，业主 4 人，专有部分总面积 575.08 ㎡"),
        "{text}"
    );
    let width: i64 = browser
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(width <= 400, "the preview fits a phone's width ({width}px)");
    browser
        .screenshot(&format!("register-preview-phone-{tag}"))
        .await
        .unwrap();
    browser
        .click("form input[value='good_rows'] ~ button")
        .await
        .unwrap();
    let text = browser.wait_for("已导入业主名册").await.unwrap();
    assert!(
        text.contains("新增 6 套") && text.contains("575.08 ㎡"),
        "{text}"
    );
    browser
        .screenshot(&format!("register-phone-{tag}"))
        .await
        .unwrap();
    browser.client.set_window_size(1280, 900).await.unwrap();

    // 2栋101 was registered with the wrong area: corrected one unit at a time.
    browser.click("a[aria-label='编辑 2栋101']").await.unwrap();
    browser.wait_for("第 1 版").await.unwrap();
    browser.fill("#area", "100.4").await.unwrap();
    browser.fill("#owner_1_name", "赵六的配偶").await.unwrap();
    browser.fill("#owner_1_phone", "1380000").await.unwrap();
    browser
        .click("#unit-form button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("表单有误").await.unwrap();
    let phone = browser
        .client
        .find(fantoccini::Locator::Css("#owner_1_phone"))
        .await
        .unwrap();
    assert_eq!(
        phone.attr("aria-describedby").await.unwrap().as_deref(),
        Some("owner_1_phone-error")
    );
    browser.fill("#owner_1_phone", "").await.unwrap();
    browser
        .click("#unit-form button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("已保存 2栋101（第 2 版）").await.unwrap();
    assert!(
        text.contains("2栋101：100.00 ㎡；赵六（13800000006）"),
        "the history: {text}"
    );
    browser
        .screenshot(&format!("register-unit-{tag}"))
        .await
        .unwrap();
    browser
        .click("nav a[href='/committee/register']")
        .await
        .unwrap();
    let text = browser.wait_for("名册合计").await.unwrap();
    // 575.08 + 0.40; 赵六 and the spouse are one owner of their unit.
    assert!(
        text.contains("575.48 ㎡") && text.contains("4 人"),
        "{text}"
    );
    browser
        .screenshot(&format!("register-{tag}"))
        .await
        .unwrap();
    browser.close().await;
    app.stop().await;
}
