//! Residents' surveys per unit (满意度调查): a committee opens a quarter's survey of its
//! compound; each unit of the register answers at most once (满意 / 基本满意 / 不满意, with a
//! comment if it likes), online with the code on the notice the street printed or on paper,
//! recorded by the committee; the counts are derived from the answers (respondents never
//! more than units). Closing publishes the quarter's satisfaction survey from them (the
//! `satisfaction` feed, so rates per compound, firm and street and matching keep working),
//! marked verified. Comments are public without their unit; the serving firm may reply.
//!
//! | file | what |
//! | --- | --- |
//! | `survey.rs` | the request, the stored survey, the public view |
//! | `store.rs` | surveys, their units, the answers as stored; the counts |
//! | `steps.rs` | open, notices, paper and online answers, close (publish), reply; the reads |
//! | `area.rs` | the surveys of a caller's area (officials, committee, a firm's compounds) in one list |

mod area;
mod steps;
mod store;
mod survey;

pub use area::{AreaSurvey, of_area};
pub use steps::{
    AnswerReceipt, PaperAnswerInput, ReplyInput, SurveyAnswerInput, answer_online, close,
    for_owner, load, may_reply, notices, open, record_paper, reply, view,
};
pub use store::surveys_of;
pub use survey::{
    AnswerCounts, Comment, NewUnitSurvey, OwnAnswer, Rating, Reply, StoredSurvey, UnitSurvey,
    ValidUnitSurvey,
};
