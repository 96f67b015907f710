//! Customers as the engine sees them: profiles the HTTP API checks, instances it writes, on
//! SQLite and PostgreSQL.

mod backends;

use backends::{each_backend, TestDb};
use journeys_store::InstanceRow;

/// Which of a request's customers exist, asked in lists of 500: more than one list, ids
/// repeated, unknown ones among them.
#[tokio::test]
async fn known_customers_are_found_in_lists_of_any_length() {
    each_backend(|db: TestDb| async move {
        let stored: Vec<(String, String)> = (0..700).map(|i| (format!("C{i}"), format!(r#"{{"id":"C{i}"}}"#))).collect();
        db.store.upsert_customers(&stored, 0).await.expect("customers");
        let asked: Vec<String> = (0..1_200).map(|i| format!("C{}", i % 900)).collect();
        let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
        let known = db.store.known_customers(&asked).await.expect("known");
        assert_eq!(known.len(), 700);
        assert!(known.contains("C0") && known.contains("C699") && !known.contains("C700"));
        assert!(db.store.known_customers(&[]).await.expect("none asked").is_empty());
    })
    .await;
}

fn instance(customer: &str, node: &str) -> InstanceRow {
    InstanceRow { customer_id: customer.into(), journey_id: "j".into(), version: 1, node: node.into(), status: "waiting".into(), wake_at: Some(5), state: "{}".into(), entered_at: 0, updated_at: 0 }
}

/// An instance the transaction read as not stored is inserted plainly, one it read is
/// updated, and one of a customer it never read is upserted: none of them collides.
#[tokio::test]
async fn instances_are_inserted_or_updated_as_the_transaction_read_them() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let mut tx = store.engine_tx().await.expect("tx");
        tx.prefetch(&[], &["A", "B"]).await.expect("read");
        for (customer, node) in [("A", "first"), ("A", "second"), ("B", "first")] {
            tx.put_instance(&instance(customer, node)).await.expect("put");
        }
        tx.commit().await.expect("new instances");

        let mut tx = store.engine_tx().await.expect("tx");
        tx.prefetch(&[], &["A"]).await.expect("read");
        tx.put_instance(&instance("A", "third")).await.expect("read and changed");
        tx.put_instance(&instance("B", "second")).await.expect("never read");
        tx.commit().await.expect("changed instances");

        let node = |rows: Vec<InstanceRow>| rows.into_iter().map(|r| r.node).collect::<Vec<_>>();
        assert_eq!(node(store.customer_instances("A").await.expect("A")), vec!["third"]);
        assert_eq!(node(store.customer_instances("B").await.expect("B")), vec!["second"]);
    })
    .await;
}
