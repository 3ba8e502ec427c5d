//! One tender's workbench for its committee (`/committee/tenders/{id}`): the countdown,
//! Q&A, matched firms and invitations, the opened bids side by side, scores, ranking, award,
//! notice period, complaints and their answers, contract and its termination on the
//! owners' decision, each action's form with its refusal shown in place.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use crate::api;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::format::{beijing_now, today};
use crate::forms::{Flash, FormErrors};
use crate::pages::model::Page;
use crate::pages::model::complaints::Complaint;
use crate::pages::model::contract::DismissalVote;
use crate::pages::model::matching::FirmMatch;
use crate::pages::model::owners::BallotVote;
use crate::pages::model::tender::{Bid, Invitation, Question, Ranked, TenderView};
use crate::pages::public::ballot_votes;
use crate::roles::CommitteeUser;
use crate::state::WebState;

/// The committee's own tender (as the API shows it to them); 403 for another compound's.
pub async fn own_tender(
    app: &WebState,
    c: &CommitteeUser,
    id: &str,
) -> Result<TenderView, PageError> {
    let t: TenderView = app
        .api
        .get(
            &format!("{}{}", app.api.tender, api::path(&["tenders", id])),
            Some(&c.token),
        )
        .await?;
    if t.compound_id != c.compound_id {
        return Err(PageError::forbidden(
            "这是其他小区的招标项目，只能查看其公开页面。",
        ));
    }
    Ok(t)
}

/// Which form of the workbench a refusal belongs to, and what was typed in it.
#[derive(Debug, Default)]
pub struct Refused {
    pub form: &'static str,
    pub errors: FormErrors,
    /// Every message (for the score table, whose cells the API names by index).
    pub messages: Vec<String>,
    pub typed: BTreeMap<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_tender.html")]
pub struct TenderPage {
    chrome: Chrome,
    t: TenderView,
    questions: Vec<Question>,
    matches: Vec<FirmMatch>,
    matches_note: Option<String>,
    invitations: Vec<Invitation>,
    bids: Vec<Bid>,
    ranking: Vec<Ranked>,
    ranking_note: Option<String>,
    /// For an `owners_vote` tender: the compound's votes from ballots on it.
    votes: Vec<BallotVote>,
    /// The complaints about its awards, with the complainants.
    complaints: Vec<Complaint>,
    /// For an active contract: the owners' passing decisions to dismiss the firm.
    dismissals: Vec<DismissalVote>,
    flash: Flash,
    refused: Refused,
    today: String,
}

impl TenderPage {
    fn invited(&self, firm_id: &str) -> bool {
        self.invitations.iter().any(|i| i.firm_id == firm_id)
    }

    fn valid_bids(&self) -> Vec<&Bid> {
        self.bids.iter().filter(|b| b.valid()).collect()
    }

    /// The error of the refused form `form` for `field`.
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        if self.refused.form == form {
            self.refused.errors.get(field)
        } else {
            None
        }
    }

    fn general(&self, form: &str) -> Option<&str> {
        if self.refused.form == form {
            self.refused.errors.general.as_deref()
        } else {
            None
        }
    }

    fn messages(&self, form: &str) -> Vec<String> {
        if self.refused.form == form {
            self.refused.messages.clone()
        } else {
            Vec::new()
        }
    }

    /// What was typed in `field` of the refused form, else `default`.
    fn typed(&self, form: &str, field: &str, default: &str) -> String {
        if self.refused.form == form
            && let Some(v) = self.refused.typed.get(field)
        {
            return v.clone();
        }
        default.to_string()
    }

    fn score_name(&self, bid: &str, i: &usize) -> String {
        format!("pts:{bid}:{i}")
    }

    fn score_value(&self, bid: &str, i: &usize) -> String {
        self.typed("scores", &self.score_name(bid, i), "")
    }

    fn answer_value(&self, qid: &str) -> String {
        self.typed("qa", &format!("answer:{qid}"), "")
    }

    fn top_bid(&self) -> String {
        self.ranking
            .first()
            .map(|r| r.bid_id.clone())
            .unwrap_or_default()
    }

    fn contract_start(&self) -> String {
        // The first day of next month.
        let now = beijing_now();
        let (y, m) = if u8::from(now.month()) == 12 {
            (now.year() + 1, 1)
        } else {
            (now.year(), u8::from(now.month()) + 1)
        };
        format!("{y:04}-{m:02}-01")
    }
}

/// The workbench of tender `t`, with `refused` shown at its form.
pub async fn load_page(
    app: &WebState,
    c: &CommitteeUser,
    t: TenderView,
    chrome: Chrome,
    flash: Flash,
    refused: Refused,
) -> TenderPage {
    let base = &app.api.tender;
    let id = t.id.clone();
    let token = Some(c.token.as_str());
    let questions_url = format!("{base}{}", api::path(&["tenders", &id, "questions"]));
    let questions = app.api.get::<Vec<Question>>(&questions_url, token);
    let open = t.is_open() && t.accepting_bids;
    let matches = async {
        if !open {
            return Ok(None);
        }
        app.api
            .get::<Page<FirmMatch>>(
                &format!(
                    "{}{}?limit=20",
                    app.api.matching,
                    api::path(&["match", "tenders", &id, "firms"])
                ),
                token,
            )
            .await
            .map(Some)
    };
    let invitations = async {
        if t.is_draft() {
            return Ok(Vec::new());
        }
        app.api
            .get::<Vec<Invitation>>(
                &format!("{base}{}", api::path(&["tenders", &id, "invitations"])),
                token,
            )
            .await
    };
    let opened = t.opened_at.is_some();
    let bids = async {
        if !opened {
            return Ok(Vec::new());
        }
        app.api
            .get::<Vec<Bid>>(
                &format!("{base}{}", api::path(&["tenders", &id, "bids"])),
                token,
            )
            .await
    };
    let ranking = async {
        if !opened {
            return Ok(Vec::new());
        }
        app.api
            .get::<Vec<Ranked>>(
                &format!("{base}{}", api::path(&["tenders", &id, "ranking"])),
                token,
            )
            .await
    };
    let by_owners = opened && t.evaluation.method == "owners_vote";
    let votes = async {
        if !by_owners {
            return Ok(Vec::new());
        }
        ballot_votes(app, &t.compound_id, token).await
    };
    let complaints = async {
        if !opened {
            return Ok(Vec::new());
        }
        app.api
            .get::<Vec<Complaint>>(
                &format!("{base}{}", api::path(&["tenders", &id, "complaints"])),
                token,
            )
            .await
    };
    let active = t
        .contract
        .as_ref()
        .filter(|c| c.active())
        .map(|c| c.id.clone());
    let dismissals = async {
        let Some(cid) = active else {
            return Ok(Vec::new());
        };
        app.api
            .get::<Vec<DismissalVote>>(
                &format!(
                    "{base}{}",
                    api::path(&["tenders", "contracts", &cid, "dismissal-votes"])
                ),
                token,
            )
            .await
    };
    let ((questions, matches, invitations, bids, ranking, votes), (complaints, dismissals)) = futures::join!(
        async { futures::join!(questions, matches, invitations, bids, ranking, votes) },
        async { futures::join!(complaints, dismissals) }
    );
    let (matches, matches_note) = match matches {
        Ok(Some(p)) if p.items.is_empty() => (
            Vec::new(),
            Some("暂无符合条件的推荐企业（服务方式、收费方式、等级、服务区域和剩余服务能力均须满足）。".to_string()),
        ),
        Ok(Some(p)) => (p.items, None),
        Ok(None) => (Vec::new(), None),
        Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => (
            Vec::new(),
            Some("匹配结果正在生成（招标发布后数秒内完成），请稍后刷新本页。".to_string()),
        ),
        Err(e) => (Vec::new(), Some(format!("暂时无法获取匹配企业：{}", e.message()))),
    };
    let (ranking, ranking_note) = match ranking {
        Ok(r) => (r, None),
        Err(e) => (Vec::new(), opened.then(|| e.message())),
    };
    TenderPage {
        chrome,
        t,
        questions: questions.unwrap_or_default(),
        matches,
        matches_note,
        invitations: invitations.unwrap_or_default(),
        bids: bids.unwrap_or_default(),
        ranking,
        ranking_note,
        votes: votes
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.tender_id.as_deref() == Some(id.as_str()))
            .collect(),
        complaints: complaints.unwrap_or_default(),
        dismissals: dismissals.unwrap_or_default(),
        flash,
        refused,
        today: today(),
    }
}

pub async fn detail(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<TenderPage, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    Ok(load_page(&app, &c, t, chrome, flash, Refused::default()).await)
}
