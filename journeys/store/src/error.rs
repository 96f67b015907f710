use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("cannot open database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("no user data directory on this system; set DATABASE_URL")]
    NoDataDir,
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("journey '{0}' not found")]
    NotFound(String),
    #[error("{what} '{id}' already exists")]
    AlreadyExists { what: &'static str, id: String },
    #[error("journey '{id}' was changed elsewhere: you edited revision {expected}, the database has revision {actual}; reload before saving")]
    Conflict { id: String, expected: i64, actual: i64 },
    #[error("stored journey '{id}' is unreadable: {message}")]
    Corrupt { id: String, message: String },
    #[error("no user '{0}'")]
    UnknownUser(String),
    #[error("'{0}' is not a usable user name")]
    BadUserName(String),
    #[error("cannot hash the password: {0}")]
    Password(String),
    #[error("wrong user name or password")]
    SignInFailed,
    #[error("{actor} ({role}) may not {action}")]
    Forbidden { actor: String, role: String, action: String },
    #[error("four eyes: {actor} submitted or edited {reference} and may not decide on it")]
    FourEyes { actor: String, reference: String },
    #[error("a comment is required")]
    CommentRequired,
    #[error("the {what} is {length} characters long; at most {max} are allowed")]
    TooLong { what: &'static str, length: usize, max: usize },
    #[error("{reference} is {status}; it must be {needed}")]
    WrongStatus { reference: String, status: String, needed: String },
    #[error("'{0}' is not a version reference; write JOURNEY_ID@N")]
    BadReference(String),
    #[error("journey '{id}' has errors and cannot be submitted: {}", errors.join("; "))]
    InvalidJourney { id: String, errors: Vec<String> },
    #[error("not a migration: {0}")]
    BadMigration(String),
    #[error("the audit log is broken at row {seq}")]
    AuditBroken { seq: i64 },
    #[error("no {what} '{id}'")]
    Unknown { what: &'static str, id: String },
    #[error("offer '{id}' cannot be submitted: {message}")]
    InvalidOffer { id: String, message: String },
    #[error("'{0}' is not a model kind; use churn, activation, cross_sell_PRODUCT or clv")]
    UnknownModelKind(String),
    #[error("a {kind} model must give {expected}; this one gives {actual}")]
    WrongModelLink { kind: String, expected: &'static str, actual: &'static str },
    #[error("not a usable customer schema: {0}")]
    InvalidSchema(String),
    #[error("the customer schema change would break running versions: {}", .0.join("; "))]
    SchemaBreaksVersions(Vec<String>),
    /// Text from outside that cannot be stored or looked up (core's `text` rule).
    #[error("{0}")]
    BadText(#[from] journeys_core::text::TextError),
    #[error("partition {partition} is no longer leased to engine '{node}' (epoch {epoch}); another engine holds it")]
    LeaseLost { node: String, partition: i64, epoch: i64 },
}
