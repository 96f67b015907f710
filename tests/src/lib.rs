//! See `tests/`: the end-to-end tests live in this crate's integration tests.
