//! The documents committed under docs/ (the OpenAPI document and the frame schema) must equal
//! what the code generates, so that a third party reading the repository gets the API this
//! version serves. `CONFAB_UPDATE_DOCS=1 cargo test -p server --lib committed` rewrites them.

use std::path::PathBuf;

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

/// Compares (or, with `CONFAB_UPDATE_DOCS=1`, rewrites) one committed document.
fn check(file: &str, generated: &str) {
    let path = docs_dir().join(file);
    if std::env::var_os("CONFAB_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| committed.lines().count().min(generated.lines().count()) + 1, |index| index + 1);
        panic!(
            "docs/{file} is not what the code generates (first difference at line {line}); \
             run `CONFAB_UPDATE_DOCS=1 cargo test -p server --lib committed` and commit docs/{file}"
        );
    }
}

#[test]
fn committed_openapi_document_is_current() {
    let generated = serde_json::to_string_pretty(&super::document_value()).unwrap() + "\n";
    check("openapi.json", &generated);
}

#[test]
fn committed_frame_schema_is_current() {
    check("frames.schema.json", super::frames::frames_schema_json());
}

#[test]
fn operation_ids_are_unique() {
    // Generated clients name their methods after operation ids; a repeated one breaks them.
    let document = super::document();
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in &document.paths.paths {
        for operation in [&item.get, &item.put, &item.post, &item.delete, &item.patch].into_iter().flatten() {
            let id = operation.operation_id.clone().unwrap_or_default();
            assert!(seen.insert(id.clone()), "operationId `{id}` of {path} is used twice");
        }
    }
}
