//! Hostile ledger files (issue 10), each made by the test itself: a workbook with one
//! far-away cell (a dense read is billions of cells), a workbook whose sheet inflates to
//! more than a gigabyte, a CSV repeating one code 8,000 times and one with thousands of bad
//! rows (the report stays small), and names that a spreadsheet would run as formulas (the
//! CSV export escapes them). After each hostile upload the catalog still answers.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use shared::auth::{Role, Scope};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

both_backends!(
    a_workbook_with_one_far_cell_is_refused_and_the_service_stays_up,
    a_workbook_inflating_to_a_gigabyte_is_refused_within_seconds,
    repeated_codes_and_many_bad_rows_make_a_small_report,
    csv_export_escapes_cells_that_a_spreadsheet_would_run,
    the_import_page_counts_every_error_and_shows_the_limits,
);

const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER: &str = "小区编码,小区名称,地址,区县代码,街道代码,社区,经度,纬度,建成年份,楼栋数,户数,建筑面积,管理方式,消防设施,视频监控,门禁,垃圾分类投放点,停车位,电梯,自治组织,自治组织成立日期,符合条件且业主自愿,是否老旧小区";

/// A valid CSV ledger row of 锦江区 水井坊街道 with this code and name (CSV-quoted).
fn row(code: &str, name: &str) -> String {
    format!(
        "{code},\"{}\",东大街 8 号,510104,510104017,水井坊社区,104.0831,30.6522,1992,5,360,28000,物业企业,是,是,否,3,25,0,业主委员会,2020-05-01,是,是",
        name.replace('"', "\"\"")
    )
}

fn official(app: &TestApp) -> String {
    app.token(Role::DistrictOfficial, Scope::District("510104".into()))
}

async fn upload(app: &TestApp, token: &str, format: &str, mode: &str, body: Vec<u8>) -> Answer {
    let content_type = if format == "xlsx" {
        XLSX_MIME
    } else {
        "text/csv"
    };
    let res = app
        .client
        .post(format!(
            "{}/catalog/compounds/import?format={format}&mode={mode}",
            app.catalog_url
        ))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("sending an upload");
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
        body: res.text().await.expect("reading the answer"),
    }
}

/// The catalog still answers, and still imports a good file.
async fn still_up(app: &TestApp, token: &str) {
    let a = app
        .catalog_get("/catalog/compounds?limit=1", Some(token))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let file = format!("{HEADER}\n{}\n", row("OK1", "锦官驿小区")).into_bytes();
    let a = upload(app, token, "csv", "dry_run", file).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.json()["rows_valid"], 1);
}

/// Asserts a 413 `ledger_file_too_large` whose Chinese detail says `limit`.
fn assert_too_large(a: &Answer, limit: &str) {
    let p = a.problem(413, "ledger_file_too_large");
    let detail = p["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(limit), "{detail}");
    assert_eq!(p["errors"][0]["field"], "file");
}

async fn a_workbook_with_one_far_cell_is_refused_and_the_service_stays_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = official(&app);
    // A1 = 小区编码 and one more cell at XFD1048576: the sheet declares A1:XFD1048576.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "小区编码").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let file = book.save_to_buffer().unwrap();
    assert!(file.len() < 10_000, "a small file: {} bytes", file.len());

    let started = Instant::now();
    let a = upload(&app, &token, "xlsx", "dry_run", file).await;
    assert_too_large(&a, "工作表超过 25000 行");
    assert!(started.elapsed() < Duration::from_secs(5));
    still_up(&app, &token).await;

    // Within the rows but far to the right: the column cap.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "小区编码").unwrap();
    sheet.write_string(1, 16_383, "x").unwrap();
    let a = upload(
        &app,
        &token,
        "xlsx",
        "dry_run",
        book.save_to_buffer().unwrap(),
    )
    .await;
    assert_too_large(&a, "工作表超过 100 列");
    still_up(&app, &token).await;
}

async fn a_workbook_inflating_to_a_gigabyte_is_refused_within_seconds(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = official(&app);
    let file = inflating_workbook(1 << 30);
    assert!(file.len() < 8 << 20, "{} bytes", file.len());

    let started = Instant::now();
    let a = upload(&app, &token, "xlsx", "dry_run", file).await;
    let took = started.elapsed();
    assert_too_large(&a, "解压后超过 64 MB");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    still_up(&app, &token).await;
}

async fn repeated_codes_and_many_bad_rows_make_a_small_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = official(&app);

    // 8,000 rows with one code: 16 KB-ish per thousand rows, one error in the report.
    let mut text = format!("{HEADER}\n");
    for _ in 0..8_000 {
        text.push_str(&row("SAME", "锦官驿小区"));
        text.push('\n');
    }
    let started = Instant::now();
    let a = upload(&app, &token, "csv", "dry_run", text.into_bytes()).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        &a.body[..a.body.len().min(500)]
    );
    assert!(a.body.len() < 4_096, "report of {} bytes", a.body.len());
    assert!(started.elapsed() < Duration::from_secs(20));
    let r = a.json();
    assert_eq!(r["rows_total"], 8_000);
    assert_eq!(r["rows_valid"], 0);
    assert_eq!(r["errors_total"], 1);
    assert_eq!(r["errors"].as_array().unwrap().len(), 1);
    assert_eq!(r["errors"][0]["line"], 2);
    assert_eq!(r["errors"][0]["code"], "duplicate_code");
    assert_eq!(
        r["errors"][0]["message"],
        "小区编码 SAME 在文件中出现了 8000 次（首次在第 2 行），这些行都未导入"
    );
    still_up(&app, &token).await;

    // 8,000 rows with three bad cells each: 24,000 errors, the first 200 listed, each
    // cell's text cut short.
    let long = "多".repeat(300);
    let mut text = format!("{HEADER}\n");
    for i in 0..8_000 {
        let bad = row(&format!("B{i}"), "院")
            .replace(",360,", &format!(",{long},"))
            .replace(",1992,5,", ",一九九二,五,");
        text.push_str(&bad);
        text.push('\n');
    }
    let a = upload(&app, &token, "csv", "strict", text.into_bytes()).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.len() < 200_000, "report of {} bytes", a.body.len());
    let r = a.json();
    assert_eq!(r["committed"], false);
    assert_eq!(r["errors_total"], 24_000);
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 200);
    assert_eq!(
        errors[199]["line"].as_i64(),
        Some(68),
        "by line: 3 errors per row"
    );
    assert!(
        errors
            .iter()
            .all(|e| e["value"].as_str().unwrap().chars().count() <= 201)
    );
    assert_eq!(
        r["errors_not_listed"],
        "共 24000 个错误，只列出前 200 个；另有 23800 个错误未列出（涉及 7934 行，第 68 至 8001 行）"
    );
    still_up(&app, &token).await;
}

async fn csv_export_escapes_cells_that_a_spreadsheet_would_run(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = official(&app);
    let names = [
        "=HYPERLINK(\"http://evil.example/\",\"点击查看\")",
        "+1+cmd|' /C calc'!A0",
        "-1+1",
        "@SUM(A1:A9)",
        "锦官驿小区",
    ];
    let mut text = format!("{HEADER}\n");
    for (i, name) in names.iter().enumerate() {
        text.push_str(&row(&format!("F{i}"), name));
        text.push('\n');
    }
    let a = upload(&app, &token, "csv", "strict", text.into_bytes()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.json()["created"], 5);

    let res = app
        .client
        .get(format!(
            "{}/catalog/compounds/export?format=csv",
            app.catalog_url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let exported = res.bytes().await.unwrap().to_vec();
    let text = String::from_utf8(exported.clone()).unwrap();
    let by_code = csv_records(&text);
    for (i, name) in names.iter().enumerate() {
        let (_, cell) = by_code
            .iter()
            .find(|(code, _)| *code == format!("F{i}"))
            .unwrap();
        if i < 4 {
            assert_eq!(cell, &format!("'{name}"), "escaped");
        } else {
            assert_eq!(cell, name, "an ordinary name is left alone");
        }
    }

    // The exported file imports back unchanged (the escape is taken off).
    let a = upload(&app, &token, "csv", "dry_run", exported).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let r: Value = a.json();
    assert_eq!(r["unchanged"], 5, "{r}");
    assert_eq!(r["errors_total"], 0);
}

/// Uploads a file on the web import page (multipart, with the CSRF field) and returns the
/// finished job's page.
async fn upload_page(app: &TestApp, token: &str, name: &str, file: &[u8]) -> String {
    use wuye_e2e::pages::CSRF;
    let boundary = "----wuye-hostile-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{CSRF}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = format!("wuye_csrf={CSRF}; wuye_session={token}");
    let res = client
        .post(format!("{}/official/import", app.web_url))
        .header(reqwest::header::COOKIE, &cookie)
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let job = res.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, page) = wuye_e2e::pages::get(app, &job, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        if !page.contains("<progress") {
            return page;
        }
        assert!(Instant::now() < deadline, "the job never finished");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn the_import_page_counts_every_error_and_shows_the_limits(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token(Role::StreetOfficial, Scope::Street("510104017".into()));

    // 300 bad rows: the page counts all 300 errors and says that 100 are not listed.
    let mut text = format!("{HEADER}\n");
    for i in 0..300 {
        text.push_str(&row(&format!("P{i}"), "院").replace(",360,", ",多,"));
        text.push('\n');
    }
    let page = upload_page(&app, &token, "台账.csv", text.as_bytes()).await;
    assert!(page.contains("300 行，300 处错误"), "{page}");
    assert_eq!(page.matches("class=\"row-error\"").count(), 200);
    assert!(
        page.contains("另有 100 个错误未列出（涉及 100 行，第 202 至 301 行）"),
        "{page}"
    );

    // The far-cell workbook through the page: refused with the limit, the site stays up.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "小区编码").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let page = upload_page(&app, &token, "台账.xlsx", &book.save_to_buffer().unwrap()).await;
    assert!(page.contains("文件无法导入"), "{page}");
    assert!(page.contains("工作表超过 25000 行"), "{page}");
    let (status, _, _) = wuye_e2e::pages::get(&app, "/official/import", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    still_up(&app, &official(&app)).await;
}

/// (code, name) of each data row of a CSV export (RFC 4180 quoting, one line per row
/// since no exported cell here holds a line break).
fn csv_records(text: &str) -> Vec<(String, String)> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|line| {
            let cells = split_csv_line(line);
            (cells[0].clone(), cells[1].clone())
        })
        .collect()
}

fn split_csv_line(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(ch),
        }
    }
    cells.push(cell);
    cells
}

// ----- a workbook whose sheet inflates to `spaces` bytes of whitespace -----

/// A minimal XLSX archive whose only sheet is `<sheetData>` + `spaces` spaces +
/// `</sheetData>`, deflated (1 GiB takes about 6.5 MB). The deflate stream is written
/// directly, never the inflated sheet; the sheet's CRC is not computed (that would mean
/// reading the gigabyte), so a reader that inflated it all would also fail, but only after
/// the gigabyte. The sizes in the archive are the true ones.
fn inflating_workbook(spaces: u64) -> Vec<u8> {
    let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let pkg = "http://schemas.openxmlformats.org/package/2006";
    let prefix = format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>"#);
    let suffix = "</sheetData></worksheet>";
    let stored = |text: String| Part {
        method: 0,
        crc: crc32(text.as_bytes()),
        size: text.len() as u64,
        data: text.into_bytes(),
    };
    let parts = vec![
        (
            "[Content_Types].xml",
            stored(format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{pkg}/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
            )),
        ),
        (
            "_rels/.rels",
            stored(format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            )),
        ),
        (
            "xl/workbook.xml",
            stored(format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            )),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            stored(format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            )),
        ),
        (
            "xl/worksheets/sheet1.xml",
            Part {
                method: 8,
                crc: 0,
                size: prefix.len() as u64 + spaces + suffix.len() as u64,
                data: deflate_spaces(prefix.as_bytes(), spaces, suffix.as_bytes()),
            },
        ),
    ];
    zip_archive(&parts)
}

struct Part {
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    /// Inflated size.
    size: u64,
    data: Vec<u8>,
}

/// A zip archive of the parts (no zip64: every size must fit 32 bits).
fn zip_archive(parts: &[(&str, Part)]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u64) {
        out.extend_from_slice(&u32::try_from(v).expect("fits a zip").to_le_bytes());
    }
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, p) in parts {
        let offset = out.len() as u64;
        for (buf, central_header) in [(&mut out, false), (&mut central, true)] {
            buf.extend_from_slice(if central_header {
                b"PK\x01\x02"
            } else {
                b"PK\x03\x04"
            });
            if central_header {
                u16le(buf, 20); // made by
            }
            u16le(buf, 20); // needed
            u16le(buf, 0); // flags
            u16le(buf, p.method);
            u16le(buf, 0); // time
            u16le(buf, 0x21); // date: 1980-01-01
            u32le(buf, u64::from(p.crc));
            u32le(buf, p.data.len() as u64);
            u32le(buf, p.size);
            u16le(buf, name.len() as u16);
            u16le(buf, 0); // extra
            if central_header {
                u16le(buf, 0); // comment
                u16le(buf, 0); // disk
                u16le(buf, 0); // internal attributes
                u32le(buf, 0); // external attributes
                u32le(buf, offset);
            }
            buf.extend_from_slice(name.as_bytes());
        }
        out.extend_from_slice(&p.data);
    }
    let central_at = out.len() as u64;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, parts.len() as u16);
    u16le(&mut out, parts.len() as u16);
    u32le(&mut out, central.len() as u64);
    u32le(&mut out, central_at);
    u16le(&mut out, 0);
    out
}

/// A raw deflate stream (one block, fixed Huffman codes) of `prefix`, `spaces` spaces and
/// `suffix`: the spaces are one literal and then back-references of 258 bytes at
/// distance 1, 13 bits each.
fn deflate_spaces(prefix: &[u8], spaces: u64, suffix: &[u8]) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        /// `n` bits of `v`, least significant first (as deflate packs them).
        fn put(&mut self, v: u64, n: u32) {
            self.acc |= v << self.n;
            self.n += n;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            self.put(reverse(code, len), len);
        }
        fn literal(&mut self, byte: u8) {
            assert!(byte < 144, "ASCII literals only");
            self.code(0x30 + u64::from(byte), 8);
        }
    }
    fn reverse(code: u64, len: u32) -> u64 {
        (0..len).fold(0, |r, i| (r << 1) | ((code >> i) & 1))
    }
    let mut b = Bits {
        out: Vec::with_capacity((spaces / 158) as usize + 1024),
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // the final block
    b.put(1, 2); // fixed Huffman codes
    prefix.iter().for_each(|&c| b.literal(c));
    let mut left = spaces;
    if left > 0 {
        b.literal(b' ');
        left -= 1;
    }
    // Length 258 is symbol 285 (8 bits 11000101, no extra bits); distance 1 is distance
    // code 0 (5 bits 00000). Both at once: 13 bits.
    let copy = reverse(0b1100_0101, 8);
    while left >= 258 {
        b.put(copy, 13);
        left -= 258;
    }
    for _ in 0..left {
        b.literal(b' ');
    }
    suffix.iter().for_each(|&c| b.literal(c));
    b.code(0, 7); // end of block
    b.put(0, 7); // flush
    b.out
}

/// CRC-32 (IEEE), bit by bit: only for the small parts.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
