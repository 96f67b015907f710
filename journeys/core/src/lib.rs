//! The journey model, its JSON file format and its validation.
//!
//! Pure by design: no I/O, no async, no database. The same code runs natively (CLI, store,
//! desktop shell) and in the browser (the canvas validates as the user types).

pub mod analytics;
pub mod catalog;
pub mod consent;
pub mod customer_schema;
pub mod diff;
pub mod draft;
pub mod editing;
pub mod explain;
pub mod expr;
pub mod format;
pub mod fragment;
pub mod generate;
pub mod history;
pub mod import_mapping;
pub mod governance;
pub mod interpret;
pub mod layout;
pub mod migration;
pub mod kinds;
pub mod model;
pub mod offers;
pub mod population;
pub mod review;
pub mod schema;
pub mod scoring;
pub mod settings;
pub mod simulate;
pub mod template;
pub mod text;
pub mod validate;
pub mod vocabulary;

pub use draft::{DraftSummary, RunParameters, RunSummary, StoredDraft};
pub use format::{canonical, content_hash, parse_journey, to_canonical_json, to_pretty_json, ParseError, FORMAT_VERSION};
pub use model::{Channel, Edge, Journey, Node, NodeKind, Position, SplitBranch, Stage};
pub use validate::{validate, validate_with, Diagnostic, Severity, RULES};
