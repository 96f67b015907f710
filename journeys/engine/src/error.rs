use journeys_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("event '{event}' names unknown customer '{customer}'")]
    UnknownCustomer { event: String, customer: String },
    #[error("stored {what} is unreadable: {message}")]
    Corrupt { what: String, message: String },
    #[error("cannot listen on {address}: {source}")]
    Listen { address: String, source: std::io::Error },
    #[error("the engine stopped before the events were committed; send them again")]
    Interrupted,
    #[error("connector: {0}")]
    Connector(String),
    #[error("sink directory {path}: {source}")]
    Sink { path: String, source: std::io::Error },
}

pub(crate) fn corrupt(what: impl Into<String>, message: impl ToString) -> EngineError {
    EngineError::Corrupt { what: what.into(), message: message.to_string() }
}
