//! Documents and the right to inspect (issue 12): uploads typed by content and bounded,
//! the same bytes stored once, removal keeping history, the rules of what a document
//! belongs to (a bid's documents sealed through every read path until the opening, a
//! contract's public, vouchers for the parties and officials), and inspection requests
//! asked, answered and overdue in the officials' lists.

use std::io::{Cursor, Write};

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG};
use wuye_e2e::tender::{World, bid_body, contracted, from_now, money_body};
use wuye_e2e::{Answer, Backend, both_backends};

both_backends!(
    uploads_are_typed_by_content_bounded_and_kept_with_their_history,
    bid_documents_are_sealed_through_every_read_path_until_the_opening,
    contracts_are_public_and_vouchers_are_for_the_parties_and_officials,
    inspection_requests_are_answered_and_overdue_ones_reach_the_officials,
    inspection_requests_join_matching_s_attention_lists,
    the_committee_keeps_its_documents_on_its_pages,
    a_committee_publishes_its_covenant_in_the_browser,
);

use wuye_e2e::fixtures::PDF;
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1,
];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

/// A multipart upload to `path` (under `/tenders`): text fields, then the file (its name
/// and declared type are the client's, never believed).
async fn upload(
    w: &World,
    path: &str,
    token: Option<&str>,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> Answer {
    let (content_type, body) = wuye_e2e::fixtures::multipart(fields, file);
    let mut req = w
        .app
        .client
        .post(w.url(path))
        .header(reqwest::header::CONTENT_TYPE, content_type);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.body(body).send().await.expect("uploading");
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
        body: res.text().await.expect("reading"),
    }
}

/// The bytes and headers of a document's content.
async fn content(
    w: &World,
    id: &str,
    token: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = w.app.client.get(w.url(&format!("/documents/{id}/content")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn id_of(a: &Answer) -> String {
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

/// A zip archive of `parts`, deflated.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, data) in parts {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
    }
    out.into_inner()
}

/// A real workbook, as Excel would save it.
fn xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "收支凭证").unwrap();
    book.save_to_buffer().unwrap()
}

/// A problem without its request id, to compare two answers.
fn bare(a: &Answer) -> Value {
    let mut v = a.json();
    v.as_object_mut().unwrap().remove("request_id");
    v
}

async fn uploads_are_typed_by_content_bounded_and_kept_with_their_history(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound("c-doc-1", json!({})).await;
    w.compound("c-doc-2", json!({})).await;
    let path = "/compounds/c-doc-1/documents";

    // Each accepted type, whatever name it is sent with.
    let covenant = upload(
        &w,
        path,
        Some(&committee),
        &[
            ("kind", "management_covenant"),
            ("title", "望江小区管理规约"),
        ],
        Some(("规约.pdf", "application/pdf", PDF)),
    )
    .await;
    let pdf = id_of(&covenant);
    let v = covenant.json();
    assert_eq!(v["media_type"], "application/pdf");
    assert_eq!(v["kind_label"], "管理规约");
    assert_eq!(v["size_bytes"], PDF.len());
    for (kind, name, bytes, media) in [
        ("assembly_rules", "rules.bin", JPEG, "image/jpeg"),
        ("committee_rules", "scan", PNG, "image/png"),
        (
            "management_covenant",
            "book.xlsx",
            &xlsx()[..],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let a = upload(
            &w,
            path,
            Some(&committee),
            &[("kind", kind), ("title", name)],
            Some((name, "application/octet-stream", bytes)),
        )
        .await;
        assert_eq!(a.status, 201, "{kind}: {}", a.body);
        assert_eq!(a.json()["media_type"], media, "{kind}");
    }
    // Served as an attachment of its own type, never sniffed.
    let (status, headers, bytes) = content(&w, &pdf, None).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, PDF);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"document-{pdf}.pdf\"")),
        "{disposition}"
    );

    // A program or a web page renamed as a PDF, an archive that is no workbook, a zip bomb.
    for (name, bytes) in [
        ("setup.pdf", &b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"[..]),
        (
            "page.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        ),
    ] {
        upload(
            &w,
            path,
            Some(&committee),
            &[("kind", "management_covenant"), ("title", "规约")],
            Some((name, "application/pdf", bytes)),
        )
        .await
        .problem(415, "unsupported_file_type");
    }
    let docx = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w/>"),
    ]);
    upload(
        &w,
        path,
        Some(&committee),
        &[("kind", "management_covenant"), ("title", "规约")],
        Some(("a.xlsx", "application/vnd.ms-excel", &docx)),
    )
    .await
    .problem(415, "unsupported_file_type");
    let zeros = vec![b' '; 200 * 1024 * 1024];
    let bomb = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", &zeros),
    ]);
    drop(zeros);
    assert!(bomb.len() < 2 * 1024 * 1024, "{}", bomb.len());
    let refused = upload(
        &w,
        path,
        Some(&committee),
        &[("kind", "management_covenant"), ("title", "规约")],
        Some(("bomb.xlsx", "application/octet-stream", &bomb)),
    )
    .await;
    refused.problem(413, "file_too_large");

    // Over the size limit: 413 naming it, and the service goes on.
    let mut big = PDF.to_vec();
    big.resize(tender::config::DEFAULT_MAX_FILE_BYTES as usize + 1, b'0');
    let a = upload(
        &w,
        path,
        Some(&committee),
        &[("kind", "management_covenant"), ("title", "太大")],
        Some(("big.pdf", "application/pdf", &big)),
    )
    .await;
    let p = a.problem(413, "file_too_large");
    assert!(p["detail"].as_str().unwrap().contains("15 MB"), "{p}");
    assert_eq!(w.get(path, None).await.status, 200);

    // Fields: the kind must be one the compound takes, a title, a file.
    let a = upload(
        &w,
        path,
        Some(&committee),
        &[("kind", "bid_document")],
        None,
    )
    .await;
    a.problem(422, "validation_failed");
    assert!(a.field_error("kind").unwrap().contains("管理规约"));
    assert!(a.field_error("file").is_some());

    // Roles: another compound's committee, the district, a firm refused; the street keeps
    // the compound's documents too; anonymous must sign in.
    let form = [("kind", "committee_rules"), ("title", "工作规则")];
    let file = Some(("r.pdf", "application/pdf", PDF));
    for token in [
        w.committee("c-doc-2"),
        w.app
            .token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
        w.firm_token("f-doc-x"),
    ] {
        upload(&w, path, Some(&token), &form, file)
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(upload(&w, path, None, &form, file).await.status, 401);
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let by_street = upload(&w, path, Some(&street), &form, file).await;
    let again = id_of(&by_street);

    // The same bytes twice: two documents, one digest, the same content.
    assert_eq!(by_street.json()["sha256"], covenant.json()["sha256"]);
    assert_eq!(content(&w, &again, None).await.2, PDF);

    // The public list; removal keeps the row and its history.
    let list = w.get(path, None).await;
    assert_eq!(list.json().as_array().unwrap().len(), 5, "{}", list.body);
    w.call(
        Method::DELETE,
        &format!("/documents/{pdf}"),
        Some(&w.committee("c-doc-2")),
        None,
    )
    .await
    .problem(403, "forbidden");
    let removed = w
        .call(
            Method::DELETE,
            &format!("/documents/{pdf}"),
            Some(&committee),
            None,
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(removed.json()["removed"], true);
    let list = w.get(path, None).await;
    assert_eq!(list.json().as_array().unwrap().len(), 4);
    assert!(!list.body.contains(&pdf));
    let kept = w.get(&format!("/documents/{pdf}"), None).await;
    assert_eq!(kept.json()["removed"], true, "{}", kept.body);
    assert!(kept.json()["removed_at"].is_string());
    assert_eq!(content(&w, &pdf, None).await.0, 410);
    // The other document with the same bytes is still served.
    assert_eq!(content(&w, &again, None).await.2, PDF);
    w.get("/documents/no-such-id", None)
        .await
        .problem(404, "not_found");
    w.stop().await;
}

async fn bid_documents_are_sealed_through_every_read_path_until_the_opening(backend: Backend) {
    let w = World::new(backend).await;
    w.compound("c-doc-bid", json!({})).await;
    let seq = w
        .firms(&[
            ("f-d1", json!({})),
            ("f-d2", json!({})),
            ("f-d3", json!({})),
        ])
        .await;
    w.applied(seq).await;
    let times = json!({"enquiry_deadline": from_now(7_000), "bid_deadline": from_now(7_000),
        "opening_at": from_now(7_000)});
    let t = w.open_tender("c-doc-bid", times).await;
    let tid = t["id"].as_str().unwrap().to_string();
    let (d1, d2) = (w.firm_token("f-d1"), w.firm_token("f-d2"));
    let bid1 = w
        .post(
            &format!("/{tid}/bids"),
            Some(&d1),
            &bid_body(170, 57_120_000),
        )
        .await;
    let bid1 = id_of(&bid1);
    let bid2 = w
        .post(
            &format!("/{tid}/bids"),
            Some(&d2),
            &bid_body(160, 53_760_000),
        )
        .await;
    id_of(&bid2);
    let committee = w.committee("c-doc-bid");

    // The tender's own document is public; the bid's is the bidder's alone.
    let tender_doc = upload(
        &w,
        &format!("/{tid}/documents"),
        Some(&committee),
        &[("title", "招标文件")],
        Some(("t.pdf", "application/pdf", PDF)),
    )
    .await;
    let tender_doc = id_of(&tender_doc);
    let secret = b"%PDF-1.7 bid of f-d1: fee 170, staff 9";
    let sealed = upload(
        &w,
        &format!("/{tid}/bids/{bid1}/documents"),
        Some(&d1),
        &[("title", "投标文件（商务部分）")],
        Some(("bid.pdf", "application/pdf", secret)),
    )
    .await;
    let doc = id_of(&sealed);
    let sha = sealed.json()["sha256"].as_str().unwrap().to_string();
    let secrets = [doc.clone(), sha.clone(), "投标文件（商务部分）".to_string()];

    // Another firm, or the committee, attaching to that bid: exactly an unknown bid.
    let unknown_bid = upload(
        &w,
        &format!("/{tid}/bids/no-such-bid/documents"),
        Some(&d2),
        &[],
        Some(("x.pdf", "application/pdf", PDF)),
    )
    .await;
    for token in [&d2, &committee] {
        let a = upload(
            &w,
            &format!("/{tid}/bids/{bid1}/documents"),
            Some(token),
            &[],
            Some(("x.pdf", "application/pdf", PDF)),
        )
        .await;
        assert_eq!(a.status, 404, "{}", a.body);
        assert_eq!(bare(&a), bare(&unknown_bid));
    }

    let unknown = w
        .get("/documents/0190aaaa-0000-7000-8000-000000000000", None)
        .await;
    let unknown_content = w
        .get(
            "/documents/0190aaaa-0000-7000-8000-000000000000/content",
            None,
        )
        .await;
    let roles: Vec<(&str, Option<String>)> = vec![
        ("anonymous", None),
        ("committee", Some(committee.clone())),
        ("association", Some(w.association())),
        (
            "district",
            Some(
                w.app
                    .token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
            ),
        ),
        (
            "street",
            Some(
                w.app
                    .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
            ),
        ),
        ("other bidder", Some(d2.clone())),
        ("firm not bidding", Some(w.firm_token("f-d3"))),
        ("service", Some(w.app.service_token())),
    ];
    for (role, token) in &roles {
        let token = token.as_deref();
        let one = w.get(&format!("/documents/{doc}"), token).await;
        assert_eq!(one.status, 404, "{role}: {}", one.body);
        assert_eq!(bare(&one), bare(&unknown), "{role}");
        let bytes = w.get(&format!("/documents/{doc}/content"), token).await;
        assert_eq!(bare(&bytes), bare(&unknown_content), "{role}");
        let list = w.get(&format!("/{tid}/documents"), token).await;
        assert_eq!(list.status, 200, "{role}: {}", list.body);
        let listed = list.json().as_array().unwrap().len();
        assert_eq!(listed, 1, "{role}: {}", list.body);
        assert!(list.body.contains(&tender_doc));
        let mut bodies = vec![list.body.clone()];
        for path in [
            format!("/{tid}/audit?limit=200"),
            format!("/{tid}"),
            format!("/{tid}/opening"),
            format!(
                "/ocds/releases/{}-{tid}",
                tender::config::DEFAULT_OCID_PREFIX
            ),
            "/ocds/releases?limit=200".to_string(),
        ] {
            bodies.push(w.get(&path, token).await.body);
        }
        bodies.push(
            w.app
                .get(
                    &format!("{}/tenders/feed?limit=1000", w.app.tender_url),
                    token,
                )
                .await
                .body,
        );
        if token.is_some() {
            let gone = w
                .call(Method::DELETE, &format!("/documents/{doc}"), token, None)
                .await;
            assert_eq!(gone.status, 404, "{role}: {}", gone.body);
            bodies.push(gone.body);
        }
        for body in &bodies {
            for s in &secrets {
                assert!(!body.contains(s.as_str()), "{role} learns {s}: {body}");
            }
        }
    }
    // The bidder reads its own.
    let own = w.get(&format!("/documents/{doc}"), Some(&d1)).await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(content(&w, &doc, Some(&d1)).await.2, secret);
    assert!(
        w.get(&format!("/{tid}/documents"), Some(&d1))
            .await
            .body
            .contains(&doc)
    );

    // At the opening they open with the bids, for those who read full bids.
    assert_eq!(w.scheduler_moved(&tid, 20).await, "evaluation");
    let read = w.get(&format!("/documents/{doc}"), Some(&committee)).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(content(&w, &doc, Some(&committee)).await.2, secret);
    assert_eq!(content(&w, &doc, Some(&w.association())).await.0, 200);
    assert!(
        w.get(&format!("/{tid}/documents"), Some(&committee))
            .await
            .body
            .contains(&doc)
    );
    let audit = w
        .get(&format!("/{tid}/audit?limit=200"), Some(&committee))
        .await;
    assert!(audit.body.contains(&doc), "{}", audit.body);
    w.get(&format!("/documents/{doc}"), Some(&d2))
        .await
        .problem(403, "forbidden");
    assert_eq!(w.get(&format!("/documents/{doc}"), None).await.status, 401);
    // And can no longer change.
    upload(
        &w,
        &format!("/{tid}/bids/{bid1}/documents"),
        Some(&d1),
        &[],
        Some(("late.pdf", "application/pdf", PDF)),
    )
    .await
    .problem(409, "bid_deadline_passed");
    // The tender's documents are fixed once bids closed too.
    upload(
        &w,
        &format!("/{tid}/documents"),
        Some(&committee),
        &[("title", "补充招标文件")],
        Some(("t2.pdf", "application/pdf", PDF)),
    )
    .await
    .problem(409, "tender_not_editable");
    w.stop().await;
}

async fn contracts_are_public_and_vouchers_are_for_the_parties_and_officials(backend: Backend) {
    let w = World::with_history(backend).await;
    let (_, contract) = contracted(&w, "c-doc-k", &[("f-k1", 150), ("f-k2", 160)]).await;
    let committee = w.committee("c-doc-k");
    let firm = w.firm_token("f-k1");

    // The signed contract: the committee attaches it, anyone reads it.
    let path = format!("/contracts/{contract}/documents");
    upload(
        &w,
        &path,
        Some(&firm),
        &[],
        Some(("k.pdf", "application/pdf", PDF)),
    )
    .await
    .problem(403, "forbidden");
    let signed = upload(
        &w,
        &path,
        Some(&committee),
        &[("title", "物业服务合同（签字盖章版）")],
        Some(("k.pdf", "application/pdf", PDF)),
    )
    .await;
    let signed = id_of(&signed);
    assert!(w.get(&path, None).await.body.contains(&signed));
    assert_eq!(content(&w, &signed, None).await.2, PDF);
    assert!(
        w.get("/compounds/c-doc-k/documents", None)
            .await
            .body
            .contains(&signed)
    );

    // Vouchers behind the firm's accounts: the firm attaches them; the parties and the
    // officials read them, nobody else.
    let accounts = w
        .post(
            &format!("/contracts/{contract}/disclosures"),
            Some(&firm),
            &money_body("accounts", "2026-Q1"),
        )
        .await;
    let did = id_of(&accounts);
    let vouchers = format!("/disclosures/{did}/documents");
    upload(
        &w,
        &vouchers,
        Some(&committee),
        &[],
        Some(("v.png", "image/png", PNG)),
    )
    .await
    .problem(403, "forbidden");
    let voucher = upload(
        &w,
        &vouchers,
        Some(&firm),
        &[("title", "一季度保洁费发票")],
        Some(("v.png", "image/png", PNG)),
    )
    .await;
    let voucher = id_of(&voucher);
    for token in [
        committee.clone(),
        firm.clone(),
        w.association(),
        w.app
            .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
        w.app
            .token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
    ] {
        assert_eq!(content(&w, &voucher, Some(&token)).await.0, 200);
        assert!(w.get(&vouchers, Some(&token)).await.body.contains(&voucher));
    }
    assert_eq!(content(&w, &voucher, None).await.0, 401);
    for token in [
        w.firm_token("f-k2"),
        w.committee("c-doc-other"),
        w.app
            .token(Role::StreetOfficial, Scope::Street("510104099".into())),
    ] {
        w.get(&format!("/documents/{voucher}"), Some(&token))
            .await
            .problem(403, "forbidden");
        w.get(&vouchers, Some(&token))
            .await
            .problem(403, "forbidden");
    }
    assert!(
        !w.get("/compounds/c-doc-k/documents", None)
            .await
            .body
            .contains(&voucher)
    );
    w.stop().await;
}

async fn inspection_requests_are_answered_and_overdue_ones_reach_the_officials(backend: Backend) {
    let w = World::with_history(backend).await;
    let (_, contract) = contracted(&w, "c-doc-i", &[("f-i1", 150), ("f-i2", 160)]).await;
    let committee = w.committee("c-doc-i");
    let firm = w.firm_token("f-i1");
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));

    let asked = w
        .post(
            "/compounds/c-doc-i/inspections",
            Some(&committee),
            &json!({"what": "vouchers", "text": "业主 3-2-501 申请查阅 2026 年一季度保洁费凭证"}),
        )
        .await;
    let first = id_of(&asked);
    let v = asked.json();
    assert_eq!(v["state"], "open");
    let today = shared::clock::china_today();
    let due = today + time::Duration::days(15);
    assert_eq!(v["due_on"], tender::clock::format_date(due));
    // Refusals: another committee asking, bad fields, a wrong owner code.
    w.post(
        "/compounds/c-doc-i/inspections",
        Some(&w.committee("c-doc-other")),
        &json!({"what": "accounts", "text": "x"}),
    )
    .await
    .problem(403, "forbidden");
    let bad = w
        .post(
            "/compounds/c-doc-i/inspections",
            Some(&committee),
            &json!({"what": "salaries", "text": ""}),
        )
        .await;
    bad.problem(422, "validation_failed");
    assert!(bad.field_error("what").is_some() && bad.field_error("text").is_some());
    w.post(
        "/owner-code/inspection",
        None,
        &json!({"code": "7KQ2-M9XD-4HTC", "what": "accounts", "text": "查阅收支"}),
    )
    .await
    .problem(404, "code_unknown");

    // An owner asks with the code of the unit's notice (a ballot vote's, printed by the
    // street); the vote's notice is a public document of the compound.
    let import = w
        .app
        .client
        .post(w.url(
            "/compounds/c-doc-i/register/import?format=csv&mode=strict",
        ))
        .bearer_auth(&committee)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body("楼栋,单元,房号,专有部分面积(㎡),业主姓名,联系电话,状态\n1栋,1单元,101,88.50,王建国,13900000001,\n")
        .send()
        .await
        .unwrap();
    assert!(
        import.status().is_success(),
        "{}",
        import.text().await.unwrap()
    );
    let now = shared::db::now_ms();
    let vote = w
        .post(
            "/compounds/c-doc-i/ballot-votes",
            Some(&committee),
            &json!({"matter": "other", "question": "是否同意增设充电设施",
                "opens_at": tender::clock::to_rfc3339(now),
                "closes_at": tender::clock::to_rfc3339(now + 3_600_000)}),
        )
        .await;
    let vid = id_of(&vote);
    let notices = w
        .post(
            &format!("/ballot-votes/{vid}/notices"),
            Some(&street),
            &json!({}),
        )
        .await;
    assert_eq!(notices.status.as_u16() / 100, 2, "{}", notices.body);
    let code = notices.json()["notices"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let unit = notices.json()["notices"][0]["unit_id"]
        .as_str()
        .unwrap()
        .to_string();
    let by_owner = w
        .post(
            "/owner-code/inspection",
            None,
            &json!({"code": code.to_lowercase(), "what": "accounts", "text": "申请查阅上季度收支"}),
        )
        .await;
    id_of(&by_owner);
    assert_eq!(by_owner.json()["asked_by"], "owner_code");
    assert_eq!(by_owner.json()["unit_id"], unit.as_str());
    assert_eq!(by_owner.json()["compound_id"], "c-doc-i");
    // The owner follows the request with the same code; a wrong code learns nothing.
    let mine = w
        .post("/owner-code/inspections", None, &json!({"code": code}))
        .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.json().as_array().unwrap().len(), 1);
    assert_eq!(mine.json()[0]["id"], by_owner.json()["id"]);
    assert_eq!(mine.json()[0]["state"], "open");
    w.post(
        "/owner-code/inspections",
        None,
        &json!({"code": "0000-0000-0000"}),
    )
    .await
    .problem(404, "code_unknown");
    let notice = upload(
        &w,
        &format!("/ballot-votes/{vid}/documents"),
        Some(&committee),
        &[("kind", "vote_notice"), ("title", "表决公告")],
        Some(("n.pdf", "application/pdf", PDF)),
    )
    .await;
    let notice = id_of(&notice);
    assert!(
        w.get(&format!("/ballot-votes/{vid}/documents"), None)
            .await
            .body
            .contains(&notice)
    );
    assert!(
        w.get("/compounds/c-doc-i/documents", None)
            .await
            .body
            .contains(&notice)
    );

    // Who reads the compound's requests.
    for token in [&committee, &firm, &street, &w.association()] {
        let list = w.get("/compounds/c-doc-i/inspections", Some(token)).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.json()["total"], 2);
    }
    w.get(
        "/compounds/c-doc-i/inspections",
        Some(&w.firm_token("f-i2")),
    )
    .await
    .problem(403, "forbidden");

    // The serving firm answers, with a voucher of the compound; once.
    let accounts = w
        .post(
            &format!("/contracts/{contract}/disclosures"),
            Some(&firm),
            &money_body("accounts", "2026-Q1"),
        )
        .await;
    let did = id_of(&accounts);
    let voucher = upload(
        &w,
        &format!("/disclosures/{did}/documents"),
        Some(&firm),
        &[("title", "保洁费发票")],
        Some(("v.pdf", "application/pdf", PDF)),
    )
    .await;
    let voucher = id_of(&voucher);
    let answer = json!({"text": "请于工作日到物业服务中心查阅，凭证扫描件见附件。", "document_ids": [voucher]});
    w.post(
        &format!("/inspections/{first}/answer"),
        Some(&w.firm_token("f-i2")),
        &answer,
    )
    .await
    .problem(403, "forbidden");
    let bad_doc = w
        .post(
            &format!("/inspections/{first}/answer"),
            Some(&firm),
            &json!({"text": "见附件", "document_ids": ["no-such-document"]}),
        )
        .await;
    bad_doc.problem(422, "validation_failed");
    assert!(
        bad_doc.field_error("document_ids[0]").is_some(),
        "{}",
        bad_doc.body
    );
    let answered = w
        .post(
            &format!("/inspections/{first}/answer"),
            Some(&firm),
            &answer,
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    assert_eq!(answered.json()["state"], "answered");
    assert_eq!(answered.json()["answered_by_role"], "firm");
    assert_eq!(answered.json()["answer_documents"], json!([voucher]));
    w.post(
        &format!("/inspections/{first}/answer"),
        Some(&committee),
        &answer,
    )
    .await
    .problem(409, "already_answered");

    // The owner opens, with the unit's code, what the answer to the unit's own request
    // gave: nothing before the answer, nothing it did not give, nothing with a wrong code.
    let owner_request = by_owner.json()["id"].as_str().unwrap().to_string();
    let open = |doc: String, code: String| {
        let w = &w;
        async move {
            w.app
                .client
                .post(w.url(&format!("/owner-code/documents/{doc}/content")))
                .json(&json!({ "code": code }))
                .send()
                .await
                .unwrap()
        }
    };
    let early = open(voucher.clone(), code.clone()).await;
    assert_eq!(early.status(), 403);
    assert!(early.text().await.unwrap().contains("not_granted"));
    let given = w
        .post(
            &format!("/inspections/{owner_request}/answer"),
            Some(&committee),
            &json!({"text": "凭证扫描件见附件，原件请到居委会查阅。", "document_ids": [voucher]}),
        )
        .await;
    assert_eq!(given.status, 200, "{}", given.body);
    let file = open(voucher.clone(), code.to_lowercase()).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);
    // The vote's notice was given to no request of this unit; a wrong code learns nothing.
    let not_given = open(notice.clone(), code.clone()).await;
    assert_eq!(not_given.status(), 403);
    let wrong = open(voucher.clone(), "0000-0000-0000".into()).await;
    assert_eq!(wrong.status(), 404);
    // Another compound's file: no answer to this unit could give it.
    let elsewhere = w.compound("c-doc-else", json!({})).await;
    let foreign = upload(
        &w,
        "/compounds/c-doc-else/documents",
        Some(&elsewhere),
        &[
            ("kind", "management_covenant"),
            ("title", "别的小区的管理规约"),
        ],
        Some(("c.pdf", "application/pdf", PDF)),
    )
    .await;
    let foreign = open(id_of(&foreign), code.clone()).await;
    assert_eq!(foreign.status(), 403);
    // The owner's page lists the answer with its file, opened through the page.
    let web = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let csrf = "0123456789abcdef0123456789abcdef-pages";
    let page = web
        .post(format!("{}/o", w.app.web_url))
        .header(reqwest::header::COOKIE, format!("wuye_csrf={csrf}"))
        .form(&[("_csrf", csrf), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let section = page
        .split("本户的查阅申请")
        .nth(1)
        .expect("the unit's requests");
    assert!(section.contains("凭证扫描件见附件"), "{section}");
    assert!(
        section.contains(&format!("action=\"/o/documents/{voucher}\"")),
        "{section}"
    );
    let file = web
        .post(format!("{}/o/documents/{voucher}", w.app.web_url))
        .header(reqwest::header::COOKIE, format!("wuye_csrf={csrf}"))
        .form(&[("_csrf", csrf), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["cache-control"], "no-store");
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);
    let refused = web
        .post(format!("{}/o/documents/{notice}", w.app.web_url))
        .header(reqwest::header::COOKIE, format!("wuye_csrf={csrf}"))
        .form(&[("_csrf", csrf), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("只能查阅对本户查阅申请的答复中提供的文件")
    );

    // A second request, left unanswered past its due date (moved back underneath the
    // API, as time would).
    let second = w
        .post(
            "/compounds/c-doc-i/inspections",
            Some(&committee),
            &json!({"what": "contract", "text": "业主申请查阅物业服务合同原件"}),
        )
        .await;
    let second = id_of(&second);
    let listed = |state: &str, token: &str| {
        let (state, token) = (state.to_string(), token.to_string());
        let w = &w;
        async move {
            let a = w
                .get(&format!("/inspections?state={state}"), Some(&token))
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("open", &street).await, vec![second.clone()]);
    assert!(listed("overdue", &street).await.is_empty());
    sqlx::query(
        "UPDATE inspection_request SET due_on = $2, asked_at = asked_at - $3 WHERE id = $1",
    )
    .bind(&second)
    .bind(tender::clock::format_date(today - time::Duration::days(1)))
    .bind(16_i64 * 86_400_000)
    .execute(&w.tender.pool)
    .await
    .unwrap();
    let district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    for token in [&street, &district, &w.association()] {
        assert_eq!(listed("overdue", token).await, vec![second.clone()]);
        assert!(listed("open", token).await.is_empty());
        assert_eq!(
            listed("answered", token).await,
            vec![first.clone(), owner_request.clone()]
        );
    }
    let one = w
        .get(&format!("/inspections/{second}"), Some(&street))
        .await;
    assert_eq!(one.json()["state"], "overdue");
    assert_eq!(one.json()["state_label"], "逾期未答复");
    // Another street sees none of them; a firm or a committee has no area.
    let elsewhere = w
        .app
        .token(Role::StreetOfficial, Scope::Street("510104099".into()));
    assert!(listed("overdue", &elsewhere).await.is_empty());
    for token in [&firm, &committee] {
        w.get("/inspections?state=overdue", Some(token))
            .await
            .problem(403, "forbidden");
    }
    w.get("/inspections?state=late", Some(&street))
        .await
        .problem(422, "validation_failed");
    // The dashboard's attention list is matching's: see
    // `inspection_requests_join_matching_s_attention_lists`.
    w.stop().await;
}

/// Tender publishes each request (topic `inspection`, without the owner's text or unit);
/// matching follows it into the officials' attention lists (`GET /match/attention`): an
/// answered request leaves them, an overdue one (decided from its due date and today) is in
/// its street's, district's and the city's, never in another street's.
async fn inspection_requests_join_matching_s_attention_lists(backend: Backend) {
    const DONGHU: &str = "510104018";
    let w = World::new(backend).await;
    let committee = w.compound("c-att-1", json!({"name": "望江小区"})).await;
    let other = w
        .compound("c-att-2", json!({"name": "东湖小区", "street": DONGHU}))
        .await;
    let ask = |token: String, cid: &'static str, what: &'static str| {
        let w = &w;
        async move {
            let a = w
                .post(
                    &format!("/compounds/{cid}/inspections"),
                    Some(&token),
                    &json!({"what": what, "text": "业主王建国（3-2-501）申请查阅"}),
                )
                .await;
            id_of(&a)
        }
    };
    let answered = ask(committee.clone(), "c-att-1", "accounts").await;
    let late = ask(committee.clone(), "c-att-1", "contract").await;
    let open = ask(committee.clone(), "c-att-1", "vouchers").await;
    let donghu = ask(other.clone(), "c-att-2", "accounts").await;
    let done = w
        .post(
            &format!("/inspections/{answered}/answer"),
            Some(&committee),
            &json!({"text": "请于周三到居委会查阅。", "document_ids": []}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);

    // The feed names no owner, unit or text.
    let published: Vec<Value> = w
        .tender_feed()
        .await
        .into_iter()
        .filter(|c| c["topic"] == "inspection")
        .collect();
    assert_eq!(published.len(), 5, "{published:?}");
    for c in &published {
        let p = c["payload"].as_object().unwrap();
        assert!(
            !p.contains_key("text") && !p.contains_key("unit_id") && !p.contains_key("answer"),
            "{c}"
        );
        assert!(!c.to_string().contains("王建国"), "{c}");
    }
    assert_eq!(
        published.last().unwrap()["kind"],
        "answered",
        "{published:?}"
    );

    // One request left unanswered past its due date: moved back underneath both services'
    // copies, as time would.
    let today = shared::clock::china_today();
    let yesterday = tender::clock::format_date(today - time::Duration::days(1));
    w.app
        .wait_followed(&w.app.matching_db, "tender", &w.app.tender_url, "/tenders")
        .await;
    let matching = shared::db::connect(&w.app.matching_db).await.unwrap();
    for (pool, table) in [
        (&w.tender.pool, "inspection_request"),
        (&matching.pool, "tender_inspection"),
    ] {
        let moved = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET due_on = $2 WHERE id = $1"
        )))
        .bind(&late)
        .bind(&yesterday)
        .execute(pool)
        .await
        .unwrap();
        assert_eq!(moved.rows_affected(), 1, "{table}");
    }
    matching.pool.close().await;

    let attention = |token: String| {
        let w = &w;
        async move {
            let a = w
                .app
                .get(
                    &format!("{}/match/attention", w.app.matching_url),
                    Some(&token),
                )
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()["inspection_requests"].clone()
        }
    };
    let ids = |v: &Value| -> Vec<(String, String)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["inspection_id"].as_str().unwrap().to_string(),
                    i["state"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    for token in [street.clone(), district.clone()] {
        let listed = attention(token).await;
        let mut found = ids(&listed);
        found.retain(|(id, _)| *id != donghu);
        // The overdue one leads; the answered one is on no list.
        assert_eq!(
            found,
            vec![
                (late.clone(), "overdue".into()),
                (open.clone(), "open".into())
            ],
            "{listed}"
        );
        assert_eq!(listed["items"][0]["state_label"], "逾期未答复");
        assert_eq!(listed["items"][0]["compound_name"], "望江小区");
        assert_eq!(listed["items"][0]["what_label"], "物业服务合同");
        assert_eq!(listed["overdue"], 1);
    }
    assert_eq!(attention(street.clone()).await["total"], 2);
    // The district sees 东湖's too; the city all; 东湖街道 only its own, never 锦官驿's.
    assert_eq!(attention(district).await["total"], 3);
    assert_eq!(attention(w.association()).await["total"], 3);
    let elsewhere = attention(
        w.app
            .token(Role::StreetOfficial, Scope::Street(DONGHU.into())),
    )
    .await;
    assert_eq!(ids(&elsewhere), vec![(donghu.clone(), "open".into())]);
    assert_eq!(elsewhere["overdue"], 0);
    // Committees and firms have no area.
    for token in [committee, w.firm_token("f-any")] {
        w.app
            .get(
                &format!("{}/match/attention", w.app.matching_url),
                Some(&token),
            )
            .await
            .problem(403, "forbidden");
    }
    // The street official's dashboard names the overdue one, from matching's list.
    let page = w
        .app
        .client
        .get(format!("{}/official/coverage", w.app.web_url))
        .header(reqwest::header::COOKIE, format!("wuye_session={street}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let section = page
        .split("逾期未答复的查阅申请")
        .nth(1)
        .expect("the overdue list");
    assert!(section.contains("/compounds/c-att-1"), "{section}");
    assert!(section.contains("物业服务合同"), "{section}");
    assert!(
        section.contains("待答复（未到期）的查阅申请 1 件"),
        "{section}"
    );
    w.stop().await;
}

/// A form post to the pages (multipart or urlencoded) as a signed-in account, with the
/// form token; `(status, location, page)`.
async fn page_post(
    w: &World,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, String, String) {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", w.app.web_url))
        .header(
            reqwest::header::COOKIE,
            format!("wuye_csrf={CSRF}; wuye_session={token}"),
        )
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

const CSRF: &str = "documents-form-token";

/// The page's upload form: the token, the kind, the title and the file.
fn page_form(kind: &str, title: &str, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----wuye-page-boundary";
    let mut body = String::new();
    for (n, v) in [("_csrf", CSRF), ("kind", kind), ("title", title)] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    ));
    let mut body = body.into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn the_committee_keeps_its_documents_on_its_pages(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound("c-doc-p", json!({})).await;
    let get_page = |token: String| {
        let w = &w;
        async move {
            let res = w
                .app
                .client
                .get(format!("{}/committee/documents", w.app.web_url))
                .header(reqwest::header::COOKIE, format!("wuye_session={token}"))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, page) = get_page(committee.clone()).await;
    assert_eq!(status, 200);
    assert!(page.contains("还没有上传文件"), "{page}");

    // Uploaded through the page, listed with its link.
    let (ct, body) = page_form(
        "assembly_rules",
        "业主大会议事规则（2026）",
        "rules.pdf",
        PDF,
    );
    let (status, location, _) = page_post(&w, "/committee/documents", &committee, &ct, body).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/committee/documents?done="),
        "{location}"
    );
    let (_, page) = get_page(committee.clone()).await;
    assert!(page.contains("业主大会议事规则（2026）"), "{page}");
    let listed = w.get("/compounds/c-doc-p/documents", None).await.json();
    let id = listed[0]["id"].as_str().unwrap().to_string();
    assert!(page.contains(&format!("/tenders/documents/{id}/content")));

    // Everyone sees it on the compound's public documents page.
    let public = |id: &str| {
        let url = format!("{}/compounds/{id}/documents", w.app.web_url);
        let client = w.app.client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, page) = public("c-doc-p").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("业主大会议事规则（2026）") && page.contains(&id),
        "{page}"
    );
    assert_eq!(public("no-such-compound").await.0, 404);

    // A program renamed as a PDF: the page shows the API's reason, keeps what was typed.
    let (ct, body) = page_form(
        "assembly_rules",
        "改名的程序",
        "setup.pdf",
        b"MZ\x90\x00\x03",
    );
    let (status, _, page) = page_post(&w, "/committee/documents", &committee, &ct, body).await;
    assert_eq!(status, 415, "{page}");
    assert!(
        page.contains("按文件内容判断类型") && page.contains("改名的程序"),
        "{page}"
    );
    // Without the form token: refused.
    let (ct, mut body) = page_form("assembly_rules", "x", "x.pdf", PDF);
    body = String::from_utf8_lossy(&body)
        .replace(CSRF, "forged")
        .into_bytes();
    let (status, _, _) = page_post(&w, "/committee/documents", &committee, &ct, body).await;
    assert_eq!(status, 403);

    // Taken down: off the list, its record kept by the API.
    let (status, _, _) = page_post(
        &w,
        &format!("/committee/documents/{id}/remove"),
        &committee,
        "application/x-www-form-urlencoded",
        format!("_csrf={CSRF}").into_bytes(),
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get_page(committee.clone()).await;
    assert!(page.contains("还没有上传文件"), "{page}");
    assert_eq!(
        w.get(&format!("/documents/{id}"), None).await.json()["removed"],
        true
    );
    // A firm is not a committee.
    assert_eq!(get_page(w.firm_token("f-doc-p")).await.0, 403);
    w.stop().await;
}

/// In the browser: the committee signs in, uploads its 管理规约 as a PDF at
/// `/committee/documents`; the public `/compounds/{id}/documents` lists it and its link
/// gives back the same bytes; a program renamed `.pdf` is refused with the Chinese reason.
async fn a_committee_publishes_its_covenant_in_the_browser(backend: Backend) {
    let Some(browser) = wuye_e2e::browser::Browser::start().await else {
        return;
    };
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let w = World::new(backend).await;
    let app = &w.app;
    let association = w.association();
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.catalog_url),
            Some(&association),
            Some(&wuye_e2e::fixtures::compound_body("DOC-B1", JINGUANYI)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let c = a.json()["id"].as_str().unwrap().to_string();
    app.tender_follows_catalog().await;
    let account = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&association),
            Some(
                &json!({"username": "doc.committee", "display_name": "望江小区业委会",
                "password": "account-pass-2026", "role": "committee", "scope_id": c}),
            ),
        )
        .await;
    assert_eq!(account.status, 201, "{}", account.body);

    // The files the committee picks, on its disk.
    let dir = std::env::temp_dir().join(format!("wuye-docs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let covenant: Vec<u8> = [PDF, "% 望江小区管理规约 2026\n".as_bytes()].concat();
    let pdf_path = dir.join("covenant.pdf");
    std::fs::write(&pdf_path, &covenant).unwrap();
    let exe_path = dir.join("setup.pdf");
    std::fs::write(&exe_path, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00").unwrap();
    let url = |p: &str| format!("{}{p}", app.web_url);
    let upload = async |kind: &str, title: &str, path: &std::path::Path| {
        browser
            .click(&format!("#kind option[value='{kind}']"))
            .await
            .unwrap();
        browser.fill("#title", title).await.unwrap();
        browser
            .client
            .find(fantoccini::Locator::Css("#file"))
            .await
            .unwrap()
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
        browser
            .click("form[action='/committee/documents'] button[type=submit]")
            .await
            .unwrap();
    };

    browser
        .open(&url("/signin?next=/committee/documents"))
        .await
        .unwrap();
    browser.fill("#username", "doc.committee").await.unwrap();
    browser
        .fill("#password", "account-pass-2026")
        .await
        .unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("还没有上传文件").await.unwrap();
    upload(
        "management_covenant",
        "望江小区管理规约（2026 年修订）",
        &pdf_path,
    )
    .await;
    let text = browser.wait_for("已公开的文件").await.unwrap();
    let text = if text.contains("望江小区管理规约（2026 年修订）") {
        text
    } else {
        browser
            .wait_for("望江小区管理规约（2026 年修订）")
            .await
            .unwrap()
    };
    assert!(text.contains("管理规约"), "{text}");
    browser
        .screenshot(&format!("committee-documents-{tag}"))
        .await
        .unwrap();

    // A program renamed .pdf: refused, with the reason in Chinese.
    upload("management_covenant", "改名的程序", &exe_path).await;
    let text = browser
        .wait_for("系统按文件内容判断类型，改文件名无效")
        .await
        .unwrap();
    assert!(text.contains("只能上传 PDF 文件"), "{text}");

    // Everyone sees it on the compound's public documents page; its link is the bytes.
    browser
        .open(&url(&format!("/compounds/{c}/documents")))
        .await
        .unwrap();
    let text = browser
        .wait_for("望江小区管理规约（2026 年修订）")
        .await
        .unwrap();
    assert!(!text.contains("改名的程序"), "{text}");
    let href = browser
        .client
        .find(fantoccini::Locator::LinkText(
            "望江小区管理规约（2026 年修订）",
        ))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("a link to the file");
    let path = href
        .split_once("/tenders/")
        .map(|(_, rest)| format!("/tenders/{rest}"))
        .expect("the document's content path");
    let file = app
        .client
        .get(format!("{}{path}", app.tender_url))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.bytes().await.unwrap().as_ref(), covenant.as_slice());
    browser
        .screenshot(&format!("public-documents-{tag}"))
        .await
        .unwrap();
    browser.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    w.stop().await;
}
