//! Control characters in text (issue 12): no text field of the three APIs takes a NUL or
//! another C0 control character (PostgreSQL cannot store a NUL in `text`; the others hide
//! or garble what a person reads). The shared JSON body and query extractors answer a 422
//! naming the field in Chinese before a handler sees the text, on every service; a
//! spreadsheet cell holding one is named by row and column; line breaks and tabs in
//! multi-line text still pass.

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{JINGUANYI, firm_body};
use wuye_e2e::tender::{World, tender_body};
use wuye_e2e::{Answer, Backend, both_backends};

both_backends!(control_characters_are_refused_in_every_api_and_line_breaks_pass,);

/// A 422 naming `field` as holding a control character.
fn refused(a: &Answer, field: &str) {
    a.problem(422, "validation_failed");
    let errors = a.json()["errors"].clone();
    let named = errors
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("{field} not named: {}", a.body));
    assert_eq!(named["code"], "control_characters", "{}", a.body);
    assert!(
        named["message"]
            .as_str()
            .unwrap()
            .contains("含有不允许的控制字符"),
        "{}",
        a.body
    );
}

async fn control_characters_are_refused_in_every_api_and_line_breaks_pass(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let catalog = |path: &str| format!("{}{path}", app.catalog_url);
    let send = |method: Method, url: String, token: Option<String>, body: Option<Value>| async move {
        app.send(method, &url, token.as_deref(), body.as_ref())
            .await
    };

    // The catalog: a firm application with a NUL in its name, an escape in its profile, and
    // a bell inside a list; each named, nothing stored.
    let mut body = firm_body("锦城\u{0}物业", 1);
    body["profile"] = json!("专注老旧小区\u{1b}[31m物业服务");
    body["districts_served"] = json!(["510104", "510107\u{7}"]);
    let a = send(Method::POST, catalog("/catalog/firms"), None, Some(body)).await;
    refused(&a, "name");
    refused(&a, "profile");
    refused(&a, "districts_served[1]");
    assert_eq!(
        a.json()["errors"].as_array().unwrap().len(),
        3,
        "{}",
        a.body
    );
    let association = app.token(Role::Association, Scope::City);
    let list = send(
        Method::GET,
        catalog("/catalog/firms"),
        Some(association.clone()),
        None,
    )
    .await;
    assert_eq!(list.json()["total"], 0, "{}", list.body);
    // Multi-line text with tabs passes.
    let mut body = firm_body("锦城物业服务有限公司", 1);
    body["profile"] = json!("专注老旧小区物业服务十年。\n擅长：\t电梯维保\r\n\t消防设施管理");
    let a = send(Method::POST, catalog("/catalog/firms"), None, Some(body)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(a.json()["profile"].as_str().unwrap().contains("\n擅长：\t"));
    // A query parameter too (a search).
    let a = send(
        Method::GET,
        catalog("/catalog/firms?q=%E9%94%A6%00"),
        None,
        None,
    )
    .await;
    refused(&a, "q");

    // Tender: a tender's title with a NUL; the same tender with multi-line needs passes.
    let committee = w.compound("c-ctl", json!({})).await;
    let a = w
        .post(
            "",
            Some(&committee),
            &tender_body("c-ctl", json!({"title": "望江小区物业服务\u{0}招标"})),
        )
        .await;
    refused(&a, "title");
    let a = w
        .post(
            "",
            Some(&committee),
            &tender_body(
                "c-ctl",
                json!({"title": "望江小区物业服务招标",
                    "needs": "一、秩序维护\n二、保洁\r\n三、绿化养护\t（每月两次）"}),
            ),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(a.json()["needs"].as_str().unwrap().contains("\n二、保洁"));
    // A vote's question (the check comes before any rule of the vote).
    let now = shared::db::now_ms();
    let a = w
        .post(
            "/compounds/c-ctl/ballot-votes",
            Some(&committee),
            &json!({"matter": "other", "question": "是否同意\u{0}增设充电设施",
                "opens_at": tender::clock::to_rfc3339(now),
                "closes_at": tender::clock::to_rfc3339(now + 3_600_000)}),
        )
        .await;
    refused(&a, "question");
    // A file imported (the owner register, CSV): the cell is named, never stored.
    let import = app
        .client
        .post(w.url("/compounds/c-ctl/register/import?format=csv&mode=strict"))
        .bearer_auth(&committee)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body("楼栋,单元,房号,专有部分面积(㎡),业主姓名,联系电话,状态\n1栋,1单元,101,88.50,王建\u{0}国,13900000001,\n")
        .send()
        .await
        .unwrap();
    assert_eq!(import.status(), 422);
    assert!(
        import
            .text()
            .await
            .unwrap()
            .contains("第 2 行第 5 列含有不允许的控制字符")
    );
    // An owner's code (anonymous) with a control character is the same 422.
    let a = w
        .post(
            "/owner-code/inspections",
            None,
            &json!({"code": "7KQ2-M9XD-\u{0}4HTC"}),
        )
        .await;
    refused(&a, "code");

    // Matching: a query parameter of the search.
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let a = send(
        Method::GET,
        format!("{}/match/coverage?as_of=2026-01-01%00", app.matching_url),
        Some(street),
        None,
    )
    .await;
    refused(&a, "as_of");

    w.stop().await;
}
