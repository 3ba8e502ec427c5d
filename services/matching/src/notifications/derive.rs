//! Notifications derived from the feeds: [`NotifySink`], the last of the follower's sinks,
//! runs inside the consumer's transaction (after matching's tables are current), so a
//! change and its notifications commit together with the cursor: exactly once. Each
//! notification names its fact (`dedup_key`), so a replayed change writes nothing twice.
//!
//! Payloads are read leniently, field by field: a topic another service extends
//! (`complaint` with escalation fields, say) never stops the follower; a change without the
//! fields needed is simply not announced.

use std::sync::Arc;

use futures::future::BoxFuture;
use search_index::IndexHandle;
use serde_json::Value;
use shared::domain::roster::RosterStanding;
use shared::events::{catalog, tender};
use shared::feed::Change;
use sqlx::{AnyConnection, Row};

use super::recipient::Recipient;
use super::store::{self, NewNotification};
use crate::follow::{Event, Sink, TenderRecord};
use crate::index::{IndexSink, stored_compound, tender_doc};
use crate::policy::MatchingPolicy;

/// At most this many firms hear of one new tender, and this many compounds are named when
/// a blacklisted firm's contracts are announced.
const MAX_FAN_OUT: usize = 50;

/// The follower's notification sink.
pub struct NotifySink {
    index: IndexHandle,
    /// The index's sink: a new tender is matched after its pending commits are made, so the
    /// firms of earlier batches are in the index (commits are coalesced, see `crate::index`).
    commits: IndexSink,
    policy: Arc<MatchingPolicy>,
}

impl NotifySink {
    pub fn new(commits: IndexSink, policy: Arc<MatchingPolicy>) -> Self {
        Self {
            index: commits.handle().clone(),
            commits,
            policy,
        }
    }
}

impl Sink for NotifySink {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
        event: &'a Event,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let found = match (change.topic.as_str(), event) {
                (tender::TENDER, Event::Tender(t)) => self.tender(conn, change, t).await?,
                (catalog::FIRM, Event::Firm(_)) => firm(conn, change).await?,
                (tender::INSPECTION, Event::Inspection(i)) if change.kind == "asked" => {
                    inspection(conn, i).await?
                }
                (tender::INVITATION, _) => invitation(conn, change).await?,
                (tender::QUESTION, _) => question(conn, change).await?,
                (tender::COMPLAINT, _) => complaint(conn, change).await?,
                _ => Vec::new(),
            };
            for n in &found {
                store::insert(conn, n, change.at).await?;
            }
            Ok(())
        })
    }
}

/// A notification of `fact` for `recipient` (its key names both).
pub fn note(
    fact: &str,
    recipient: Recipient,
    kind: &'static str,
    title: String,
    body: String,
    link: String,
) -> NewNotification {
    NewNotification {
        dedup_key: format!("{fact}|{}", recipient.key()),
        recipient,
        kind,
        title,
        body,
        link,
    }
}

fn or<'a>(first: &'a str, second: &'a str) -> &'a str {
    if first.is_empty() { second } else { first }
}

/// A non-empty string field.
fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The tender's title as people know it.
fn tender_title(p: &Value) -> String {
    match (text(p, "title"), text(p, "compound_name")) {
        (Some(t), _) => t.to_string(),
        (None, Some(c)) => format!("{c}物业服务招标"),
        (None, None) => "物业服务招标".into(),
    }
}

/// The compound of a tender matching knows, and its title.
async fn tender_of(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> anyhow::Result<Option<(String, String)>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT compound_id, payload FROM tender_tender WHERE id = $1")
            .bind(tender_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(compound, payload)| {
        let p: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
        (compound, tender_title(&p))
    }))
}

impl NotifySink {
    async fn tender(
        &self,
        conn: &mut AnyConnection,
        change: &Change,
        t: &TenderRecord,
    ) -> anyhow::Result<Vec<NewNotification>> {
        let p = &change.payload;
        let title = tender_title(p);
        let firm_link = format!("/firm/tenders/{}", t.id);
        let mut out = Vec::new();
        match change.kind.as_str() {
            "published" => {
                let Some(compound) = stored_compound(conn, &t.tender.compound_id).await? else {
                    return Ok(out);
                };
                let doc = tender_doc(&t.id, &t.tender, &compound);
                self.commits.flush().await?;
                let hits =
                    self.index
                        .match_firms(&(&doc).into(), MAX_FAN_OUT, 0, &self.policy.weights)?;
                let top = usize::try_from(self.policy.notify_top_firms).unwrap_or(0);
                for (rank, m) in hits.items.iter().enumerate() {
                    let above = self.policy.notify_min_score.is_some_and(|s| m.score >= s);
                    if rank < top || above {
                        out.push(note(
                            &format!("tender_matched:{}", t.id),
                            Recipient::Firm(m.firm_id.clone()),
                            "tender_matched",
                            format!("新的匹配招标：{title}"),
                            format!(
                                "{}发布了招标，与贵企业匹配（第 {} 位，得分 {:.1}）。投标截止：{}。",
                                or(&t.tender.compound_name, "一个小区"),
                                rank + 1,
                                m.score,
                                text(p, "bid_deadline").unwrap_or("见招标公告")
                            ),
                            firm_link.clone(),
                        ));
                    }
                }
            }
            "opened" | "unsuccessful" => {
                out.push(note(
                    &format!("bids_opened:{}", t.id),
                    Recipient::Committee(t.tender.compound_id.clone()),
                    "bids_opened",
                    format!("已开标：{title}"),
                    "投标文件已开启，可查看开标记录并进行评标。".into(),
                    format!("/committee/tenders/{}", t.id),
                ));
                for firm in bidders(p) {
                    out.push(note(
                        &format!("bids_opened:{}", t.id),
                        Recipient::Firm(firm),
                        "bids_opened",
                        format!("已开标：{title}"),
                        "您投标的项目已开标，开标记录已公开。".into(),
                        firm_link.clone(),
                    ));
                }
            }
            "awarded" => {
                let award = &p["award"];
                let (Some(award_id), Some(winner)) = (text(award, "id"), text(award, "firm_id"))
                else {
                    return Ok(out);
                };
                let notice = text(award, "notice_ends_at").unwrap_or("公示期结束");
                for firm in bidders(p) {
                    let won = firm == winner;
                    out.push(note(
                        &format!("awarded:{award_id}"),
                        Recipient::Firm(firm),
                        "awarded",
                        format!(
                            "{}：{title}",
                            if won {
                                "中标通知"
                            } else {
                                "中标结果公示"
                            }
                        ),
                        if won {
                            format!("贵企业为拟中标人，公示期至 {notice}。")
                        } else {
                            format!(
                                "拟中标人为{}，公示期至 {notice}；如有异议可在公示期内提出质疑。",
                                text(award, "firm_name").unwrap_or("另一企业")
                            )
                        },
                        firm_link.clone(),
                    ));
                }
            }
            _ => {}
        }
        Ok(out)
    }
}

/// The firms whose bids the opening record lists.
fn bidders(p: &Value) -> Vec<String> {
    let mut firms: Vec<String> = p["opening"]["bids"]
        .as_array()
        .map(|bids| {
            bids.iter()
                .filter_map(|b| text(b, "firm_id").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    firms.sort();
    firms.dedup();
    firms
}

/// A firm's own changes (standing, credit, whitelist, review) for the firm; new
/// applications and profile changes to review for the association; a firm blacklisted for
/// the officials of the compounds it serves.
async fn firm(conn: &mut AnyConnection, change: &Change) -> anyhow::Result<Vec<NewNotification>> {
    let p = &change.payload;
    let id = change.entity_id.as_str();
    let name = text(p, "name").unwrap_or("一家企业");
    let fact = format!("firm:{}", change.seq);
    let mine = |kind, title: String, body: String| {
        note(
            &fact,
            Recipient::Firm(id.into()),
            kind,
            title,
            body,
            "/firm/profile".into(),
        )
    };
    let review = |kind, title: String| {
        note(
            &fact,
            Recipient::Association,
            kind,
            title,
            format!("{name}：请审核。"),
            format!("/association/firms/{id}"),
        )
    };
    let mut out = Vec::new();
    match change.kind.as_str() {
        "applied" => out.push(review("firm_applied", format!("新的入库申请：{name}"))),
        "profile_updated" if !p["review_pending_since"].is_null() => {
            out.push(review(
                "profile_review",
                format!("企业资料变更待复核：{name}"),
            ));
        }
        "profile_reviewed" => out.push(mine(
            "profile_reviewed",
            "资料变更已复核".into(),
            "协会已复核贵企业的资料变更。".into(),
        )),
        "standing_changed" => {
            let code = text(p, "standing").unwrap_or("");
            let label = RosterStanding::parse(code).map_or(code, |s| s.label_zh());
            out.push(mine(
                "standing_changed",
                format!("名录状态变更：{label}"),
                format!("贵企业的名录状态现为「{label}」。"),
            ));
            if matches!(RosterStanding::parse(code), Ok(RosterStanding::Blacklisted)) {
                out.extend(blacklisted_in_area(conn, &fact, id, name).await?);
            }
        }
        "credit_changed" => {
            let credit = &p["credit"];
            out.push(mine(
                "credit_changed",
                "信用评价变更".into(),
                format!(
                    "贵企业的信用分现为 {} 分（{}）。",
                    credit["score"]
                        .as_i64()
                        .map_or("—".into(), |s| s.to_string()),
                    text(credit, "grade").unwrap_or("—")
                ),
            ));
        }
        "whitelist_changed" => {
            let on = p["whitelisted"].as_bool().unwrap_or(false);
            out.push(mine(
                "whitelist_changed",
                if on {
                    "已列入检查白名单"
                } else {
                    "已移出检查白名单"
                }
                .into(),
                if on {
                    "贵企业已列入检查白名单。"
                } else {
                    "贵企业已移出检查白名单。"
                }
                .into(),
            ));
        }
        _ => {}
    }
    Ok(out)
}

/// The street, district and city officials of each compound a newly blacklisted firm
/// serves under an active contract.
async fn blacklisted_in_area(
    conn: &mut AnyConnection,
    fact: &str,
    firm_id: &str,
    name: &str,
) -> anyhow::Result<Vec<NewNotification>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT c.compound_id, cc.name, cc.street_code, cc.district_code FROM tender_contract c \
         JOIN catalog_compound cc ON cc.id = c.compound_id \
         WHERE c.firm_id = $1 AND c.status = 'active' ORDER BY c.compound_id LIMIT {MAX_FAN_OUT}"
    )))
    .bind(firm_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let compound: String = r.try_get("compound_id")?;
        let compound_name: String = r.try_get("name")?;
        let street: String = r.try_get("street_code")?;
        let district: String = r.try_get("district_code")?;
        for who in [
            Recipient::Street(street),
            Recipient::District(district),
            Recipient::City,
        ] {
            out.push(note(
                &format!("{fact}:{compound}"),
                who,
                "blacklisted_firm_in_area",
                format!("辖区小区的物业企业被列入黑名单：{compound_name}"),
                format!("{name}已被列入黑名单，仍在为{compound_name}提供服务，请跟进。"),
                "/official/coverage".into(),
            ));
        }
    }
    Ok(out)
}

/// A request to inspect, for whoever answers it: an owner's for the committee; the
/// committee's own (made for owners) for the firm of the compound's active contract.
async fn inspection(
    conn: &mut AnyConnection,
    i: &shared::events::tender::InspectionPublished,
) -> anyhow::Result<Vec<NewNotification>> {
    let what = or(&i.what_label, &i.what).to_string();
    let recipient = if i.asked_by == "committee" {
        let firm: Option<String> = sqlx::query_scalar(
            "SELECT firm_id FROM tender_contract WHERE compound_id = $1 AND status = 'active' \
             ORDER BY start_date DESC LIMIT 1",
        )
        .bind(&i.compound_id)
        .fetch_optional(&mut *conn)
        .await?;
        match firm {
            Some(f) => Recipient::Firm(f),
            None => return Ok(Vec::new()),
        }
    } else {
        Recipient::Committee(i.compound_id.clone())
    };
    let link = match recipient {
        Recipient::Firm(_) => "/firm".to_string(),
        _ => "/committee/documents".to_string(),
    };
    Ok(vec![note(
        &format!("inspection:{}", i.id),
        recipient,
        "inspection_asked",
        format!("新的查阅申请：{}", or(&i.compound_name, "小区")),
        format!("业主申请查阅{what}，请在 {} 前答复。", i.due_on),
        link,
    )])
}

/// An invitation, for the invited firm (kept for the deadline sweep).
async fn invitation(
    conn: &mut AnyConnection,
    change: &Change,
) -> anyhow::Result<Vec<NewNotification>> {
    let p = &change.payload;
    let (Some(id), Some(tender_id), Some(firm)) =
        (text(p, "id"), text(p, "tender_id"), text(p, "firm_id"))
    else {
        return Ok(Vec::new());
    };
    sqlx::query(
        "INSERT INTO notify_invitation (tender_id, firm_id) VALUES ($1, $2) \
         ON CONFLICT (tender_id, firm_id) DO NOTHING",
    )
    .bind(tender_id)
    .bind(firm)
    .execute(&mut *conn)
    .await?;
    let title = or(text(p, "tender_title").unwrap_or(""), "物业服务招标").to_string();
    let mut body = format!(
        "{}邀请贵企业参加投标，投标截止：{}。",
        text(p, "compound_name").unwrap_or("一个小区"),
        text(p, "bid_deadline").unwrap_or("见招标公告")
    );
    if let Some(m) = text(p, "message") {
        body.push_str(&format!("留言：{m}"));
    }
    Ok(vec![note(
        &format!("invitation:{id}"),
        Recipient::Firm(firm.into()),
        "invited",
        format!("投标邀请：{title}"),
        body,
        format!("/firm/tenders/{tender_id}"),
    )])
}

/// A question asked, for the tender's committee; answered, for the asking firm, which only
/// the service feed names (`service_only.asker_firm_id`).
async fn question(
    conn: &mut AnyConnection,
    change: &Change,
) -> anyhow::Result<Vec<NewNotification>> {
    let p = &change.payload;
    let (Some(id), Some(tender_id)) = (text(p, "id"), text(p, "tender_id")) else {
        return Ok(Vec::new());
    };
    let known = tender_of(conn, tender_id).await?;
    let title = known
        .as_ref()
        .map_or("物业服务招标".into(), |(_, t)| t.clone());
    Ok(match change.kind.as_str() {
        "asked" => {
            let compound = text(p, "compound_id")
                .map(str::to_string)
                .or_else(|| known.map(|(c, _)| c));
            compound.map_or_else(Vec::new, |c| {
                vec![note(
                    &format!("question_asked:{id}"),
                    Recipient::Committee(c),
                    "question_asked",
                    format!("新的提问：{title}"),
                    "有企业就招标提出了问题，请在答疑期内答复。".into(),
                    format!("/committee/tenders/{tender_id}"),
                )]
            })
        }
        "answered" => text(&p["service_only"], "asker_firm_id").map_or_else(Vec::new, |firm| {
            vec![note(
                &format!("question_answered:{id}"),
                Recipient::Firm(firm.into()),
                "question_answered",
                format!("您的问题已答复：{title}"),
                "小区自治组织已答复贵企业提出的问题，答复已公开。".into(),
                format!("/firm/tenders/{tender_id}"),
            )]
        }),
        _ => Vec::new(),
    })
}

/// A complaint lodged, for the tender's committee; escalated, for the street's or the
/// district's officials who decide it; each answer or decision, for the complaining firm.
async fn complaint(
    conn: &mut AnyConnection,
    change: &Change,
) -> anyhow::Result<Vec<NewNotification>> {
    let p = &change.payload;
    let (Some(id), Some(tender_id)) = (text(p, "id"), text(p, "tender_id")) else {
        return Ok(Vec::new());
    };
    let known = tender_of(conn, tender_id).await?;
    let title = known
        .as_ref()
        .map_or("物业服务招标".into(), |(_, t)| t.clone());
    let kind = change.kind.as_str();
    if kind == "lodged" {
        return Ok(known.map_or_else(Vec::new, |(compound, _)| {
            vec![note(
                &format!("complaint:{id}:lodged"),
                Recipient::Committee(compound),
                "complaint_lodged",
                format!("收到质疑：{title}"),
                "有投标企业对中标结果提出质疑，请及时答复。".into(),
                format!("/committee/tenders/{tender_id}"),
            )]
        }));
    }
    if kind == "escalated" {
        let Some((compound, _)) = known else {
            return Ok(Vec::new());
        };
        return escalated(conn, id, &compound, text(p, "stage"), &title).await;
    }
    // The latest decision: a level's, or the committee's answer in payloads from before
    // escalations.
    let outcome = p["outcome"].as_bool().or_else(|| p["upheld"].as_bool());
    let (Some(firm), Some(upheld)) = (text(p, "firm_id"), outcome) else {
        return Ok(Vec::new());
    };
    let stage = text(p, "stage").unwrap_or(kind);
    Ok(vec![note(
        &format!("complaint:{id}:{stage}"),
        Recipient::Firm(firm.into()),
        "complaint_outcome",
        format!("质疑处理结果：{title}"),
        match (stage, upheld) {
            ("street_decided", true) => "街道复核认定贵企业的质疑成立。".into(),
            ("street_decided", false) => "街道复核认定贵企业的质疑不成立。".into(),
            ("district_decided", true) => "区（市）县复核认定贵企业的质疑成立。".into(),
            ("district_decided", false) => "区（市）县复核认定贵企业的质疑不成立。".into(),
            (_, true) => "贵企业的质疑成立。".into(),
            (_, false) => "贵企业的质疑不成立。".into(),
        },
        format!("/firm/tenders/{tender_id}"),
    )])
}

/// An escalated complaint, for the officials of the level that decides it.
async fn escalated(
    conn: &mut AnyConnection,
    id: &str,
    compound: &str,
    stage: Option<&str>,
    title: &str,
) -> anyhow::Result<Vec<NewNotification>> {
    let place: Option<(String, String)> =
        sqlx::query_as("SELECT street_code, district_code FROM catalog_compound WHERE id = $1")
            .bind(compound)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((street, district)) = place else {
        return Ok(Vec::new());
    };
    let (who, level) = match stage {
        Some("escalated_to_street") => (Recipient::Street(street), "street"),
        Some("escalated_to_district") => (Recipient::District(district), "district"),
        _ => return Ok(Vec::new()),
    };
    Ok(vec![note(
        &format!("complaint:{id}:escalated:{level}"),
        who,
        "complaint_escalated",
        format!("质疑提请复核：{title}"),
        "投标企业对质疑答复不满意，已提请复核，请在辖区内作出决定。".into(),
        "/official/complaints".into(),
    )])
}
