//! Read models over the engine's tables, shared by the HTTP API and the desktop app: the
//! customer page ("customer on a page") and the live counts per node.

use journeys_store::Store;
use serde::Serialize;
use serde_json::{json, Value};

use crate::process::InstanceState;
use crate::EngineError;

fn rfc3339(ms: i64) -> Value {
    chrono::DateTime::from_timestamp_millis(ms).map_or(Value::Null, |t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
}

/// Profile, instances with their current node and path, every contact and its fate (sent,
/// deferred, suppressed with the reason), and suppression-list entries. `None`: no such customer.
pub async fn customer_page(store: &Store, id: &str) -> Result<Option<Value>, EngineError> {
    let Some(profile) = store.customer_profile(id).await? else { return Ok(None) };
    let profile = serde_json::from_str::<Value>(&profile).unwrap_or(Value::String(profile));
    let instances: Vec<Value> = store
        .customer_instances(id)
        .await?
        .iter()
        .map(|i| {
            let path = serde_json::from_str::<InstanceState>(&i.state).map(|s| s.path).unwrap_or_default();
            json!({
                "journey": i.journey_id, "version": i.version, "node": i.node, "status": i.status,
                "wake_at": i.wake_at.map(rfc3339), "entered_at": rfc3339(i.entered_at), "path": path,
            })
        })
        .collect();
    let actions: Vec<Value> = store
        .customer_actions(id)
        .await?
        .iter()
        .map(|a| {
            json!({
                "idempotency_key": a.idempotency_key, "journey": a.journey_id, "version": a.version, "node": a.node,
                "channel": a.channel, "outcome": a.outcome, "reason": a.reason, "at": rfc3339(a.at),
                "deferred_until": a.due_at.map(rfc3339),
            })
        })
        .collect();
    let suppressions: Vec<Value> = store
        .customer_suppressions(id)
        .await?
        .iter()
        .map(|(channel, reason, at)| json!({ "channel": channel, "reason": reason, "since": rfc3339(*at) }))
        .collect();
    Ok(Some(json!({ "customer": profile, "instances": instances, "actions": actions, "suppressions": suppressions })))
}

/// Customers at one node of one version, by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeCount {
    pub journey_id: String,
    pub version: i64,
    pub node: String,
    pub waiting: i64,
    pub exited: i64,
}

/// Where every customer is, per version and node (waiting there, or left the journey there).
pub async fn node_counts(store: &Store) -> Result<Vec<NodeCount>, EngineError> {
    let mut counts: Vec<NodeCount> = Vec::new();
    for (journey_id, version, node, status, n) in store.instance_counts_by_node().await? {
        let index = match counts.iter().position(|c| c.journey_id == journey_id && c.version == version && c.node == node) {
            Some(i) => i,
            None => {
                counts.push(NodeCount { journey_id, version, node, waiting: 0, exited: 0 });
                counts.len() - 1
            }
        };
        match status.as_str() {
            "waiting" => counts[index].waiting += n,
            _ => counts[index].exited += n,
        }
    }
    Ok(counts)
}
