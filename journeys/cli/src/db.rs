//! Opening the store for a command: the `--database-url`, else the app's SQLite file.

use std::future::Future;

use journeys_store::{default_database_url, Store};

/// Open the store, run `work` on it, close it.
pub fn with_store<T, F, Fut>(database_url: Option<String>, work: F) -> anyhow::Result<T>
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let url = match database_url {
        Some(url) => url,
        None => default_database_url()?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let store = Store::open(&url).await?;
        let result = work(store.clone()).await;
        store.close().await;
        result
    })
}
