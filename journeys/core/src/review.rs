//! Users, roles and versions as the store keeps them and the UI receives them. The rules
//! (who may do what, four eyes) are enforced by the store; these are the shared records.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Creates and edits drafts, runs simulations, submits versions.
    Designer,
    /// Reads everything, approves or rejects others' versions, publishes, pauses.
    Reviewer,
    /// Runs and reads simulations; changes no journey.
    Analyst,
    /// Manages users; cannot bypass four eyes.
    Admin,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Role::Designer => "designer",
            Role::Reviewer => "reviewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        [Role::Designer, Role::Reviewer, Role::Analyst, Role::Admin].into_iter().find(|r| r.key() == key)
    }

    /// Whether this role may change drafts and submit versions.
    pub fn edits(self) -> bool {
        matches!(self, Role::Designer | Role::Admin)
    }

    /// Whether this role may approve or reject (others') versions.
    pub fn reviews(self) -> bool {
        self == Role::Reviewer
    }

    /// Whether this role may publish, pause, resume and retire versions.
    pub fn operates(self) -> bool {
        matches!(self, Role::Reviewer | Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Submitted,
    Approved,
    Rejected,
    Published,
    /// Published but stopped: no new entries, no contacts, until resumed.
    Paused,
    Retired,
}

impl VersionStatus {
    pub fn key(self) -> &'static str {
        match self {
            VersionStatus::Submitted => "submitted",
            VersionStatus::Approved => "approved",
            VersionStatus::Rejected => "rejected",
            VersionStatus::Published => "published",
            VersionStatus::Paused => "paused",
            VersionStatus::Retired => "retired",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        use VersionStatus::*;
        [Submitted, Approved, Rejected, Published, Paused, Retired].into_iter().find(|s| s.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub journey_id: String,
    pub number: i64,
    pub content_hash: String,
    pub status: VersionStatus,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub decided_by: Option<String>,
    pub comment: Option<String>,
    /// The submitter and everyone who edited the draft since the previous submission: none of
    /// them may approve or reject this version.
    pub editors: Vec<String>,
}

impl VersionSummary {
    /// `JOURNEY_ID@N`
    pub fn reference(&self) -> String {
        format!("{}@{}", self.journey_id, self.number)
    }
}
