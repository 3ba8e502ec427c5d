//! The owners' pages of votes from ballots: the committee opens a vote, records paper
//! ballots and closes it (`/committee/votes…`); the street official prints the notices with
//! their codes (`/official/votes…`); an owner uses a code at `/o`; the public compound page
//! shows each result and the register's totals. Refusals by role and scope over HTTP, and
//! the whole journey in a browser, on a phone-sized screen for the owner.

use std::time::Duration;

use reqwest::header::{CACHE_CONTROL, COOKIE};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, compound_body};
use wuye_e2e::pages::{self, CSRF};
use wuye_e2e::tender::{from_now, ms};
use wuye_e2e::{Backend, Options, TestApp, both_backends, spawn_app, spawn_app_with};

both_backends!(
    vote_pages_refuse_what_the_role_may_not_do,
    a_vote_is_cast_checked_and_closed_through_the_pages,
    the_street_prints_an_owner_votes_and_the_committee_closes_in_a_browser,
    a_throttled_owner_is_answered_politely,
    a_survey_is_answered_per_unit_through_the_pages,
);

/// 望江小区's register: 1栋1单元101 (89.57 ㎡) and 102 (60 ㎡) of 张三 (one owner),
/// 1栋1单元201 (75.50 ㎡) of 李四、王五, 1栋2单元101 (120 ㎡) and 102 (130.01 ㎡) unsold
/// (together one owner), 2栋101 (100 ㎡) of 赵六: 6 units, 4 owners, 575.08 ㎡.
const REGISTER: &str = "楼栋,单元,房号,专有部分面积(㎡),业主姓名,联系电话,状态\n\
1栋,1单元,101,89.57,张三,13800000001,\n\
1栋,1单元,102,60,张三,13800000001,\n\
1栋,1单元,201,75.5,李四、王五,13800000002、13800000003,\n\
1栋,2单元,101,120,,,未售\n\
1栋,2单元,102,130.01,,,未售\n\
2栋,,101,100,赵六,13800000006,\n";

fn association(app: &TestApp) -> String {
    app.token(Role::Association, Scope::City)
}

fn committee(app: &TestApp, c: &str) -> String {
    app.token(Role::Committee, Scope::Compound(c.into()))
}

fn street(app: &TestApp) -> String {
    app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()))
}

/// A compound of 锦官驿街道 with the register above; its id.
async fn compound_with_register(app: &TestApp, code: &str) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.catalog_url),
            Some(&association(app)),
            Some(&compound_body(code, JINGUANYI)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let c = a.json()["id"].as_str().unwrap().to_string();
    app.tender_follows_catalog().await;
    let res = app
        .client
        .post(format!(
            "{}/tenders/compounds/{c}/register/import?format=csv&mode=strict",
            app.tender_url
        ))
        .bearer_auth(committee(app, &c))
        .body(REGISTER)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    c
}

/// A vote of compound `c` opened through the API, open now and closing in `closes_in` ms;
/// its view.
async fn open_vote(app: &TestApp, c: &str, question: &str, closes_in: i64) -> Value {
    let a = app
        .send(
            Method::POST,
            &format!("{}/tenders/compounds/{c}/ballot-votes", app.tender_url),
            Some(&committee(app, c)),
            Some(&json!({"matter": "amend_covenant", "question": question,
                "opens_at": from_now(-60_000), "closes_at": from_now(closes_in)})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()
}

/// The notices of a printed page: (unit label, code) in order.
fn notices(html: &str) -> Vec<(String, String)> {
    html.split("<article class=\"sheet\" aria-label=\"")
        .skip(1)
        .map(|part| {
            let label = part.split(" 的").next().unwrap().to_string();
            let code = part
                .split("<span class=\"code\">")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .unwrap()
                .to_string();
            (label, code)
        })
        .collect()
}

/// The code of `label` among `notices`.
fn code_of<'a>(notices: &'a [(String, String)], label: &str) -> &'a str {
    &notices
        .iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no notice for {label}: {notices:?}"))
        .1
}

/// The part of `html` from `start` to the next `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {html}"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The street generates the notices of vote `vid` on the page; the printed page.
async fn print_notices(app: &TestApp, vid: &str) -> String {
    print(app, &format!("/official/votes/{vid}/notices")).await
}

/// The street generates the notices at `path` (a vote's or a survey's); the printed page.
async fn print(app: &TestApp, path: &str) -> String {
    let res = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", app.web_url))
        .header(
            COOKIE,
            format!("wuye_csrf={CSRF}; wuye_session={}", street(app)),
        )
        .form(&[("_csrf", CSRF)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get(CACHE_CONTROL)
            .map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "the codes are never cached"
    );
    res.text().await.unwrap()
}

/// An owner's form at `/o…` with a code, anonymously.
async fn owner(
    app: &TestApp,
    path: &str,
    code: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut form = vec![("_csrf", CSRF), ("code", code)];
    form.extend_from_slice(extra);
    let (status, _, body) = pages::post(app, path, None, &form).await;
    (status, body)
}

/// Who may use which vote page: the notices are the street's (never the committee's, nor
/// another street's or the district's); another compound's committee sees nothing of the
/// vote; a form without its token is refused; a wrong code or the code of another vote
/// shows nothing of this one.
async fn vote_pages_refuse_what_the_role_may_not_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = compound_with_register(&app, "vote-p1").await;
    let d = compound_with_register(&app, "vote-p2").await;
    let own = committee(&app, &c);

    // The committee opens a vote on the page.
    let (status, _, page) = pages::get(&app, "/committee/votes/new", Some(&own)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("制定和修改管理规约")
            && page.contains("解聘物业服务企业")
            && page.contains("改变共有部分用途或者利用共有部分从事经营活动"),
        "the three new matters: {page}"
    );
    // Beijing time to the minute, as the form takes it: `2026-12-01 18:00`.
    let local = |ms: i64| from_now(ms)[..16].replace('T', " ");
    let open_form = |question: &'static str, closes: String| {
        vec![
            ("_csrf", CSRF.to_string()),
            ("matter", "amend_covenant".to_string()),
            ("question", question.to_string()),
            ("opens_at", local(-120_000)),
            ("closes_at", closes),
            ("tender_id", String::new()),
        ]
    };
    // Closing before it opens: the API's message beside the field, what was typed kept.
    let form = open_form("是否同意修改管理规约第十二条？", local(-3_600_000));
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = pages::post(&app, "/committee/votes", Some(&own), &refs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("id=\"closes_at-error\"") && page.contains("是否同意修改管理规约第十二条？")
    );
    let form = open_form("是否同意修改管理规约第十二条？", local(7 * 86_400_000));
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = pages::post(&app, "/committee/votes", Some(&own), &refs).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let vid = location
        .strip_prefix("/committee/votes/")
        .and_then(|s| s.split('?').next())
        .unwrap_or_else(|| panic!("{location}"))
        .to_string();
    let (status, _, page) = pages::get(&app, &location, Some(&own)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("是否同意修改管理规约第十二条？") && page.contains("投票中"));
    assert!(
        page.contains("6 套，业主 4 人，专有部分 575.08 ㎡"),
        "{page}"
    );
    let (_, _, list) = pages::get(&app, "/committee/votes", Some(&own)).await;
    assert!(
        list.contains(&format!("href=\"/committee/votes/{vid}\"")),
        "{list}"
    );

    // Visitors sign in first; another compound's committee sees nothing of the vote.
    for path in [
        "/committee/votes",
        "/official/votes",
        &format!("/official/votes/{vid}/notices"),
    ] {
        let (status, location, _) = pages::get(&app, path, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert!(location.starts_with("/signin?next="), "{path}: {location}");
    }
    let other = committee(&app, &d);
    let (status, _, page) =
        pages::get(&app, &format!("/committee/votes/{vid}"), Some(&other)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("是否同意修改管理规约第十二条？"));

    // The notices: never the committee's, nor another street's, nor the district's.
    let notices_path = format!("/official/votes/{vid}/notices");
    let (status, _, _) = pages::get(&app, &notices_path, Some(&own)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, page) = pages::post(&app, &notices_path, Some(&own), &[("_csrf", CSRF)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("class=\"code\""));
    let other_street = app.token(Role::StreetOfficial, Scope::Street("510104018".into()));
    let district = app.token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    for token in [&other_street, &district] {
        let (status, _, _) = pages::get(&app, &notices_path, Some(token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, page) =
            pages::post(&app, &notices_path, Some(token), &[("_csrf", CSRF)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(!page.contains("class=\"code\""));
    }
    let (status, _, page) = pages::get(&app, "/official/votes", Some(&other_street)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(&vid), "another street's list: {page}");
    // The street: its list, the warning, and no codes without the form's token.
    let (status, _, page) = pages::get(&app, "/official/votes", Some(&street(&app))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("href=\"/official/votes/{vid}/notices\"")),
        "{page}"
    );
    let (status, _, page) = pages::get(&app, &notices_path, Some(&street(&app))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("此前为这些房屋生成的表决码全部作废"),
        "{page}"
    );
    let (status, _, page) = pages::post(&app, &notices_path, Some(&street(&app)), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.contains("class=\"code\""));
    let printed = print_notices(&app, &vid).await;
    let codes = notices(&printed);
    assert_eq!(codes.len(), 6, "one notice per unit: {printed}");
    assert!(printed.contains("/o</strong>") && printed.contains("纸质投票"));

    // The owner's page: no code in a URL, the form's token required, one unit shown.
    let code = code_of(&codes, "1栋1单元101");
    let (status, _, _) = pages::post(&app, "/o", None, &[("code", code)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = owner(&app, "/o", code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("1栋1单元101") && page.contains("是否同意修改管理规约第十二条？"));
    assert!(
        !page.contains("2栋101") && !page.contains("张三"),
        "only this unit: {page}"
    );
    let (status, page) = owner(&app, "/o", "ABCD-EFGH-JKLM", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("id=\"code-error\""), "{page}");
    // A code of another compound's vote shows that vote only.
    open_vote(&app, &d, "是否同意解聘现物业服务企业？", 3_600_000).await;
    let votes_d = app
        .get(
            &format!("{}/tenders/compounds/{d}/ballot-votes", app.tender_url),
            None,
        )
        .await;
    let vid_d = votes_d.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let codes_d = notices(&print_notices(&app, &vid_d).await);
    let (status, page) = owner(&app, "/o", code_of(&codes_d, "2栋101"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("是否同意解聘现物业服务企业？"));
    assert!(
        !page.contains("是否同意修改管理规约第十二条？"),
        "nothing of the other vote"
    );
    app.stop().await;
}

/// A vote through the pages: codes printed by the street, one ballot online with a code,
/// the same code refused again, paper ballots recorded by the committee (one for a unit that
/// voted online refused), the participation list without choices, an objection that
/// reaches the street, the close, the result against the register (hand-counted), a late
/// ballot refused, and the public compound page with the counts and never a ballot.
async fn a_vote_is_cast_checked_and_closed_through_the_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = compound_with_register(&app, "vote-h1").await;
    let own = committee(&app, &c);
    let v = open_vote(&app, &c, "是否同意修改管理规约？", 12_000).await;
    let vid = v["id"].as_str().unwrap().to_string();
    let closes = ms(&v["closes_at"]);
    let codes = notices(&print_notices(&app, &vid).await);

    // 张三 votes online for 1栋1单元101; the receipt; the code is used.
    let code = code_of(&codes, "1栋1单元101");
    let (status, page) = owner(&app, "/o/ballot", code, &[("pick", "approve")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("投票成功") && page.contains("id=\"own-ballot\""),
        "{page}"
    );
    assert!(
        !page.contains("id=\"ballot-form\""),
        "no second ballot form"
    );
    let (status, page) = owner(&app, "/o/ballot", code, &[("pick", "oppose")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("role=\"alert\""));

    // The committee: a paper ballot for the unit that voted online is refused; the picker
    // marks it; paper ballots for 201, 2栋101 and the developer's 1栋2单元101.
    let (_, _, page) = pages::get(
        &app,
        &format!("/committee/votes/{vid}?building=1%E6%A0%8B&q=101"),
        Some(&own),
    )
    .await;
    let picker = between(&page, "id=\"pick-units\"", "</table>");
    assert!(
        picker.contains("1栋1单元101") && picker.contains("已投票"),
        "{picker}"
    );
    let unit_id = |label: &str| {
        page.split("<tr>")
            .find(|r| r.contains(label) && r.contains("name=\"unit_id\""))
            .map(|r| {
                r.split("value=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            })
    };
    assert_eq!(
        unit_id("1栋1单元101"),
        None,
        "a unit that voted cannot be picked"
    );
    let register = app
        .get(
            &format!("{}/tenders/compounds/{c}/register?limit=50", app.tender_url),
            Some(&own),
        )
        .await
        .json();
    let id_of = |label: &str| {
        register["units"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["label"] == label)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let paper = async |label: &str, pick: &str, paper_ref: &str| {
        let unit = id_of(label);
        pages::post(
            &app,
            &format!("/committee/votes/{vid}/paper-ballots"),
            Some(&own),
            &[
                ("_csrf", CSRF),
                ("unit_id", &unit),
                ("pick", pick),
                ("paper_ref", paper_ref),
            ],
        )
        .await
    };
    let (status, _, page) = paper("1栋1单元101", "approve", "ZB-001").await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("role=\"alert\""), "{page}");
    let (status, _, page) = paper("1栋1单元201", "", "ZB-002").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择表决意见"));
    for (label, pick, paper_ref) in [
        ("1栋1单元201", "approve", "ZB-002"),
        ("2栋101", "approve", "ZB-003"),
        ("1栋2单元101", "oppose", "ZB-004"),
    ] {
        let (status, location, page) = paper(label, pick, paper_ref).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{label}: {page}");
        assert!(location.contains("#paper"), "{location}");
    }
    let (_, _, page) = pages::get(&app, &format!("/committee/votes/{vid}"), Some(&own)).await;
    let list = between(&page, "id=\"ballot-list\"", "</table>");
    assert!(list.contains("ZB-004") && list.contains("线上（凭表决码）") && list.contains("反对"));
    assert!(page.contains("4 套（线上 1，纸质 3）"), "{page}");

    // The participation list: which units took part and how, never a choice.
    let (status, page) = owner(
        &app,
        "/o/participation",
        code_of(&codes, "1栋1单元102"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let table = between(&page, "id=\"participation-list\"", "</table>");
    assert!(table.contains("2栋101") && table.contains("纸质表决票") && table.contains("未参与"));
    for choice in ["同意", "反对", "弃权", "ZB-"] {
        assert!(!table.contains(choice), "{choice} in {table}");
    }
    // 102's owner objects; the objection reaches the street and the committee.
    let (status, page) = owner(
        &app,
        "/o/objection",
        code_of(&codes, "1栋1单元102"),
        &[("text", "1栋2单元101 尚未交付，不应由开发商投票")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("已送达所在街道"));
    let (_, _, page) =
        pages::get(&app, &format!("/official/votes/{vid}"), Some(&street(&app))).await;
    assert!(
        page.contains("不应由开发商投票") && page.contains("ZB-003"),
        "{page}"
    );
    let (_, _, page) = pages::get(&app, &format!("/committee/votes/{vid}"), Some(&own)).await;
    assert!(page.contains("不应由开发商投票"));

    // After the period: closed on the page; the result counted from the ballots. By head:
    // 张三, 李四王五, 赵六 and the developer take part (4 of 4), three approve; by area
    // 89.57 + 75.50 + 100 + 120 = 385.07 of 575.08 ㎡ (≥ 2/3), 265.07 approving.
    let wait = closes - shared::db::now_ms() + 300;
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    let (status, code_page) = owner(
        &app,
        "/o/ballot",
        code_of(&codes, "1栋1单元102"),
        &[("pick", "approve")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "a late ballot: {code_page}");
    let (_, _, page) = pages::get(&app, &format!("/committee/votes/{vid}"), Some(&own)).await;
    assert!(page.contains("计票并封存"), "{page}");
    let (status, location, _) = pages::post(
        &app,
        &format!("/committee/votes/{vid}/close"),
        Some(&own),
        &[("_csrf", CSRF)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = pages::get(&app, &location, Some(&own)).await;
    assert!(page.contains("本次表决形成业主共同决定"), "{page}");
    assert!(page.contains("385.07 / 575.08 ㎡（67.0%）"), "{page}");
    assert!(page.contains("4 / 4 人（100.0%）") && page.contains("3 / 4 人（75.0%）"));
    assert!(page.contains("265.07 / 385.07 ㎡（68.8%）"));
    assert!(
        !page.contains("id=\"paper-form\""),
        "sealed: no paper ballot form"
    );
    let (status, _, _) = paper("1栋1单元102", "approve", "ZB-005").await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The public page: the result and the register's totals, never a ballot.
    let (status, _, page) = pages::get(&app, &format!("/compounds/{c}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("是否同意修改管理规约？") && page.contains("本次表决形成业主共同决定"));
    assert!(
        page.contains("业主名册：6 套专有部分，业主 4 人，专有部分总面积 575.08 ㎡"),
        "{page}"
    );
    for secret in [
        "ZB-00",
        "1栋1单元201",
        "线上（凭表决码）",
        "不应由开发商投票",
    ] {
        assert!(!page.contains(secret), "{secret} on the public page");
    }
    let (status, _, page) = pages::get(&app, &format!("/votes/{vid}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("265.07 / 385.07 ㎡") && !page.contains("ZB-00"));

    // A typed vote (before the register) is marked wherever votes are listed.
    let typed = app
        .send(
            Method::POST,
            &format!("{}/tenders/votes", app.tender_url),
            Some(&own),
            Some(
                &json!({"compound_id": c, "matter": "other", "subject": "2024 年决定的停车管理办法",
                "total_owners": 4, "total_area_m2": 575, "participating_owners": 4,
                "participating_area_m2": 575, "approving_owners": 4, "approving_area_m2": 575,
                "held_on": "2024-05-01", "document_ref": "决议〔2024〕1 号"}),
            ),
        )
        .await;
    assert_eq!(typed.status, 201, "{}", typed.body);
    for (path, token) in [
        (format!("/compounds/{c}"), None),
        ("/committee/votes".to_string(), Some(own.as_str())),
    ] {
        let (_, _, page) = pages::get(&app, &path, token).await;
        let row = between(&page, "2024 年决定的停车管理办法", "</tr>");
        assert!(row.contains("未经名册核验"), "{path}: {row}");
    }
    app.stop().await;
}

/// The street official prints the notices; an owner votes on a phone with a code from
/// them; after the period the committee records a paper ballot and closes; the public page
/// shows the result.
async fn the_street_prints_an_owner_votes_and_the_committee_closes_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(backend.clone()).await;
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let c = compound_with_register(&app, "vote-b1").await;
    for (username, name, role, scope) in [
        ("wangjiang.yw", "望江小区业委会", "committee", c.as_str()),
        (
            "jinguanyi.jd",
            "锦官驿街道工作人员",
            "street_official",
            JINGUANYI,
        ),
    ] {
        let a = app
            .send(
                Method::POST,
                &format!("{}/catalog/accounts", app.catalog_url),
                Some(&association(&app)),
                Some(&json!({"username": username, "display_name": name,
                    "password": "account-pass-2026", "role": role, "scope_id": scope})),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let v = open_vote(
        &app,
        &c,
        "是否同意修改管理规约第十二条（停车管理）？",
        40_000,
    )
    .await;
    let vid = v["id"].as_str().unwrap().to_string();
    let closes = ms(&v["closes_at"]);
    let url = |p: &str| format!("{}{p}", app.web_url);
    let sign_in = async |username: &str, next: &str, wait: &str| {
        browser
            .open(&url(&format!("/signin?next={next}")))
            .await
            .unwrap();
        browser.fill("#username", username).await.unwrap();
        browser
            .fill("#password", "account-pass-2026")
            .await
            .unwrap();
        browser
            .click("form[action='/signin'] button[type=submit]")
            .await
            .unwrap();
        browser.wait_for(wait).await.unwrap();
    };
    let sign_out = async || {
        browser
            .click("form[action='/signout'] button")
            .await
            .unwrap();
        browser.wait_for("登录").await.unwrap();
    };

    // The street prints the notices.
    sign_in("jinguanyi.jd", "/official/votes", "业主表决").await;
    browser
        .click(&format!("a[href='/official/votes/{vid}/notices']"))
        .await
        .unwrap();
    browser
        .wait_for("此前为这些房屋生成的表决码全部作废")
        .await
        .unwrap();
    browser
        .click(&format!(
            "form[action='/official/votes/{vid}/notices'] button"
        ))
        .await
        .unwrap();
    // (the form page warns too: wait for what only the printed page says)
    let text = browser.wait_for("表决通知（6 份）").await.unwrap();
    assert!(
        text.contains("1栋1单元101") && text.contains("2栋101"),
        "{text}"
    );
    browser
        .screenshot(&format!("vote-notices-{tag}"))
        .await
        .unwrap();
    let printed: String = browser
        .client
        .execute("return document.documentElement.outerHTML", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let codes = notices(&printed);
    assert_eq!(codes.len(), 6);
    sign_out().await;

    // 赵六 votes on his phone with the code of 2栋101.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.open(&url("/o")).await.unwrap();
    browser.wait_for("业主表决码").await.unwrap();
    browser
        .fill("#code", code_of(&codes, "2栋101"))
        .await
        .unwrap();
    browser.click("#code-form button").await.unwrap();
    let text = browser.wait_for("本户表决票").await.unwrap();
    assert!(
        text.contains("是否同意修改管理规约第十二条（停车管理）？")
            && !text.contains("1栋1单元101")
    );
    browser
        .click("#ballot-form input[value='approve']")
        .await
        .unwrap();
    browser.click("#ballot-form button").await.unwrap();
    browser.wait_for("投票成功").await.unwrap();
    let width: i64 = browser
        .client
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(width <= 400, "the owner's page fits a phone ({width}px)");
    browser
        .screenshot(&format!("vote-owner-phone-{tag}"))
        .await
        .unwrap();
    browser
        .click("form[action='/o/participation'] button")
        .await
        .unwrap();
    let text = browser.wait_for("已参与 1 套").await.unwrap();
    assert!(text.contains("线上（凭表决码）"), "{text}");
    browser.client.set_window_size(1280, 900).await.unwrap();

    // After the period the committee records the paper ballots it received and closes.
    sign_in(
        "wangjiang.yw",
        &format!("/committee/votes/{vid}"),
        "录入纸质表决票",
    )
    .await;
    let wait = closes - shared::db::now_ms() + 300;
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    browser
        .open(&url(&format!("/committee/votes/{vid}")))
        .await
        .unwrap();
    browser.wait_for("计票并封存").await.unwrap();
    let register = app
        .get(
            &format!("{}/tenders/compounds/{c}/register?limit=50", app.tender_url),
            Some(&committee(&app, &c)),
        )
        .await
        .json();
    let id_of = |label: &str| {
        register["units"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["label"] == label)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (room, label, pick, paper_ref) in [
        ("101", "1栋1单元101", "approve", "ZB-101"),
        ("201", "1栋1单元201", "approve", "ZB-201"),
    ] {
        browser.fill("#q", room).await.unwrap();
        browser.click("form.filters button").await.unwrap();
        browser.wait_for("找到").await.unwrap();
        browser
            .click(&format!("#unit-{}", id_of(label)))
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        browser
            .click(&format!("#paper-form input[value='{pick}']"))
            .await
            .unwrap();
        browser.fill("#paper_ref", paper_ref).await.unwrap();
        browser
            .click("#paper-form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for(&format!("已录入纸质表决票 {paper_ref}"))
            .await
            .unwrap();
    }
    browser
        .screenshot(&format!("vote-committee-{tag}"))
        .await
        .unwrap();
    browser
        .click("form[action$='/close'] button")
        .await
        .unwrap();
    let text = browser.wait_for("已计票并封存").await.unwrap();
    // 张三 (101: 89.57), 李四王五 (75.50) and 赵六 (100) approve: 3 of 4 owners, 265.07 of
    // 575.08 ㎡ take part — less than two thirds of the area.
    assert!(
        text.contains("未通过") && text.contains("265.07 / 575.08 ㎡"),
        "{text}"
    );
    browser
        .screenshot(&format!("vote-result-{tag}"))
        .await
        .unwrap();

    // The public compound page.
    sign_out().await;
    browser
        .open(&url(&format!("/compounds/{c}")))
        .await
        .unwrap();
    let text = browser.wait_for("业主共同决定").await.unwrap();
    assert!(
        text.contains("是否同意修改管理规约第十二条（停车管理）？")
            && text.contains("未通过")
            && text.contains("参与表决的业主专有部分面积未达到总面积的三分之二"),
        "{text}"
    );
    assert!(!text.contains("ZB-101"));
    browser
        .screenshot(&format!("vote-public-{tag}"))
        .await
        .unwrap();
    browser.close().await;
    app.stop().await;
}

/// Codes are looked up at most so many times a minute per address: past it the owner's page
/// says so politely, with the wait, and looks nothing up.
async fn a_throttled_owner_is_answered_politely(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            owner_code_requests_per_minute: 2,
            ..Options::default()
        },
    )
    .await;
    for _ in 0..2 {
        let (status, page) = owner(&app, "/o", "ABCD-EFGH-JKLM", &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    }
    let (status, page) = owner(&app, "/o", "ABCD-EFGH-JKLM", &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let message = between(&page, "id=\"code-error\"", "</div>");
    assert!(
        message.contains("查询过于频繁") && message.contains("秒后再试"),
        "{message}"
    );
    assert!(page.contains("id=\"code-form\""), "the form stays: {page}");
    app.stop().await;
}

/// A survey per unit through the pages: opened by the committee, its notices printed by the
/// street (never by the committee), answered by an owner with a code (once: the same unit
/// again is refused), the counts derived from the answers on the committee's and the street's
/// pages, and the comment public without its unit.
async fn a_survey_is_answered_per_unit_through_the_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = compound_with_register(&app, "survey-p1").await;
    let own = committee(&app, &c);
    let local = |ms: i64| from_now(ms)[..16].replace('T', " ");
    let (opens, closes) = (local(-120_000), local(7 * 86_400_000));
    let (status, location, page) = pages::post(
        &app,
        "/committee/surveys",
        Some(&own),
        &[
            ("_csrf", CSRF),
            ("period", "2026-Q4"),
            ("opens_at", &opens),
            ("closes_at", &closes),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (_, _, page) = pages::get(&app, &location, Some(&own)).await;
    assert!(
        page.contains("已发起满意度调查") && page.contains("0 / 6 户"),
        "{page}"
    );
    let sid = app
        .get(
            &format!("{}/tenders/compounds/{c}/unit-surveys", app.tender_url),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/official/surveys/{sid}/notices");
    let (status, _, _) = pages::post(&app, &path, Some(&own), &[("_csrf", CSRF)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the committee holds no code");
    let (_, _, page) = pages::get(&app, "/official/votes", Some(&street(&app))).await;
    assert!(page.contains(&format!("href=\"{path}\"")), "{page}");
    let codes = notices(&print(&app, &path).await);
    assert_eq!(codes.len(), 6);

    let code = code_of(&codes, "1栋1单元201");
    let (status, page) = owner(&app, "/o", code, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"survey-form\"") && !page.contains("id=\"ballot-form\""));
    let answer = [
        ("rating", "basically_satisfied"),
        ("comment", "楼道灯坏了两周才修好"),
    ];
    let (status, page) = owner(&app, "/o/survey", code, &answer).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("感谢您的评价") && page.contains("id=\"survey-answered\""));
    let (status, page) = owner(&app, "/o/survey", code, &answer).await;
    assert_eq!(status, StatusCode::CONFLICT, "one answer a unit: {page}");

    let (_, _, page) = pages::get(&app, "/committee/surveys", Some(&own)).await;
    assert!(
        page.contains("1 / 6 户") && page.contains("0 / 1 / 0"),
        "{page}"
    );
    let (_, _, page) = pages::get(&app, &format!("/compounds/{c}"), None).await;
    let section = between(&page, &format!("id=\"survey-{sid}\""), "</div>");
    assert!(section.contains("楼道灯坏了两周才修好") && section.contains("基本满意"));
    assert!(
        !section.contains("1栋1单元201"),
        "no unit with a comment: {section}"
    );
    app.stop().await;
}
