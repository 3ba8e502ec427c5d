//! The end-to-end harness: starts catalog, tender, matching and the pages in the test
//! process through the launcher's composition root (`wuye::platform`), each on its own
//! random port with a fresh database (a temporary SQLite file, or a fresh PostgreSQL schema
//! when `WUYE_TEST_POSTGRES_URL` is set), and a typed client over reqwest. Every
//! end-to-end test goes through [`spawn_app`]. Valid bodies and places are in [`fixtures`];
//! the tender service's typed client and shared steps ([`tender::World`]) in [`tender`];
//! the pages' form client in [`pages`]; the browser in [`browser`].

pub mod app;
pub mod backend;
pub mod ballots;
pub mod browser;
pub mod fixtures;
pub mod pages;
pub mod tender;

pub use app::{
    Answer, Options, REFERENCE_CHANGES, Replica, TestApp, assert_fields, field_code, spawn_app,
    spawn_app_with,
};
pub use backend::{Backend, fresh_database, test_dir};

/// Runs an async test body once per backend: `both_backends!(name)` expects
/// `async fn name(backend: Backend)` in scope and makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(b) = $crate::Backend::postgres() {
                    super::$name(b).await
                }
            }
        }
    )*};
}
