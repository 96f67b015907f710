//! `journeys fmt`: rewrite journey files in canonical form (the form whose hash identifies a
//! version). `--check` only reports files that are not canonical.

use std::path::PathBuf;
use std::process::ExitCode;

use journeys_core::to_canonical_json;

use crate::files::read_journey;

pub fn run(files: &[PathBuf], check: bool) -> ExitCode {
    let (mut unreadable, mut changed) = (0, 0);
    for path in files {
        let file = path.display().to_string();
        let journey = match read_journey(path) {
            Ok(journey) => journey,
            Err(e) => {
                eprintln!("error: {}", e.display(&file));
                unreadable += 1;
                continue;
            }
        };
        let canonical = to_canonical_json(&journey);
        // The file was readable a moment ago; if it vanished since, it differs.
        if std::fs::read_to_string(path).is_ok_and(|text| text == canonical) {
            continue;
        }
        changed += 1;
        if check {
            println!("{file}: not in canonical form");
        } else if let Err(e) = journeys_output::write(path, canonical.as_bytes()) {
            eprintln!("error: {e}");
            unreadable += 1;
        } else {
            println!("{file}: formatted");
        }
    }
    if unreadable > 0 {
        ExitCode::from(2)
    } else if check && changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
