//! Votes from ballots (表决): a committee opens a vote of its compound's owners on a matter
//! (art. 278), measured against the owner register as it stands when the vote opens; each
//! unit casts one ballot, online with the one-time code on the paper notice the street
//! printed (the body that counts never holds the codes) or on paper, recorded by the
//! committee; the result is computed from the ballots and sealed when the committee closes
//! the vote. An `owners_vote` award rests only on such a vote.
//!
//! | file | what |
//! | --- | --- |
//! | `count.rs` | the result from the ballots (pure; how owners of several units count) |
//! | `vote.rs` | the committee's request, the stored vote and its state by time, the public view |
//! | `store.rs` | votes, their units, ballots and objections as stored |
//! | `codes.rs` | the owner codes as stored (digests), `resolve_code`, the notices |
//! | `access.rs` | who may act (committee, street, association) |
//! | `area.rs` | the votes of a caller's area (city, district, street, compound) in one list |
//! | `throttle.rs` | owner-code requests per client address |
//! | `steps.rs` | open, notices, paper ballot, online ballot, close; the reads |

mod access;
mod area;
mod codes;
mod count;
mod steps;
mod store;
mod throttle;
mod vote;

pub use access::{checker, committee, street};
pub use area::{AreaVote, VoteArea, of_area};
pub use codes::{CodeHolder, Notice, Subject, issue, resolve_code};
pub use count::{BallotChoice, BallotOption, OptionCount, VoteResult};
pub use steps::{
    BallotInput, BallotView, Notices, ObjectionInput, OnlineReceipt, OwnBallot, PaperBallotInput,
    PaperReceipt, Participation, TOPIC, UnitParticipation, ballot_list, cast_online, close,
    for_owner, load, not_found, notices, object, open, participation, record_paper, unit_label,
    view, vote_closed,
};
pub use store::{Channel, Objection, objections, passing_firm_vote, vote as find_vote, votes_of};
pub use throttle::{CodeLimiter, sweep_every_minute};
pub use vote::{
    BallotVote, MAX_PERIOD_MS, NewBallotVote, RegisterTotals, StoredVote, Turnout, ValidBallotVote,
    VoteState,
};
