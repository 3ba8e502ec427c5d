//! The matching service's error type: the kernel's problem-rendering error (see `shared::error`),
//! so every service answers in the same RFC 9457 shape.

pub use shared::error::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;
