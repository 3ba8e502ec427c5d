//! OCDS 1.1: every kind of release a tender's process publishes, each package validated
//! against the official schema (`services/tender/ocds/`, Draft 4, the release schema
//! registered under its URL so the package schema's `$ref` resolves locally), codes from
//! the official code lists, sealed bids absent before the opening, and pagination by
//! cursor.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use wuye_e2e::{Answer, Backend, both_backends};

use wuye_e2e::field_code;
use wuye_e2e::tender::{World, bid_body, from_now, ms, sleep_until, tender_body};
use wuye_e2e::tender::{dismissal_vote, money_body};

both_backends!(
    every_release_kind_validates_and_sealed_bids_stay_out,
    documents_are_listed_and_bid_documents_only_from_the_opening,
    the_fund_s_payments_are_implementation_transactions,
);

const RELEASE_SCHEMA: &str = include_str!("../../../services/tender/ocds/release-schema.json");
const PACKAGE_SCHEMA: &str =
    include_str!("../../../services/tender/ocds/release-package-schema.json");

/// The official release package schema, with formats checked.
pub(crate) fn package_validator() -> jsonschema::Validator {
    let release: Value = serde_json::from_str(RELEASE_SCHEMA).unwrap();
    let package: Value = serde_json::from_str(PACKAGE_SCHEMA).unwrap();
    let registry = jsonschema::Registry::new()
        .add(
            tender::ocds::RELEASE_SCHEMA_URL,
            jsonschema::Draft::Draft4.create_resource(release),
        )
        .expect("registering the release schema")
        .prepare()
        .expect("preparing the registry");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&package)
        .expect("compiling the release package schema")
}

/// Asserts that `doc` is a valid release package.
pub(crate) fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not a valid OCDS release package: {errors:#?}"
    );
}

/// Every published release, paging through `/tenders/ocds/releases` with `limit`; each
/// page validated. Returns the releases in order.
pub(crate) async fn all_releases(
    app: &wuye_e2e::TestApp,
    v: &jsonschema::Validator,
    limit: i64,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut url = format!("{}/tenders/ocds/releases?limit={limit}", app.tender_url);
    loop {
        let a: Answer = app.get(&url, None).await;
        if a.status == 204 {
            assert!(a.body.is_empty());
            return out;
        }
        assert_eq!(a.status, 200, "{}", a.body);
        let page = a.json();
        assert_valid(v, &page, &url);
        let releases = page["releases"].as_array().unwrap();
        assert!(releases.len() as i64 <= limit);
        out.extend(releases.iter().cloned());
        url = page["links"]["next"]
            .as_str()
            .expect("a next link")
            .to_string();
    }
}

fn tags(release: &Value) -> Vec<&str> {
    release["tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect()
}

fn codes(file: &str) -> BTreeSet<String> {
    let path = format!(
        "{}/../services/tender/ocds/codelists/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// The tender world's OCDS reads, as these tests make them.
trait OcdsReads {
    /// A tender's release package, valid against the schema, every release of its `ocid`.
    async fn process(&self, v: &jsonschema::Validator, tender_id: &str) -> Value;
}

impl OcdsReads for World {
    async fn process(&self, v: &jsonschema::Validator, tender_id: &str) -> Value {
        let ocid = format!("ocds-wuye01-{tender_id}");
        let a = self.get(&format!("/ocds/releases/{ocid}"), None).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let p = a.json();
        assert_valid(v, &p, &ocid);
        for r in p["releases"].as_array().unwrap() {
            assert_eq!(r["ocid"], ocid.as_str());
        }
        p
    }
}

fn last(package: &Value) -> &Value {
    package["releases"].as_array().unwrap().last().unwrap()
}

fn roles(release: &Value, party: &str) -> Vec<String> {
    release["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == party)
        .map(|p| {
            p["roles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn every_release_kind_validates_and_sealed_bids_stay_out(backend: Backend) {
    let w = World::new(backend).await;
    let v = package_validator();
    let seq = w
        .firms(&[
            ("f-o1", json!({})),
            ("f-o2", json!({})),
            ("f-o3", json!({})),
        ])
        .await;
    w.applied(seq).await;
    for c in ["c-oa", "c-ob", "c-oc", "c-od"] {
        w.compound(c, json!({})).await;
    }
    let times = json!({"enquiry_deadline": from_now(3_000), "bid_deadline": from_now(3_500),
        "opening_at": from_now(3_500)});

    // Nothing published yet: no package (a package must hold a release).
    let a = w.get("/ocds/releases", None).await;
    assert_eq!(a.status, 204, "{}", a.body);

    // B: a bid, then cancelled before the opening. C: no bid at all. D: a draft.
    let b = w.open_tender("c-ob", times.clone()).await;
    let b_id = b["id"].as_str().unwrap().to_string();
    let bid = w
        .post(
            &format!("/{b_id}/bids"),
            Some(&w.firm_token("f-o3")),
            &bid_body(170, 170 * 336_000),
        )
        .await;
    assert_eq!(bid.status, 201, "{}", bid.body);
    let c = w.open_tender("c-oc", times.clone()).await;
    let c_id = c["id"].as_str().unwrap().to_string();
    let d = w
        .post(
            "",
            Some(&w.committee("c-od")),
            &tender_body("c-od", times.clone()),
        )
        .await;
    assert_eq!(d.status, 201, "{}", d.body);
    let d_id = d.json()["id"].as_str().unwrap().to_string();

    // A: published, then its terms change while open, then two bids.
    let a_view = w.open_tender("c-oa", times.clone()).await;
    let id = a_view["id"].as_str().unwrap().to_string();
    let committee = w.committee("c-oa");
    let changed = w
        .call(
            reqwest::Method::PATCH,
            &format!("/{id}"),
            Some(&committee),
            Some(&json!({"annual_budget_fen": 70_000_000})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let mut bids = std::collections::BTreeMap::new();
    for (firm, fee) in [("f-o1", 150), ("f-o2", 140)] {
        let a = w
            .post(
                &format!("/{id}/bids"),
                Some(&w.firm_token(firm)),
                &bid_body(fee, fee * 336_000),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        bids.insert(firm, a.json()["id"].as_str().unwrap().to_string());
    }

    // Before the opening, nothing anywhere says who bid, how much, or how many.
    let before = w.process(&v, &id).await;
    let text = before.to_string();
    for secret in [
        "f-o1",
        "f-o2",
        "f-o3",
        "tenderers",
        "numberOfTenderers",
        "firm-",
        "supplier",
        "50400000",
    ] {
        assert!(!text.contains(secret), "`{secret}` before opening: {text}");
    }
    let releases = before["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 2);
    assert_eq!(tags(&releases[0]), vec!["planning", "tender"]);
    assert_eq!(tags(&releases[1]), vec!["tenderAmendment"]);
    let amendment = &releases[1]["tender"]["amendments"][0];
    assert_eq!(amendment["amendsReleaseID"], releases[0]["id"]);
    assert_eq!(amendment["releaseID"], releases[1]["id"]);
    assert!(
        amendment["rationale"]
            .as_str()
            .unwrap()
            .contains("年度预算")
    );
    let t = &releases[1]["tender"];
    assert_eq!(t["status"], "active");
    assert_eq!(t["statusDetails"], "open");
    assert_eq!(t["procurementMethod"], "open");
    assert_eq!(t["mainProcurementCategory"], "services");
    assert_eq!(t["awardCriteria"], "priceOnly");
    // 700 000 元 a year for 36 months, exactly.
    assert_eq!(
        t["value"],
        json!({"amount": 2_100_000.0, "currency": "CNY"})
    );
    assert_eq!(
        releases[1]["planning"]["budget"]["amount"]["amount"],
        2_100_000.0
    );
    assert_eq!(releases[0]["tender"]["value"]["amount"], 1_814_400.0);
    assert_eq!(
        roles(&releases[0], "compound-c-oa"),
        vec!["buyer", "procuringEntity"]
    );
    let everything = all_releases(&w.app, &v, 200).await;
    let text = serde_json::to_string(&everything).unwrap();
    assert!(
        !text.contains("f-o3") && !text.contains("tenderers"),
        "{text}"
    );

    // B is cancelled before its opening: its bid stays sealed for good.
    let cancel = w
        .post(
            &format!("/{b_id}/cancel"),
            Some(&w.committee("c-ob")),
            &json!({"reason": "业主大会决定暂缓选聘"}),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    let bp = w.process(&v, &b_id).await;
    let r = last(&bp);
    assert_eq!(tags(r), vec!["tenderCancellation"]);
    assert_eq!(r["tender"]["status"], "cancelled");
    assert_eq!(r["tender"]["statusDetails"], "cancelled");
    assert_eq!(
        r["tender"]["documents"][0]["documentType"],
        "cancellationDetails"
    );
    assert_eq!(
        r["tender"]["documents"][0]["description"],
        "业主大会决定暂缓选聘"
    );
    assert!(!bp.to_string().contains("f-o3"));
    // D was never published.
    w.get(&format!("/ocds/releases/ocds-wuye01-{d_id}"), None)
        .await
        .problem(404, "not_found");

    // The opening publishes the tenderers; C, without bids, is unsuccessful.
    assert_eq!(w.scheduler_moved(&id, 15).await, "evaluation");
    assert_eq!(w.scheduler_moved(&c_id, 15).await, "unsuccessful");
    let cp = w.process(&v, &c_id).await;
    assert_eq!(tags(last(&cp)), vec!["tenderUpdate"]);
    assert_eq!(last(&cp)["tender"]["status"], "unsuccessful");
    assert_eq!(last(&cp)["tender"]["numberOfTenderers"], 0);
    let ap = w.process(&v, &id).await;
    let opened = last(&ap);
    assert_eq!(tags(opened), vec!["tenderUpdate"]);
    assert_eq!(opened["tender"]["statusDetails"], "evaluation");
    assert_eq!(opened["tender"]["numberOfTenderers"], 2);
    assert_eq!(opened["tender"]["tenderers"].as_array().unwrap().len(), 2);
    assert_eq!(roles(opened, "firm-f-o1"), vec!["tenderer"]);
    assert_eq!(opened["parties"][1]["identifier"]["scheme"], "CN-SAIC");

    // Award to the lowest fee; a complaint upheld revokes it; awarded again.
    let award = format!("/{id}/award");
    let a = w
        .post(&award, Some(&committee), &json!({"bid_id": bids["f-o2"]}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let first_award = a.json()["award"]["id"].as_str().unwrap().to_string();
    let r = last(&w.process(&v, &id).await).clone();
    assert_eq!(tags(&r), vec!["award"]);
    assert_eq!(r["awards"][0]["status"], "pending");
    assert_eq!(r["awards"][0]["suppliers"][0]["id"], "firm-f-o2");
    // 140 分/㎡·月 × 28 000 ㎡ × 12 = 470 400 元 a year; × 3 years.
    assert_eq!(r["awards"][0]["value"]["amount"], 1_411_200.0);
    assert_eq!(roles(&r, "firm-f-o2"), vec!["tenderer", "supplier"]);
    let complaint = w
        .post(
            &format!("/{id}/complaints"),
            Some(&w.firm_token("f-o1")),
            &json!({"grounds": "中标企业的人员配置方案不足以达到三级标准。"}),
        )
        .await;
    let cid = complaint.json()["id"].as_str().unwrap().to_string();
    let upheld = w
        .post(
            &format!("/{id}/complaints/{cid}/answer"),
            Some(&committee),
            &json!({"upheld": true, "answer": "经核实，质疑成立。"}),
        )
        .await;
    assert_eq!(upheld.status, 200, "{}", upheld.body);
    let r = last(&w.process(&v, &id).await).clone();
    assert_eq!(tags(&r), vec!["awardUpdate"]);
    assert_eq!(r["awards"][0]["id"], first_award.as_str());
    assert_eq!(r["awards"][0]["status"], "cancelled");
    assert_eq!(roles(&r, "firm-f-o2"), vec!["tenderer"]);
    let a = w
        .post(
            &award,
            Some(&committee),
            &json!({"bid_id": bids["f-o1"],
                "skipped": [{"bid_id": bids["f-o2"], "reason": "质疑成立，取消其中标资格"}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    sleep_until(ms(&a.json()["award"]["notice_ends_at"])).await;

    // The contract (from today: not before the award), its budget and accounts for the
    // current year and quarter, its termination.
    let today = tender::clock::format_date(shared::domain::roster::china_today());
    let month: u32 = today[5..7].parse().unwrap();
    let quarter = format!("{}-Q{}", &today[..4], (month - 1) / 3 + 1);
    let signed = w
        .post(
            &format!("/{id}/contract"),
            Some(&committee),
            &json!({"start_date": today}),
        )
        .await;
    assert_eq!(signed.status, 201, "{}", signed.body);
    let contract_id = signed.json()["id"].as_str().unwrap().to_string();
    let r = last(&w.process(&v, &id).await).clone();
    assert_eq!(tags(&r), vec!["contract"]);
    assert_eq!(r["tender"]["status"], "complete");
    assert_eq!(r["tender"]["statusDetails"], "contracted");
    let statuses: Vec<&str> = r["awards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["cancelled", "active"]);
    assert_eq!(r["contracts"][0]["status"], "active");
    assert_eq!(r["contracts"][0]["awardID"], r["awards"][1]["id"]);
    assert_eq!(
        r["contracts"][0]["period"]["startDate"],
        format!("{today}T00:00:00+08:00")
    );
    assert_eq!(r["contracts"][0]["value"]["amount"], 1_512_000.0);
    let path = format!("/contracts/{contract_id}/disclosures");
    let firm = w.firm_token("f-o1");
    for body in [
        money_body("budget", &today[..4]),
        money_body("accounts", &quarter),
    ] {
        let a = w.post(&path, Some(&firm), &body).await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let r = last(&w.process(&v, &id).await).clone();
    assert_eq!(tags(&r), vec!["implementation"]);
    let implementation = &r["contracts"][0]["implementation"];
    assert_eq!(implementation["documents"].as_array().unwrap().len(), 2);
    assert_eq!(
        implementation["documents"][0]["documentType"],
        "contractSchedule"
    );
    assert_eq!(
        implementation["documents"][1]["documentType"],
        "financialProgressReport"
    );
    let transactions = implementation["transactions"].as_array().unwrap();
    assert_eq!(transactions.len(), 1);
    assert_eq!(
        transactions[0]["value"],
        json!({"amount": 150_000.0, "currency": "CNY"})
    );
    assert_eq!(transactions[0]["payer"]["id"], "compound-c-oa");
    assert_eq!(transactions[0]["payee"]["id"], "firm-f-o1");
    let vote = dismissal_vote(&w.app, "c-oa").await;
    let t = w
        .post(
            &format!("/contracts/{contract_id}/terminate"),
            Some(&committee),
            &json!({"reason": "企业被列入黑名单", "terminated_on": today, "vote_id": vote}),
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
    let r = last(&w.process(&v, &id).await).clone();
    assert_eq!(tags(&r), vec!["contractTermination"]);
    assert_eq!(r["contracts"][0]["status"], "terminated");
    assert_eq!(
        r["contracts"][0]["period"]["endDate"],
        format!("{today}T23:59:59+08:00")
    );

    // Every kind of release, every code from the official lists.
    let everything = all_releases(&w.app, &v, 200).await;
    let kinds: BTreeSet<&str> = everything.iter().flat_map(tags).collect();
    let expected: BTreeSet<&str> = [
        "planning",
        "tender",
        "tenderAmendment",
        "tenderUpdate",
        "tenderCancellation",
        "award",
        "awardUpdate",
        "contract",
        "implementation",
        "contractTermination",
    ]
    .into();
    assert_eq!(kinds, expected);
    let (tag_codes, tender_codes, award_codes, contract_codes, role_codes, methods) = (
        codes("releaseTag.csv"),
        codes("tenderStatus.csv"),
        codes("awardStatus.csv"),
        codes("contractStatus.csv"),
        codes("partyRole.csv"),
        codes("method.csv"),
    );
    for r in &everything {
        for t in tags(r) {
            assert!(tag_codes.contains(t), "{t}");
        }
        assert!(tender_codes.contains(r["tender"]["status"].as_str().unwrap()));
        assert!(methods.contains(r["tender"]["procurementMethod"].as_str().unwrap()));
        for a in r["awards"].as_array().into_iter().flatten() {
            assert!(award_codes.contains(a["status"].as_str().unwrap()));
        }
        for c in r["contracts"].as_array().into_iter().flatten() {
            assert!(contract_codes.contains(c["status"].as_str().unwrap()));
        }
        for p in r["parties"].as_array().unwrap() {
            for role in p["roles"].as_array().unwrap() {
                assert!(role_codes.contains(role.as_str().unwrap()), "{role}");
            }
        }
    }

    // Pagination: small pages add up to the whole, in cursor order; then 204.
    let n = everything.len();
    // A: 10 (published, amended, opened, awarded, revoked, awarded, contracted, budget,
    // accounts, terminated); B: 2 (published, cancelled); C: 2 (published, unsuccessful).
    assert_eq!(n, 14);
    let paged = all_releases(&w.app, &v, 4).await;
    let ids = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&paged), ids(&everything));
    let dates: Vec<i64> = everything.iter().map(|r| ms(&r["date"])).collect();
    assert!(dates.windows(2).all(|d| d[0] <= d[1]), "{dates:?}");
    let page = w.get("/ocds/releases?after=3&limit=2", None).await.json();
    assert_eq!(
        ids(page["releases"].as_array().unwrap()),
        ids(&everything[3..5])
    );
    assert!(
        page["links"]["next"]
            .as_str()
            .unwrap()
            .ends_with("/tenders/ocds/releases?after=5&limit=2")
    );
    assert_eq!(page["version"], "1.1");
    assert_eq!(
        w.get(&format!("/ocds/releases?after={n}"), None)
            .await
            .status,
        204
    );
    let a = w.get("/ocds/releases?after=-1&limit=0", None).await;
    assert_eq!(field_code(&a, "after"), "range");
    assert_eq!(field_code(&a, "limit"), "range");

    // The validator is not a rubber stamp.
    let mut bad = page.clone();
    bad["releases"][0]["tag"] = json!(["bogus"]);
    assert!(!v.is_valid(&bad));
    let mut bad = page.clone();
    bad["releases"][0]["date"] = json!("yesterday");
    assert!(!v.is_valid(&bad));
    let mut bad = page.clone();
    bad["releases"][0]["tender"]["status"] = json!("evaluation");
    assert!(!v.is_valid(&bad));
    w.stop().await;
}

/// A PDF uploaded (multipart) to `path` under `/tenders` by `token`; its id.
async fn upload_pdf(w: &World, path: &str, token: &str, title: &str, bytes: &[u8]) -> String {
    let (content_type, body) = wuye_e2e::fixtures::multipart(
        &[("title", title)],
        Some(("f.pdf", "application/pdf", bytes)),
    );
    let res = w
        .app
        .client
        .post(w.url(path))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "{path}: {text}");
    serde_json::from_str::<Value>(&text).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Listed documents as `(id, documentType)`.
type Listed = Vec<(String, String)>;

/// The documents of a release's tender and its contract.
fn documents(release: &Value) -> (Listed, Listed) {
    let pairs = |list: &Value| -> Listed {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                (
                    d["id"].as_str().unwrap().to_string(),
                    d["documentType"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    (
        pairs(&release["tender"]["documents"]),
        pairs(&release["contracts"][0]["documents"]),
    )
}

/// OCDS `documents`: the tender's files (`biddingDocuments`), the opened bids' only from
/// the opening's release on (`submissionDocuments`, never before), the signed contract's
/// (`contractSigned`); never a voucher; each with a full URL, its title, format and date;
/// every package valid against the schema.
async fn documents_are_listed_and_bid_documents_only_from_the_opening(backend: Backend) {
    let w = World::with_history(backend).await;
    let v = package_validator();
    let seq = w.firms(&[("f-od1", json!({})), ("f-od2", json!({}))]).await;
    w.applied(seq).await;
    let committee = w.compound("c-odoc", json!({})).await;
    let times = json!({"enquiry_deadline": from_now(4_000), "bid_deadline": from_now(4_000),
        "opening_at": from_now(4_000)});
    let t = w.open_tender("c-odoc", times).await;
    let id = t["id"].as_str().unwrap().to_string();
    let tender_doc = upload_pdf(
        &w,
        &format!("/{id}/documents"),
        &committee,
        "招标文件",
        wuye_e2e::fixtures::PDF,
    )
    .await;
    let mut bids = std::collections::BTreeMap::new();
    for (firm, fee) in [("f-od1", 150), ("f-od2", 160)] {
        let a = w
            .post(
                &format!("/{id}/bids"),
                Some(&w.firm_token(firm)),
                &bid_body(fee, fee * 336_000),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        bids.insert(firm, a.json()["id"].as_str().unwrap().to_string());
    }
    let bid_doc = upload_pdf(
        &w,
        &format!("/{id}/bids/{}/documents", bids["f-od1"]),
        &w.firm_token("f-od1"),
        "投标文件（技术部分）",
        b"%PDF-1.7 technical offer of f-od1",
    )
    .await;
    // Before the opening: no bid document, not even counted.
    let before = w.process(&v, &id).await;
    assert!(!before.to_string().contains(&bid_doc), "{before}");
    assert!(
        !before.to_string().contains("submissionDocuments"),
        "{before}"
    );

    // The opening's release lists the tender's and the opened bid's.
    assert_eq!(w.scheduler_moved(&id, 20).await, "evaluation");
    let opened = w.process(&v, &id).await;
    let r = last(&opened);
    assert_eq!(tags(r), vec!["tenderUpdate"]);
    let (listed, _) = documents(r);
    assert_eq!(
        listed,
        vec![
            (tender_doc.clone(), "biddingDocuments".to_string()),
            (bid_doc.clone(), "submissionDocuments".to_string()),
        ]
    );
    let d = &r["tender"]["documents"][0];
    assert_eq!(d["title"], "招标文件");
    assert_eq!(d["format"], "application/pdf");
    assert!(d["datePublished"].as_str().is_some());
    let url = d["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("http://")
            && url.ends_with(&format!("/tenders/documents/{tender_doc}/content")),
        "{url}"
    );
    // The URL is the document's bytes.
    let bytes = w.app.client.get(&url).send().await.unwrap();
    assert_eq!(bytes.status(), 200);
    assert_eq!(
        bytes.bytes().await.unwrap().as_ref(),
        wuye_e2e::fixtures::PDF
    );
    let bid_entry = &r["tender"]["documents"][1];
    assert!(bid_entry["datePublished"].as_str().is_some(), "{bid_entry}");
    assert!(
        bid_entry["description"]
            .as_str()
            .unwrap()
            .contains("仅投标人、招标人和协会可查阅")
    );
    // Every code is from the official list.
    let list = std::fs::read_to_string(format!(
        "{}/../services/tender/ocds/codelists/documentType.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for (_, code) in &listed {
        assert!(list.contains(&format!(",{code},")), "{code}");
    }

    // Awarded, signed; the contract's file and a voucher attached; the next release (the
    // accounts) lists the contract's file under the contract, never the voucher.
    let a = w
        .post(
            &format!("/{id}/award"),
            Some(&committee),
            &json!({"bid_id": bids["f-od1"]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    sleep_until(ms(&a.json()["award"]["notice_ends_at"])).await;
    w.award_on(&id, "2025-12-31T10:00:00+08:00").await;
    let c = w
        .post(
            &format!("/{id}/contract"),
            Some(&committee),
            &json!({"start_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    let cid = c.json()["id"].as_str().unwrap().to_string();
    let contract_doc = upload_pdf(
        &w,
        &format!("/contracts/{cid}/documents"),
        &committee,
        "物业服务合同（签字版）",
        wuye_e2e::fixtures::PDF,
    )
    .await;
    let firm = w.firm_token("f-od1");
    let budget = w
        .post(
            &format!("/contracts/{cid}/disclosures"),
            Some(&firm),
            &money_body("budget", "2026"),
        )
        .await;
    assert_eq!(budget.status, 201, "{}", budget.body);
    let did = budget.json()["id"].as_str().unwrap().to_string();
    let voucher = upload_pdf(
        &w,
        &format!("/disclosures/{did}/documents"),
        &firm,
        "保洁费发票",
        wuye_e2e::fixtures::PDF,
    )
    .await;
    let accounts = w
        .post(
            &format!("/contracts/{cid}/disclosures"),
            Some(&firm),
            &money_body("accounts", "2026-Q1"),
        )
        .await;
    assert_eq!(accounts.status, 201, "{}", accounts.body);
    let p = w.process(&v, &id).await;
    let r = last(&p);
    assert_eq!(tags(r), vec!["implementation"]);
    let (tender_listed, contract_listed) = documents(r);
    assert_eq!(tender_listed.len(), 2);
    assert_eq!(
        contract_listed,
        vec![(contract_doc.clone(), "contractSigned".to_string())]
    );
    assert_eq!(
        r["contracts"][0]["documents"][0]["title"],
        "物业服务合同（签字版）"
    );
    assert!(!p.to_string().contains(&voucher), "no voucher: {p}");
    // The whole feed of releases stays valid.
    all_releases(&w.app, &v, 50).await;
    w.stop().await;
}

/// A trust (信托制) contract's service fund: each transaction stores an `implementation`
/// release whose transactions are the fund's payments under the contract (spending and the
/// remuneration; a reversal negative), never the fee income or its payers; valid packages.
async fn the_fund_s_payments_are_implementation_transactions(backend: Backend) {
    let w = World::with_history(backend).await;
    let v = package_validator();
    let (tender_id, _) = wuye_e2e::tender::contracted_with(
        &w,
        "c-ocds-fund",
        (json!({"fee_model": "trust"}), json!({})),
        &[("f-of1", 150)],
        json!({"remuneration": {"kind": "fixed", "annual_fen": 1_200_000}}),
    )
    .await;
    let firm = w.firm_token("f-of1");
    let path = "/compounds/c-ocds-fund/fund/transactions";
    let mut ids = Vec::new();
    for (category, amount, payee) in [
        ("fee", 500_000, "赵业主（2-1-302）"),
        ("cleaning", 120_000, "某保洁公司"),
        ("remuneration", 100_000, "f-of1物业"),
    ] {
        let a = w
            .post(
                path,
                Some(&firm),
                &json!({"day": "2026-02-10", "category": category, "amount_fen": amount,
                    "counterparty": payee}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        ids.push(a.json()["id"].as_str().unwrap().to_string());
    }
    let a = w
        .post(
            &format!("{path}/{}/reversal", ids[1]),
            Some(&firm),
            &json!({"reason": "重复记账", "day": "2026-02-11"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let reversal = a.json()["id"].as_str().unwrap().to_string();

    let p = w.process(&v, &tender_id).await;
    let release = last(&p);
    assert_eq!(tags(release), ["implementation"]);
    let transactions = release["contracts"][0]["implementation"]["transactions"]
        .as_array()
        .unwrap();
    let by_id = |id: &str| transactions.iter().find(|t| t["id"] == id).cloned();
    assert!(by_id(&ids[0]).is_none(), "fee income is no payment");
    assert_eq!(by_id(&ids[1]).unwrap()["value"]["amount"], json!(1200.0));
    assert_eq!(by_id(&ids[1]).unwrap()["payee"]["name"], "某保洁公司");
    assert_eq!(by_id(&reversal).unwrap()["value"]["amount"], json!(-1200.0));
    let remuneration = by_id(&ids[2]).unwrap();
    assert_eq!(remuneration["value"]["amount"], json!(1000.0));
    assert_eq!(remuneration["payee"]["name"], "f-of1物业");
    assert!(!p.to_string().contains("赵业主"), "no owner's name");
    w.stop().await;
}
