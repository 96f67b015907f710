//! Draft storage, run against both backends: a SQLite file, and the PostgreSQL server the
//! test command starts on loopback (`JOURNEYS_TEST_POSTGRES_URL`).

mod backends;

use backends::{each_backend, TestDb};
use journeys_core::catalog::sample_journeys;
use journeys_store::{Role, StoreError};

/// A designer to act as, for stores that start without users.
async fn designer(store: &journeys_store::Store) -> &'static str {
    store.add_user("dana", Role::Designer, None).await.expect("designer");
    "dana"
}

#[tokio::test]
async fn create_list_load_round_trip() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        assert_eq!(store.seed_samples_if_empty().await.expect("seed"), sample_journeys().len());
        assert_eq!(store.seed_samples_if_empty().await.expect("second seed is a no-op"), 0);
        let demo: Vec<_> = store.users().await.expect("users").into_iter().map(|u| (u.name, u.role)).collect();
        assert_eq!(demo.len(), journeys_store::DEMO_USERS.len(), "a new sample database has one demo user per role");
        let rey = store.sign_in("rey", journeys_store::DEMO_PASSWORD).await.expect("demo sign-in");
        assert_eq!(rey.role, Role::Reviewer);
        let listed = store.list_drafts().await.expect("list");
        assert_eq!(listed.len(), sample_journeys().len());
        for journey in sample_journeys() {
            let loaded = store.load_draft(&journey.id).await.expect("load");
            assert_eq!(loaded.journey, journey, "{} survives the round trip", journey.id);
            assert_eq!(loaded.revision, 1);
        }
    })
    .await;
}

#[tokio::test]
async fn save_bumps_the_revision_and_stale_save_conflicts() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let actor = designer(&store).await;
        let mut journey = sample_journeys().remove(0);
        store.create_draft(&journey, actor).await.expect("create");
        journey.name = "Renamed in window A".into();
        assert_eq!(store.save_draft(&journey, 1, actor).await.expect("first save"), 2);

        // Window B still holds revision 1: its save must be refused, and must change nothing.
        let mut stale = journey.clone();
        stale.name = "Renamed in window B".into();
        match store.save_draft(&stale, 1, actor).await {
            Err(StoreError::Conflict { expected: 1, actual: 2, .. }) => {}
            other => panic!("expected a conflict, got {other:?}"),
        }
        let loaded = store.load_draft(&journey.id).await.expect("load");
        assert_eq!((loaded.journey.name.as_str(), loaded.revision), ("Renamed in window A", 2));
        assert_eq!(store.list_drafts().await.expect("list")[0].name, "Renamed in window A");
    })
    .await;
}

#[tokio::test]
async fn an_imported_journey_becomes_a_new_draft_and_never_overwrites_one() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let actor = designer(&store).await;
        let journey = sample_journeys().remove(0);
        let first = store.import_draft(&journey, actor).await.expect("import into a free id");
        assert_eq!(first.journey, journey, "the file's id and content are kept");
        let mut changed = journey.clone();
        changed.name = "Changed outside the app".into();
        let second = store.import_draft(&changed, actor).await.expect("import over a taken id");
        assert_eq!(second.journey.id, format!("{}-2", journey.id));
        assert_eq!(second.journey.name, "Changed outside the app");
        assert_eq!(store.load_draft(&journey.id).await.expect("original").journey, journey, "the original draft is untouched");
        assert_eq!(store.import_draft(&changed, actor).await.expect("third").journey.id, format!("{}-3", journey.id));
    })
    .await;
}

#[tokio::test]
async fn missing_and_duplicate_drafts_are_errors() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let actor = designer(&store).await;
        let journey = sample_journeys().remove(0);
        assert!(matches!(store.load_draft("nope").await, Err(StoreError::NotFound(id)) if id == "nope"));
        assert!(matches!(store.save_draft(&journey, 1, actor).await, Err(StoreError::NotFound(_))));
        store.create_draft(&journey, actor).await.expect("create");
        assert!(matches!(store.create_draft(&journey, actor).await, Err(StoreError::AlreadyExists { .. })));
    })
    .await;
}

#[tokio::test]
async fn unreachable_database_is_a_clear_error() {
    let err = journeys_store::Store::open("postgres://journeys:pw@127.0.0.1:1/none").await.unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("cannot open database postgres://journeys:***@127.0.0.1:1/none"), "{message}");
    let err = journeys_store::Store::open("mysql://x").await.unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl(_)), "{err}");
}

#[tokio::test]
async fn generated_journeys_keep_their_content_hash_through_the_store() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let actor = designer(&store).await;
        for seed in 0..12_u64 {
            let journey = journeys_core::generate::random_journey(seed, 5 + 20 * seed as usize);
            store.create_draft(&journey, actor).await.expect("create");
            let loaded = store.load_draft(&journey.id).await.expect("load").journey;
            assert_eq!(journeys_core::content_hash(&loaded), journeys_core::content_hash(&journey), "seed {seed}");
            assert_eq!(journeys_core::validate(&loaded), vec![], "seed {seed}");
        }
    })
    .await;
}

#[tokio::test]
async fn simulation_runs_are_saved_listed_and_reloaded() {
    use journeys_store::RunParameters;
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let params = RunParameters { customers: 2_000, seed: 7, days: 30, population: None, scenario: Some(r#"{"goal_base_rate":0.01}"#.into()) };
        let first = store.save_run("credit-card-activation", 1, &params, r#"{"customers":2000}"#).await.expect("save");
        let second = store.save_run("credit-card-activation", 2, &RunParameters { seed: 8, ..params.clone() }, r#"{"customers":2000,"seed":8}"#).await.expect("save");
        store.save_run("other", 1, &params, "{}").await.expect("save other");
        let runs = store.list_runs("credit-card-activation").await.expect("list");
        assert_eq!(runs.len(), 2);
        assert!(runs.iter().any(|r| r.id == first.id && r.parameters == params && r.revision == 1));
        assert!(runs.iter().any(|r| r.id == second.id && r.parameters.seed == 8));
        assert_eq!(store.load_run_report(&second.id).await.expect("report"), r#"{"customers":2000,"seed":8}"#);
        assert!(matches!(store.load_run_report("nope").await, Err(StoreError::NotFound(_))));
    })
    .await;
}

#[tokio::test]
async fn only_designers_and_admins_edit_drafts_and_refusals_write_nothing() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let actor = designer(&store).await;
        store.add_user("ava", Role::Analyst, None).await.expect("analyst");
        store.add_user("rui", Role::Reviewer, None).await.expect("reviewer");
        let mut journey = sample_journeys().remove(0);
        store.create_draft(&journey, actor).await.expect("create");
        let audit_rows = store.audit_log().await.expect("audit").len();
        journey.name = "Changed by an analyst".into();
        for who in ["ava", "rui"] {
            assert!(matches!(store.save_draft(&journey, 1, who).await, Err(StoreError::Forbidden { .. })), "{who}");
        }
        assert!(matches!(store.save_draft(&journey, 1, "nobody").await, Err(StoreError::UnknownUser(_))));
        assert!(matches!(store.create_blank_draft("Mine", "ava").await, Err(StoreError::Forbidden { .. })));
        let loaded = store.load_draft(&journey.id).await.expect("load");
        assert_eq!((loaded.revision, loaded.journey.name == journey.name), (1, false), "nothing written");
        assert_eq!(store.audit_log().await.expect("audit").len(), audit_rows, "no audit rows for refusals");
        assert_eq!(store.draft_editors(&journey.id).await.expect("editors"), vec!["dana".to_string()]);
    })
    .await;
}

/// What the app and the CLI hand the store goes through one text rule on both databases:
/// PostgreSQL cannot store a NUL (SQLite could), so neither takes one, and nothing is written.
#[tokio::test]
async fn text_no_database_can_keep_is_refused_alike_and_nothing_is_written() {
    each_backend(|db: TestDb| async move {
        let store = db.store;
        let actor = designer(&store).await;
        let mut journey = sample_journeys().remove(0);
        journey.name = "Welcome\u{0}".into();
        let refused = store.import_draft(&journey, actor).await.expect_err("a NUL in the name");
        assert!(matches!(&refused, StoreError::BadText(e) if e.field == "journey name"), "{refused}");
        journey.name = "Welcome".into();
        journey.id = "welcome\u{1b}".into();
        let refused = store.create_draft(&journey, actor).await.expect_err("a control character in the id");
        assert!(refused.to_string().contains("journey id contains a control character (U+001B)"), "{refused}");
        assert!(store.list_drafts().await.expect("list").is_empty(), "nothing was stored");

        let refused = store.sign_in("rey\u{0}", "demo").await.expect_err("no such user");
        assert!(matches!(refused, StoreError::SignInFailed), "{refused}");
        let refused = store.add_user("eve\u{0}", Role::Admin, None).await.expect_err("bad name");
        assert!(matches!(refused, StoreError::BadUserName(_)), "{refused}");
        let refused = store.customer_profile("a\u{0}b").await.expect_err("a lookup by a NUL id");
        assert!(matches!(refused, StoreError::BadText(_)), "{refused}");
    })
    .await;
}
