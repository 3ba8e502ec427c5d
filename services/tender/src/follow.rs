//! Following the catalog's change feed into tender's own tables.

use futures::future::BoxFuture;
use shared::feed::{Apply, Change};
use sqlx::AnyConnection;

/// Applies catalog changes to tender's copy.
pub struct CatalogFollower;

impl Apply for CatalogFollower {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            // Topics tender does not keep are skipped; the cursor still moves past them.
            shared::follow::apply_place(conn, change).await?;
            Ok(())
        })
    }
}
