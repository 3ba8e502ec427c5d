//! What a committee sends to draft or change a tender, and how it becomes checked
//! [`Terms`]: [`TermsInput::check`] parses each field once into its domain type, applies
//! the declared field rules (`validator`), takes missing fields from the current terms on
//! an edit (or names them as required on a create), then the rules across fields
//! (deadlines, the evaluation's weights). Every problem is reported at once, one Chinese
//! message per field.

use serde::Deserialize;
use shared::domain::{DomainError, FeeRate, Fen};
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

use crate::clock::{self, parse_rfc3339};
use crate::input::{declared_item, refused, trimmed, trimmed_opt};
use crate::money::fund::terms::{Remuneration, RemunerationInput};
use crate::terms::{
    Criterion, Evaluation, EvaluationMethod, FeeModel, ServiceGrade, ServiceModel, Terms,
};

/// A quality criterion of a rated evaluation.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
pub struct CriterionInput {
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 50, message = "评分项名称应为 1–50 个字符"))]
    pub name: String,
    #[validate(range(min = 1, max = 100, message = "评分项分值应在 1–100 之间"))]
    pub weight: i64,
}

/// A tender's terms. On create every field but `title` is required; on edit, the fields
/// given replace the current ones.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
pub struct TermsInput {
    /// Defaults to “〈compound〉物业服务招标”.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(min = 1, max = 200, message = "标题应为 1–200 个字符"))]
    pub title: Option<String>,
    /// 物业服务方式 code: `professional`, `trust`, `community`, `self_managed`, …
    pub service_model: Option<String>,
    /// `lump_sum` | `commission` | `trust`.
    pub fee_model: Option<String>,
    /// Service grade wanted, 1–5.
    pub grade: Option<i64>,
    /// Contract term in months (1–120).
    #[validate(range(
        min = 1,
        max = 120,
        code = "invalid_term",
        message = "服务期限应为 1–120 个月"
    ))]
    pub term_months: Option<i64>,
    /// Annual budget in 分.
    pub annual_budget_fen: Option<i64>,
    /// Proposed fee in 分/㎡·月 (1–2000).
    pub proposed_fee: Option<i64>,
    /// Needs, in Chinese.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(min = 1, max = 10000, message = "需求说明应为 1–10000 个字符"))]
    pub needs: Option<String>,
    /// RFC 3339; after now, at most the bid deadline.
    pub enquiry_deadline: Option<String>,
    /// RFC 3339; at least the configured minimum bidding window from now.
    pub bid_deadline: Option<String>,
    /// RFC 3339; at or after the bid deadline.
    pub opening_at: Option<String>,
    /// `price_only` | `rated` | `owners_vote`.
    pub evaluation_method: Option<String>,
    /// For `rated`: the weight of the price, 0–100.
    pub price_weight: Option<i64>,
    /// For `rated`: the quality criteria; `price_weight` + Σ weights = 100.
    pub criteria: Option<Vec<CriterionInput>>,
    /// The remuneration (酬金) the committee proposes, on a `commission` or `trust` tender
    /// only: `{"kind": "fixed", "annual_fen"}` or `{"kind": "percentage", "basis_points"}`.
    /// On an edit, absent keeps the current one.
    #[serde(default)]
    pub remuneration: Option<RemunerationInput>,
}

/// A new tender (a draft) for the committee's own compound.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTender {
    pub compound_id: String,
    #[serde(flatten)]
    pub terms: TermsInput,
}

/// Why a tender is cancelled.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct CancelTender {
    /// Required, 2–500 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 2, max = 500, message = "终止原因应为 2–500 个字符"))]
    pub reason: String,
}

/// Checked terms and, when one was given, a new title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub title: Option<String>,
    pub terms: Terms,
}

/// When the deadlines are checked, and against what.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Now, ms since the Unix epoch.
    pub now: i64,
    /// The shortest bidding window (ms from now to the bid deadline).
    pub min_window: i64,
    /// Moves the bid deadline to at least the window from now (and the opening with it):
    /// a change of terms while the tender is open.
    pub extend: bool,
}

/// The fee model, with the message the tender API has always given.
fn fee_model(input: &str) -> Result<FeeModel, DomainError> {
    FeeModel::parse(input).map_err(|_| {
        DomainError::new(
            "invalid_fee_model",
            "收费方式应为 lump_sum（包干制）、commission（酬金制）或 trust（信托制）",
        )
    })
}

/// The grade wanted, with the message the tender API has always given.
fn grade(value: i64) -> Result<ServiceGrade, DomainError> {
    ServiceGrade::new(value)
        .map_err(|_| DomainError::new("invalid_grade", "服务等级应为 1 至 5（一级至五级）"))
}

/// The annual budget: an amount above 0.
fn budget(fen: i64) -> Result<Fen, DomainError> {
    match Fen::non_negative(fen)? {
        Fen::ZERO => Err(DomainError::new("invalid_budget", "年度预算必须大于 0")),
        f => Ok(f),
    }
}

fn required(v: &mut Validation, field: &str) {
    v.push(FieldError::new(field, "required", "此项必填"));
}

/// One field of the terms: the given value parsed, else the current one (an edit), else
/// required (a create).
fn pick<R, T>(
    v: &mut Validation,
    field: &str,
    given: Option<R>,
    parse: impl FnOnce(R) -> Result<T, DomainError>,
    current: Option<T>,
) -> Option<T> {
    match given {
        Some(raw) => v.field(field, parse(raw)),
        None if current.is_some() => current,
        None => {
            required(v, field);
            None
        }
    }
}

impl TermsInput {
    /// Checks the terms of a create (`base` none) or of an edit of the current terms `base`
    /// against the deadline rules of `at`: the enquiry deadline after now and at most the bid
    /// deadline; the bid deadline at least the shortest bidding window from now; the
    /// opening at or after the bid deadline.
    pub fn check(&self, base: Option<&Terms>, at: Schedule) -> Result<Proposal, Problem> {
        let mut v = Validation::new();
        v.validator(self.validate());
        let service_model = pick(
            &mut v,
            "service_model",
            self.service_model.as_deref(),
            ServiceModel::parse,
            base.map(|b| b.service_model.clone()),
        );
        let fee_model = pick(
            &mut v,
            "fee_model",
            self.fee_model.as_deref(),
            fee_model,
            base.map(|b| b.fee_model),
        );
        let grade = pick(&mut v, "grade", self.grade, grade, base.map(|b| b.grade));
        // Given, these two are checked by their declared rules (`v` holds any refusal).
        let term_months = match (self.term_months, base) {
            (Some(m), _) => Some(m),
            (None, Some(b)) => Some(b.term_months),
            (None, None) => {
                required(&mut v, "term_months");
                None
            }
        };
        let annual_budget = pick(
            &mut v,
            "annual_budget_fen",
            self.annual_budget_fen,
            budget,
            base.map(|b| b.annual_budget),
        );
        let proposed_fee = pick(
            &mut v,
            "proposed_fee",
            self.proposed_fee,
            FeeRate::try_from,
            base.map(|b| b.proposed_fee),
        );
        let needs = match (&self.needs, base) {
            (Some(n), _) => Some(n.clone()),
            (None, Some(b)) => Some(b.needs.clone()),
            (None, None) => {
                required(&mut v, "needs");
                None
            }
        };
        let enquiry = pick(
            &mut v,
            "enquiry_deadline",
            self.enquiry_deadline.as_deref(),
            parse_rfc3339,
            base.map(|b| b.enquiry_deadline),
        );
        let mut bid = pick(
            &mut v,
            "bid_deadline",
            self.bid_deadline.as_deref(),
            parse_rfc3339,
            base.map(|b| b.bid_deadline),
        );
        let mut opening = pick(
            &mut v,
            "opening_at",
            self.opening_at.as_deref(),
            parse_rfc3339,
            base.map(|b| b.opening_at),
        );
        let method = pick(
            &mut v,
            "evaluation_method",
            self.evaluation_method.as_deref(),
            EvaluationMethod::parse,
            base.map(|b| b.evaluation.method),
        );
        let evaluation = method.and_then(|m| self.evaluation(m, base, &mut v));
        let remuneration = self.remuneration(fee_model, base, &mut v);

        // Deadlines.
        let (now, window) = (at.now, at.now.saturating_add(at.min_window));
        if at.extend
            && let Some(b) = bid.as_mut()
        {
            *b = (*b).max(window);
            if let Some(o) = opening.as_mut() {
                *o = (*o).max(*b);
            }
        }
        if let Some(e) = enquiry
            && e <= now
            && self.enquiry_deadline.is_some()
        {
            v.push(FieldError::new(
                "enquiry_deadline",
                "in_past",
                "答疑截止时间应晚于现在",
            ));
        }
        if let Some(b) = bid
            && b < window
        {
            v.push(FieldError::new(
                "bid_deadline",
                "bid_window_too_short",
                format!(
                    "投标截止时间距现在不得少于最短投标期（{}），最早可为 {}",
                    window_label(at.min_window),
                    clock::to_rfc3339(window)
                ),
            ));
        }
        if let (Some(e), Some(b)) = (enquiry, bid)
            && e > b
        {
            v.push(FieldError::new(
                "enquiry_deadline",
                "after_bid_deadline",
                "答疑截止时间不能晚于投标截止时间",
            ));
        }
        if let (Some(b), Some(o)) = (bid, opening)
            && o < b
        {
            v.push(FieldError::new(
                "opening_at",
                "before_bid_deadline",
                "开标时间不能早于投标截止时间",
            ));
        }
        match (
            service_model,
            fee_model,
            grade,
            term_months,
            annual_budget,
            proposed_fee,
            needs,
            (enquiry, bid, opening),
            evaluation,
        ) {
            (
                Some(service_model),
                Some(fee_model),
                Some(grade),
                Some(term_months),
                Some(annual_budget),
                Some(proposed_fee),
                Some(needs),
                (Some(enquiry_deadline), Some(bid_deadline), Some(opening_at)),
                Some(evaluation),
            ) if v.is_empty() => Ok(Proposal {
                title: self.title.clone(),
                terms: Terms {
                    service_model,
                    fee_model,
                    grade,
                    term_months,
                    annual_budget,
                    proposed_fee,
                    needs,
                    enquiry_deadline,
                    bid_deadline,
                    opening_at,
                    evaluation,
                    remuneration,
                },
            }),
            _ => Err(refused(v)),
        }
    }

    /// The remuneration proposed (given, else the current one): none on a lump-sum tender
    /// (422 `remuneration_not_agreed` when one is given or kept).
    fn remuneration(
        &self,
        fee_model: Option<FeeModel>,
        base: Option<&Terms>,
        v: &mut Validation,
    ) -> Option<Remuneration> {
        let r = match &self.remuneration {
            Some(given) => match given.check("remuneration") {
                Ok(r) => Some(r),
                Err(errors) => {
                    errors.into_iter().for_each(|e| v.push(e));
                    return None;
                }
            },
            None => base.and_then(|b| b.remuneration),
        };
        if r.is_some() && fee_model == Some(FeeModel::LumpSum) {
            v.push(FieldError::new(
                "remuneration",
                "remuneration_not_agreed",
                "包干制招标不约定酬金；只有酬金制、信托制招标提出酬金",
            ));
            return None;
        }
        r
    }

    /// The evaluation of method `m`: with the weights given, or, when none of the three
    /// evaluation fields is given on an edit, the current ones.
    fn evaluation(
        &self,
        m: EvaluationMethod,
        base: Option<&Terms>,
        v: &mut Validation,
    ) -> Option<Evaluation> {
        let given = self.evaluation_method.is_some()
            || self.price_weight.is_some()
            || self.criteria.is_some();
        match base {
            Some(b) if !given => Some(b.evaluation.clone()),
            _ => match check_evaluation(m, self.price_weight, self.criteria.as_deref()) {
                Ok(e) => Some(e),
                Err(errors) => {
                    for e in errors {
                        v.push(e);
                    }
                    None
                }
            },
        }
    }
}

/// Checks the evaluation method and its weights: only `rated` has a price weight (0–100)
/// and 1–20 named, distinct criteria (each declared on [`CriterionInput`]), the weights
/// summing to 100.
fn check_evaluation(
    method: EvaluationMethod,
    price_weight: Option<i64>,
    criteria: Option<&[CriterionInput]>,
) -> Result<Evaluation, Vec<FieldError>> {
    if method != EvaluationMethod::Rated {
        if price_weight.is_some() || criteria.is_some_and(|c| !c.is_empty()) {
            return Err(vec![FieldError::new(
                "criteria",
                "not_rated",
                "只有综合评分法（rated）才设置价格权重和评分项",
            )]);
        }
        return Ok(Evaluation {
            method,
            price_weight: None,
            criteria: Vec::new(),
        });
    }
    let mut v = Validation::new();
    let weight = match price_weight {
        None => {
            required(&mut v, "price_weight");
            None
        }
        Some(w) => match u32::try_from(w) {
            Ok(w @ 0..=100) => Some(w),
            _ => {
                v.push(FieldError::new(
                    "price_weight",
                    "range",
                    "价格权重应在 0–100 之间",
                ));
                None
            }
        },
    };
    let criteria = criteria.unwrap_or_default();
    if criteria.is_empty() || criteria.len() > 20 {
        v.push(FieldError::new(
            "criteria",
            "criteria_count",
            "综合评分法应设置 1–20 个评分项",
        ));
    }
    let mut checked: Vec<Criterion> = Vec::new();
    for (i, c) in criteria.iter().enumerate() {
        let declared = c.validate().err();
        let fine = |field: &str| {
            declared
                .as_ref()
                .is_none_or(|e| !e.field_errors().contains_key(field))
        };
        let name_ok = fine("name");
        if name_ok && checked.iter().any(|x| x.name == c.name) {
            v.push(FieldError::new(
                format!("criteria[{i}].name"),
                "duplicate",
                "评分项名称不能重复",
            ));
        }
        declared_item(&mut v, &format!("criteria[{i}]"), c);
        if name_ok
            && fine("weight")
            && let Ok(weight) = u32::try_from(c.weight)
        {
            checked.push(Criterion {
                name: c.name.clone(),
                weight,
            });
        }
    }
    let weight = match weight {
        Some(w) if v.is_empty() => w,
        _ => return Err(refused(v).errors),
    };
    let sum: u32 = weight + checked.iter().map(|c| c.weight).sum::<u32>();
    if sum != 100 {
        return Err(vec![FieldError::new(
            "criteria",
            "weights_sum",
            format!("价格权重与各评分项分值之和应为 100（现为 {sum}）"),
        )]);
    }
    Ok(Evaluation {
        method,
        price_weight: Some(weight),
        criteria: checked,
    })
}

/// “20 天”, “2 小时”, “5 秒” …
pub fn window_label(ms: i64) -> String {
    let secs = ms / 1000;
    if secs % 86_400 == 0 {
        format!("{} 天", secs / 86_400)
    } else if secs % 3600 == 0 {
        format!("{} 小时", secs / 3600)
    } else if secs % 60 == 0 {
        format!("{} 分钟", secs / 60)
    } else {
        format!("{secs} 秒")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_models_and_grades_keep_the_tender_api_messages() {
        for s in ["lump_sum", "commission", "trust"] {
            assert_eq!(fee_model(s).unwrap().as_str(), s);
        }
        let e = fee_model("monthly").unwrap_err();
        assert_eq!(e.code, "invalid_fee_model");
        assert!(e.message.starts_with("收费方式应为"), "{}", e.message);
        assert!(grade(0).is_err());
        assert!(grade(6).is_err());
        assert_eq!(grade(-1).unwrap_err().code, "invalid_grade");
        assert_eq!(grade(3).unwrap().to_string(), "三级");
        assert_eq!(budget(0).unwrap_err().code, "invalid_budget");
        assert_eq!(budget(-1).unwrap_err().code, "negative_amount");
    }

    fn criterion(name: &str, weight: i64) -> CriterionInput {
        CriterionInput {
            name: name.into(),
            weight,
        }
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn a_rated_evaluation_needs_named_distinct_criteria_summing_to_100() {
        let rated = EvaluationMethod::Rated;
        let ok = check_evaluation(
            rated,
            Some(40),
            Some(&[criterion("服务方案", 40), criterion("人员配置", 20)]),
        )
        .unwrap();
        assert_eq!(ok.price_weight, Some(40));
        assert_eq!(ok.criteria.len(), 2);
        let e = check_evaluation(
            rated,
            Some(40),
            Some(&[criterion("服务方案", 60), criterion("服务方案", 0)]),
        )
        .unwrap_err();
        assert_eq!(
            codes(&e),
            vec![
                ("criteria[1].name", "duplicate"),
                ("criteria[1].weight", "range")
            ]
        );
        let e = check_evaluation(rated, Some(40), Some(&[criterion("服务方案", 30)])).unwrap_err();
        assert_eq!(codes(&e), vec![("criteria", "weights_sum")]);
        assert!(e[0].message.contains("70"), "{}", e[0].message);
        let e = check_evaluation(rated, None, Some(&[])).unwrap_err();
        assert_eq!(
            codes(&e),
            vec![("price_weight", "required"), ("criteria", "criteria_count")]
        );
        let e = check_evaluation(
            EvaluationMethod::PriceOnly,
            None,
            Some(&[criterion("服务方案", 100)]),
        )
        .unwrap_err();
        assert_eq!(codes(&e), vec![("criteria", "not_rated")]);
    }

    #[test]
    fn windows_read_in_the_largest_whole_unit() {
        assert_eq!(window_label(20 * 86_400_000), "20 天");
        assert_eq!(window_label(2 * 3_600_000), "2 小时");
        assert_eq!(window_label(5_000), "5 秒");
    }
}
