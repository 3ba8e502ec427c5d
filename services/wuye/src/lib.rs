//! The wuye launcher: `wuye up` runs catalog, tender and matching in one process behind
//! one port; `wuye serve <service>` runs one of them alone.

pub mod cli;
pub mod demo;
pub mod launcher;
pub mod settings;
