//! Versions, four-eyes review, roles and the audit chain, on SQLite and PostgreSQL.

mod backends;

use backends::{each_backend, TestDb};
use journeys_core::catalog::sample_journeys;
use journeys_store::{Role, StoreError, VersionStatus};

async fn team(store: &journeys_store::Store) {
    store.add_user("dana", Role::Designer, Some("dana-secret")).await.expect("designer");
    store.add_user("rui", Role::Reviewer, Some("rui-secret")).await.expect("reviewer");
    store.add_user("ava", Role::Analyst, None).await.expect("analyst");
    store.add_user("ada", Role::Admin, None).await.expect("admin");
}

#[tokio::test]
async fn submit_approve_publish_with_four_eyes() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        let journey = sample_journeys().remove(0);
        let v1 = store.submit(&journey, "dana").await.expect("submit");
        assert_eq!((v1.reference(), v1.status), (format!("{}@1", journey.id), VersionStatus::Submitted));
        assert_eq!(v1.content_hash, journeys_core::content_hash(&journey));

        // Roles and four eyes are enforced by the store, whatever the UI shows.
        assert!(matches!(store.approve(&v1.reference(), "dana", "ok").await, Err(StoreError::Forbidden { .. })));
        assert!(matches!(store.submit(&journey, "ava").await, Err(StoreError::Forbidden { .. })));
        assert!(matches!(store.approve(&v1.reference(), "ada", "ok").await, Err(StoreError::Forbidden { .. })), "admins cannot bypass four eyes");
        assert!(matches!(store.publish(&v1.reference(), "rui").await, Err(StoreError::WrongStatus { .. })), "not approved yet");
        assert!(matches!(store.approve(&v1.reference(), "rui", " ").await, Err(StoreError::CommentRequired)));
        let approved = store.approve(&v1.reference(), "rui", "consent purposes checked").await.expect("approve");
        assert_eq!((approved.status, approved.decided_by.as_deref()), (VersionStatus::Approved, Some("rui")));
        assert!(matches!(store.reject(&v1.reference(), "rui", "too late").await, Err(StoreError::WrongStatus { .. })));
        assert_eq!(store.publish(&v1.reference(), "rui").await.expect("publish").status, VersionStatus::Published);

        // A second version goes live; the first is retired; the snapshot stays as submitted.
        let mut changed = journey.clone();
        changed.name = "Loan abandonment v2".into();
        let v2 = store.submit(&changed, "dana").await.expect("submit v2");
        assert_eq!(v2.number, 2);
        store.approve(&v2.reference(), "rui", "fine").await.expect("approve v2");
        store.publish(&v2.reference(), "ada").await.expect("publish v2");
        let statuses: Vec<_> = store.versions(&journey.id).await.expect("versions").iter().map(|v| v.status).collect();
        assert_eq!(statuses, vec![VersionStatus::Retired, VersionStatus::Published]);
        assert!(matches!(store.pause(&v2.reference(), "dana").await, Err(StoreError::Forbidden { .. })));
        assert_eq!(store.pause(&v2.reference(), "rui").await.expect("pause").status, VersionStatus::Paused);
        assert!(matches!(store.pause(&v2.reference(), "rui").await, Err(StoreError::WrongStatus { .. })));
        assert_eq!(store.resume(&v2.reference(), "rui").await.expect("resume").status, VersionStatus::Published);
        assert!(matches!(store.resume(&v1.reference(), "rui").await, Err(StoreError::WrongStatus { .. })), "v1 is retired");
        let stored = store.load_version(&journey.id, 1).await.expect("v1");
        assert_eq!(stored, journeys_core::canonical(&journey), "v1 is kept exactly, in canonical form");
        assert_eq!(journeys_core::content_hash(&stored), v1.content_hash);

        // Someone promoted to reviewer still may not decide on a version they submitted.
        let v3 = store.submit(&changed, "dana").await.expect("submit v3");
        store.tamper_for_tests("UPDATE users SET role = 'reviewer' WHERE name = 'dana'").await;
        assert!(matches!(store.approve(&v3.reference(), "dana", "mine").await, Err(StoreError::FourEyes { .. })));
        let rejected = store.reject(&v3.reference(), "rui", "needs a holdout").await.expect("reject");
        assert_eq!((rejected.status, rejected.comment.as_deref()), (VersionStatus::Rejected, Some("needs a holdout")));
    })
    .await;
}

#[tokio::test]
async fn invalid_journeys_unknown_users_and_bad_references_are_refused() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        let mut broken = sample_journeys().remove(0);
        broken.edges.clear();
        assert!(matches!(store.submit(&broken, "dana").await, Err(StoreError::InvalidJourney { .. })));
        assert!(matches!(store.submit(&sample_journeys().remove(0), "nobody").await, Err(StoreError::UnknownUser(_))));
        assert!(matches!(store.approve("no-at-sign", "rui", "x").await, Err(StoreError::BadReference(_))));
        assert!(matches!(store.approve("x@1", "rui", "x").await, Err(StoreError::NotFound(_))));
        let twice = store.add_user("dana", Role::Admin, None).await.expect_err("a user name is taken once");
        assert_eq!(twice.to_string(), "user 'dana' already exists");
        assert_eq!(store.versions("loan-application-abandonment").await.expect("versions"), vec![]);
    })
    .await;
}

#[tokio::test]
async fn sign_in_checks_the_argon2_hash_and_is_audited() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        assert_eq!(store.sign_in("dana", "dana-secret").await.expect("sign in").role, Role::Designer);
        assert!(matches!(store.sign_in("dana", "wrong").await, Err(StoreError::SignInFailed)));
        assert!(matches!(store.sign_in("ava", "anything").await, Err(StoreError::SignInFailed)), "no password set");
        let log = store.audit_log().await.expect("log");
        let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(&actions[4..], &["signed_in", "sign_in_failed", "sign_in_failed"]);
        assert!(log.iter().all(|e| !e.detail.contains("secret")));
    })
    .await;
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_detected_at_the_first_bad_row() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        let v1 = store.submit(&sample_journeys().remove(0), "dana").await.expect("submit");
        store.approve(&v1.reference(), "rui", "ok").await.expect("approve");
        assert_eq!(store.verify_audit().await.expect("intact"), 6);
        store.tamper_for_tests("UPDATE audit_log SET detail = 'approved without checks' WHERE seq = 6").await;
        assert!(matches!(store.verify_audit().await, Err(StoreError::AuditBroken { seq: 6 })));
        store.tamper_for_tests("DELETE FROM audit_log WHERE seq = 2").await;
        assert!(matches!(store.verify_audit().await, Err(StoreError::AuditBroken { seq: 3 })));
    })
    .await;
}

#[tokio::test]
async fn nobody_who_edited_the_draft_may_decide_on_its_version() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        let mut journey = sample_journeys().remove(0);
        store.create_draft(&journey, "dana").await.expect("create");
        // An admin edits the draft, then (promoted to reviewer) tries to approve what dana submits.
        journey.name = "Edited by ada".into();
        store.save_draft(&journey, 1, "ada").await.expect("admin edit");
        let v1 = store.submit(&journey, "dana").await.expect("submit");
        assert_eq!(v1.editors, vec!["ada".to_string(), "dana".to_string()]);
        store.tamper_for_tests("UPDATE users SET role = 'reviewer' WHERE name = 'ada'").await;
        assert!(matches!(store.approve(&v1.reference(), "ada", "looks fine").await, Err(StoreError::FourEyes { .. })));
        assert_eq!(store.version(&journey.id, 1).await.expect("v1").status, VersionStatus::Submitted, "nothing written");
        store.approve(&v1.reference(), "rui", "independent review").await.expect("rui approves");
        // Editors are counted per version: the next one starts afresh.
        assert!(store.draft_editors(&journey.id).await.expect("editors").is_empty());
        let v2 = store.submit(&journey, "dana").await.expect("submit v2");
        assert_eq!(v2.editors, vec!["dana".to_string()]);
        assert_eq!(store.approve(&v2.reference(), "ada", "I did not edit this one").await.expect("ada approves v2").status, VersionStatus::Approved);
    })
    .await;
}

#[tokio::test]
async fn hostile_names_comments_and_references_are_refused_or_kept_as_plain_data() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        // SQL metacharacters are data: the user exists under exactly that name and no table is gone.
        let sly = "robert'); DROP TABLE users; --";
        store.add_user(sly, Role::Reviewer, Some("pw")).await.expect("odd but valid name");
        assert_eq!(store.user(sly).await.expect("round trip").name, sly);
        assert!(store.users().await.expect("users table intact").len() >= 5);

        let huge = "x".repeat(100_000);
        assert!(matches!(store.add_user(&huge, Role::Designer, None).await, Err(StoreError::BadUserName(_))));
        assert!(matches!(store.user(&huge).await, Err(StoreError::UnknownUser(_))));

        let v1 = store.submit(&sample_journeys().remove(0), "dana").await.expect("submit");
        let audit_rows = store.audit_log().await.expect("audit").len();
        match store.approve(&v1.reference(), "rui", &huge).await {
            Err(StoreError::TooLong { what: "comment", length: 100_000, .. }) => {}
            other => panic!("expected a too-long comment, got {other:?}"),
        }
        let quoted = format!("{huge}@1");
        let err = store.approve(&quoted, "rui", "ok").await.expect_err("100 kB reference");
        assert!(matches!(err, StoreError::BadReference(_)) && err.to_string().len() < 200, "{err}");
        let err = store.approve(&format!("{sly}@1"), "rui", "ok").await.expect_err("no such journey");
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert_eq!(store.version(&v1.journey_id, 1).await.expect("v1").status, VersionStatus::Submitted, "nothing written");
        assert_eq!(store.audit_log().await.expect("audit").len(), audit_rows, "refusals leave no audit rows");
        store.verify_audit().await.expect("chain intact");
    })
    .await;
}

#[tokio::test]
async fn a_migration_dry_run_says_who_moves_where_and_a_reviewer_applies_it() {
    use journeys_store::InstanceRow;
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        let journey = sample_journeys().into_iter().find(|j| j.id == "credit-card-activation").expect("sample");
        let id = journey.id.clone();
        let v1 = store.submit(&journey, "dana").await.expect("v1");
        store.approve(&v1.reference(), "rui", "ok").await.expect("approve v1");
        store.publish(&v1.reference(), "rui").await.expect("publish v1");
        // v2 drops the first wait; the second one stays.
        let mut changed = journey.clone();
        changed.remove_node("wait_3d");
        changed.edges.push(journeys_core::Edge { id: "e_direct".into(), from: "issued".into(), port: "out".into(), to: "not_active".into() });
        let v2 = store.submit(&changed, "dana").await.expect("v2");
        store.approve(&v2.reference(), "rui", "ok").await.expect("approve v2");

        // Customers in flight on v1: three at wait_3d, two at wait_2d, one already done.
        let mut tx = store.engine_tx().await.expect("tx");
        for (i, (node, status)) in [("wait_3d", "waiting"), ("wait_3d", "waiting"), ("wait_3d", "waiting"), ("wait_2d", "waiting"), ("wait_2d", "waiting"), ("exit_done", "exited")].iter().enumerate() {
            let row = InstanceRow {
                customer_id: format!("C{i}"),
                journey_id: id.clone(),
                version: 1,
                node: node.to_string(),
                status: status.to_string(),
                wake_at: Some(1_000),
                state: "{}".into(),
                entered_at: 0,
                updated_at: 0,
            };
            tx.put_instance(&row).await.expect("instance");
        }
        tx.commit().await.expect("commit");

        let plan = store.migration_plan(&v1.reference(), &v2.reference()).await.expect("dry run");
        let summary: Vec<_> = plan.iter().map(|m| (m.from_node.as_str(), m.to_node.as_deref(), m.customers)).collect();
        assert_eq!(summary, vec![("wait_2d", Some("wait_2d"), 2), ("wait_3d", None, 3)]);
        assert!(matches!(store.migration_plan(&v1.reference(), &v1.reference()).await, Err(StoreError::BadMigration(_))));

        // Only reviewers apply it, and only onto the live version.
        assert!(matches!(store.migrate(&v1.reference(), &v2.reference(), "dana").await, Err(StoreError::Forbidden { .. })));
        assert!(matches!(store.migrate(&v1.reference(), &v2.reference(), "rui").await, Err(StoreError::WrongStatus { .. })), "v2 is not live yet");
        store.publish(&v2.reference(), "rui").await.expect("publish v2");
        let (_, moved) = store.migrate(&v1.reference(), &v2.reference(), "rui").await.expect("migrate");
        assert_eq!(moved, 2);
        let versions: Vec<_> = store.customer_instances("C3").await.expect("C3").iter().map(|i| (i.version, i.node.clone())).collect();
        assert_eq!(versions, vec![(2, "wait_2d".to_string())]);
        assert_eq!(store.customer_instances("C0").await.expect("C0")[0].version, 1, "wait_3d is gone in v2: C0 finishes v1");
        assert_eq!(store.customer_instances("C5").await.expect("C5")[0].version, 1, "finished customers are not moved");
        let last = store.audit_log().await.expect("audit").pop().expect("a row");
        assert_eq!((last.actor.as_str(), last.action.as_str(), last.detail.as_str()), ("rui", "migrated", "2 moved, 3 stay"));
        // The dry run now finds nobody left on v1 who could move.
        let again = store.migration_plan(&v1.reference(), &v2.reference()).await.expect("dry run again");
        assert!(again.iter().all(|m| m.to_node.is_none()), "{again:?}");
        store.verify_audit().await.expect("chain intact");
    })
    .await;
}

#[tokio::test]
async fn concurrent_decisions_and_publishes_leave_one_outcome_and_one_live_version() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        team(&store).await;
        store.add_user("rae", Role::Reviewer, None).await.expect("second reviewer");
        let journey = sample_journeys().remove(0);
        let mut refs = Vec::new();
        for n in 0..3 {
            let mut version = journey.clone();
            version.name = format!("{} (take {n})", journey.name);
            refs.push(store.submit(&version, "dana").await.expect("submit").reference());
        }
        // Two reviewers decide on the same version at once: exactly one decision lands.
        let (a, b) = tokio::join!(store.approve(&refs[0], "rui", "fine"), store.reject(&refs[0], "rae", "not fine"));
        assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} / {b:?}");
        let loser = if a.is_ok() { b.err() } else { a.err() };
        assert!(matches!(loser, Some(StoreError::WrongStatus { .. })), "{loser:?}");
        // Two approved versions published at once, several times over: one live version.
        store.approve(&refs[1], "rui", "fine").await.expect("approve v2");
        store.approve(&refs[2], "rae", "fine").await.expect("approve v3");
        let (x, y) = tokio::join!(store.publish(&refs[1], "rui"), store.publish(&refs[2], "rae"));
        assert!(x.is_ok() && y.is_ok(), "{x:?} / {y:?}");
        let live: Vec<_> = store.versions(&journey.id).await.expect("versions").into_iter().filter(|v| v.status == VersionStatus::Published).collect();
        assert_eq!(live.len(), 1, "{live:?}");
        // The version that lost the race was retired; it cannot be published again.
        let again = if live[0].number == 2 { &refs[2] } else { &refs[1] };
        let retired = store.version(&journey.id, if live[0].number == 2 { 3 } else { 2 }).await.expect("other");
        assert_eq!(retired.status, VersionStatus::Retired);
        assert!(matches!(store.publish(again, "rui").await, Err(StoreError::WrongStatus { .. })));
        store.verify_audit().await.expect("the audit chain survived the races");
    })
    .await;
}
