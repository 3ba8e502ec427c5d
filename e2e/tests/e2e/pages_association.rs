//! Association pages: review queue, a firm's full record, roster actions with reasons.
