//! The demo data of `wuye up --demo`: loaded through the API, listable and filterable,
//! with working demo accounts, and loaded only once.

use reqwest::Method;
use serde_json::json;
use shared::auth::{Role, Scope};
use wuye_e2e::{Backend, both_backends, spawn_app};

both_backends!(demo_roster_and_ledger_can_be_listed_and_filtered);

async fn demo_roster_and_ledger_can_be_listed_and_filtered(backend: Backend) {
    let app = spawn_app(backend).await;
    let accounts = wuye::demo::load(&app.catalog_url, &app.keys)
        .await
        .expect("loading the demo");
    assert_eq!(accounts.len(), 6);
    let city = accounts
        .iter()
        .find(|a| a.username == "demo.chengdu")
        .expect("the demo city official");
    assert_eq!(
        (city.role_zh, city.scope_zh.as_str()),
        ("市级工作人员", "全市")
    );

    // The demo street's work plan for this year, with the stages its official recorded,
    // and its progress list in matching.
    let year = shared::clock::china_today().year();
    let street = app.token(Role::StreetOfficial, Scope::Street("510104017".into()));
    let plan = app
        .catalog_get(&format!("/catalog/plans/510104017/{year}"), Some(&street))
        .await
        .json();
    // The demo ledger has five compounds in 锦官驿街道; all are planned.
    assert_eq!(plan["compounds"].as_array().unwrap().len(), 5);
    assert_eq!(
        plan["records"].as_array().unwrap().len(),
        8,
        "动员 ×5, 自治组织 ×3"
    );
    app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
        .await;
    let progress = app
        .get(
            &format!("{}/match/plans/progress?year={year}", app.matching_url),
            Some(&street),
        )
        .await
        .json();
    assert_eq!(progress["counts"]["planned"], 5);

    // The roster: 24 synthetic firms, all marked, in every standing.
    let all = app
        .catalog_get("/catalog/firms?limit=100", None)
        .await
        .json();
    assert_eq!(all["total"], 24);
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["name"].as_str().unwrap().starts_with("【演示】"))
    );
    let count = |v: serde_json::Value| v["total"].as_i64().unwrap();
    let recommended = count(
        app.catalog_get("/catalog/firms?standing=recommended", None)
            .await
            .json(),
    );
    let suspended = count(
        app.catalog_get("/catalog/firms?standing=suspended", None)
            .await
            .json(),
    );
    let blacklisted = count(
        app.catalog_get("/catalog/firms?standing=blacklisted", None)
            .await
            .json(),
    );
    let applicants = count(
        app.catalog_get("/catalog/firms?standing=applicant", None)
            .await
            .json(),
    );
    assert_eq!(
        (recommended, suspended, blacklisted, applicants),
        (19, 2, 1, 2)
    );
    let blacklist = app.catalog_get("/catalog/blacklist", None).await.json();
    assert_eq!(blacklist["total"], 1);
    let in_jinjiang = app
        .catalog_get("/catalog/firms?district=510104&model=trust", None)
        .await
        .json();
    assert!(count(in_jinjiang.clone()) > 0);
    for f in in_jinjiang["items"].as_array().unwrap() {
        assert!(
            f["districts_served"]
                .as_array()
                .unwrap()
                .contains(&json!("510104"))
        );
        assert!(
            f["service_models"]
                .as_array()
                .unwrap()
                .contains(&json!("trust"))
        );
    }

    // The ledger: 6 districts × 4 streets × 5 synthetic compounds.
    let ledger = app
        .catalog_get("/catalog/compounds?limit=1", None)
        .await
        .json();
    assert_eq!(ledger["total"], 120);
    let street = app
        .catalog_get("/catalog/compounds?street=510104017", None)
        .await
        .json();
    assert_eq!(street["total"], 5);
    assert!(
        street["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"].as_str().unwrap().starts_with("【演示】"))
    );

    // Every demo account signs in.
    for a in &accounts {
        let session = app
            .send(
                Method::POST,
                &format!("{}/catalog/session", app.catalog_url),
                None,
                Some(&json!({"username": a.username, "password": wuye::demo::DEMO_PASSWORD})),
            )
            .await;
        assert_eq!(session.status, 200, "{}: {}", a.username, session.body);
        if a.username == "demo.chengdu" {
            assert_eq!(session.json()["account"]["role"], "city_official");
            assert_eq!(session.json()["account"]["scope"]["kind"], "city");
        }
    }

    // Loading again changes nothing.
    let head = app.feed(&app.catalog_url, "/catalog", 0, 1, 0).await.json()["head"].clone();
    wuye::demo::load(&app.catalog_url, &app.keys).await.unwrap();
    let again = app.feed(&app.catalog_url, "/catalog", 0, 1, 0).await.json()["head"].clone();
    assert_eq!(head, again);
    app.stop().await;
}

both_backends!(demo_tenders_cover_every_stage_and_publish_valid_ocds);

async fn demo_tenders_cover_every_stage_and_publish_valid_ocds(backend: Backend) {
    use std::collections::BTreeMap;

    let app = spawn_app(backend).await;
    let bases = wuye::demo::Bases {
        catalog: app.catalog_url.clone(),
        tender: app.tender_url.clone(),
    };
    wuye::demo::load(&app.catalog_url, &app.keys)
        .await
        .expect("loading the demo roster and ledger");
    // The test services run a short bidding window (1 s) and notice (2 s), like the demo
    // policy `wuye up` loads the past stages under.
    wuye::demo::load_closed_tenders(&bases, &app.keys)
        .await
        .expect("loading the demo's past tender stages");
    wuye::demo::load_live_tenders(&bases, &app.keys, std::time::Duration::from_secs(1))
        .await
        .expect("loading the demo's live tender stages");

    // One tender at every stage.
    let tenders = |path: String| {
        let app = &app;
        async move {
            let a = app
                .get(&format!("{}/tenders{path}", app.tender_url), None)
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()
        }
    };
    let list = tenders("?limit=100".into()).await;
    let mut by_status: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for t in list["items"].as_array().unwrap() {
        assert!(t["title"].as_str().unwrap().starts_with("【演示】"), "{t}");
        by_status
            .entry(t["status"].as_str().unwrap().to_string())
            .or_default()
            .push(t.clone());
    }
    let counts: BTreeMap<&str, usize> = by_status
        .iter()
        .map(|(k, v)| (k.as_str(), v.len()))
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([
            ("awarded", 1),
            ("cancelled", 1),
            ("contracted", 1),
            ("evaluation", 1),
            ("open", 1),
            ("unsuccessful", 1),
        ])
    );
    let id = |status: &str| by_status[status][0]["id"].as_str().unwrap().to_string();

    // Open: sealed bids, nothing about them anywhere.
    let open = id("open");
    let sealed = app
        .get(&format!("{}/tenders/{open}/opening", app.tender_url), None)
        .await;
    sealed.problem(409, "bids_sealed");
    assert!(by_status["open"][0]["accepting_bids"] == true);
    // Awarded: in its public notice. Evaluation: a rated evaluation, scored.
    let awarded = tenders(format!("/{}", id("awarded"))).await;
    assert_eq!(awarded["award"]["status"], "in_notice");
    let committee = app.token(
        Role::Committee,
        Scope::Compound(
            by_status["evaluation"][0]["compound_id"]
                .as_str()
                .unwrap()
                .into(),
        ),
    );
    let ranking = app
        .get(
            &format!("{}/tenders/{}/ranking", app.tender_url, id("evaluation")),
            Some(&committee),
        )
        .await
        .json();
    assert!(
        ranking[0]["total_score"].as_f64().unwrap() > 0.0,
        "{ranking}"
    );
    // Contracted: a budget and accounts, and the compound's satisfaction.
    let contracted = tenders(format!("/{}", id("contracted"))).await;
    let compound = contracted["compound_id"].as_str().unwrap();
    let money = tenders(format!("/disclosures?compound={compound}")).await;
    assert_eq!(money["total"], 2);
    let kinds: Vec<&str> = money["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"budget") && kinds.contains(&"accounts"));
    let satisfaction = tenders(format!("/satisfaction?compound={compound}")).await;
    assert_eq!(satisfaction["surveys"], 1);
    assert_eq!(
        satisfaction["items"][0]["firm_id"],
        contracted["contract"]["firm_id"]
    );
    assert_eq!(tenders("/satisfaction".into()).await["surveys"], 2);
    // Cancelled with a reason; unsuccessful without a valid bid.
    assert!(
        by_status["cancelled"][0]["cancel_reason"]
            .as_str()
            .unwrap()
            .contains("暂缓选聘")
    );

    // OCDS: every release validates; every kind the demo's stages publish is there; the
    // open tender's bids are not.
    let v = super::ocds::package_validator();
    let releases = super::ocds::all_releases(&app, &v, 50).await;
    let kinds: std::collections::BTreeSet<&str> = releases
        .iter()
        .flat_map(|r| {
            r["tag"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
        })
        .collect();
    for kind in [
        "planning",
        "tender",
        "tenderAmendment",
        "tenderUpdate",
        "tenderCancellation",
        "award",
        "contract",
        "implementation",
    ] {
        assert!(kinds.contains(kind), "no {kind} release in {kinds:?}");
    }
    let open_process: Vec<&serde_json::Value> = releases
        .iter()
        .filter(|r| r["tender"]["id"] == open.as_str())
        .collect();
    assert!(!open_process.is_empty());
    for r in open_process {
        assert!(r["tender"].get("tenderers").is_none(), "{r}");
        assert!(!r.to_string().contains("firm-"), "{r}");
    }

    // Loading again changes nothing.
    let head = app.feed(&app.tender_url, "/tenders", 0, 1, 0).await.json()["head"].clone();
    wuye::demo::load_closed_tenders(&bases, &app.keys)
        .await
        .unwrap();
    wuye::demo::load_live_tenders(&bases, &app.keys, std::time::Duration::from_secs(1))
        .await
        .unwrap();
    let again = app.feed(&app.tender_url, "/tenders", 0, 1, 0).await.json()["head"].clone();
    assert_eq!(head, again);

    // The owners: the demo committee's compound has a register of one unit per household,
    // with owners of two units and the developer's unsold units counted as the SPC
    // interpretation counts them; loading it again changes nothing.
    let cid = wuye::demo::load_owners(&bases, &app.keys)
        .await
        .expect("loading the demo's owner register");
    let summary = || {
        let app = &app;
        let url = format!(
            "{}/tenders/compounds/{cid}/register/summary",
            app.tender_url
        );
        async move {
            let a = app.get(&url, None).await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()
        }
    };
    let first = summary().await;
    let totals = &first["totals"];
    let units = totals["units"].as_u64().unwrap();
    assert!(units >= 40, "{first}");
    assert_eq!(
        totals["developer_units"].as_u64().unwrap(),
        units / 40,
        "{first}"
    );
    assert!(totals["multi_unit_owners"].as_u64().unwrap() > 0, "{first}");
    assert!(totals["owners"].as_u64().unwrap() < units, "{first}");
    // Its owners' decisions, counted from ballots cast with codes and on paper: a closed
    // vote that passed, an open one, and a closed survey per unit.
    let listed = |path: String| {
        let app = &app;
        async move {
            let a = app
                .get(&format!("{}/tenders{path}", app.tender_url), None)
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()
        }
    };
    let votes = listed(format!("/compounds/{cid}/ballot-votes")).await;
    assert_eq!(votes["total"], 3, "{votes}");
    let by_matter = |matter: &str| {
        votes["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["matter"] == matter)
            .unwrap_or_else(|| panic!("no {matter} vote in {votes}"))
            .clone()
    };
    let closed = by_matter("amend_covenant");
    assert_eq!(closed["result"]["passed"], true, "{closed}");
    assert_eq!(closed["turnout"]["online"], 10, "{closed}");
    assert!(
        closed["turnout"]["paper"].as_u64().unwrap() > units / 2,
        "{closed}"
    );
    let open = by_matter("common_parts_use");
    assert_eq!(open["state"], "open", "{open}");
    assert_eq!(open["turnout"]["online"], 4, "{open}");
    assert!(open.get("result").is_none_or(|r| r.is_null()), "{open}");
    // This year's budget (酬金制), approved by its vote from ballots, sets the fee; every
    // unit is billed for each month so far and about nine bills in ten are paid.
    let budget_vote = by_matter("approve_budget");
    assert_eq!(budget_vote["result"]["passed"], true, "{budget_vote}");
    let year = shared::clock::china_today().year();
    let budget = listed(format!("/compounds/{cid}/budgets/{year}")).await;
    assert_eq!(budget["state"], "approved", "{budget}");
    assert_eq!(budget["vote"]["id"], budget_vote["id"], "{budget}");
    assert!(budget["remuneration_fen"].as_i64().unwrap() > 0, "{budget}");
    let fee = budget["fee_standard_fen"].as_i64().unwrap();
    assert!((100..=300).contains(&fee), "{budget}");
    let rate = listed(format!(
        "/compounds/{cid}/fees/collection?from={year}-01&to={year}-12"
    ))
    .await;
    let months = i64::from(u8::from(shared::clock::china_today().month()));
    let area = budget["fee"]["area_centi"].as_i64().unwrap();
    // Σ bills = Σ per month of Σ per unit (area × fee, rounded to the fen): within half a
    // fen per unit and month of the register's area × fee × months.
    let billed = rate["billed_fen"].as_i64().unwrap();
    let exact = area * fee * months / 100;
    assert!(
        (billed - exact).abs() <= units as i64 * months,
        "{rate} vs {exact}"
    );
    let paid = rate["rate_basis_points"].as_i64().unwrap();
    assert!((8_000..9_800).contains(&paid), "{rate}");
    let surveys = listed(format!("/compounds/{cid}/unit-surveys")).await;
    let survey = &surveys["items"][0];
    assert_eq!(survey["state"], "closed", "{surveys}");
    assert_eq!(survey["counts"]["online"], 6, "{survey}");
    assert!(survey["counts"]["paper"].as_u64().unwrap() > 0, "{survey}");

    wuye::demo::load_owners(&bases, &app.keys).await.unwrap();
    assert_eq!(summary().await, first);
    let again = listed(format!("/compounds/{cid}/ballot-votes")).await;
    assert_eq!(again["total"], 3, "{again}");
    app.stop().await;
}

both_backends!(the_demo_keeps_a_year_of_each_fee_model);

/// The demo's past year (issue 17), loaded as `wuye up` loads it: the services and the loader
/// on a runtime whose clock the loader moves back a year and forward month by month.
async fn the_demo_keeps_a_year_of_each_fee_model(backend: Backend) {
    let (done, answer) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let travel = shared::clock::Travel::new();
        travel
            .run(2, a_year_of_each_fee_model(backend, &travel))
            .unwrap();
        let _ = done.send(());
    });
    answer
        .await
        .expect("the history test's thread panicked (see above)");
}

async fn a_year_of_each_fee_model(backend: Backend, travel: &shared::clock::Travel) {
    let app = spawn_app(backend).await;
    let bases = wuye::demo::Bases {
        catalog: app.catalog_url.clone(),
        tender: app.tender_url.clone(),
    };
    wuye::demo::load_history(&bases, &app.keys, travel)
        .await
        .expect("loading the demo's past year");
    // The clock is back: the loader's thread reads today.
    let today = shared::clock::china_today();
    assert_eq!(
        today,
        time::OffsetDateTime::now_utc()
            .to_offset(shared::clock::CHINA)
            .date()
    );
    let first = {
        let index = today.year() * 12 + i32::from(u8::from(today.month())) - 1 - 12;
        let month = time::Month::try_from(u8::try_from(index % 12 + 1).unwrap()).unwrap();
        time::Date::from_calendar_date(index / 12, month, 1).unwrap()
    };
    let get = |path: String| {
        let app = &app;
        async move {
            let a = app
                .get(&format!("{}/tenders{path}", app.tender_url), None)
                .await;
            assert_eq!(a.status, 200, "{path}: {}", a.body);
            a.json()
        }
    };
    let association = app.token(Role::Association, Scope::City);
    let compounds = app
        .catalog_get("/catalog/compounds?q=示范小区&limit=10", Some(&association))
        .await
        .json();
    let mut by_model = std::collections::BTreeMap::new();
    for c in compounds["items"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let contracts = get(format!("/contracts?compound={id}")).await;
        let items = contracts["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{contracts}");
        let contract = items[0].clone();
        // Served from the first day of the month a year ago, signed before it.
        assert_eq!(
            contract["start_date"],
            shared::domain::roster::format_date(first).as_str()
        );
        assert!(contract["signed_on"].as_str().unwrap() < contract["start_date"].as_str().unwrap());
        by_model.insert(
            contract["fee_model"].as_str().unwrap().to_string(),
            (id.to_string(), contract),
        );
        // A satisfaction survey each quarter of the year: five quarter ends in twelve months
        // starting on a quarter's last month, four otherwise.
        let surveys = get(format!("/satisfaction?compound={id}&limit=20")).await;
        let n = surveys["items"].as_array().map_or(0, Vec::len);
        assert!((4..=5).contains(&n), "{surveys}");
    }
    assert_eq!(
        by_model.keys().map(String::as_str).collect::<Vec<_>>(),
        ["commission", "lump_sum", "trust"]
    );

    // 包干制: the year's budget and the quarterly accounts, each opening with the last closing.
    let (_, lump) = &by_model["lump_sum"];
    let disclosures = get(format!(
        "/contracts/{}/disclosures",
        lump["id"].as_str().unwrap()
    ))
    .await;
    let items = disclosures.as_array().unwrap();
    assert_eq!(
        items.iter().filter(|d| d["kind"] == "budget").count(),
        1,
        "{disclosures}"
    );
    let mut accounts: Vec<&serde_json::Value> =
        items.iter().filter(|d| d["kind"] == "accounts").collect();
    assert!((3..=4).contains(&accounts.len()), "{disclosures}");
    accounts.sort_by_key(|d| d["period"].as_str().unwrap().to_string());
    for pair in accounts.windows(2) {
        assert_eq!(
            pair[1]["opening_balance_fen"],
            pair[0]["closing_balance_fen"]
        );
    }

    // 酬金制: twelve months; each month's remuneration is 8 % of its fee income, the balances
    // chain, and the lift overhaul's deficit is flagged from its third month on.
    let (cid, _) = &by_model["commission"];
    let this_month = format!("{}-{:02}", today.year(), u8::from(today.month()));
    // Twelve months of records and the month under way (none yet).
    let year_and_now = |fund: &serde_json::Value| {
        let months = fund["months"].as_array().unwrap().clone();
        assert_eq!(months.len(), 13, "{fund}");
        assert_eq!(months[12]["month"], this_month.as_str());
        assert_eq!(months[12]["income_fen"], 0);
        months
    };
    let fund = get(format!("/compounds/{cid}/fund")).await;
    let months = year_and_now(&fund);
    let mut opening = 0;
    for (m, month) in months.iter().enumerate() {
        let f = |k: &str| month[k].as_i64().unwrap();
        assert_eq!(f("opening_balance_fen"), opening);
        assert_eq!(
            f("closing_balance_fen"),
            opening + f("income_fen") - f("spending_fen") - f("remuneration_fen")
        );
        let fee = f("income_fen") - f("common_revenue_fen");
        assert_eq!(f("remuneration_fen"), fee * 8 / 100, "month {m}");
        assert!(f("common_revenue_fen") > 0 || m == 12);
        assert_eq!(month["deficit_flagged"], m >= 10, "month {m}: {month}");
        opening = f("closing_balance_fen");
    }
    assert_eq!(fund["balance_fen"].as_i64().unwrap(), opening);
    assert!(opening < 0, "the overhaul's deficit is not recovered yet");

    // 信托制: twelve months, the fixed remuneration a twelfth each month, a reversal, the
    // bank's statements reconciled, and no owner named in a public statement.
    let (tid, trust) = &by_model["trust"];
    let annual = trust["remuneration"]["annual_fen"].as_i64().unwrap();
    let fund = get(format!("/compounds/{tid}/fund")).await;
    let months = year_and_now(&fund);
    for month in &months[..12] {
        assert_eq!(
            month["remuneration_fen"].as_i64().unwrap(),
            annual / 12,
            "{month}"
        );
        assert!(
            month["closing_balance_fen"].as_i64().unwrap() > 0,
            "{month}"
        );
        assert_eq!(month["deficit_flagged"], false);
        assert_eq!(month["common_revenue_not_pooled"], false);
    }
    let mut reversals = 0;
    for month in &months {
        let s = get(format!(
            "/compounds/{tid}/fund/statements/{}",
            month["month"].as_str().unwrap()
        ))
        .await;
        for t in s["transactions"].as_array().unwrap() {
            reversals += usize::from(!t["reverses"].is_null());
            if t["category"] == "fee" {
                assert!(
                    t["counterparty"].as_str().unwrap().starts_with("业主缴费"),
                    "{t}"
                );
            }
        }
    }
    assert_eq!(reversals, 1);
    let committee = app.token(Role::Committee, Scope::Compound(tid.clone()));
    let ledger = app
        .get(
            &format!(
                "{}/tenders/compounds/{tid}/fund/transactions?limit=5",
                app.tender_url
            ),
            Some(&committee),
        )
        .await;
    assert_eq!(ledger.status, 200, "{}", ledger.body);

    // Loading again changes nothing.
    let head = app.feed(&app.tender_url, "/tenders", 0, 1, 0).await.json()["head"].clone();
    wuye::demo::load_history(&bases, &app.keys, travel)
        .await
        .unwrap();
    let again = app.feed(&app.tender_url, "/tenders", 0, 1, 0).await.json()["head"].clone();
    assert_eq!(head, again);
    app.stop().await;
}
