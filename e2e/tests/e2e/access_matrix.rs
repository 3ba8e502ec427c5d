//! The access matrix (issue 13): every operation of the three OpenAPI documents (and each
//! service's feed, metrics, readiness, liveness and document), called by
//! every kind of caller, for its own scope and for another's, on the demo data (with a
//! register, a typed vote, a question and a complaint added), on both backends.
//!
//! Each call is classed as `+` (answered 2xx), `~` (past the gate but refused on its input
//! or state: 400, 409, 413, 415, 422, 429; the matrix calls writes with an empty body) or
//! `-` (refused: 401, 403 or 404). A 5xx fails the test at once. The classes must equal the
//! reviewed matrix in `e2e/tests/access-matrix.txt` line for line; a new operation without a
//! reviewed line fails it, and so does a line whose operation is gone. Whatever the file
//! says, three rules are checked on every row: nobody of another scope gets further than the
//! same role in its own scope, anonymous callers write only where the public may (sign-in
//! and firm applications), and no call answers 5xx.
//!
//! Tender reads run twice: on the contracted tender and on the open one, whose bids are
//! sealed (nobody but the bidding firm reads anything about a bid before the opening).
//!
//! The pages' GET routes are rows too (`PAGE /path`), each opened by the same twelve callers
//! as a browser holding that caller's session: `+` shown (2xx), `>` sent to sign in (303 to
//! `/signin`), `^` sent elsewhere (another 3xx), `-` refused (401/403/404, the error page).
//! Public pages are `+` for everyone; a private page is `>` for a visitor and `-` for a role
//! or scope it is not for. The list of page routes is [`PAGES`]; a page added to the web
//! router without a row here is not covered (the list mirrors `services/web/src/pages`).
//!
//! To review a change of the matrix: `ACCESS_MATRIX_WRITE=1 cargo test --workspace --test
//! e2e -- access_matrix::every_operation::sqlite` writes the observed matrix to the file; read
//! `git diff` line by line before committing it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(every_operation);

/// The callers, in the matrix's column order; `'` is another scope than the resource's.
const CALLERS: [&str; 12] = [
    "anonymous",
    "service",
    "association",
    "city",
    "district",
    "district'",
    "street",
    "street'",
    "committee",
    "committee'",
    "firm",
    "firm'",
];

/// Where the reviewed matrix lives.
fn matrix_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/access-matrix.txt")
}

/// Writes anonymous callers may make: sign-in, firm applications, and what an owner does
/// with the one-time code of a notice.
const PUBLIC_WRITES: [(&str, &str); 7] = [
    ("POST", "/catalog/session"),
    ("POST", "/catalog/firms"),
    ("POST", "/tenders/owner-code"),
    ("POST", "/tenders/owner-code/ballot"),
    ("POST", "/tenders/owner-code/participation"),
    ("POST", "/tenders/owner-code/objection"),
    ("POST", "/tenders/owner-code/survey"),
];

/// Writes a city official makes (to its own account and session, and its own inbox's read
/// marks and private feed token): it reads what district officials read, citywide, and
/// writes nothing else (no webhook either), except the one write the plan gives the city:
/// selecting and publishing the annual 百佳示范小区 list.
const CITY_WRITES: [(&str, &str); 9] = [
    ("POST", "/catalog/session"),
    ("DELETE", "/catalog/session"),
    ("PUT", "/catalog/me/password"),
    ("POST", "/match/inbox/{id}/read"),
    ("POST", "/match/inbox/read-all"),
    ("POST", "/match/inbox/atom-token"),
    ("DELETE", "/match/inbox/atom-token"),
    ("PUT", "/tenders/best/{year}"),
    ("POST", "/tenders/best/{year}/publication"),
];

/// The scopes one row is called for: the resource's own and another one.
#[derive(Debug, Clone)]
struct Scopes {
    compound: String,
    street: String,
    district: String,
    firm: String,
}

/// A tender and whose it is.
#[derive(Debug, Clone)]
struct Fixture {
    tender: String,
    own: Scopes,
    /// A bid of the tender (the winner's; on the open tender, the own firm's, sealed).
    bid: String,
    /// A document: the compound's 管理规约 (public); on the open tender, the own firm's
    /// bid document (sealed).
    document: String,
}

struct World {
    contracted: Fixture,
    open: Fixture,
    awarded: Fixture,
    other: Scopes,
    ids: BTreeMap<&'static str, String>,
}

async fn every_operation(backend: Backend) {
    let backend_name = format!("{backend:?}");
    let app = spawn_app(backend).await;
    let world = World::load(&app).await;
    let mut rows = Vec::new();
    for (base, prefix) in [
        (&app.catalog_url, "/catalog"),
        (&app.tender_url, "/tenders"),
        (&app.matching_url, "/match"),
    ] {
        let doc = app.get(&format!("{base}{prefix}/openapi.json"), None).await;
        assert_eq!(doc.status, 200, "{}", doc.body);
        let doc = doc.json();
        // What every service serves besides its document: the change feed (matching has
        // none), the metrics, readiness and liveness, the document itself.
        let mut outside = vec!["/metrics", "/readyz", "/healthz", "/openapi.json"];
        if prefix != "/match" {
            outside.push("/feed?after=0&limit=1");
        }
        for extra in outside {
            let path = format!("{prefix}{extra}");
            rows.push(row(&app, &world, base, "get", &path, "contracted", &json!({})).await);
        }
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                for fixture in world.fixtures(method, path) {
                    rows.push(row(&app, &world, base, method, path, fixture, op).await);
                }
            }
        }
    }
    for page in PAGES {
        rows.push(page_row(&app, &world, page).await);
    }
    rows.sort();
    let observed = render(&rows);
    for (line, classes) in rows.iter().map(|r| (&r.0, &r.1)) {
        check_rules(line, classes);
    }
    if std::env::var_os("ACCESS_MATRIX_WRITE").is_some() {
        std::fs::write(matrix_file(), &observed).expect("writing the matrix");
    }
    let reviewed = std::fs::read_to_string(matrix_file()).unwrap_or_default();
    let expected: Vec<&str> = reviewed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    let got: Vec<&str> = observed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    let missing: Vec<&&str> = got.iter().filter(|l| !expected.contains(l)).collect();
    let stale: Vec<&&str> = expected.iter().filter(|l| !got.contains(l)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "the access matrix differs from e2e/tests/access-matrix.txt ({backend_name})\n\
         observed, not in the file:\n{}\nin the file, not observed:\n{}",
        missing
            .iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        stale
            .iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    app.stop().await;
}

/// One operation (with its fixture) called by every caller: `(label, classes)`.
async fn row(
    app: &TestApp,
    world: &World,
    base: &str,
    method: &str,
    path: &str,
    fixture: &str,
    op: &Value,
) -> (String, String) {
    let f = world.fixture(fixture);
    let url = format!("{base}{}{}", world.fill(method, path, f), query(op, f));
    let mut classes = String::new();
    for caller in CALLERS {
        let token = world.token(app, caller, f);
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (m != Method::GET && m != Method::DELETE).then(|| json!({}));
        let a = app.send(m, &url, token.as_deref(), body.as_ref()).await;
        let class = match a.status.as_u16() {
            200..=299 => '+',
            401 | 403 | 404 => '-',
            400 | 409 | 410 | 413 | 415 | 422 | 429 => '~',
            s => panic!("{method} {url} as {caller}: {s} {}", a.body),
        };
        classes.push(class);
    }
    let label = if world.fixtures(method, path).len() > 1 {
        format!("{:<6} {path} @{fixture}", method.to_uppercase())
    } else {
        format!("{:<6} {path}", method.to_uppercase())
    };
    (label, classes)
}

/// Every GET route of the pages (`services/web/src/pages`), with its parameters named as in
/// [`World::fill_page`].
const PAGES: &[&str] = &[
    "/",
    "/signin",
    "/roster",
    "/roster/{firm}",
    "/blacklist",
    "/apply",
    "/o",
    "/compounds/{compound}",
    "/compounds/{compound}/documents",
    "/compounds/{compound}/fund",
    "/compounds/{compound}/fund/ledger",
    "/tender/{tender}",
    "/votes/{ballot_vote}",
    "/association",
    "/association/firms/{firm}",
    "/committee",
    "/committee/documents",
    "/committee/votes",
    "/committee/votes/new",
    "/committee/votes/{ballot_vote}",
    "/committee/surveys",
    "/committee/surveys/{unit_survey}",
    "/committee/typed-votes/new",
    "/committee/typed-votes/{vote}",
    "/committee/satisfaction",
    "/committee/tenders/new",
    "/committee/tenders/{tender}",
    "/committee/tenders/{tender}/edit",
    "/committee/register",
    "/committee/register/units/new",
    "/committee/register/units/{unit}",
    "/committee/register/history",
    "/committee/register/import",
    "/committee/register/export",
    "/committee/money",
    "/firm/compounds/{compound}/money",
    "/fees",
    "/firm",
    "/firm/profile",
    "/firm/tenders/{tender}",
    "/official/ledger",
    "/official/ledger/export",
    "/official/ledger/new",
    "/official/ledger/{compound}",
    "/official/import",
    "/official/coverage",
    "/official/bundles",
    "/official/votes",
    "/official/complaints",
    "/official/blacklisted",
    "/official/votes/{ballot_vote}",
    "/official/votes/{ballot_vote}/notices",
    "/official/surveys/{unit_survey}/notices",
    "/official/register",
    "/official/register/{compound}",
    "/official/register/{compound}/units/new",
    "/official/register/{compound}/units/{unit}",
    "/official/register/{compound}/history",
    "/official/register/{compound}/import",
    "/official/register/{compound}/export",
    "/official/plan",
    "/official/plan/export",
    "/official/reports",
    "/official/reports/export",
    "/accounts",
    "/accounts/{account}",
    "/account/password",
    "/firm/comments",
    "/official",
    "/official/import/jobs/{job}",
    "/committee/register/import/{job}",
    "/official/register/{compound}/import/{job}",
    "/committee/contracts/{contract}/disclosures",
    "/committee/disclosures/{disclosure}/correction",
    "/firm/contracts/{contract}/disclosures",
    "/firm/disclosures/{disclosure}/correction",
    "/bulletin",
    "/inbox",
    "/inbox/webhooks/{webhook}",
    "/demonstration",
    "/official/demonstrations",
    "/official/subsidies",
    "/official/best",
    "/best",
    "/priority-firms",
];

/// The two places the register's pages are mounted (`register_routes(base)` in
/// `services/web/src/pages/register/mod.rs`).
const REGISTER_BASES: [&str; 2] = ["/committee/register", "/official/register/{}"];

/// Every GET route the pages' router declares (`.route("…", get(…))` in
/// `services/web/src/pages`), parameters written `{}`.
fn declared_page_routes() -> std::collections::BTreeSet<String> {
    fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/web/src/pages");
    let mut texts = Vec::new();
    sources(&dir, &mut texts);
    let mut routes = std::collections::BTreeSet::new();
    for text in &texts {
        for (at, _) in text.match_indices(".route(") {
            let rest = &text[at + ".route(".len()..];
            if rest.trim_start().starts_with("base,") {
                routes.extend(REGISTER_BASES.map(String::from));
                continue;
            }
            let Some(open) = rest.find('"') else { continue };
            let Some(len) = rest[open + 1..].find('"') else {
                continue;
            };
            let path = &rest[open + 1..open + 1 + len];
            let bases: Vec<String> = match path.strip_prefix("{base}") {
                Some(tail) => REGISTER_BASES
                    .iter()
                    .map(|b| format!("{b}{}", tail.replace("{{", "{").replace("}}", "}")))
                    .collect(),
                None => vec![path.to_string()],
            };
            // The route's handlers: up to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let handlers = &rest[..end];
            if handlers.contains("get(") {
                routes.extend(bases.iter().map(|p| normalised(p)));
            }
        }
    }
    routes
}

/// A route with each parameter written `{}`.
fn normalised(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The matrix's page list is the router's: a page added without a row fails here.
#[test]
fn every_page_route_has_a_row() {
    let listed: std::collections::BTreeSet<String> = PAGES.iter().map(|p| normalised(p)).collect();
    let declared = declared_page_routes();
    assert!(
        declared.len() > 50,
        "too few page routes found: {declared:?}"
    );
    let missing: Vec<_> = declared.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&declared).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "page routes without a row: {missing:?}; rows without a route: {stale:?}"
    );
}

/// One page opened by every caller, as a browser holding the caller's session would.
async fn page_row(app: &TestApp, world: &World, page: &str) -> (String, String) {
    let f = world.fixture("contracted");
    let path = world.fill_page(page, f);
    let mut classes = String::new();
    for caller in CALLERS {
        let token = world.token(app, caller, f);
        let (status, location, body) = wuye_e2e::pages::get(app, &path, token.as_deref()).await;
        let class = match status.as_u16() {
            200..=299 => '+',
            303 if location.starts_with("/signin") => '>',
            300..=399 => '^',
            401 | 403 | 404 => '-',
            s => panic!("page {path} as {caller}: {s} {body}"),
        };
        classes.push(class);
    }
    (format!("PAGE   {page}"), classes)
}

/// The required query parameters (and `street` and `period`): the fixture's street, district, compound or firm, the
/// current quarter for a period, else the first allowed or example value.
fn query(op: &Value, f: &Fixture) -> String {
    let mut q = String::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        // Some filters are required by the handler though optional in the document.
        let needed =
            p["required"] == true || matches!(p["name"].as_str(), Some("street" | "period"));
        if p["in"] != "query" || !needed {
            continue;
        }
        let schema = &p["schema"];
        let today = shared::clock::china_today();
        let quarter = format!(
            "{}-Q{}",
            today.year(),
            (u8::from(today.month()) - 1) / 3 + 1
        );
        let value = match p["name"].as_str().unwrap_or_default() {
            "street" => Some(f.own.street.clone()),
            "district" => Some(f.own.district.clone()),
            "compound" | "compound_id" => Some(f.own.compound.clone()),
            "firm" | "firm_id" => Some(f.own.firm.clone()),
            "period" => Some(quarter),
            _ => None,
        };
        let value = value
            .or_else(|| schema["enum"][0].as_str().map(str::to_string))
            .or_else(|| p["example"].as_str().map(str::to_string))
            .or_else(|| schema["example"].as_str().map(str::to_string))
            .unwrap_or_else(|| "1".into());
        let sep = if q.is_empty() { '?' } else { '&' };
        let _ = write!(q, "{sep}{}={value}", p["name"].as_str().unwrap_or_default());
    }
    q
}

fn render(rows: &[(String, String)]) -> String {
    let mut out = String::from(
        "# The access matrix: e2e/tests/e2e/access_matrix.rs writes and checks it.\n\
         # + answered 2xx  ~ past the gate, refused on input or state  - refused (401/403/404)\n\
         # pages (PAGE): + shown  > sent to sign in  ^ sent elsewhere  - refused (the error page)\n\
         # columns: anonymous service association city district district' street street' \
         committee committee' firm firm'  (' = another scope than the resource's)\n",
    );
    for (label, classes) in rows {
        let _ = writeln!(out, "{label:<64} {classes}");
    }
    out
}

/// The rules every row keeps, whatever the reviewed file says.
fn check_rules(label: &str, classes: &str) {
    let c: Vec<char> = classes.chars().collect();
    let rank = |x: char| match x {
        '+' => 2,
        '~' => 1,
        _ => 0,
    };
    // Another scope never gets further than the same role in its own.
    for (own, other) in [(4, 5), (6, 7), (8, 9), (10, 11)] {
        assert!(
            rank(c[other]) <= rank(c[own]),
            "{label}: {} gets further than {} ({classes})",
            CALLERS[other],
            CALLERS[own]
        );
    }
    // Anonymous callers write only where the public may.
    let method = label.split_whitespace().next().unwrap_or_default();
    let path = label.split_whitespace().nth(1).unwrap_or_default();
    if !matches!(method, "GET" | "PAGE") && c[0] == '+' {
        assert!(
            PUBLIC_WRITES.contains(&(method, path)),
            "{label}: an anonymous caller wrote ({classes})"
        );
    }
    // A city official writes nothing but its own session and password, and reads at
    // least what the district official of the resource's district reads (accounts
    // aside: a district official lists the accounts it manages, a city official manages
    // none).
    if !matches!(method, "GET" | "PAGE") && c[3] == '+' {
        assert!(
            CITY_WRITES.contains(&(method, path)),
            "{label}: a city official wrote ({classes})"
        );
    }
    if method == "GET" && !path.starts_with("/catalog/accounts") {
        assert!(
            rank(c[3]) >= rank(c[4]),
            "{label}: a city official reads less than the district ({classes})"
        );
    }
}

impl World {
    /// The demo data, plus what the demo lacks: a typed vote, a register, a question, a
    /// complaint, documents (a sealed bid's among them), an inspection request, a ballot
    /// vote, a survey per unit and a committee account.
    async fn load(app: &TestApp) -> Self {
        let bases = wuye::demo::Bases {
            catalog: app.catalog_url.clone(),
            tender: app.tender_url.clone(),
        };
        wuye::demo::load(&app.catalog_url, &app.keys).await.unwrap();
        wuye::demo::load_closed_tenders(&bases, &app.keys)
            .await
            .unwrap();
        wuye::demo::load_live_tenders(&bases, &app.keys, std::time::Duration::from_secs(1))
            .await
            .unwrap();
        let assoc = app.token(Role::Association, Scope::City);
        let tenders = get(
            app,
            &format!("{}/tenders?limit=100", app.tender_url),
            &assoc,
        )
        .await;
        let by_status = |status: &str| -> Value {
            tenders["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["status"] == status)
                .unwrap_or_else(|| panic!("no {status} tender in the demo"))
                .clone()
        };
        let mut ids = BTreeMap::new();

        // The contracted tender: its contract, disclosure and OCDS release.
        let contracted = by_status("contracted");
        let tid = contracted["id"].as_str().unwrap().to_string();
        let contracts = get(
            app,
            &format!("{}/tenders/contracts", app.tender_url),
            &assoc,
        )
        .await;
        let contract = contracts["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["tender_id"] == tid.as_str())
            .expect("the contracted tender's contract")
            .clone();
        let firm = contract["firm_id"].as_str().unwrap().to_string();
        let awards = get(
            app,
            &format!("{}/tenders/{tid}/awards", app.tender_url),
            &assoc,
        )
        .await;
        let contracted = Fixture {
            own: scopes_of(app, &assoc, &contracted, &firm).await,
            tender: tid.clone(),
            bid: awards[0]["bid_id"].as_str().unwrap().to_string(),
            document: String::new(),
        };
        let kid = contract["id"].as_str().unwrap().to_string();
        let disclosures = get(
            app,
            &format!("{}/tenders/contracts/{kid}/disclosures", app.tender_url),
            &assoc,
        )
        .await;
        ids.insert("contract", kid);
        ids.insert("disclosure", first_id(&disclosures, "id"));
        let releases = get(
            app,
            &format!("{}/tenders/ocds/releases?limit=100", app.tender_url),
            &assoc,
        )
        .await;
        let ocid = releases["releases"]
            .as_array()
            .or(releases["items"].as_array())
            .into_iter()
            .flatten()
            .find(|r| r["tender"]["id"] == tid.as_str())
            .and_then(|r| r["ocid"].as_str())
            .expect("the contracted tender's OCDS release")
            .to_string();
        ids.insert("ocid", ocid);

        // The awarded tender, in its notice: a losing bidder complains.
        let awarded_t = by_status("awarded");
        let aid = awarded_t["id"].as_str().unwrap().to_string();
        let awards = get(
            app,
            &format!("{}/tenders/{aid}/awards", app.tender_url),
            &assoc,
        )
        .await;
        let award = awards[0].clone();
        let loser = award["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["firm_id"] != award["firm_id"])
            .unwrap_or_else(|| panic!("a losing bidder in {award}"))["firm_id"]
            .as_str()
            .unwrap()
            .to_string();
        let awarded = Fixture {
            own: scopes_of(app, &assoc, &awarded_t, &loser).await,
            tender: aid.clone(),
            bid: award["bid_id"].as_str().unwrap().to_string(),
            document: String::new(),
        };
        let complaint = post(
            app,
            &format!("{}/tenders/{aid}/complaints", app.tender_url),
            &app.token(Role::Firm, Scope::Firm(loser.clone())),
            json!({"grounds": "中标企业的人员配置方案明显不足以达到三级标准。"}),
        )
        .await;
        ids.insert("complaint", complaint["id"].as_str().unwrap().to_string());

        // The open tender: the contracted firm asks a question (any firm of the roster may).
        let open_t = by_status("open");
        let oid = open_t["id"].as_str().unwrap().to_string();
        // Its bidder (found as only a bidder can: its own bid) attaches a bid document.
        let roster = get(
            app,
            &format!("{}/catalog/firms?limit=100", app.catalog_url),
            &assoc,
        )
        .await;
        let mut bidder = None;
        for f in roster["items"].as_array().unwrap() {
            let id = f["id"].as_str().unwrap().to_string();
            let token = app.token(Role::Firm, Scope::Firm(id.clone()));
            let mine = app
                .get(
                    &format!("{}/tenders/{oid}/bids/mine", app.tender_url),
                    Some(&token),
                )
                .await;
            if mine.status == 200 {
                bidder = Some((id, token, mine.json()["id"].as_str().unwrap().to_string()));
                break;
            }
        }
        let (bidder, bidder_token, bid) = bidder.expect("a bidder of the open tender");
        let sealed = upload(
            app,
            &format!("{}/tenders/{oid}/bids/{bid}/documents", app.tender_url),
            &bidder_token,
            "bid_document",
        )
        .await;
        let open = Fixture {
            own: scopes_of(app, &assoc, &open_t, &bidder).await,
            tender: oid.clone(),
            bid,
            document: sealed,
        };
        let question = post(
            app,
            &format!("{}/tenders/{oid}/questions", app.tender_url),
            &app.token(Role::Firm, Scope::Firm(firm.clone())),
            json!({"question": "现有门卫室是否可作为物业服务用房？"}),
        )
        .await;
        ids.insert("question", question["id"].as_str().unwrap().to_string());

        // The contracted tender's compound: a typed vote (before the register: typed votes
        // are only for decisions taken before it), then its register.
        let own = &contracted.own;
        let committee = app.token(Role::Committee, Scope::Compound(own.compound.clone()));
        let vote = post(
            app,
            &format!("{}/tenders/votes", app.tender_url),
            &committee,
            json!({
                "compound_id": own.compound, "matter": "other",
                "subject": "增设非机动车充电设施", "total_owners": 300, "total_area_m2": 30_000,
                "participating_owners": 200, "participating_area_m2": 20_000,
                "approving_owners": 101, "approving_area_m2": 10_001,
                "held_on": "2025-01-10", "document_ref": "望江〔2025〕1号",
            }),
        )
        .await;
        ids.insert("vote", vote["id"].as_str().unwrap().to_string());
        let import = app
            .client
            .post(format!(
                "{}/tenders/compounds/{}/register/import?format=csv&mode=strict",
                app.tender_url, own.compound
            ))
            .bearer_auth(&committee)
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(
                "楼栋,单元,房号,专有部分面积(㎡),业主姓名,联系电话,状态\n\
                 1栋,1单元,101,88.50,王建国,13900000001,\n\
                 1栋,1单元,102,76.25,李秀英,13900000002,\n",
            )
            .send()
            .await
            .unwrap();
        assert!(
            import.status().is_success(),
            "{}",
            import.text().await.unwrap()
        );
        let register = get(
            app,
            &format!(
                "{}/tenders/compounds/{}/register",
                app.tender_url, own.compound
            ),
            &committee,
        )
        .await;
        ids.insert(
            "unit",
            register["units"]["items"][0]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("no unit in {register}"))
                .to_string(),
        );

        // The compound's 管理规约 (public; another copy to remove) and an inspection request.
        let documents = format!(
            "{}/tenders/compounds/{}/documents",
            app.tender_url, own.compound
        );
        let covenant = upload(app, &documents, &committee, "management_covenant").await;
        ids.insert(
            "document_removable",
            upload(app, &documents, &committee, "assembly_rules").await,
        );
        let inspection = post(
            app,
            &format!(
                "{}/tenders/compounds/{}/inspections",
                app.tender_url, own.compound
            ),
            &committee,
            json!({"what": "accounts", "text": "业主申请查阅本年度收支"}),
        )
        .await;
        ids.insert("inspection", inspection["id"].as_str().unwrap().to_string());

        // A ballot vote open for an hour, and a survey per unit of the quarter before with
        // one answer by code carrying a comment.
        let now = shared::db::now_ms();
        let rfc3339 = tender::clock::to_rfc3339;
        let vote = post(
            app,
            &format!(
                "{}/tenders/compounds/{}/ballot-votes",
                app.tender_url, own.compound
            ),
            &committee,
            json!({"matter": "other", "question": "是否同意增设非机动车充电设施",
                   "opens_at": rfc3339(now), "closes_at": rfc3339(now + 3_600_000)}),
        )
        .await;
        ids.insert("ballot_vote", vote["id"].as_str().unwrap().to_string());
        let today = shared::clock::china_today();
        let q = (u8::from(today.month()) - 1) / 3 + 1;
        let before = if q == 1 {
            format!("{}-Q4", today.year() - 1)
        } else {
            format!("{}-Q{}", today.year(), q - 1)
        };
        let survey = post(
            app,
            &format!(
                "{}/tenders/compounds/{}/unit-surveys",
                app.tender_url, own.compound
            ),
            &committee,
            json!({"period": before, "opens_at": rfc3339(now),
                   "closes_at": rfc3339(now + 3_600_000)}),
        )
        .await;
        let sid = survey["id"].as_str().unwrap().to_string();
        let street = app.token(Role::StreetOfficial, Scope::Street(own.street.clone()));
        let notices = post(
            app,
            &format!("{}/tenders/unit-surveys/{sid}/notices", app.tender_url),
            &street,
            json!({}),
        )
        .await;
        let code = notices["notices"][0]["code"].as_str().unwrap().to_string();
        post(
            app,
            &format!("{}/tenders/owner-code/survey", app.tender_url),
            &street,
            json!({"code": code, "rating": "basically_satisfied", "comment": "电梯维修太慢"}),
        )
        .await;
        let shown = get(
            app,
            &format!("{}/tenders/unit-surveys/{sid}", app.tender_url),
            &assoc,
        )
        .await;
        ids.insert("comment", first_id(&shown["comments"], "comments"));
        ids.insert("unit_survey", sid);

        // A committee account of the compound, for the account operations.
        let account = post(
            app,
            &format!("{}/catalog/accounts", app.catalog_url),
            &assoc,
            json!({"username": "matrix.committee", "display_name": "矩阵测试业委会",
                   "password": "Matrix-Password-2026", "role": "committee",
                   "scope_id": own.compound}),
        )
        .await;
        ids.insert("account", account["id"].as_str().unwrap().to_string());

        // The contracted firm's newest notification (derived by matching from the feeds),
        // two webhooks of it (one for the stop), and a feed token of an account no caller
        // of the matrix is (the Atom feed opens with the token alone).
        let firm_token = app.token(Role::Firm, Scope::Firm(own.firm.clone()));
        let inbox = format!("{}/match/inbox", app.matching_url);
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let notification = loop {
            let page = get(app, &inbox, &firm_token).await;
            if let Some(id) = page["items"][0]["id"].as_str() {
                break id.to_string();
            }
            assert!(
                std::time::Instant::now() < until,
                "no notification for the firm"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        ids.insert("notification", notification);
        for key in ["webhook", "webhook_removable"] {
            let hook = post(
                app,
                &format!("{inbox}/webhooks"),
                &firm_token,
                json!({"url": "http://127.0.0.1:9/matrix"}),
            )
            .await;
            ids.insert(key, hook["id"].as_str().unwrap().to_string());
        }
        let feed_account = app
            .keys
            .issue(&shared::auth::Identity {
                account_id: "matrix.feed".into(),
                name: "矩阵测试订阅".into(),
                role: Role::Firm,
                scope: Scope::Firm(own.firm.clone()),
                token_id: String::new(),
            })
            .unwrap();
        let feed = post(
            app,
            &format!("{inbox}/atom-token"),
            &feed_account,
            json!({}),
        )
        .await;
        ids.insert("feed_token", feed["token"].as_str().unwrap().to_string());

        // The compound's street's work plan for this year, with the compound in it.
        let year = shared::clock::china_today().year();
        let y = |m: &str| format!("{year}-{m}");
        let plan = app
            .send(
                Method::PUT,
                &format!("{}/catalog/plans/{}/{year}", app.catalog_url, own.street),
                Some(&street),
                Some(&json!({"target_compounds": 1, "target_rate_percent": 100,
                    "dues": {"survey": y("03-31"), "mobilisation": y("06-30"),
                        "self_governance": y("08-31"), "owners_vote": y("09-30"),
                        "tender": y("10-31"), "contract": y("12-31")},
                    "compounds": [own.compound]})),
            )
            .await;
        assert_eq!(plan.status, 200, "{}", plan.body);

        // A demonstration (标杆示范) the compound's street proposed, and a 以奖代补 subsidy
        // its district recorded.
        let demonstration = post(
            app,
            &format!("{}/catalog/demonstrations", app.catalog_url),
            &street,
            json!({"compound_id": own.compound, "model": "trust", "merits": "矩阵测试",
                   "points": ["账目公开"]}),
        )
        .await;
        ids.insert(
            "demonstration",
            demonstration["id"].as_str().unwrap().to_string(),
        );
        let district = app.token(
            Role::DistrictOfficial,
            Scope::District(own.district.clone()),
        );
        let subsidy = post(
            app,
            &format!("{}/catalog/subsidies", app.catalog_url),
            &district,
            json!({"compound_id": own.compound, "amount_fen": 100_000, "reason": "矩阵测试",
                   "period_from": y("01-01"), "period_to": y("12-31"),
                   "document_number": "矩阵〔2026〕1号"}),
        )
        .await;
        ids.insert("subsidy", subsidy["id"].as_str().unwrap().to_string());

        // Another scope: a compound of another district, and a firm with no part in these.
        let compounds = get(
            app,
            &format!("{}/catalog/compounds?limit=200", app.catalog_url),
            &assoc,
        )
        .await;
        let other_compound = compounds["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| text(c, &["district", "district_code"]) != own.district)
            .expect("a compound of another district")
            .clone();
        let firms = get(
            app,
            &format!("{}/catalog/firms?limit=100", app.catalog_url),
            &assoc,
        )
        .await;
        let involved = [
            &firm,
            &loser,
            &award["firm_id"].as_str().unwrap().to_string(),
        ];
        let other_firm = firms["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .find(|f| !involved.contains(&f))
            .expect("a firm with no part in the fixtures");
        let other = Scopes {
            compound: other_compound["id"].as_str().unwrap().to_string(),
            street: text(&other_compound, &["street", "street_code"]),
            district: text(&other_compound, &["district", "district_code"]),
            firm: other_firm,
        };
        let (mut contracted, mut awarded) = (contracted, awarded);
        contracted.document = covenant.clone();
        awarded.document = covenant;
        Self {
            contracted,
            open,
            awarded,
            other,
            ids,
        }
    }

    /// The fixtures an operation is called on: tender reads on the contracted and the open
    /// tender (documents too); complaints on the awarded one; questions, bid documents and
    /// the firms matching a tender on the open one.
    fn fixtures(&self, method: &str, path: &str) -> Vec<&'static str> {
        if path.starts_with("/tenders/{id}/complaints") {
            vec!["awarded"]
        } else if path.starts_with("/tenders/{id}/questions")
            || path.starts_with("/tenders/{id}/bids/{bid}")
            || path == "/match/tenders/{id}/firms"
        {
            vec!["open"]
        } else if method == "get"
            && (path.starts_with("/tenders/{id}") || path.starts_with("/tenders/documents/"))
        {
            vec!["contracted", "open"]
        } else {
            vec!["contracted"]
        }
    }

    /// A page's path with its parameters replaced by the fixture's resources.
    fn fill_page(&self, page: &str, f: &Fixture) -> String {
        let out = page
            .replace("{firm}", &f.own.firm)
            .replace("{compound}", &f.own.compound)
            .replace("{tender}", &f.tender)
            .replace("{ballot_vote}", &self.ids["ballot_vote"])
            .replace("{unit_survey}", &self.ids["unit_survey"])
            .replace("{vote}", &self.ids["vote"])
            .replace("{unit}", &self.ids["unit"])
            .replace("{account}", &self.ids["account"])
            .replace("{contract}", &self.ids["contract"])
            .replace("{disclosure}", &self.ids["disclosure"])
            .replace("{webhook}", &self.ids["webhook"])
            // Import jobs belong to the account that started one: nobody else's opens.
            .replace("{job}", "00000000-0000-7000-8000-000000000000");
        assert!(!out.contains('{'), "no fixture for a parameter of {page}");
        out
    }

    fn fixture(&self, name: &str) -> &Fixture {
        match name {
            "open" => &self.open,
            "awarded" => &self.awarded,
            _ => &self.contracted,
        }
    }

    /// The path with every parameter replaced by the fixture's resource.
    fn fill(&self, method: &str, path: &str, f: &Fixture) -> String {
        let id = |k: &str| self.ids[k].clone();
        let mut out = path.to_string();
        let mut set = |param: &str, value: String| {
            out = out.replace(param, &value);
        };
        if path.starts_with("/catalog/firms/") || path.starts_with("/match/firms/") {
            set("{id}", f.own.firm.clone());
        } else if path.starts_with("/catalog/compounds/") {
            set("{id}", f.own.compound.clone());
        } else if path.starts_with("/catalog/accounts/") {
            set("{id}", id("account"));
        } else if path.starts_with("/catalog/plans/") {
            set("{street}", f.own.street.clone());
            set("{year}", shared::clock::china_today().year().to_string());
        } else if path.starts_with("/tenders/best/") {
            set("{year}", shared::clock::china_today().year().to_string());
        } else if path.starts_with("/catalog/demonstrations/") {
            set("{id}", id("demonstration"));
        } else if path.starts_with("/catalog/subsidies/") {
            set("{id}", id("subsidy"));
        } else if path.starts_with("/catalog/districts/") {
            set("{code}", f.own.district.clone());
        } else if path.starts_with("/tenders/compounds/") {
            set("{cid}", f.own.compound.clone());
            set("{uid}", id("unit"));
            set("{year}", shared::clock::china_today().year().to_string());
            // A transaction that does not exist (its reversal stops at the gate or 404), and
            // this month's statement.
            set("{tid}", "no-such-transaction".into());
            let today = shared::clock::china_today();
            set(
                "{month}",
                format!("{}-{:02}", today.year(), u8::from(today.month())),
            );
        } else if path.starts_with("/tenders/contracts/") {
            set("{cid}", id("contract"));
        } else if path.starts_with("/tenders/disclosures/") {
            set("{did}", id("disclosure"));
        } else if path.starts_with("/tenders/ocds/releases/") {
            set("{ocid}", id("ocid"));
        } else if path.starts_with("/tenders/documents/") {
            if method == "delete" {
                set("{id}", id("document_removable"));
            } else {
                set("{id}", f.document.clone());
            }
        } else if path.starts_with("/tenders/inspections/") {
            set("{id}", id("inspection"));
        } else if path.starts_with("/tenders/ballot-votes/") {
            set("{vid}", id("ballot_vote"));
        } else if path.starts_with("/tenders/unit-surveys/") {
            set("{sid}", id("unit_survey"));
            set("{comment_id}", id("comment"));
        } else if path.starts_with("/tenders/votes/") {
            set("{id}", id("vote"));
        } else if path.starts_with("/match/inbox/webhooks/") {
            if method == "delete" {
                set("{id}", id("webhook_removable"));
            } else {
                set("{id}", id("webhook"));
            }
        } else if path.starts_with("/match/inbox/") {
            set("{id}", id("notification"));
            set("{token}", id("feed_token"));
        } else {
            set("{id}", f.tender.clone());
            set("{cid}", id("complaint"));
            set("{qid}", id("question"));
            set("{bid}", f.bid.clone());
        }
        assert!(!out.contains('{'), "no fixture for a parameter of {path}");
        out
    }

    /// A fresh token of the caller, for the fixture's scopes or the other ones.
    fn token(&self, app: &TestApp, caller: &str, f: &Fixture) -> Option<String> {
        let (role, scopes) = match caller.trim_end_matches('\'') {
            "anonymous" => return None,
            "service" => return Some(app.service_token()),
            "association" => return Some(app.token(Role::Association, Scope::City)),
            "city" => return Some(app.token(Role::CityOfficial, Scope::City)),
            "district" => (Role::DistrictOfficial, 0),
            "street" => (Role::StreetOfficial, 1),
            "committee" => (Role::Committee, 2),
            _ => (Role::Firm, 3),
        };
        let s = if caller.ends_with('\'') {
            &self.other
        } else {
            &f.own
        };
        let scope = match scopes {
            0 => Scope::District(s.district.clone()),
            1 => Scope::Street(s.street.clone()),
            2 => Scope::Compound(s.compound.clone()),
            _ => Scope::Firm(s.firm.clone()),
        };
        Some(app.token(role, scope))
    }
}

/// A tender's compound with its street and district, and the given firm.
async fn scopes_of(app: &TestApp, assoc: &str, t: &Value, firm: &str) -> Scopes {
    let cid = t["compound_id"].as_str().unwrap().to_string();
    let c = get(
        app,
        &format!("{}/catalog/compounds/{cid}", app.catalog_url),
        assoc,
    )
    .await;
    Scopes {
        street: text(&c, &["street", "street_code"]),
        district: text(&c, &["district", "district_code"]),
        compound: cid,
        firm: firm.to_string(),
    }
}

/// Uploads a one-page PDF of `kind` to `url` as `token`; answers the document's id.
async fn upload(app: &TestApp, url: &str, token: &str, kind: &str) -> String {
    let (content_type, body) = wuye_e2e::fixtures::multipart(
        &[("kind", kind), ("title", "矩阵测试文件")],
        Some(("file.pdf", "application/pdf", wuye_e2e::fixtures::PDF)),
    );
    let res = app
        .client
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {text}");
    serde_json::from_str::<Value>(&text).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn get(app: &TestApp, url: &str, token: &str) -> Value {
    let a = app.get(url, Some(token)).await;
    assert_eq!(a.status, 200, "{url}: {}", a.body);
    a.json()
}

async fn post(app: &TestApp, url: &str, token: &str, body: Value) -> Value {
    let a = app.send(Method::POST, url, Some(token), Some(&body)).await;
    assert!(a.status.is_success(), "{url}: {} {}", a.status, a.body);
    a.json()
}

/// The first string found under one of `keys` (a compound's district or street code).
fn text(v: &Value, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|k| {
            v[*k]
                .as_str()
                .or(v[*k]["code"].as_str())
                .or(v["facts"][*k].as_str())
        })
        .unwrap_or_else(|| panic!("none of {keys:?} in {v}"))
        .to_string()
}

/// The id of the first item of a list answer (`items`, or the named array).
fn first_id(v: &Value, list: &str) -> String {
    v.as_array()
        .or(v["items"].as_array())
        .or(v[list].as_array())
        .and_then(|a| a.first())
        .and_then(|x| x["id"].as_str())
        .unwrap_or_else(|| panic!("no {list} in {v}"))
        .to_string()
}
