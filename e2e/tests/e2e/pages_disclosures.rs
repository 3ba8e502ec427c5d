//! Budgets and accounts through the pages (one form for the committee and the firm): a
//! publication, then a correction (更正) of what each party published, from the 更正 link
//! on its workbench to the public compound page showing the earlier version as 已更正; the
//! refusals over HTTP (a visitor, another firm, another compound's committee, a form
//! without its token, a correction without a reason or whose figures do not add up, a
//! superseded version). And a rejected application's public roster page.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{compound_body, firm_body};
use wuye_e2e::pages::{CSRF, get, post};
use wuye_e2e::{Backend, both_backends, spawn_app};

use wuye_e2e::fixtures::JINGUANYI;
use wuye_e2e::tender::World;
use wuye_e2e::tender::contracted;

both_backends!(
    budgets_and_accounts_are_published_and_corrected_through_the_pages,
    a_rejected_application_says_so_on_its_public_page,
);

/// The form's fields (amounts in 元) with `_csrf`, then `extra`.
fn form<'a>(
    figures: &[(&'a str, &'a str)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut out = vec![("_csrf", CSRF)];
    out.extend_from_slice(figures);
    out.extend_from_slice(extra);
    out
}

/// A budget whose figures add up: income 165 000 元, spending 140 000 元, closing 23 000 元.
const BUDGET: [(&str, &str); 17] = [
    ("kind", "budget"),
    ("period", "2026"),
    ("income.fee_fen", "150000"),
    ("income.parking_fen", "12000"),
    ("income.advertising_fen", "3000"),
    ("income.other_fen", ""),
    ("total_income_fen", "165000"),
    ("spending.personnel_fen", "80000"),
    ("spending.cleaning_fen", "20000"),
    ("spending.greening_fen", "5000"),
    ("spending.security_fen", "15000"),
    ("spending.maintenance_fen", "10000"),
    ("spending.energy_fen", "9000"),
    ("spending.other_fen", "1000"),
    ("total_spending_fen", ""),
    ("opening_balance_fen", "-2000"),
    ("note", "按合同约定编制"),
];

/// The current versions of a contract's budgets and accounts.
async fn current(w: &World, cid: &str) -> Vec<Value> {
    w.get(&format!("/contracts/{cid}/disclosures"), None)
        .await
        .json()
        .as_array()
        .unwrap()
        .clone()
}

async fn budgets_and_accounts_are_published_and_corrected_through_the_pages(backend: Backend) {
    let w = World::with_history(backend).await;
    let app = &w.app;
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.catalog_url),
            Some(&w.association()),
            Some(&compound_body("FIX-PAGES", JINGUANYI)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let compound = a.json()["id"].as_str().unwrap().to_string();
    let (_, cid) = contracted(&w, &compound, &[("f-p1", 150), ("f-p2", 160)]).await;
    let committee = w.committee(&compound);
    let firm = w.firm_token("f-p1");

    // The committee publishes the year's budget; empty lines are 0, the empty spending
    // total and closing balance are computed.
    let publish = format!("/committee/contracts/{cid}/disclosures");
    let (status, location, page) = post(app, &publish, Some(&committee), &form(&BUDGET, &[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.starts_with("/committee?done="), "{location}");
    let published = current(&w, &cid).await;
    assert_eq!(published.len(), 1);
    let d = &published[0];
    assert_eq!(d["total_spending_fen"], 14_000_000);
    assert_eq!(d["closing_balance_fen"], 2_300_000);
    assert_eq!(d["published_by"], "committee");
    let did = d["id"].as_str().unwrap().to_string();

    // Its workbench links the committee's own budget to the correction form.
    let correction = format!("/committee/disclosures/{did}/correction");
    let (status, _, page) = get(app, "/committee", Some(&committee)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&format!("href=\"{correction}\"")), "{page}");
    // The public page has no such link.
    let (_, _, page) = get(app, &format!("/compounds/{compound}"), None).await;
    assert!(!page.contains("/correction"), "{page}");

    // Who may open the form: the visitor signs in first, other roles and another
    // compound's committee are refused.
    let (status, location, _) = get(app, &correction, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/signin?next=%2Fcommittee%2Fdisclosures%2F"),
        "{location}"
    );
    let stranger = w.committee("c-other");
    for token in [&stranger, &w.firm_token("f-p1")] {
        let (status, _, page) = get(app, &correction, Some(token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(page.contains("无权"), "{page}");
    }
    let (status, _, _) = post(
        app,
        &correction,
        Some(&stranger),
        &form(&BUDGET, &[("reason", "冒名更正")]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The form is prefilled with the published figures, type and period fixed.
    let (status, _, page) = get(app, &correction, Some(&committee)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("value=\"150000.00\"") && page.contains("value=\"-2000.00\""));
    assert!(
        page.contains("name=\"period\" value=\"2026\" readonly"),
        "{page}"
    );
    assert!(page.contains("name=\"reason\""));

    // Without its token, nothing happens.
    let mut no_token = form(&BUDGET, &[("reason", "停车收益漏计")]);
    no_token.remove(0);
    let (status, _, page) = post(app, &correction, Some(&committee), &no_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("表单已过期或来源不明"));

    // No reason and a total that does not add up: the API's message beside each field,
    // what was typed kept.
    let mut wrong = BUDGET.to_vec();
    wrong[3] = ("income.parking_fen", "15000");
    wrong[6] = ("total_income_fen", "165000");
    let (status, _, page) = post(app, &correction, Some(&committee), &form(&wrong, &[])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("id=\"reason-error\">请填写更正原因"),
        "no message beside the reason: {page}"
    );
    assert!(page.contains("id=\"total_income-error\""), "{page}");
    assert!(page.contains("value=\"15000\"") && page.contains("按合同约定编制"));
    assert_eq!(current(&w, &cid).await[0]["version"], 1, "nothing changed");

    // The correction: a new version, the earlier one public as 已更正.
    let mut fixed = BUDGET.to_vec();
    fixed[3] = ("income.parking_fen", "15000");
    fixed[6] = ("total_income_fen", "");
    let (status, location, page) = post(
        app,
        &correction,
        Some(&committee),
        &form(&fixed, &[("reason", "停车收益漏计 3000 元")]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.starts_with("/committee?done="), "{location}");
    let now = current(&w, &cid).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0]["version"], 2);
    assert_eq!(now[0]["total_income_fen"], 16_800_000);
    assert_eq!(now[0]["correction_reason"], "停车收益漏计 3000 元");
    let (_, _, page) = get(app, &format!("/compounds/{compound}"), None).await;
    assert!(
        page.contains("已更正") && page.contains("更正原因：停车收益漏计 3000 元"),
        "{page}"
    );
    assert!(page.contains("168,000.00") && page.contains("165,000.00"));
    // The superseded version cannot be corrected again.
    let (status, _, page) = get(app, &correction, Some(&committee)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");

    // The firm publishes a month's accounts (empty lines 0), then corrects them (its
    // workbench's 更正 link is followed in the firm's browser journey, `pages_firm`).
    let accounts = [
        ("kind", "accounts"),
        ("period", "2026-01"),
        ("income.fee_fen", "12500"),
        ("spending.personnel_fen", "8000"),
    ];
    let (status, location, page) = post(
        app,
        &format!("/firm/contracts/{cid}/disclosures"),
        Some(&firm),
        &form(&accounts, &[]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.starts_with("/firm?done="), "{location}");
    let mine = current(&w, &cid)
        .await
        .into_iter()
        .find(|d| d["published_by"] == "firm")
        .unwrap();
    assert_eq!(mine["closing_balance_fen"], 450_000);
    let firm_correction = format!(
        "/firm/disclosures/{}/correction",
        mine["id"].as_str().unwrap()
    );
    // Another firm may not correct it.
    let (status, _, _) = get(app, &firm_correction, Some(&w.firm_token("f-p2"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, page) = get(app, &firm_correction, Some(&firm)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("value=\"12500.00\""), "{page}");
    let mut corrected = accounts.to_vec();
    corrected[2] = ("income.fee_fen", "13500");
    let (status, location, page) = post(
        app,
        &firm_correction,
        Some(&firm),
        &form(&corrected, &[("reason", "一月物业费实收 13500 元")]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.starts_with("/firm?done="), "{location}");
    let mine = current(&w, &cid)
        .await
        .into_iter()
        .find(|d| d["published_by"] == "firm")
        .unwrap();
    assert_eq!(mine["version"], 2);
    assert_eq!(mine["closing_balance_fen"], 550_000);
    w.stop().await;
}

async fn a_rejected_application_says_so_on_its_public_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms", app.catalog_url),
            None,
            Some(&firm_body("冒名物业服务有限公司", 41)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_str().unwrap().to_string();
    let page = format!("/roster/{id}");
    let (status, _, html) = get(&app, &page, None).await;
    assert_eq!(status, 200);
    assert!(!html.contains("已驳回申请"), "{html}");

    let association = app.token(Role::Association, Scope::City);
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms/{id}/rejection", app.catalog_url),
            Some(&association),
            Some(&serde_json::json!({"reason": "冒用他人统一社会信用代码"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let rejected_on = shared::domain::roster::format_date(shared::domain::roster::china_today());

    // Anyone sees what the catalog shows the public: rejected, when, and why.
    for token in [None, Some(association.as_str())] {
        let (status, _, html) = get(&app, &page, token).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("已驳回申请")
                && html.contains(&format!("于 {rejected_on} 驳回"))
                && html.contains("冒用他人统一社会信用代码"),
            "{html}"
        );
    }
    app.stop().await;
}
