//! The service fund of 酬金制 and 信托制 compounds (issue 17, part B): remuneration terms on
//! the contract, the ledger with reversals, remuneration drawn only as agreed, the bank
//! statement reconciled, the public monthly statement without owners' names, and the
//! deficit flag reaching matching's attention lists and monthly report. Figures are hand
//! checked in the comments.

use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG};
use wuye_e2e::pages::{CSRF, get, post, post_multipart};
use wuye_e2e::tender::{World, contracted_with, ms, opened_with, sleep_until};
use wuye_e2e::{Backend, both_backends, field_code};

both_backends!(
    a_commission_period_adds_up_and_remuneration_keeps_to_its_terms,
    a_trust_account_reconciles_with_the_bank_statement,
    a_fund_in_deficit_for_three_months_reaches_the_officials,
    the_fund_is_kept_and_shown_through_the_pages,
    the_remuneration_is_stated_through_the_tender_and_bid_pages,
    the_contract_signed_on_the_page_takes_the_bids_remuneration,
);

/// Another street of Jinjiang district than the compounds'.
const DONGHU: &str = "510104018";

fn tx(day: &str, category: &str, amount_fen: i64, counterparty: &str) -> Value {
    json!({"day": day, "category": category, "amount_fen": amount_fen, "counterparty": counterparty})
}

/// Records a transaction that must be accepted; answers its id.
async fn record(w: &World, cid: &str, token: &str, body: Value) -> String {
    let a = w
        .post(
            &format!("/compounds/{cid}/fund/transactions"),
            Some(token),
            &body,
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

async fn a_commission_period_adds_up_and_remuneration_keeps_to_its_terms(backend: Backend) {
    let w = World::with_history(backend).await;
    let cid = "c-fund-k";
    let (tender_id, contract) = contracted_with(
        &w,
        cid,
        (
            json!({"fee_model": "commission",
                "remuneration": {"kind": "percentage", "basis_points": 1000}}),
            json!({}),
        ),
        &[("f-k1", 150), ("f-k2", 160)],
        json!({"remuneration": {"kind": "percentage", "basis_points": 1000}}),
    )
    .await;
    // The tender proposed the remuneration; the contract states it.
    let t = w.get(&format!("/{tender_id}"), None).await.json();
    assert_eq!(
        t["remuneration"],
        json!({"kind": "percentage", "basis_points": 1000})
    );
    let c = w.get(&format!("/contracts/{contract}"), None).await.json();
    assert_eq!(c["fee_model"], "commission");
    assert_eq!(
        c["remuneration"],
        json!({"kind": "percentage", "basis_points": 1000})
    );
    let (firm, committee) = (w.firm_token("f-k1"), w.committee(cid));
    let path = format!("/compounds/{cid}/fund/transactions");

    // Who records: the contract's firm and the committee, nobody else; the committee draws
    // no remuneration; a compound without a commission or trust contract has no fund.
    let fee = json!({"day": "2026-01-10", "category": "fee", "amount_fen": 8_000_000,
        "counterparty": "张建国（3-2-501）", "memo": "3栋2单元501 一月物业费"});
    w.call(reqwest::Method::POST, &path, None, Some(&fee))
        .await
        .problem(401, "unauthenticated");
    for token in [
        w.firm_token("f-k2"),
        w.committee("c-other"),
        w.association(),
        w.app
            .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
    ] {
        w.post(&path, Some(&token), &fee)
            .await
            .problem(403, "forbidden");
    }
    w.post(
        &path,
        Some(&committee),
        &tx("2026-01-31", "remuneration", 1, "x"),
    )
    .await
    .problem(403, "forbidden");
    w.compound("c-nofund", json!({})).await;
    // A lump-sum (包干制) tender proposes no remuneration.
    let a = w
        .post(
            "",
            Some(&w.committee("c-nofund")),
            &wuye_e2e::tender::tender_body(
                "c-nofund",
                json!({"remuneration": {"kind": "fixed", "annual_fen": 100}}),
            ),
        )
        .await;
    assert_eq!(
        field_code(&a, "remuneration"),
        "remuneration_not_agreed",
        "{}",
        a.body
    );
    // A lump-sum (包干制) tender takes no remuneration in a bid.
    let lump = w.open_tender("c-nofund", json!({})).await;
    let mut bid = wuye_e2e::tender::bid_body(150, 150 * 28_000 * 12);
    bid["remuneration"] = json!({"kind": "percentage", "basis_points": 500});
    let a = w
        .post(
            &format!("/{}/bids", lump["id"].as_str().unwrap()),
            Some(&firm),
            &bid,
        )
        .await;
    assert_eq!(
        field_code(&a, "remuneration"),
        "remuneration_not_agreed",
        "{}",
        a.body
    );
    w.post(
        "/compounds/c-nofund/fund/transactions",
        Some(&w.committee("c-nofund")),
        &fee,
    )
    .await
    .problem(409, "no_fund");
    let a = w
        .post(
            &path,
            Some(&firm),
            &json!({"day": "2025-12-31", "category": "tips", "amount_fen": 0, "counterparty": ""}),
        )
        .await;
    for field in ["category", "amount_fen", "counterparty"] {
        assert!(a.field_error(field).is_some(), "{field}: {}", a.body);
    }
    let a = w
        .post(&path, Some(&firm), &tx("2025-12-31", "fee", 1, "x"))
        .await;
    assert_eq!(field_code(&a, "day"), "before_contract");
    let mut with_voucher = tx("2026-01-05", "fee", 1, "x");
    with_voucher["voucher_id"] = json!("no-such-document");
    let a = w.post(&path, Some(&firm), &with_voucher).await;
    assert_eq!(field_code(&a, "voucher_id"), "unknown_voucher");

    // January: fee 80 000 元, parking 6 000 (common revenue, by the committee), cleaning
    // 25 000, personnel 30 000; the remuneration is 10 % of fee income: 8 000 元 by now.
    let fee_id = record(&w, cid, &firm, fee).await;
    record(
        &w,
        cid,
        &committee,
        tx("2026-01-15", "parking", 600_000, "成都某停车管理公司"),
    )
    .await;
    record(
        &w,
        cid,
        &firm,
        tx("2026-01-20", "cleaning", 2_500_000, "洁美保洁公司"),
    )
    .await;
    record(
        &w,
        cid,
        &firm,
        tx("2026-01-25", "personnel", 3_000_000, "物业服务人员工资"),
    )
    .await;
    record(
        &w,
        cid,
        &firm,
        tx("2026-01-31", "remuneration", 800_000, "f-k1物业"),
    )
    .await;
    let a = w
        .post(
            &path,
            Some(&firm),
            &tx("2026-01-31", "remuneration", 1, "f-k1物业"),
        )
        .await;
    assert_eq!(
        field_code(&a, "amount_fen"),
        "remuneration_exceeds_terms",
        "{}",
        a.body
    );
    let message = a.field_error("amount_fen").unwrap();
    assert!(
        message.contains("8000.00 元") && message.contains("0.01 元"),
        "{message}"
    );

    // February: fee 70 000, advertising 2 000, maintenance typed as 90 000 then reversed and
    // recorded as 40 000; remuneration 7 000 (10 % of 150 000 is 15 000, 8 000 drawn).
    record(
        &w,
        cid,
        &firm,
        tx("2026-02-10", "fee", 7_000_000, "李秀英（5-1-302）"),
    )
    .await;
    record(
        &w,
        cid,
        &committee,
        tx("2026-02-12", "advertising", 200_000, "电梯广告公司"),
    )
    .await;
    let wrong = record(
        &w,
        cid,
        &firm,
        tx("2026-02-20", "maintenance", 9_000_000, "某维修公司"),
    )
    .await;
    let reverse = |id: String, token: String| {
        let w = &w;
        async move {
            w.post(
                &format!("/compounds/{cid}/fund/transactions/{id}/reversal"),
                Some(&token),
                &json!({"reason": "金额录错，应为 40000 元", "day": "2026-02-27"}),
            )
            .await
        }
    };
    let a = reverse(wrong.clone(), committee.clone()).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let reversal = a.json();
    assert_eq!(reversal["direction"], "income");
    assert_eq!(reversal["category"], "maintenance");
    assert_eq!(reversal["reverses"], wrong.as_str());
    assert_eq!(reversal["recorded_by"], "committee");
    reverse(wrong.clone(), firm.clone())
        .await
        .problem(409, "already_reversed");
    reverse(reversal["id"].as_str().unwrap().into(), firm.clone())
        .await
        .problem(409, "is_reversal");
    reverse(wrong.clone(), w.firm_token("f-k2"))
        .await
        .problem(403, "forbidden");
    record(
        &w,
        cid,
        &firm,
        tx("2026-02-27", "maintenance", 4_000_000, "某维修公司"),
    )
    .await;
    record(
        &w,
        cid,
        &firm,
        tx("2026-02-28", "remuneration", 700_000, "f-k1物业"),
    )
    .await;
    // No more fee income in March yet: nothing more may be drawn.
    let a = w
        .post(
            &path,
            Some(&firm),
            &tx("2026-03-05", "remuneration", 1, "f-k1物业"),
        )
        .await;
    assert_eq!(field_code(&a, "amount_fen"), "remuneration_exceeds_terms");

    // January's statement: income 86 000 (fee 80 000 + parking 6 000), spending 55 000,
    // remuneration 8 000 apart, surplus 23 000 carried into February.
    let jan = w
        .get(&format!("/compounds/{cid}/fund/statements/2026-01"), None)
        .await;
    assert_eq!(jan.status, 200, "{}", jan.body);
    let s = jan.json();
    assert_eq!(s["opening_balance_fen"], 0);
    assert_eq!(s["income_fen"], 8_600_000);
    assert_eq!(s["common_revenue_fen"], 600_000);
    assert_eq!(s["spending_fen"], 5_500_000);
    assert_eq!(s["remuneration_fen"], 800_000);
    assert_eq!(s["surplus_fen"], 2_300_000);
    assert_eq!(s["closing_balance_fen"], 2_300_000);
    assert_eq!(s["carried_forward_fen"], 2_300_000);
    assert_eq!(s["remuneration_terms"], "物业费收入的 10.00%");
    assert_eq!(ids(&s["transactions"]).len(), 5);
    let fee_line = &s["transactions"][0];
    assert_eq!(fee_line["id"], fee_id.as_str());
    assert_eq!(fee_line["counterparty"], "业主缴费");
    assert_eq!(fee_line["memo"], Value::Null);
    assert!(
        !jan.body.contains("张建国") && !jan.body.contains("3栋2单元"),
        "{}",
        jan.body
    );
    let parking = s["income"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "parking")
        .unwrap();
    assert_eq!(parking["amount_fen"], 600_000);

    // February: opening 23 000; income 72 000; spending 90 000 − 90 000 + 40 000 = 40 000;
    // remuneration 7 000; surplus 25 000; closing 48 000, which March opens and closes with.
    let feb = w
        .get(&format!("/compounds/{cid}/fund/statements/2026-02"), None)
        .await;
    let s = feb.json();
    assert_eq!(s["opening_balance_fen"], 2_300_000);
    assert_eq!(s["income_fen"], 7_200_000);
    assert_eq!(s["spending_fen"], 4_000_000);
    assert_eq!(s["remuneration_fen"], 700_000);
    assert_eq!(s["surplus_fen"], 2_500_000);
    assert_eq!(s["closing_balance_fen"], 4_800_000);
    assert!(!feb.body.contains("李秀英"), "{}", feb.body);
    let mar = w
        .get(&format!("/compounds/{cid}/fund/statements/2026-03"), None)
        .await
        .json();
    assert_eq!(mar["opening_balance_fen"], 4_800_000);
    assert_eq!(mar["closing_balance_fen"], 4_800_000);
    assert_eq!(ids(&mar["transactions"]).len(), 0);
    w.get(&format!("/compounds/{cid}/fund/statements/2025-12"), None)
        .await
        .problem(404, "not_found");
    w.get(&format!("/compounds/{cid}/fund/statements/2026-1"), None)
        .await
        .problem(422, "validation_failed");

    // The whole ledger (payers included) for the parties and the compound's officials;
    // every transaction of February is in the public statement too.
    let ledger = w
        .get(&format!("{path}?month=2026-02"), Some(&committee))
        .await;
    assert_eq!(ledger.status, 200, "{}", ledger.body);
    let l = ledger.json();
    assert_eq!(l["total"], 6);
    assert_eq!(l["items"][0]["balance_after_fen"], 4_800_000);
    assert!(ledger.body.contains("李秀英"));
    let mut in_ledger = ids(&l["items"]);
    let mut in_statement = ids(&s["transactions"]);
    in_ledger.sort();
    in_statement.sort();
    assert_eq!(in_ledger, in_statement);
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    assert_eq!(w.get(&path, Some(&street)).await.json()["total"], 11);
    w.get(&path, None).await.problem(401, "unauthenticated");
    for token in [
        w.firm_token("f-k2"),
        w.committee("c-other"),
        w.app
            .token(Role::StreetOfficial, Scope::Street(DONGHU.into())),
    ] {
        w.get(&path, Some(&token)).await.problem(403, "forbidden");
    }

    // The public account: terms, drawn against allowed, balance, months.
    let f = w.get(&format!("/compounds/{cid}/fund"), None).await.json();
    assert_eq!(f["open"], true);
    assert_eq!(f["balance_fen"], 4_800_000);
    assert_eq!(f["contract"]["remuneration_allowed_fen"], 1_500_000);
    assert_eq!(f["contract"]["remuneration_drawn_fen"], 1_500_000);
    assert_eq!(f["months"][0]["month"], "2026-01");
    assert_eq!(f["months"][1]["closing_balance_fen"], 4_800_000);
    w.stop().await;
}

const STATEMENT: &str = "账号：6222 0000 1111 2222,,,,,,\n\
交易日期,摘要,对方户名,借方发生额,贷方发生额,余额,流水号\n\
2026-03-01,结转,原物业服务资金账户,,\"100,000.00\",100000.00,B001\n\
2026/03/05,物业费,业主缴费（3月）,,50000.00,150000.00,B002\n\
20260310,保安费,某保安服务公司,20000.00,,130000.00,B003\n\
2026-03-15,手续费,银行,12.50,,129987.50,B005\n\
2026-03-20,调账,某公司,abc,,129987.50,B006\n\
2026-03-31,酬金,f-t1物业,15000.00,,114987.50,B004\n\
2026-03-31,酬金,f-t1物业,15000.00,,114987.50,B004\n";

const MAPPING: &str = "date=交易日期&debit=借方发生额&credit=贷方发生额&counterparty=对方户名\
&memo=摘要&reference=流水号&balance=余额";

async fn a_trust_account_reconciles_with_the_bank_statement(backend: Backend) {
    let w = World::with_history(backend).await;
    let cid = "c-fund-t";
    let (_, contract) = contracted_with(
        &w,
        cid,
        (
            json!({"fee_model": "trust"}),
            json!({"remuneration": {"kind": "fixed", "annual_fen": 6_000_000}}),
        ),
        &[("f-t1", 150)],
        json!({}),
    )
    .await;
    // The trustee's bid asked the remuneration; the contract took it from the bid.
    let c = w.get(&format!("/contracts/{contract}"), None).await.json();
    assert_eq!(
        c["remuneration"],
        json!({"kind": "fixed", "annual_fen": 6_000_000})
    );
    let (firm, committee) = (w.firm_token("f-t1"), w.committee(cid));
    let with_ref = |body: Value, reference: &str| {
        let mut body = body;
        body["bank_reference"] = json!(reference);
        body
    };
    // March: carried in 100 000 元, fee 50 000, security 20 000; the trustee's fixed
    // remuneration is 60 000 a year: by March (3 months) 15 000.
    record(
        &w,
        cid,
        &firm,
        with_ref(
            tx("2026-03-01", "carried_in", 10_000_000, "原物业服务资金账户"),
            "B001",
        ),
    )
    .await;
    record(
        &w,
        cid,
        &committee,
        with_ref(
            tx("2026-03-05", "fee", 5_000_000, "业主缴费（3月）"),
            "B002",
        ),
    )
    .await;
    record(
        &w,
        cid,
        &firm,
        with_ref(
            tx("2026-03-10", "security", 2_000_000, "某保安服务公司"),
            "B003",
        ),
    )
    .await;
    record(
        &w,
        cid,
        &firm,
        with_ref(
            tx("2026-03-31", "remuneration", 1_500_000, "f-t1物业"),
            "B004",
        ),
    )
    .await;
    let a = w
        .post(
            &format!("/compounds/{cid}/fund/transactions"),
            Some(&firm),
            &tx("2026-03-31", "remuneration", 1, "f-t1物业"),
        )
        .await;
    assert_eq!(field_code(&a, "amount_fen"), "remuneration_exceeds_terms");

    let import = |mode: &str, token: Option<String>, body: Vec<u8>| {
        let w = &w;
        let url = w.url(&format!(
            "/compounds/{cid}/fund/bank-statements?mode={mode}&{MAPPING}"
        ));
        async move {
            w.app
                .post_bytes(&url, token.as_deref(), "text/csv", body)
                .await
        }
    };
    // Who imports: the trustee and the committee.
    import("dry_run", None, STATEMENT.into())
        .await
        .problem(401, "unauthenticated");
    for token in [
        w.firm_token("f-k2"),
        w.committee("c-other"),
        w.association(),
    ] {
        import("dry_run", Some(token), STATEMENT.into())
            .await
            .problem(403, "forbidden");
    }

    // The dry run: a bad amount (line 7) and a reference repeated in the file (line 9) are
    // named; the bank's 12.50 元 fee (line 6) is in no ledger transaction, so the bank's
    // 114 987.50 元 is 12.50 元 below the ledger's 115 000.
    let a = import("dry_run", Some(firm.clone()), STATEMENT.into()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let r = a.json();
    assert_eq!(r["lines_total"], 7);
    assert_eq!(r["lines_ok"], 5);
    let errors: Vec<(i64, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (7, "invalid_amount".to_string()),
            (9, "duplicate_reference".to_string())
        ]
    );
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("金额"));
    assert_eq!(r["closing_balance_fen"], 11_498_750);
    assert_eq!(r["ledger_balance_fen"], 11_500_000);
    assert_eq!(r["difference_fen"], -1_250);
    assert_eq!(r["reconciled"], false);
    assert_eq!(r["matched"], 4);
    assert_eq!(r["unmatched_lines"][0]["line"], 6);
    assert_eq!(r["unmatched_lines"][0]["amount_fen"], -1_250);
    assert_eq!(r["unmatched_transactions"], json!([]));
    assert_eq!(r["statement_id"], Value::Null);

    // Applied, then the same file again: every line is a duplicate, nothing is imported.
    let a = import("apply", Some(committee.clone()), STATEMENT.into()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.json()["statement_id"].is_string());
    let again = import("dry_run", Some(firm.clone()), STATEMENT.into())
        .await
        .json();
    assert_eq!(again["lines_ok"], 0);
    let duplicates = again["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "duplicate_line")
        .count();
    assert_eq!(duplicates, 5, "{again}");
    import("apply", Some(firm.clone()), STATEMENT.into())
        .await
        .problem(422, "validation_failed");

    // The bank fee recorded, April's fee recorded, April's statement reconciles to the fen:
    // 115 000 − 12.50 + 50 000 = 164 987.50 元.
    record(
        &w,
        cid,
        &committee,
        with_ref(tx("2026-03-15", "other_spending", 1_250, "银行"), "B005"),
    )
    .await;
    record(
        &w,
        cid,
        &committee,
        with_ref(
            tx("2026-04-02", "fee", 5_000_000, "业主缴费（4月）"),
            "B007",
        ),
    )
    .await;
    let april = "交易日期,摘要,对方户名,借方发生额,贷方发生额,余额,流水号\n\
        2026-04-02,物业费,业主缴费（4月）,,50000.00,164987.50,B007\n";
    let r = import("apply", Some(firm.clone()), april.into())
        .await
        .json();
    assert_eq!(r["reconciled"], true, "{r}");
    assert_eq!(r["difference_fen"], 0);
    assert_eq!(r["matched"], 1);

    // Bounded: a mapping without an amount, a header the file lacks, a file over 4 MiB.
    let a = w
        .app
        .post_bytes(
            &w.url(&format!("/compounds/{cid}/fund/bank-statements?date=交易日期&counterparty=对方户名&balance=余额")),
            Some(&firm),
            "text/csv",
            april.into(),
        )
        .await;
    assert_eq!(field_code(&a, "amount"), "amount_mapping");
    let a = w
        .app
        .post_bytes(
            &w.url(&format!("/compounds/{cid}/fund/bank-statements?date=交易日期&amount=金额&counterparty=对方户名&balance=余额")),
            Some(&firm),
            "text/csv",
            april.into(),
        )
        .await;
    a.problem(422, "invalid_bank_file");
    let big = vec![b'1'; 4 * 1024 * 1024 + 1];
    let a = import("dry_run", Some(firm.clone()), big).await;
    a.problem(413, "bank_file_too_large");
    assert!(a.body.contains("4 MB"), "{}", a.body);
    w.stop().await;
}

async fn a_fund_in_deficit_for_three_months_reaches_the_officials(backend: Backend) {
    let w = World::with_history(backend).await;
    let cid = "c-fund-d";
    contracted_with(
        &w,
        cid,
        (json!({"fee_model": "trust"}), json!({})),
        &[("f-d1", 150)],
        json!({}),
    )
    .await;
    let firm = w.firm_token("f-d1");
    // August: 10 000 in, 15 000 out: −5 000. September: 10 000 in, 10 000 out: −5 000.
    // October: 10 000 in, 11 000 out: −6 000, the third month running: flagged. No common
    // revenue in three months either.
    for (day, category, amount) in [
        ("2026-08-05", "fee", 1_000_000),
        ("2026-08-20", "maintenance", 1_500_000),
        ("2026-09-05", "fee", 1_000_000),
        ("2026-09-20", "cleaning", 1_000_000),
        ("2026-10-05", "fee", 1_000_000),
        ("2026-10-20", "energy", 1_100_000),
    ] {
        record(&w, cid, &firm, tx(day, category, amount, "某单位")).await;
    }
    let f = w.get(&format!("/compounds/{cid}/fund"), None).await.json();
    let months: Vec<(String, i64, i64, bool, bool)> = f["months"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|m| {
            (
                m["month"].as_str().unwrap().into(),
                m["closing_balance_fen"].as_i64().unwrap(),
                m["deficit_months"].as_i64().unwrap(),
                m["deficit_flagged"].as_bool().unwrap(),
                m["common_revenue_not_pooled"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("2026-08".to_string(), -500_000, 1, false, false),
            ("2026-09".to_string(), -500_000, 2, false, false),
            ("2026-10".to_string(), -600_000, 3, true, true),
        ]
    );
    let published = w
        .tender_feed()
        .await
        .into_iter()
        .filter(|c| c["topic"] == "fund_month")
        .count();
    assert!(published >= 5, "{published}");

    // Matching lists it for the compound's street, district and the city, not elsewhere;
    // the monthly report of October names it.
    let flagged = |token: String| {
        let w = &w;
        async move {
            w.app
                .wait_followed(&w.app.matching_db, "tender", &w.app.tender_url, "/tenders")
                .await;
            let a = w
                .app
                .get(
                    &format!("{}/match/attention", w.app.matching_url),
                    Some(&token),
                )
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()["funds_flagged"].as_array().unwrap().clone()
        }
    };
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let listed = flagged(street.clone()).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["compound_id"], cid);
    assert_eq!(listed[0]["deficit_flagged"], true);
    assert_eq!(listed[0]["fee_model"], "trust");
    assert!(listed[0]["deficit_months"].as_i64().unwrap() >= 3);
    let elsewhere = w
        .app
        .token(Role::StreetOfficial, Scope::Street(DONGHU.into()));
    assert!(flagged(elsewhere).await.is_empty());
    let district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let report = w
        .app
        .get(
            &format!("{}/match/reports/monthly?month=2026-10", w.app.matching_url),
            Some(&district),
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    let in_report = report.json()["funds_flagged"].clone();
    assert_eq!(in_report[0]["compound_id"], cid, "{in_report}");
    assert_eq!(in_report[0]["month"], "2026-10");
    assert_eq!(in_report[0]["deficit_months"], 3);

    // Parking income pooled in December lifts both flags.
    record(
        &w,
        cid,
        &firm,
        tx("2026-12-01", "parking", 2_000_000, "某停车公司"),
    )
    .await;
    assert!(flagged(street).await.is_empty());
    w.stop().await;
}

/// The pages: the firm records on the ledger page (a refusal shows the API's message), the
/// committee imports the bank statement (dry run, then apply) and reverses a transaction,
/// and the public page shows the month without the payer's name; a visitor is sent to sign
/// in, another firm refused, a form without its token refused.
async fn the_fund_is_kept_and_shown_through_the_pages(backend: Backend) {
    use reqwest::StatusCode;
    let w = World::with_history(backend).await;
    let app = &w.app;
    let cid = "c-fund-p";
    let (tender_id, _) = contracted_with(
        &w,
        cid,
        (json!({"fee_model": "trust"}), json!({})),
        &[("f-p1", 150)],
        json!({"remuneration": {"kind": "fixed", "annual_fen": 1_200_000}}),
    )
    .await;
    let (firm, committee) = (w.firm_token("f-p1"), w.committee(cid));
    let ledger = format!("/compounds/{cid}/fund/ledger");
    let entry = |amount: &'static str, category: &'static str| {
        vec![
            ("_csrf", CSRF),
            ("day", "2026-03-05"),
            ("category", category),
            ("amount", amount),
            ("counterparty", "王小明（1-1-101）"),
            ("memo", "1栋1单元101 三月物业费"),
            ("bank_reference", "P001"),
        ]
    };

    let (status, location, page) = post(app, &ledger, Some(&firm), &entry("500.00", "fee")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(
        location.starts_with(&format!("{ledger}?done=")),
        "{location}"
    );
    let (status, _, page) = post(app, &ledger, Some(&firm), &entry("abc", "fee")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请填写金额"), "{page}");
    // 12 000 元 a year: by March 3 000 元 may be drawn, not 3 000.01.
    let (status, _, page) =
        post(app, &ledger, Some(&firm), &entry("3000.01", "remuneration")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("将超出 0.01 元"), "{page}");
    let mut no_token = entry("1.00", "fee");
    no_token.remove(0);
    let (status, _, _) = post(app, &ledger, Some(&firm), &no_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Who opens the ledger page.
    let (status, location, _) = get(app, &ledger, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/signin?next="), "{location}");
    let (status, _, _) = get(app, &ledger, Some(&w.firm_token("f-other"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, page) = get(app, &ledger, Some(&committee)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("王小明") && page.contains("导入银行对账单"),
        "{page}"
    );

    // The committee's bank import: a dry run names the bad line and offers to apply.
    let csv = "交易日期,摘要,对方户名,借方发生额,贷方发生额,余额,流水号\n\
        2026-03-05,物业费,王小明（1-1-101）,,500.00,500.00,P001\n\
        2026-03-06,?,x,zz,,500.00,P002\n";
    let bank = |mode: &'static str| {
        vec![
            ("_csrf", CSRF),
            ("csv", csv),
            ("date", "交易日期"),
            ("debit", "借方发生额"),
            ("credit", "贷方发生额"),
            ("counterparty", "对方户名"),
            ("memo", "摘要"),
            ("reference", "流水号"),
            ("balance", "余额"),
            ("mode", mode),
        ]
    };
    let import = format!("{ledger}/bank");
    // The form is multipart: pasted text, or the bank's file (CSV here; its text is carried
    // into the form for the apply), or neither (refused, nothing called).
    let (status, _, page) =
        post_multipart(app, &import, Some(&committee), &bank("dry_run"), None).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("试导入结果") && page.contains("账实相符"),
        "{page}"
    );
    assert!(
        page.contains("第 3 行") && page.contains("确认导入"),
        "{page}"
    );
    let mut from_file = bank("dry_run");
    from_file.retain(|(k, _)| *k != "csv");
    let (status, _, page) = post_multipart(
        app,
        &import,
        Some(&committee),
        &from_file,
        Some(("对账单.csv", "text/csv", csv.as_bytes())),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("账实相符") && page.contains("P002"),
        "the file's text is carried into the form: {page}"
    );
    let (status, _, page) = post_multipart(app, &import, Some(&committee), &from_file, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请粘贴对账单内容，或选择"), "{page}");
    let (status, _, _) =
        post_multipart(app, &import, Some(&committee), &from_file[1..], None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _, page) =
        post_multipart(app, &import, Some(&committee), &bank("apply"), None).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("已导入"), "{page}");

    // A reversal through the page.
    let lines = w
        .get(
            &format!("/compounds/{cid}/fund/transactions"),
            Some(&committee),
        )
        .await
        .json();
    let tid = lines["items"][0]["id"].as_str().unwrap().to_string();
    let (status, location, _) = post(
        app,
        &format!("{ledger}/{tid}/reversal"),
        Some(&committee),
        &[("_csrf", CSRF), ("reason", "误记，业主已退费")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("done="), "{location}");
    let lines = w
        .get(
            &format!("/compounds/{cid}/fund/transactions"),
            Some(&committee),
        )
        .await
        .json();
    assert_eq!(lines["total"], 2);

    // The public page: the chart, the month, the fee line without the payer.
    let (status, _, page) = get(app, &format!("/compounds/{cid}/fund?month=2026-03"), None).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<svg") && page.contains("2026-03 月度收支公开"),
        "{page}"
    );
    assert!(
        page.contains("业主缴费") && page.contains("（已冲正）"),
        "{page}"
    );
    assert!(
        !page.contains("王小明") && !page.contains("1栋1单元"),
        "{page}"
    );
    // The contract's remuneration on the public tender page.
    let (status, _, page) = get(app, &format!("/tender/{tender_id}"), None).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("固定酬金 每年 12,000.00 元"), "{page}");
    w.stop().await;
}

both_backends!(a_fund_nobody_writes_to_still_rolls_into_each_new_month);

/// 月结: a fund in deficit whose parties stop recording is still flagged as the months pass
/// (and as not pooling common revenue): the rollover publishes each new month once.
async fn a_fund_nobody_writes_to_still_rolls_into_each_new_month(backend: Backend) {
    use tender::money::fund::rollover::roll_over;
    let w = World::with_history(backend).await;
    let cid = "c-fund-r";
    contracted_with(
        &w,
        cid,
        (
            json!({"fee_model": "commission",
                "remuneration": {"kind": "percentage", "basis_points": 800}}),
            json!({}),
        ),
        &[("f-r1", 150)],
        json!({}),
    )
    .await;
    // One repair in January (the contract started on 2026-01-01), nothing since.
    record(
        &w,
        cid,
        &w.firm_token("f-r1"),
        tx("2026-01-20", "maintenance", 500_000, "某维修公司"),
    )
    .await;
    let published = |month: &'static str| {
        let db = &w.tender;
        async move {
            let rows: Vec<String> = sqlx::query_scalar(
                "SELECT payload FROM outbox WHERE topic = 'fund_month' AND entity_id = $1 \
                 ORDER BY seq",
            )
            .bind(format!("{cid}:{month}"))
            .fetch_all(&db.pool)
            .await
            .unwrap();
            rows.iter()
                .map(|p| serde_json::from_str::<Value>(p).unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert!(published("2027-03").await.is_empty());
    let policy = tender::TenderPolicy::default();
    let notifier = shared::feed::Notifier::default();
    let day = |s: &str| tender::clock::parse_date(s).unwrap();
    assert_eq!(
        roll_over(&w.tender, &notifier, &policy, day("2027-03-15"))
            .await
            .unwrap(),
        1
    );
    let march = published("2027-03").await;
    assert_eq!(march.len(), 1, "{march:?}");
    // January 2026 to March 2027: fifteen months below zero, and no common revenue.
    assert_eq!(march[0]["deficit_months"], 15, "{}", march[0]);
    assert_eq!(march[0]["deficit_flagged"], true);
    assert_eq!(march[0]["common_revenue_not_pooled"], true);
    assert_eq!(march[0]["closing_balance_fen"], -500_000);
    // Rolled once a month: again in March publishes nothing; April adds April (and March
    // again, now that it has ended).
    assert_eq!(
        roll_over(&w.tender, &notifier, &policy, day("2027-03-31"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(published("2027-03").await.len(), 1);
    assert_eq!(
        roll_over(&w.tender, &notifier, &policy, day("2027-04-01"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(published("2027-03").await.len(), 2);
    assert_eq!(published("2027-04").await[0]["deficit_months"], 16);
    w.stop().await;
}

/// 酬金 through the pages: the committee proposes a fixed remuneration on a trust tender in
/// the tender form and the tender API holds it; a lump-sum tender with one is refused with
/// the API's Chinese message beside the kind; the public terms and the firm's page show it,
/// and the firm's bid form asks its own, which the bid API holds.
async fn the_remuneration_is_stated_through_the_tender_and_bid_pages(backend: Backend) {
    use reqwest::StatusCode;
    let w = World::new(backend).await;
    let app = &w.app;
    let cid = "c-rem-p";
    let seq = w.firms(&[("f-rem1", json!({}))]).await;
    w.applied(seq).await;
    let committee = w.compound(cid, json!({})).await;
    let form = |fee_model: &'static str, kind: &'static str, value: &'static str| {
        vec![
            ("_csrf", CSRF),
            ("title", "望江小区信托制物业服务招标"),
            ("service_model", "trust"),
            ("fee_model", fee_model),
            ("grade", "3"),
            ("term_months", "36"),
            ("annual_budget_yuan", "604800"),
            ("proposed_fee_yuan", "1.80"),
            ("needs", "需要保洁、秩序维护和共用设施设备日常维护"),
            ("enquiry_deadline", "2099-01-01 10:00"),
            ("bid_deadline", "2099-02-01 10:00"),
            ("opening_at", "2099-02-01 10:00"),
            ("evaluation_method", "price_only"),
            ("price_weight", ""),
            ("criteria", ""),
            ("remuneration_kind", kind),
            ("remuneration_value", value),
        ]
    };

    // The form offers the remuneration for every fee model.
    let (status, _, page) = get(app, "/committee/tenders/new", Some(&committee)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("name=\"remuneration_kind\"") && page.contains("按物业费收入比例（%）"),
        "{page}"
    );
    // A lump-sum tender with a remuneration: the API's refusal beside the kind, in Chinese,
    // and what was typed kept.
    let (status, _, page) = post(
        app,
        "/committee/tenders",
        Some(&committee),
        &form("lump_sum", "fixed", "120000"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let at = page
        .find("id=\"remuneration_kind-error\"")
        .unwrap_or_else(|| panic!("no remuneration error: {page}"));
    assert!(
        page[at..].starts_with("id=\"remuneration_kind-error\">包干制招标不约定酬金"),
        "{}",
        &page[at..]
    );
    assert!(page.contains("value=\"120000\""), "{page}");
    // A share the page cannot read: refused beside the value, before the API.
    let (status, _, page) = post(
        app,
        "/committee/tenders",
        Some(&committee),
        &form("trust", "percentage", "7.555"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("id=\"remuneration_value-error\">请填写百分比，最多两位小数"),
        "{page}"
    );
    let drafts = w
        .get(&format!("?compound={cid}&status=draft"), Some(&committee))
        .await
        .json();
    assert_eq!(drafts["total"], 0, "{drafts}");

    // A trust tender with 120 000 元 a year: saved, and the tender API holds it in 分.
    let (status, location, page) = post(
        app,
        "/committee/tenders",
        Some(&committee),
        &form("trust", "fixed", "120000"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let id = location
        .trim_start_matches("/committee/tenders/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let t = w.get(&format!("/{id}"), Some(&committee)).await.json();
    assert_eq!(
        t["remuneration"],
        json!({"kind": "fixed", "annual_fen": 12_000_000}),
        "{t}"
    );
    // The edit form shows it; changing only the value sends only the remuneration.
    let (status, _, page) = get(
        app,
        &format!("/committee/tenders/{id}/edit"),
        Some(&committee),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("<option value=\"fixed\" selected>") && page.contains("value=\"120000.00\""),
        "{page}"
    );

    // Published, the public terms and the firm's page show it; the firm asks 8 %.
    let published = w
        .post(&format!("/{id}/publish"), Some(&committee), &json!({}))
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    let (status, _, page) = get(app, &format!("/tender/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("拟定酬金</dt><dd id=\"terms-remuneration\">固定酬金 每年 120,000.00 元"),
        "{page}"
    );
    let firm = w.firm_token("f-rem1");
    let path = format!("/firm/tenders/{id}");
    let (status, _, page) = get(app, &path, Some(&firm)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("招标方拟定酬金：固定酬金 每年 120,000.00 元")
            && page.contains("name=\"remuneration_value\""),
        "{page}"
    );
    let bid = |value: &'static str| {
        vec![
            ("_csrf", CSRF),
            ("fee", "1.80"),
            ("annual_price", "604800.00"),
            ("staffing_plan", "项目经理 1 人，秩序维护 4 人，保洁 3 人。"),
            ("service_plan", "按三级标准提供服务，每月公示收支。"),
            ("remuneration_kind", "percentage"),
            ("remuneration_value", value),
        ]
    };
    // More than 30 %: the API's message beside the value.
    let (status, _, page) = post(app, &format!("{path}/bid"), Some(&firm), &bid("31")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("id=\"remuneration_value-error\">酬金比例应为物业费收入的 0.01%–30%"),
        "{page}"
    );
    let (status, _, page) = post(app, &format!("{path}/bid"), Some(&firm), &bid("8")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let mine = w.get(&format!("/{id}/bids/mine"), Some(&firm)).await.json();
    assert_eq!(
        mine["remuneration"],
        json!({"kind": "percentage", "basis_points": 800}),
        "{mine}"
    );
    let (_, _, page) = get(app, &path, Some(&firm)).await;
    assert!(
        page.contains("id=\"my-remuneration\">物业费收入的 8.00%")
            && page.contains("<option value=\"percentage\" selected>")
            && page.contains("value=\"8.00\""),
        "{page}"
    );
    w.stop().await;
}

/// Signing on the committee's page: the remuneration inputs default to the awarded bid's;
/// one that differs from the bid's is refused beside the kind, in Chinese; left at the
/// default, the contract takes the bid's.
async fn the_contract_signed_on_the_page_takes_the_bids_remuneration(backend: Backend) {
    use reqwest::StatusCode;
    let w = World::new(backend).await;
    let app = &w.app;
    let cid = "c-rem-k";
    let (id, bids) = opened_with(
        &w,
        cid,
        json!({"fee_model": "commission"}),
        &[("f-remk1", 150)],
        json!({"remuneration": {"kind": "fixed", "annual_fen": 1_200_000}}),
    )
    .await;
    let committee = w.committee(cid);
    let a = w
        .post(
            &format!("/{id}/award"),
            Some(&committee),
            &json!({"bid_id": bids["f-remk1"]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    sleep_until(ms(&a.json()["award"]["notice_ends_at"]) + 50).await;
    let path = format!("/committee/tenders/{id}");
    let (status, _, page) = get(app, &path, Some(&committee)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("<option value=\"\" selected>默认采用中标投标的酬金约定</option>"),
        "{page}"
    );
    // The bids side by side show what each asks.
    assert!(
        page.contains("<th scope=\"row\">酬金</th><td>固定酬金 每年 12,000.00 元</td>"),
        "{page}"
    );
    let today = ::tender::clock::format_date(shared::clock::china_today());
    let sign = |kind: &'static str, value: &'static str| {
        vec![
            ("_csrf", CSRF.to_string()),
            ("start_date", today.clone()),
            ("signed_on", String::new()),
            ("remuneration_kind", kind.to_string()),
            ("remuneration_value", value.to_string()),
        ]
    };
    let form = sign("percentage", "8");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = post(app, &format!("{path}/contract"), Some(&committee), &pairs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("id=\"remuneration_kind-error\">约定的酬金应为中标投标提出的固定酬金 每年"),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"percentage\" selected>"),
        "{page}"
    );
    let form = sign("", "");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = post(app, &format!("{path}/contract"), Some(&committee), &pairs).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let t = w.get(&format!("/{id}"), Some(&committee)).await.json();
    assert_eq!(
        t["contract"]["remuneration"],
        json!({"kind": "fixed", "annual_fen": 1_200_000}),
        "{t}"
    );
    w.stop().await;
}
