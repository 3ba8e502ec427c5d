//! Following the catalog and tender feeds (the search index joins with the matching issue).

use futures::future::BoxFuture;
use shared::feed::{Apply, Change};
use sqlx::AnyConnection;

/// Applies catalog changes to matching's copy.
pub struct CatalogFollower;

impl Apply for CatalogFollower {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            shared::follow::apply_place(conn, change).await?;
            Ok(())
        })
    }
}

/// Applies tender changes (none are kept yet; the cursor still advances).
pub struct TenderFollower;

impl Apply for TenderFollower {
    fn apply<'a>(
        &'a self,
        _conn: &'a mut AnyConnection,
        _change: &'a Change,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}
