//! Embeds every journey template in `templates/` (not the stage blocks) so the CLI, the desktop
//! app and the wasm canvas carry the same gallery without listing files by hand.

use std::{env, fs, path::PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let templates = manifest.join("../../templates");
    println!("cargo::rerun-if-changed={}", templates.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&templates)
        .expect("templates/ exists beside the crates")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let mut out = String::from("/// Every journey template, as (file name, JSON text), sorted by file name.\n");
    out.push_str("pub const TEMPLATE_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo::rerun-if-changed={}", path.display());
        let name = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name");
        let absolute = fs::canonicalize(path).expect("template path resolves");
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", absolute.display().to_string()));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("templates.rs");
    fs::write(dest, out).expect("write generated template list");
}
