//! Asking to inspect (by the committee, or by an owner with the unit's code), answering,
//! and who reads the requests.
//!
//! | who | asks | answers | reads |
//! | --- | --- | --- | --- |
//! | an owner, with the unit's one-time code | yes | | |
//! | the compound's committee | yes | yes | the compound's |
//! | the serving firm (of the compound's current contract) | | yes | the compound's |
//! | the compound's street and district officials, city officials, the association | | | the compound's, and their area's (`open`/`overdue`/`answered`; the city's for city officials and the association) |

use axum::http::StatusCode;
use shared::auth::{Identity, Role, Scope};
use shared::clock::{china_today, now_ms};
use shared::db::new_id;
use shared::domain::OwnerCode;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Page, Pagination};
use shared::feed::WriteTx;
use sqlx::AnyConnection;
use time::Duration;

use super::codes;
use super::input::Checked;
use super::store::{self, Request, Selection};
use super::terms::{AskedBy, State};
use super::view::{self, InspectionView};
use crate::audit;
use crate::clock::format_date;
use crate::error::Result;
use crate::replica::{self, CompoundCopy};

/// The answer for a code that is not one the platform issued (or is malformed).
pub fn code_unknown() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "code_unknown", "表决码无效")
        .with_detail("没有这个表决码，请核对通知单上的表决码后重试。")
}

fn no_request() -> Problem {
    Problem::not_found("没有这个查阅申请。")
}

async fn compound(conn: &mut AnyConnection, id: &str) -> Result<CompoundCopy> {
    Ok(replica::compound(conn, id)
        .await?
        .ok_or_else(|| Problem::not_found("平台尚未收到该小区的台账信息。"))?)
}

/// The firm of the compound's current contract (active, today within its term).
pub async fn serving_firm(conn: &mut AnyConnection, compound_id: &str) -> Result<Option<String>> {
    let today = format_date(china_today());
    Ok(sqlx::query_scalar(
        "SELECT firm_id FROM contract WHERE compound_id = $1 AND status = 'active' \
         AND start_date <= $2 AND end_date >= $2 ORDER BY start_date DESC, id LIMIT 1",
    )
    .bind(compound_id)
    .bind(today)
    .fetch_optional(&mut *conn)
    .await?)
}

/// 403 unless `identity` reads `c`'s requests (see the module's table).
pub async fn may_read(
    conn: &mut AnyConnection,
    identity: &Identity,
    c: &CompoundCopy,
) -> Result<()> {
    let allowed = match (&identity.role, &identity.scope) {
        (Role::Association, _) | (Role::CityOfficial, Scope::City) => true,
        (Role::Committee, Scope::Compound(id)) => *id == c.id,
        (Role::StreetOfficial, Scope::Street(s)) => c.street_code.as_ref() == Some(s),
        (Role::DistrictOfficial, Scope::District(d)) => *d == c.district_code,
        (Role::Firm, Scope::Firm(f)) => serving_firm(conn, &c.id).await?.as_ref() == Some(f),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "只有本小区自治组织、服务本小区的物业服务企业、小区所在街道和区县的工作人员及协会可以查看查阅申请。",
        )
        .into())
    }
}

/// A disclosure named by a request must be one of the compound's.
async fn disclosure_of(conn: &mut AnyConnection, cid: &str, checked: &Checked) -> Result<()> {
    let Some(did) = &checked.disclosure_id else {
        return Ok(());
    };
    let found = crate::disclosure::store::load(conn, did).await?;
    if found.is_some_and(|d| d.compound_id == cid) {
        return Ok(());
    }
    let mut v = Validation::new();
    v.push(FieldError::new(
        "disclosure_id",
        "unknown_disclosure",
        "本小区没有这份公开的收支或预算",
    ));
    v.finish()?;
    Ok(())
}

/// Publishes where the request stands (topic `inspection`: the officials' attention lists
/// in matching follow it).
async fn publish(tx: &mut WriteTx, kind: &str, r: &Request) -> Result<()> {
    if let Some(p) = view::published(r) {
        tx.emit(shared::events::tender::INSPECTION, &r.id, kind, &p)
            .await?;
    }
    Ok(())
}

/// Who asks: the committee (its account) or an owner (the unit of the code).
#[derive(Debug, Clone)]
pub enum Asker {
    Committee(Identity),
    Owner { code: String },
}

/// Whether the caller may ask on a compound's behalf: only its own committee (owners ask
/// with their code). Checked before the body is read, and again in [`ask`].
pub fn may_ask_for(identity: &Identity, cid: &str) -> Result<()> {
    if identity.is_committee_of(cid) {
        return Ok(());
    }
    Err(
        Problem::forbidden("只有本小区自治组织可以代业主提出查阅申请；业主可凭表决码自行申请。")
            .into(),
    )
}

/// Records a request, inside the transaction; due `days` after today (Beijing).
pub async fn ask(
    tx: &mut WriteTx,
    cid_or_code: (&str, Asker),
    checked: Checked,
    days: u32,
) -> Result<InspectionView> {
    let (cid, asker) = cid_or_code;
    let (compound_id, asked_by, unit_id, account) = match &asker {
        Asker::Committee(identity) => {
            may_ask_for(identity, cid)?;
            (
                cid.to_string(),
                AskedBy::Committee,
                None,
                Some(identity.account_id.clone()),
            )
        }
        Asker::Owner { code } => {
            let code = OwnerCode::parse(code).map_err(|_| code_unknown())?;
            let holder = codes::resolve(tx.conn(), &code)
                .await?
                .ok_or_else(code_unknown)?;
            (
                holder.compound_id,
                AskedBy::OwnerCode,
                Some(holder.unit_id),
                None,
            )
        }
    };
    let c = compound(tx.conn(), &compound_id).await?;
    disclosure_of(tx.conn(), &c.id, &checked).await?;
    let today = china_today();
    let due = today
        .checked_add(Duration::days(i64::from(days)))
        .unwrap_or(today);
    let request = Request {
        id: new_id(),
        compound_id: c.id.clone(),
        compound_name: c.name.clone(),
        district_code: c.district_code.clone(),
        street_code: c.street_code.clone(),
        what: checked.what,
        disclosure_id: checked.disclosure_id,
        asked_by,
        unit_id,
        asked_by_account: account,
        text: checked.text,
        asked_at: now_ms(),
        due_on: format_date(due),
        answered_at: None,
        answered_by: None,
        answered_by_role: None,
        answer: None,
        answer_documents: Vec::new(),
    };
    store::insert(tx.conn(), &request).await?;
    publish(tx, "asked", &request).await?;
    let actor = match &asker {
        Asker::Committee(identity) => audit::Actor::from(identity),
        Asker::Owner { .. } => audit::Actor {
            id: format!("owner_code:{}", request.unit_id.as_deref().unwrap_or("")),
            role: "owner".into(),
        },
    };
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &actor,
            entity: "inspection",
            entity_id: &request.id,
            tender_id: None,
            action: "asked",
            sealed: false,
            detail: &serde_json::json!({"what": request.what, "due_on": request.due_on}),
        },
    )
    .await?;
    Ok(InspectionView::of(&request, &format_date(today)))
}

/// Who may answer request `id`: the compound's committee or its serving firm (which of the
/// two the caller is, for the record); 404 for an unknown request, 403 for anyone else.
pub async fn answerer(
    conn: &mut AnyConnection,
    identity: &Identity,
    id: &str,
) -> Result<(Request, &'static str)> {
    let request = store::load(conn, id).await?.ok_or_else(no_request)?;
    let role = if identity.is_committee_of(&request.compound_id) {
        "committee"
    } else if identity.own_firm().is_some()
        && serving_firm(conn, &request.compound_id).await?.as_deref() == identity.own_firm()
    {
        "firm"
    } else {
        return Err(Problem::forbidden(
            "只有本小区自治组织或服务本小区的物业服务企业可以答复查阅申请。",
        )
        .into());
    };
    Ok((request, role))
}

/// Answers a request, inside the transaction: by the compound's committee or its serving
/// firm, once (409 `already_answered`), with documents of the compound.
pub async fn answer(
    tx: &mut WriteTx,
    identity: &Identity,
    id: &str,
    (text, document_ids): (String, Vec<String>),
) -> Result<InspectionView> {
    let (request, role) = answerer(tx.conn(), identity, id).await?;
    let found =
        crate::documents::of_compound_among(tx.conn(), &request.compound_id, &document_ids).await?;
    let mut v = Validation::new();
    for (i, d) in document_ids.iter().enumerate() {
        if !found.iter().any(|f| f.id == *d) {
            v.push(FieldError::new(
                format!("document_ids[{i}]"),
                "unknown_document",
                "本小区没有这个文件（或已撤下）",
            ));
        }
    }
    v.finish()?;
    let now = now_ms();
    if !store::answer(
        tx.conn(),
        id,
        (identity.account_id.as_str(), role),
        &text,
        &document_ids,
        now,
    )
    .await?
    {
        return Err(
            Problem::conflict("already_answered", "该查阅申请已经答复，不能再次答复。").into(),
        );
    }
    audit::record_step(
        tx.conn(),
        identity,
        ("inspection", id),
        None,
        ("answered", false),
        &serde_json::json!({"documents": document_ids}),
    )
    .await?;
    let answered = store::load(tx.conn(), id).await?.ok_or_else(no_request)?;
    publish(tx, "answered", &answered).await?;
    Ok(InspectionView::of(&answered, &format_date(china_today())))
}

/// A compound's requests (oldest due date first), for those who read them.
pub async fn of_compound(
    conn: &mut AnyConnection,
    identity: &Identity,
    cid: &str,
    page: Pagination,
) -> Result<Page<InspectionView>> {
    let c = compound(conn, cid).await?;
    may_read(conn, identity, &c).await?;
    let selection = Selection {
        compound: Some(&c.id),
        ..Selection::default()
    };
    let today = format_date(china_today());
    let found = store::list(conn, &selection, page).await?;
    Ok(page.of(
        found
            .items
            .iter()
            .map(|r| InspectionView::of(r, &today))
            .collect(),
        found.total,
    ))
}

/// One request, for those who read its compound's.
pub async fn one(
    conn: &mut AnyConnection,
    identity: &Identity,
    id: &str,
) -> Result<InspectionView> {
    let request = store::load(conn, id).await?.ok_or_else(no_request)?;
    let c = compound(conn, &request.compound_id).await?;
    may_read(conn, identity, &c).await?;
    Ok(InspectionView::of(&request, &format_date(china_today())))
}

/// The requests of an official's area in a state (the association: the city's; a
/// district official: the district's; a street official: the street's); 403 for others.
pub async fn of_area(
    conn: &mut AnyConnection,
    identity: &Identity,
    state: State,
    page: Pagination,
) -> Result<Page<InspectionView>> {
    let (district, street) = match (&identity.role, &identity.scope) {
        (Role::Association, _) | (Role::CityOfficial, Scope::City) => (None, None),
        (Role::DistrictOfficial, Scope::District(d)) => (Some(d.as_str()), None),
        (Role::StreetOfficial, Scope::Street(s)) => (None, Some(s.as_str())),
        _ => {
            return Err(Problem::forbidden(
                "只有协会和区县、街道工作人员可以查看辖区内的查阅申请。",
            )
            .into());
        }
    };
    let today = format_date(china_today());
    let selection = Selection {
        district,
        street,
        unanswered: state != State::Answered,
        answered: state == State::Answered,
        overdue_on: (state == State::Overdue).then_some(today.as_str()),
        open_on: (state == State::Open).then_some(today.as_str()),
        ..Selection::default()
    };
    let found = store::list(conn, &selection, page).await?;
    Ok(page.of(
        found
            .items
            .iter()
            .map(|r| InspectionView::of(r, &today))
            .collect(),
        found.total,
    ))
}

/// The requests asked with the code of a unit (the newest 50 first by due date), for the
/// owner holding that unit's code: where each stands and its answer.
pub async fn of_code(conn: &mut AnyConnection, code: &str) -> Result<Vec<InspectionView>> {
    let code = OwnerCode::parse(code).map_err(|_| code_unknown())?;
    let holder = codes::resolve(conn, &code)
        .await?
        .ok_or_else(code_unknown)?;
    of_unit(conn, &holder.compound_id, &holder.unit_id).await
}

/// The requests asked with the code of unit `unit` of compound `compound` (the newest 50
/// by due date), for its owner: what the owner's page shows beside the unit's vote or
/// survey.
pub async fn of_unit(
    conn: &mut AnyConnection,
    compound: &str,
    unit: &str,
) -> Result<Vec<InspectionView>> {
    let selection = Selection {
        compound: Some(compound),
        unit: Some(unit),
        ..Selection::default()
    };
    let page = Pagination {
        limit: 50,
        offset: 0,
    };
    let today = format_date(china_today());
    let found = store::list(conn, &selection, page).await?;
    Ok(found
        .items
        .iter()
        .map(|r| InspectionView::of(r, &today))
        .collect())
}
