// Loads the wasm UI (built by `cargo xtask ui`); a separate file keeps the CSP free of inline scripts.
import init from './ui.js';
init();
