//! Association pages: review queue, a firm's full record, roster actions with reasons.

use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use shared::auth::{Role, Scope};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::{credit_code, firm_body};
use wuye_e2e::pages::{CSRF, get, post};
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(
    association_pages_refuse_other_roles_and_keep_refused_forms,
    a_firm_applies_and_the_association_recommends_it_in_a_browser,
);

async fn apply(app: &TestApp, name: &str, n: u32) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms", app.catalog_url),
            None,
            Some(&firm_body(name, n)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

async fn association_pages_refuse_other_roles_and_keep_refused_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    let applicant = apply(&app, "待审物业服务有限公司", 31).await;
    let watched = apply(&app, "整改物业服务有限公司", 32).await;
    let association = app.token(Role::Association, Scope::City);
    let record = format!("/association/firms/{applicant}");

    // Anonymous visitors are sent to sign in, and back afterwards.
    for path in ["/association", record.as_str()] {
        let (status, location, _) = get(&app, path, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            location.starts_with("/signin?next=%2Fassociation"),
            "{location}"
        );
    }
    let (status, location, _) = post(
        &app,
        &format!("{record}/standing"),
        None,
        &[("_csrf", CSRF), ("action", "recommend"), ("reason", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/signin"));

    // A firm (even this one) and a committee may not use the association's pages.
    let firm = app.token(Role::Firm, Scope::Firm(applicant.clone()));
    let committee = app.token(Role::Committee, Scope::Compound("c-1".into()));
    for token in [&firm, &committee] {
        for path in ["/association", record.as_str()] {
            let (status, _, page) = get(&app, path, Some(token)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert!(page.contains("无权"), "{page}");
        }
        let (status, _, _) = post(
            &app,
            &format!("{record}/standing"),
            Some(token),
            &[
                ("_csrf", CSRF),
                ("action", "recommend"),
                ("reason", "自己推荐自己"),
                ("review_date", "2099-12-31"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let standing = app
        .catalog_get(&format!("/catalog/firms/{applicant}"), None)
        .await
        .json()["standing"]
        .clone();
    assert_eq!(standing, "applicant", "nothing changed");

    // The queue lists the application with counts per standing.
    let (status, _, page) = get(&app, "/association", Some(&association)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("待审核的入库申请（2）"), "{page}");
    assert!(page.contains("待审物业服务有限公司") && page.contains(&credit_code(31)));

    // Without the form token the action is refused.
    let (status, _, page) = post(
        &app,
        &format!("{record}/standing"),
        Some(&association),
        &[
            ("action", "recommend"),
            ("reason", "材料齐全"),
            ("review_date", "2099-12-31"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("表单已过期或来源不明"));

    // A refusal (no reason) keeps what was typed, with the message beside the field.
    let (status, _, page) = post(
        &app,
        &format!("{record}/standing"),
        Some(&association),
        &[
            ("_csrf", CSRF),
            ("action", "recommend"),
            ("reason", "  "),
            ("review_date", "2099-12-31"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("id=\"recommend-reason-error\">请填写理由<"),
        "{page}"
    );
    assert!(page.contains("aria-describedby=\"recommend-reason-error\""));
    assert!(page.contains("name=\"review_date\" type=\"date\" value=\"2099-12-31\""));
    // A credit event with points out of range: the points keep their value and their message.
    let (status, _, page) = post(
        &app,
        &format!("{record}/credit"),
        Some(&association),
        &[
            ("_csrf", CSRF),
            ("kind", "bad"),
            ("points", "300"),
            ("reason", "业主投诉未及时处理"),
            ("source", "业主投诉"),
            ("date", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"credit-points-error\">分值应为 1–100 的整数<"),
        "{page}"
    );
    assert!(page.contains("value=\"300\"") && page.contains("业主投诉未及时处理"));

    // Accepted actions: post/redirect/get with a notice and the new standing.
    let (status, location, _) = post(
        &app,
        &format!("{record}/standing"),
        Some(&association),
        &[
            ("_csrf", CSRF),
            ("action", "recommend"),
            ("reason", "材料齐全，审核通过"),
            ("review_date", "2099-12-31"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&format!("{record}?done=")));
    let (_, _, page) = get(&app, &location, Some(&association)).await;
    assert!(page.contains("role=\"status\">已列入推荐名录。"), "{page}");
    assert!(page.contains("id=\"standing\">推荐<"));
    assert!(page.contains("材料齐全，审核通过"));
    let today = shared::domain::roster::format_date(shared::domain::roster::china_today());
    for (form, expected) in [
        (
            vec![
                ("kind", "bad"),
                ("points", "5"),
                ("reason", "消防通道堵塞"),
                ("source", "街道检查"),
                ("date", today.as_str()),
            ],
            "credit",
        ),
        (
            vec![("on", "true"), ("reason", "连续两年检查无问题")],
            "whitelist",
        ),
    ] {
        let mut fields = vec![("_csrf", CSRF)];
        fields.extend(form);
        let (status, location, body) = post(
            &app,
            &format!("{record}/{expected}"),
            Some(&association),
            &fields,
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (_, _, page) = get(&app, &location, Some(&association)).await;
        assert!(page.contains("class=\"notice\""), "{page}");
    }
    let (_, _, page) = get(&app, &record, Some(&association)).await;
    assert!(page.contains("消防通道堵塞") && page.contains("−5"));
    assert!(page.contains("连续两年检查无问题") && page.contains("检查白名单"));

    // Suspending another firm puts it under supervision on the queue page.
    let other = format!("/association/firms/{watched}/standing");
    for (action, extra) in [
        ("recommend", ("review_date", "2099-12-31")),
        ("suspend", ("rectify_by", "2099-06-30")),
    ] {
        let (status, _, body) = post(
            &app,
            &other,
            Some(&association),
            &[
                ("_csrf", CSRF),
                ("action", action),
                ("reason", "复查"),
                extra,
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    }
    let (_, _, page) = get(&app, "/association", Some(&association)).await;
    assert!(page.contains("重点监管，整改期限 2099-06-30"), "{page}");
    assert!(page.contains("待审核的入库申请（0）"));
    app.stop().await;
}

async fn a_firm_applies_and_the_association_recommends_it_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(backend.clone()).await;
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    catalog::accounts::bootstrap_association(
        &app.catalog_db,
        "admin",
        "协会管理员",
        "correct-horse-battery",
    )
    .await
    .unwrap();
    let url = |p: &str| format!("{}{p}", app.web_url);

    // The roster links to the application form.
    browser.open(&url("/roster")).await.unwrap();
    browser.click("a[href='/apply']").await.unwrap();
    browser.wait_for("物业服务企业入库申请").await.unwrap();
    let good = credit_code(77);
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    for (selector, value) in [
        ("#name", "蓉城安居物业服务有限公司"),
        ("#credit_code", bad.as_str()),
        ("#legal_representative", "李秀英"),
        ("#contact_phone", "13987654321"),
        ("#base_address", "成都市锦江区东大街 88 号"),
        ("#lon", "104.083"),
        ("#lat", "30.655"),
        ("#service_radius_km", "12"),
        ("#capacity_households", "3000"),
        ("#households_served", "800"),
        ("#staff_count", "45"),
        (
            "#profile",
            "深耕老旧小区十二年，擅长二次供水改造和电梯维保。",
        ),
        ("#account-username", "rongcheng"),
        ("#account-password", "rongcheng-pass-2026"),
    ] {
        browser.fill(selector, value).await.unwrap();
    }
    for selector in [
        "#ownership option[value='private']",
        "input[name='districts_served'][value='510104']",
        "input[name='service_models'][value='professional']",
        "input[name='fee_models'][value='commission']",
        "input[name='grades'][value='2']",
        "input[name='grades'][value='3']",
    ] {
        browser.click(selector).await.unwrap();
    }
    browser
        .click("form.firm button[type=submit]")
        .await
        .unwrap();
    let text = browser
        .wait_for("统一社会信用代码校验位错误")
        .await
        .unwrap();
    assert!(text.contains("表单有误"));
    let kept = browser
        .client
        .find(Locator::Css("#name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("蓉城安居物业服务有限公司"));
    let checked = browser
        .client
        .find(Locator::Css("input[name='grades'][value='3']"))
        .await
        .unwrap()
        .prop("checked")
        .await
        .unwrap();
    assert_eq!(checked.as_deref(), Some("true"));
    let message = browser
        .client
        .find(Locator::Css("#credit_code-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(message, "统一社会信用代码校验位错误");
    browser
        .screenshot(&format!("apply-form-error-{tag}"))
        .await
        .unwrap();

    // Fixed (the password is never sent back, so it is typed again).
    browser.fill("#credit_code", &good).await.unwrap();
    browser
        .fill("#account-password", "rongcheng-pass-2026")
        .await
        .unwrap();
    browser
        .click("form.firm button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("申请已提交").await.unwrap();
    assert!(text.contains("等待物业管理协会审核") && text.contains("rongcheng"));

    // The association signs in and finds it in the review queue.
    browser
        .open(&url("/signin?next=/association"))
        .await
        .unwrap();
    browser.fill("#username", "admin").await.unwrap();
    browser
        .fill("#password", "correct-horse-battery")
        .await
        .unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("待审核的入库申请（1）").await.unwrap();
    assert!(text.contains("蓉城安居物业服务有限公司") && text.contains(&good));
    browser
        .screenshot(&format!("review-queue-{tag}"))
        .await
        .unwrap();

    // Its record, and the recommendation with a reason and a review date.
    browser
        .click("td a[href^='/association/firms/']")
        .await
        .unwrap();
    browser.wait_for("名录管理操作").await.unwrap();
    browser
        .fill("#recommend-reason", "材料齐全，现场核查通过")
        .await
        .unwrap();
    browser
        .client
        .execute(
            "document.querySelector('#recommend-review_date').value = '2099-12-31';",
            vec![],
        )
        .await
        .unwrap();
    browser
        .client
        .execute(
            "document.getElementById('actions').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    browser
        .screenshot(&format!("firm-actions-{tag}"))
        .await
        .unwrap();
    browser
        .click("#form-recommend button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("已列入推荐名录。").await.unwrap();
    assert!(text.contains("材料齐全，现场核查通过") && text.contains("复核日期 2099-12-31"));
    browser
        .screenshot(&format!("firm-record-{tag}"))
        .await
        .unwrap();

    // The firm is now on the public roster.
    browser.open(&url("/roster")).await.unwrap();
    let text = browser.wait_for("蓉城安居物业服务有限公司").await.unwrap();
    assert!(text.contains("共 1 家推荐企业"));
    browser
        .screenshot(&format!("roster-after-{tag}"))
        .await
        .unwrap();
    browser.close().await;
    app.stop().await;
}
