//! The association's review queue (`/association`): counts per standing, applications
//! awaiting review, firms whose material profile change awaits review, and firms under
//! watch (suspended, review overdue, review date near).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use shared::domain::roster::{china_today, format_date};

use crate::api::ApiError;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::format::standing_label;
use crate::forms::Flash;
use crate::pages::model::Page;
use crate::pages::model::catalog::FirmRecord;
use crate::roles::AssociationUser;
use crate::state::WebState;

/// One line of the counts per standing.
pub struct Count {
    pub standing: &'static str,
    pub label: &'static str,
    pub total: i64,
}

/// A firm under supervision, and why.
pub struct Supervised {
    pub firm: FirmRecord,
    pub why: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "association_queue.html")]
pub struct QueuePage {
    chrome: Chrome,
    done: Option<String>,
    counts: Vec<Count>,
    applicants: Vec<FirmRecord>,
    /// Firms on the roster whose material profile change awaits review (资料变更待复核).
    changed: Vec<FirmRecord>,
    supervised: Vec<Supervised>,
}

const STANDINGS: [&str; 5] = [
    "applicant",
    "recommended",
    "review_overdue",
    "suspended",
    "blacklisted",
];

async fn firms(
    app: &WebState,
    token: &str,
    standing: &str,
    limit: i64,
) -> Result<Page<FirmRecord>, ApiError> {
    app.api
        .catalog_get(
            &format!("/catalog/firms?standing={standing}&limit={limit}"),
            Some(token),
        )
        .await
}

/// Days of notice before a recommendation's review date.
const REVIEW_NOTICE_DAYS: i64 = 30;

pub async fn queue(
    State(app): State<WebState>,
    user: AssociationUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<QueuePage, PageError> {
    let token = &user.token;
    let lists = futures::future::join_all(
        STANDINGS
            .iter()
            .map(|s| firms(&app, token, s, if *s == "blacklisted" { 1 } else { 200 })),
    )
    .await;
    let mut pages = BTreeMap::new();
    for (s, page) in STANDINGS.iter().zip(lists) {
        pages.insert(*s, page?);
    }
    let changed = app
        .api
        .catalog_get::<Page<FirmRecord>>("/catalog/firms?review=pending&limit=200", Some(token))
        .await?
        .items;
    let counts = STANDINGS
        .iter()
        .map(|s| Count {
            standing: s,
            label: standing_label(s),
            total: pages.get(s).map_or(0, |p| p.total),
        })
        .collect();
    let today = china_today();
    let soon = format_date(today + time::Duration::days(REVIEW_NOTICE_DAYS));
    let mut take = |s: &str| pages.remove(s).map(|p| p.items).unwrap_or_default();
    let applicants = take("applicant");
    let mut supervised = Vec::new();
    for firm in take("suspended") {
        let why = match &firm.standing_record.rectify_by {
            Some(d) => format!("重点监管，整改期限 {d}"),
            None => "重点监管".to_string(),
        };
        supervised.push(Supervised { firm, why });
    }
    for firm in take("review_overdue") {
        let why = match &firm.standing_record.review_date {
            Some(d) => format!("复核日期 {d} 已过，待复核"),
            None => "待复核".to_string(),
        };
        supervised.push(Supervised { firm, why });
    }
    for firm in take("recommended") {
        if let Some(d) = firm.standing_record.review_date.clone()
            && d <= soon
        {
            supervised.push(Supervised {
                firm,
                why: format!("复核日期临近：{d}"),
            });
        }
    }
    Ok(QueuePage {
        chrome,
        done: flash.done,
        counts,
        applicants,
        changed,
        supervised,
    })
}
