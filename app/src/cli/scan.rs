//! `clinic scan FILE...`: what each image holds, as one JSON object per file.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use storage::Store;

use scanner::card::Verifier;
use scanner::image::LumaImage;

use super::json;
use crate::scan::{Resolution, resolve};

/// Prints one JSON line per file; returns whether every file could be read.
pub fn run(store: &Store, verifier: &mut Verifier, files: &[PathBuf]) -> bool {
    let mut all_read = true;
    let now_s = (store.clock().now_ms() / 1000).max(0) as u64;
    for file in files {
        let line = match scan_file(store, verifier, file, now_s) {
            Ok(v) => v,
            Err(e) => {
                all_read = false;
                json!({"file": file.display().to_string(), "error": e})
            }
        };
        println!("{line}");
    }
    all_read
}

fn scan_file(
    store: &Store,
    verifier: &mut Verifier,
    file: &Path,
    now_s: u64,
) -> Result<Value, String> {
    let image = LumaImage::load(file).map_err(|e| e.to_string())?;
    let today = store.clock().today();
    let codes: Vec<Value> = scanner::decode::decode(&image)
        .into_iter()
        .map(|d| {
            let (scan, resolution) = resolve(store, verifier, &d.text, now_s);
            let resident = match &resolution {
                Resolution::Resident { id } => store
                    .resident(*id)
                    .ok()
                    .flatten()
                    .map(|r| json::resident(&r, today)),
                _ => None,
            };
            let mut v = serde_json::to_value(&scan).unwrap_or(Value::Null);
            v["symbology"] = serde_json::to_value(d.symbology).unwrap_or(Value::Null);
            v["outcome_words"] = scan
                .outcome
                .as_ref()
                .map_or(Value::Null, |o| Value::from(o.word()));
            v["resolution"] = serde_json::to_value(&resolution).unwrap_or(Value::Null);
            v["resident"] = resident.unwrap_or(Value::Null);
            v
        })
        .collect();
    Ok(json!({
        "file": file.display().to_string(),
        "width": image.width,
        "height": image.height,
        "codes": codes,
    }))
}
