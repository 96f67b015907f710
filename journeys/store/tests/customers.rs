//! Customer profiles as the engine's HTTP API checks them, on SQLite and PostgreSQL.

mod backends;

use backends::{each_backend, TestDb};

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
