//! The wuye launcher: `wuye up` runs catalog, tender, matching and the pages in one process
//! behind one port; `wuye serve <service>` runs one of them alone. Both, the demo and the
//! end-to-end harness build the services through one composition root ([`platform`]).

pub mod backup;
pub mod cli;
pub mod demo;
pub mod launcher;
pub mod platform;
pub mod settings;
pub mod synthetic;
