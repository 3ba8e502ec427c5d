//! Owners taking part themselves: the owner register (业主名册) and what rests on it.

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::domain::{ExclusiveArea, Holder, Owner, PhoneNumber, UnitLabel};
use tender::owners::register::{self, Source, Unit};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, WUHOU};
use wuye_e2e::tender::World;
use wuye_e2e::{Answer, Backend, both_backends, fresh_database};

both_backends!(
    the_register_keeps_every_version_and_derives_its_totals,
    a_register_file_is_imported_with_every_bad_row_named_and_counted_by_the_interpretation,
    names_and_phones_are_masked_for_all_but_the_committee_and_the_street,
    a_unit_is_kept_one_at_a_time_with_its_history,
);

fn unit(id: &str, room: &str, area: &str, holder: Holder) -> Unit {
    Unit {
        id: id.into(),
        compound_id: "c1".into(),
        label: UnitLabel::parse("3栋", "2单元", room).unwrap(),
        area: ExclusiveArea::parse(area).unwrap(),
        holder,
        version: 1,
        removed: false,
        updated_by: "committee".into(),
        updated_at: 1,
    }
}

fn owner(name: &str, phone: &str) -> Holder {
    Holder::owners(vec![
        Owner::new(name, Some(PhoneNumber::parse(phone).unwrap())).unwrap(),
    ])
    .unwrap()
}

/// The register's store on a real database: units written with their history, the totals
/// derived from the units as the SPC interpretation counts them (one owner of two units and
/// the developer's two unsold units each count once), a changed unit a new version, a removed
/// unit out of the totals.
async fn the_register_keeps_every_version_and_derives_its_totals(backend: Backend) {
    let url = fresh_database(&backend, "tender").await.unwrap();
    let db = shared::db::connect(&url).await.unwrap();
    db.migrate(&tender::MIGRATOR).await.unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let units = [
        unit("u1", "101", "89.57", owner("张三", "13800000001")),
        unit("u2", "102", "60", owner("张三", "13800000001")),
        unit("u3", "201", "75.50", owner("李四", "13800000002")),
        unit("u4", "301", "120", Holder::Developer),
        unit("u5", "302", "130.01", Holder::Developer),
    ];
    for u in &units {
        register::save(&mut conn, None, u, &Source::Import("i1".into()))
            .await
            .unwrap();
    }
    let stored = register::units(&mut conn, "c1").await.unwrap();
    assert_eq!(stored, units);
    let count = register::count(&stored);
    assert_eq!((count.units, count.owners), (5, 3));
    assert_eq!(count.area_centi_m2, 8957 + 6000 + 7550 + 12_000 + 13_001);

    // 李四 sells 201 to 王五: a new version; the old one stays in the history.
    let mut sold = units[2].clone();
    sold.holder = owner("王五", "13800000003");
    sold.version = 2;
    register::save(&mut conn, Some(&units[2]), &sold, &Source::Edit)
        .await
        .unwrap();
    let by_label = register::unit_by_label(&mut conn, "c1", &units[2].label)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_label, sold);
    // 102 taken out of the register: out of the totals, still readable by id.
    let mut removed = units[1].clone();
    removed.removed = true;
    removed.version = 2;
    register::save(&mut conn, Some(&units[1]), &removed, &Source::Remove)
        .await
        .unwrap();
    let count = register::count(&register::units(&mut conn, "c1").await.unwrap());
    assert_eq!((count.units, count.owners), (4, 3));
    assert!(
        register::unit(&mut conn, "c1", "u2")
            .await
            .unwrap()
            .unwrap()
            .removed
    );
    let history: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT unit_id, version, source FROM register_unit_history ORDER BY unit_id, version",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(history.len(), 7);
    assert!(history.contains(&("u3".into(), 2, "edit".into())));
    assert!(history.contains(&("u2".into(), 2, "remove".into())));
    // One unit per label and compound.
    let twin = unit("u9", "101", "1", Holder::Developer);
    assert!(
        register::save(&mut conn, None, &twin, &Source::Edit)
            .await
            .is_err()
    );
}

// ----- the register's API -----

/// 锦官驿小区's register, hand-checked: 11 data rows under a title, of which 7 are good.
///
/// | line | unit | area | owner | counts |
/// | --- | --- | --- | --- | --- |
/// | 3, 4 | 1栋1单元101, 102 | 89.57 + 60.00 | 张三 (13800000001) | one owner of two units: 1 |
/// | 5, 6 | 1栋1单元201, 202 | 75.50 + 100.00 | 李四、王五 (in either order) | the same co-owners: 1 |
/// | 7, 8 | 1栋2单元101, 102 | 120.00 + 130.01 | 未售 | the developer's unsold units: 1 |
/// | 9 | 2栋101 | 90.00 | 张三 (13900000009) | a namesake with another phone: 1 |
/// | 10 | 2栋102 | 八十 | | bad area |
/// | 11 | 2栋103 | 70 | 钱七 (12345) | bad phone |
/// | 12, 13 | 2栋104 twice | | | the repeated unit refused on both rows |
///
/// So 7 units, 4 owners by head, 665.08 ㎡.
const REGISTER_CSV: &str = "锦官驿小区业主名册（2026 年 6 月）\n\
楼栋,单元,房号,专有部分面积（㎡）,业主姓名,联系电话,状态\n\
1栋,1单元,101,89.57,张三,13800000001,\n\
1栋,1单元,102,60.00,张三,138 0000 0001,\n\
1栋,1单元,201,75.5,李四、王五,13800000002、13800000003,\n\
1栋,1单元,202,100,王五、李四,13800000003、13800000002,\n\
1栋,2单元,101,120,,,未售\n\
1栋,2单元,102,130.01,,,未售\n\
2栋,,101,90,张三,13900000009,\n\
2栋,,102,八十,赵六,13800000006,\n\
2栋,,103,70,钱七,12345,\n\
2栋,,104,70,孙八,13800000008,\n\
2栋,,104,71,孙八,13800000008,\n";

const COMPOUND: &str = "reg-jgy";

/// A raw body to the tender API.
async fn upload(
    w: &World,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    let mut req = w
        .app
        .client
        .post(w.url(path))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("sending an upload");
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
        body: res.text().await.unwrap(),
    }
}

async fn import(w: &World, token: &str, mode: &str, file: &str) -> Answer {
    let path = format!("/compounds/{COMPOUND}/register/import?format=csv&mode={mode}");
    upload(w, &path, Some(token), "text/csv", file.as_bytes().to_vec()).await
}

/// The raw bytes of a GET on the tender API.
async fn download(w: &World, path: &str, token: &str) -> (reqwest::StatusCode, String, Vec<u8>) {
    let res = w
        .app
        .client
        .get(w.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let ct = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (res.status(), ct, res.bytes().await.unwrap().to_vec())
}

fn street(w: &World, code: &str) -> String {
    w.app
        .token(Role::StreetOfficial, Scope::Street(code.into()))
}

fn totals(v: &Value) -> (i64, i64, i64) {
    (
        v["units"].as_i64().unwrap(),
        v["owners"].as_i64().unwrap(),
        v["area_centi"].as_i64().unwrap(),
    )
}

async fn register_of(w: &World, token: &str, query: &str) -> Value {
    let a = w
        .get(
            &format!("/compounds/{COMPOUND}/register{query}"),
            Some(token),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

async fn history_total(w: &World, token: &str) -> i64 {
    let a = w
        .get(
            &format!("/compounds/{COMPOUND}/register/history"),
            Some(token),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["total"].as_i64().unwrap()
}

/// The import the ledger's way, on a hand-checked file: the dry run names every bad row in
/// Chinese and writes nothing; strict refuses the file whole; good rows imports the seven
/// good ones, counted as the SPC interpretation counts them (7 units, 4 owners by head,
/// 665.08 ㎡); the same file again, and the register's own export in CSV and XLSX, change
/// nothing.
async fn a_register_file_is_imported_with_every_bad_row_named_and_counted_by_the_interpretation(
    backend: Backend,
) {
    let w = World::new(backend).await;
    let committee = w.compound(COMPOUND, json!({"households": 320})).await;
    let official = street(&w, JINGUANYI);

    // Dry run: every bad row named, nothing written.
    let a = import(&w, &committee, "dry_run", REGISTER_CSV).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report = a.json();
    assert_eq!(report["committed"], false);
    assert_eq!(report["rows_total"], 11);
    assert_eq!(report["rows_valid"], 7);
    assert_eq!(report["created"], 7);
    assert_eq!(report["errors_total"], 3);
    let errors: Vec<(i64, &str, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["column"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(errors[0].0, 10);
    assert_eq!(errors[0].1, "专有部分面积(㎡)");
    assert!(errors[0].2.contains("“八十”应为平方米数"), "{errors:?}");
    assert_eq!((errors[1].0, errors[1].1), (11, "联系电话"));
    assert_eq!(
        (errors[2].0, errors[2].2),
        (
            12,
            "房屋 2栋104 在文件中出现了 2 次（首次在第 12 行），这些行都未导入"
        )
    );
    // What the register would hold: the interpretation's count.
    assert_eq!(totals(&report["totals"]), (7, 4, 66_508));
    let r = register_of(&w, &committee, "").await;
    assert_eq!(totals(&r["totals"]), (0, 0, 0), "a dry run writes nothing");

    // Strict: the file is refused whole, with the same report.
    let a = import(&w, &committee, "strict", REGISTER_CSV).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(a.json()["committed"], false);
    assert_eq!(a.json()["created"], 0);
    assert_eq!(history_total(&w, &committee).await, 0);

    // Good rows, by the street official: the seven good ones.
    let a = import(&w, &official, "good_rows", REGISTER_CSV).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report = a.json();
    assert_eq!(report["committed"], true);
    assert_eq!(
        (report["created"].as_i64(), report["updated"].as_i64()),
        (Some(7), Some(0))
    );
    let import_id = report["import_id"].as_str().unwrap().to_string();
    let r = register_of(&w, &committee, "").await;
    assert_eq!(totals(&r["totals"]), (7, 4, 66_508));
    assert_eq!(r["area_m2"], "665.08");
    assert_eq!(r["totals"]["developer_units"], 2);
    assert_eq!(r["totals"]["multi_unit_owners"], 2);
    assert_eq!(r["buildings"], json!(["1栋", "2栋"]));
    let first = &r["units"]["items"][0];
    assert_eq!(first["label"], "1栋1单元101");
    assert_eq!(first["area_centi"], 8957);
    assert_eq!(first["owners"][0]["name"], "张三");
    assert_eq!(first["owners"][0]["phone"], "13800000001");
    assert_eq!(first["owner_units"], 2);
    assert!(
        first["updated_by"]
            .as_str()
            .unwrap()
            .contains("街道工作人员")
    );
    let history = w
        .get(
            &format!("/compounds/{COMPOUND}/register/history"),
            Some(&committee),
        )
        .await
        .json();
    assert_eq!(history["total"], 7);
    assert_eq!(history["items"][0]["source"], "import");
    assert_eq!(history["items"][0]["import_id"], import_id.as_str());
    assert_eq!(history["items"][0]["change"], "created");
    // The public sees the totals only.
    let s = w
        .get(&format!("/compounds/{COMPOUND}/register/summary"), None)
        .await;
    assert_eq!(s.status, 200, "{}", s.body);
    assert_eq!(totals(&s.json()["totals"]), (7, 4, 66_508));
    assert!(!s.body.contains("张三"));

    // The same file again: nothing changes, nothing is written.
    let a = import(&w, &committee, "good_rows", REGISTER_CSV).await;
    let report = a.json();
    assert_eq!(
        (
            report["created"].as_i64(),
            report["updated"].as_i64(),
            report["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(7)),
        "{report}"
    );
    assert!(report.get("import_id").is_none());
    assert_eq!(history_total(&w, &committee).await, 7);

    // The export, whole, imports back unchanged, in CSV and in XLSX.
    let (status, ct, csv) = download(
        &w,
        &format!("/compounds/{COMPOUND}/register/export"),
        &committee,
    )
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(
        text.contains("李四、王五,13800000002、13800000003"),
        "{text}"
    );
    assert!(text.contains("1栋,2单元,101,120,,,未售"), "{text}");
    let a = upload(
        &w,
        &format!("/compounds/{COMPOUND}/register/import?mode=strict"),
        Some(&committee),
        "text/csv",
        csv,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["unchanged"], 7);
    let (status, ct, xlsx) = download(
        &w,
        &format!("/compounds/{COMPOUND}/register/export?format=xlsx"),
        &official,
    )
    .await;
    assert_eq!(status, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    let a = upload(
        &w,
        &format!("/compounds/{COMPOUND}/register/import?format=xlsx&mode=strict"),
        Some(&official),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        xlsx,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["unchanged"], 7);
    assert_eq!(history_total(&w, &committee).await, 7);

    // A corrected file: the bad rows fixed, 2栋101 sold on to 周九. Strict now passes.
    let fixed = REGISTER_CSV
        .replace("八十", "80")
        .replace("12345", "13800000007")
        .replace("2栋,,104,71,孙八,13800000008,\n", "")
        .replace(
            "2栋,,101,90,张三,13900000009,",
            "2栋,,101,90,周九,13900000009,",
        );
    let a = import(&w, &committee, "strict", &fixed).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let report = a.json();
    assert_eq!(
        (
            report["created"].as_i64(),
            report["updated"].as_i64(),
            report["unchanged"].as_i64()
        ),
        (Some(3), Some(1), Some(6)),
        "{report}"
    );
    // 10 units; owners: 张三, 李四+王五, developer, 周九, 赵六, 钱七, 孙八.
    assert_eq!(
        totals(&report["totals"]),
        (10, 7, 66_508 + 8_000 + 7_000 + 7_000)
    );

    // Files that cannot be imported.
    let a = upload(
        &w,
        &format!("/compounds/{COMPOUND}/register/import?format=xlsx"),
        Some(&committee),
        "application/octet-stream",
        b"not a workbook".to_vec(),
    )
    .await;
    a.problem(422, "invalid_register_file");
    let a = import(&w, &committee, "dry_run", "楼栋,房号\n1,101\n").await;
    let p = a.problem(422, "invalid_register_file");
    assert!(a.body.contains("缺少“专有部分面积(㎡)”列"), "{p}");
    let a = import(&w, &committee, "maybe", REGISTER_CSV).await;
    assert_eq!(wuye_e2e::field_code(&a, "mode"), "invalid_mode");
    w.stop().await;
}

/// Who reads the register and how much: names and phones whole for the compound's
/// committee and street official, masked for its district and the association; nobody else
/// (another compound's committee, another street, another district, a firm) reads it, and
/// only the committee and the street keep it.
async fn names_and_phones_are_masked_for_all_but_the_committee_and_the_street(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound(COMPOUND, json!({})).await;
    let other_committee = w.compound("reg-other", json!({})).await;
    let a = import(&w, &committee, "good_rows", REGISTER_CSV).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let official = street(&w, JINGUANYI);
    let other_street = street(&w, "510104018");
    let district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let other_district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(WUHOU.into()));
    let association = w.association();
    let firm = w.firm_token("firm-1");
    let path = format!("/compounds/{COMPOUND}/register");

    for token in [&committee, &official] {
        let r = register_of(&w, token, "").await;
        assert_eq!(r["masked"], false);
        assert_eq!(r["may_keep"], true);
        assert!(r.to_string().contains("13800000002"));
    }
    for token in [&district, &association] {
        let r = register_of(&w, token, "").await;
        assert_eq!(r["masked"], true);
        assert_eq!(r["may_keep"], false);
        let text = r.to_string();
        assert!(
            !text.contains("张三") && !text.contains("13800000002"),
            "{text}"
        );
        assert_eq!(r["units"]["items"][0]["owners"][0]["name"], "张*");
        assert_eq!(r["units"]["items"][0]["owners"][0]["phone"], "138****0001");
        assert_eq!(totals(&r["totals"]), (7, 4, 66_508));
        // A search by name finds nothing for a reader who may not see names.
        let found = register_of(&w, token, "?q=张三").await;
        assert_eq!(found["units"]["total"], 0);
        let unit_id = r["units"]["items"][0]["id"].as_str().unwrap();
        let one = w.get(&format!("{path}/units/{unit_id}"), Some(token)).await;
        assert_eq!(one.json()["owners"][0]["name"], "张*");
        let history = w.get(&format!("{path}/history"), Some(token)).await;
        assert!(!history.body.contains("13800000001"), "{}", history.body);
        // They read; they do not keep.
        w.post(
            &format!("{path}/units"),
            Some(token),
            &json!({"building": "9", "room": "1", "area": "50", "developer": true}),
        )
        .await
        .problem(403, "forbidden");
        import(&w, token, "dry_run", REGISTER_CSV)
            .await
            .problem(403, "forbidden");
        let (status, _, _) = download(&w, &format!("{path}/export"), token).await;
        assert_eq!(status, 403);
    }
    let found = register_of(&w, &committee, "?q=张三").await;
    assert_eq!(found["units"]["total"], 3);
    let building = register_of(&w, &committee, "?building=2栋&limit=1").await;
    assert_eq!(
        (
            building["units"]["total"].as_i64(),
            building["units"]["items"].as_array().unwrap().len()
        ),
        (Some(1), 1)
    );
    for token in [&other_committee, &other_street, &other_district, &firm] {
        w.get(&path, Some(token)).await.problem(403, "forbidden");
        w.get(&format!("{path}/history"), Some(token))
            .await
            .problem(403, "forbidden");
        import(&w, token, "dry_run", REGISTER_CSV)
            .await
            .problem(403, "forbidden");
    }
    w.get(&path, None).await.problem(401, "unauthenticated");
    upload(
        &w,
        &format!("{path}/import?format=csv"),
        None,
        "text/csv",
        REGISTER_CSV.as_bytes().to_vec(),
    )
    .await
    .problem(401, "unauthenticated");
    w.get("/compounds/nowhere/register", Some(&association))
        .await
        .problem(404, "not_found");
    w.get("/compounds/nowhere/register/summary", None)
        .await
        .problem(404, "not_found");
    let long = "栋".repeat(41);
    let a = w
        .get(&format!("{path}?building={long}&limit=0"), Some(&committee))
        .await;
    wuye_e2e::assert_fields(&a, &["building", "limit"]);
    w.stop().await;
}

/// One unit at a time: added (every bad field named in Chinese; a label already in the
/// register refused), changed naming its version (a stale version refused), taken out (out
/// of the totals, kept in the history) and entered again; the history says what changed,
/// how and by whom.
async fn a_unit_is_kept_one_at_a_time_with_its_history(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound(COMPOUND, json!({})).await;
    let official = street(&w, JINGUANYI);
    let path = format!("/compounds/{COMPOUND}/register");
    let body = json!({
        "building": "3栋", "unit": "2单元", "room": "501", "area": "89.57",
        "owners": [{"name": "张三", "phone": "13800000001"}, {"name": "李四"}]
    });

    // Every bad field at once, each in Chinese.
    let a = w
        .post(
            &format!("{path}/units"),
            Some(&committee),
            &json!({"building": "", "room": "501", "area": "89.571",
                    "owners": [{"name": "张三", "phone": "123"}]}),
        )
        .await;
    wuye_e2e::assert_fields(&a, &["building", "area", "owners[0].phone"]);
    assert_eq!(a.field_error("building").unwrap(), "楼栋必填");
    let a = w
        .post(
            &format!("{path}/units"),
            Some(&committee),
            &json!({"building": "3", "room": "1", "area": "50"}),
        )
        .await;
    assert_eq!(wuye_e2e::field_code(&a, "owners"), "owner_required");

    let a = w
        .post(&format!("{path}/units"), Some(&committee), &body)
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let unit = a.json();
    let id = unit["id"].as_str().unwrap().to_string();
    assert_eq!(
        (unit["label"].as_str(), unit["version"].as_i64()),
        (Some("3栋2单元501"), Some(1))
    );
    // The same label (written with full-width digits) is the same unit.
    let twin = json!({"building": "３栋", "unit": "2单元", "room": "５01", "area": "10", "developer": true});
    w.post(&format!("{path}/units"), Some(&official), &twin)
        .await
        .problem(409, "unit_exists");

    // A change names its version; a stale one is refused.
    let sold = json!({
        "building": "3栋", "unit": "2单元", "room": "501", "area": "89.57",
        "owners": [{"name": "王五", "phone": "13800000003"}], "version": 1
    });
    let a = w
        .call(
            Method::PUT,
            &format!("{path}/units/{id}"),
            Some(&official),
            Some(&sold),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["version"], 2);
    w.call(
        Method::PUT,
        &format!("{path}/units/{id}"),
        Some(&committee),
        Some(&sold),
    )
    .await
    .problem(409, "stale_version");
    let mut no_version = sold.clone();
    no_version.as_object_mut().unwrap().remove("version");
    let a = w
        .call(
            Method::PUT,
            &format!("{path}/units/{id}"),
            Some(&committee),
            Some(&no_version),
        )
        .await;
    assert_eq!(wuye_e2e::field_code(&a, "version"), "required");
    // The same again, at the current version: nothing to write.
    let mut same = sold.clone();
    same["version"] = json!(2);
    let a = w
        .call(
            Method::PUT,
            &format!("{path}/units/{id}"),
            Some(&committee),
            Some(&same),
        )
        .await;
    assert_eq!(a.json()["version"], 2);
    w.call(
        Method::PUT,
        &format!("{path}/units/nowhere"),
        Some(&committee),
        Some(&same),
    )
    .await
    .problem(404, "not_found");

    // A second unit; then 501 is taken out: out of the totals, kept in the history.
    let a = w
        .post(
            &format!("{path}/units"),
            Some(&committee),
            &json!({"building": "3栋", "unit": "2单元", "room": "502", "area": "60", "developer": true}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let r = register_of(&w, &committee, "").await;
    assert_eq!(totals(&r["totals"]), (2, 2, 8957 + 6000));
    w.call(
        Method::DELETE,
        &format!("{path}/units/{id}?version=1"),
        Some(&committee),
        None,
    )
    .await
    .problem(409, "stale_version");
    let a = w
        .call(
            Method::DELETE,
            &format!("{path}/units/{id}?version=2"),
            Some(&committee),
            None,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (a.json()["removed"].as_bool(), a.json()["version"].as_i64()),
        (Some(true), Some(3))
    );
    w.call(
        Method::DELETE,
        &format!("{path}/units/{id}?version=3"),
        Some(&committee),
        None,
    )
    .await
    .problem(409, "unit_removed");
    let r = register_of(&w, &committee, "").await;
    assert_eq!(totals(&r["totals"]), (1, 1, 6000));
    let gone = register_of(&w, &committee, "?removed=true").await;
    assert_eq!(gone["units"]["items"][0]["id"], id.as_str());

    // Entered again: the same unit, its next version.
    let a = w
        .post(&format!("{path}/units"), Some(&committee), &body)
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(
        (a.json()["id"].as_str(), a.json()["version"].as_i64()),
        (Some(id.as_str()), Some(4))
    );

    // The unit's history, newest first.
    let h = w
        .get(&format!("{path}/history?unit={id}"), Some(&committee))
        .await
        .json();
    let changes: Vec<(i64, &str, &str)> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["change"].as_str().unwrap(),
                v["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (4, "restored", "edit"),
            (3, "removed", "remove"),
            (2, "changed", "edit"),
            (1, "created", "edit")
        ]
    );
    let v2 = &h["items"][2];
    assert_eq!(v2["before"]["owners"][0]["name"], "张三");
    assert_eq!(v2["after"]["owners"][0]["name"], "王五");
    assert!(v2["changed_by"].as_str().unwrap().contains("街道工作人员"));
    w.stop().await;
}
