//! Partition leases on both databases: fair shares, fencing by epoch, takeover after expiry;
//! and rows written before partitions existed get theirs when the store opens.

mod backends;

use backends::{each_backend, TestDb};
use journeys_store::{partition_of, sqlite_url_for, InstanceRow, Lease, LeaseTerms, Scope, Store, StoreError, PARTITIONS};

const TTL: i64 = 10_000;

fn terms(node: &str, now: i64) -> LeaseTerms<'_> {
    LeaseTerms { node, now, ttl_ms: TTL }
}

#[tokio::test]
async fn leases_are_shared_fenced_and_taken_over_after_expiry() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        assert_eq!(store.heartbeat(terms("a", 1_000)).await.expect("a alive"), ["a"]);
        let a = store.acquire_leases(terms("a", 1_000), PARTITIONS, &[]).await.expect("a takes all");
        assert_eq!(a.len(), PARTITIONS as usize);
        assert!(a.iter().all(|l| l.epoch == 1), "a first take is epoch 1");

        assert_eq!(store.heartbeat(terms("b", 2_000)).await.expect("b alive"), ["a", "b"]);
        assert!(store.acquire_leases(terms("b", 2_000), 128, &[]).await.expect("nothing free").is_empty(), "held leases are not taken");
        let upper: Vec<i64> = (128..PARTITIONS).collect();
        store.release_leases("a", &upper).await.expect("a gives half back");
        let b = store.acquire_leases(terms("b", 2_000), 128, &[]).await.expect("b takes the free half");
        assert_eq!(b.iter().map(|l| l.partition).collect::<Vec<_>>(), upper);
        assert!(b.iter().all(|l| l.epoch == 2), "every take bumps the epoch");

        // Fencing, a batch's first read (beside its prefetch): a's view of partition 200 is stale.
        let mut tx = store.engine_tx().await.expect("tx");
        tx.begin_batch("a", &a[..3], &["e1"], &["C1"]).await.expect("a still holds 0..3 at epoch 1");
        drop(tx);
        let mut tx = store.engine_tx().await.expect("tx");
        let stale = tx.begin_batch("a", &[a[0], Lease { partition: 200, epoch: 1 }], &[], &["C1"]).await;
        assert!(matches!(stale, Err(StoreError::LeaseLost { partition: 200, .. })), "{stale:?}");
        drop(tx);

        // a stops renewing; once its leases expire b takes them, each at a new epoch.
        assert_eq!(store.renew_leases(terms("b", 5_000)).await.expect("b renews").len(), 128);
        assert!(store.acquire_leases(terms("b", 5_000), 128, &upper).await.expect("not yet").is_empty(), "a's leases have not expired");
        let taken = store.acquire_leases(terms("b", 1_000 + TTL + 1), 128, &upper).await.expect("after expiry");
        assert_eq!(taken.len(), 128);
        assert!(taken.iter().all(|l| l.partition < 128 && l.epoch == 2));
        let mut tx = store.engine_tx().await.expect("tx");
        assert!(matches!(tx.begin_batch("a", &a[..1], &[], &[]).await, Err(StoreError::LeaseLost { partition: 0, .. })));
        drop(tx);
        assert_eq!(store.heartbeat(terms("b", 30_000)).await.expect("only b is alive"), ["b"]);

        store.leave("b").await.expect("b stops cleanly");
        assert!(store.lease_table().await.expect("table").iter().all(|row| row.owner.is_none()), "a clean stop frees every partition");
    })
    .await;
}

#[tokio::test]
async fn rows_from_before_partitions_get_theirs_on_open() {
    let dir = tempfile::tempdir().expect("dir");
    let url = sqlite_url_for(&dir.path().join("old.db"));
    let store = Store::open(&url).await.expect("open");
    let mut tx = store.engine_tx().await.expect("tx");
    let row = InstanceRow {
        customer_id: "C42".into(),
        journey_id: "j".into(),
        version: 1,
        node: "wait".into(),
        status: "waiting".into(),
        wake_at: Some(5),
        state: "{}".into(),
        entered_at: 0,
        updated_at: 0,
    };
    tx.put_instance(&row).await.expect("instance");
    tx.commit().await.expect("commit");
    store.close().await;
    {
        // As a database written before migration 0011 would have it.
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
        sqlx::query("UPDATE instances SET partition = NULL").execute(&mut conn).await.expect("clear");
        conn.close().await.expect("close");
    }
    let mine = [partition_of("C42")];
    let other = [(partition_of("C42") + 1) % PARTITIONS];
    let store = Store::open(&url).await.expect("reopen");
    assert_eq!(store.due_wake_ups(10, 10, Scope::Partitions(&mine)).await.expect("due").len(), 1, "backfilled into its partition");
    assert!(store.due_wake_ups(10, 10, Scope::Partitions(&other)).await.expect("due").is_empty());
    assert!(store.due_wake_ups(10, 10, Scope::Partitions(&[])).await.expect("due").is_empty(), "no partitions, no rows");
}
