//! Walks `../shared/real-inputs` (files real tools wrote; CI has the folder)
//! and checks each is read as its tool wrote it: the tool, and the prompt,
//! seed, sampler and models it recorded. Nothing from the folder is copied
//! here; the regression tests beside this file use fixtures of our own.
//! Where the folder is missing the test says so loudly and checks nothing.

use std::path::{Path, PathBuf};

use colophon_formats::{generation, workflow::Workflow};

fn root() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-inputs");
    dir.is_dir().then_some(dir)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
    let mut nested = Vec::new();
    for p in &out {
        if p.is_dir() {
            nested.extend(files(p));
        }
    }
    out.retain(|p| p.is_file());
    out.extend(nested);
    out.sort();
    out
}

#[test]
fn every_real_image_is_read_as_its_tool_wrote_it() {
    let Some(root) = root() else {
        eprintln!("\n!!! ../shared/real-inputs is not here: the real-file check ran on nothing.\n");
        return;
    };
    let images = files(&root.join("images"));
    assert!(!images.is_empty(), "no images under {}", root.display());
    let mut failures = Vec::new();
    for path in &images {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let folder = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or_default();
        let bytes = std::fs::read(path).expect("readable");
        let g = generation::from_image(&bytes);
        // The tool each file's shape says wrote it; `None` for pictures with no generation metadata.
        let expected = match folder {
            "a1111" => Some("automatic1111"),
            "comfyui" => Some("comfyui"),
            _ if name.contains("fooocus") => Some("fooocus"),
            _ if name.contains("invokeai") => Some("invokeai"),
            _ if name.contains("novelai") => Some("novelai"),
            _ => None,
        };
        let got = g.as_ref().map(|g| g.tool.as_str());
        if got != expected {
            failures.push(format!("{name}: tool {got:?}, expected {expected:?}"));
            continue;
        }
        let Some(g) = g else { continue };
        // Every generator here records a prompt and a seed, except ComfyUI graphs whose
        // values come from custom nodes that read them from elsewhere at run time.
        let custom_nodes = g.tool == "comfyui" && g.workflow_hash.is_some() && g.settings.is_empty();
        if !custom_nodes {
            if g.prompt.as_deref().is_none_or(|p| p.trim().is_empty() || p.trim_start().starts_with('{')) {
                failures.push(format!("{name}: prompt {:?}", g.prompt));
            }
            if g.seed.is_none() {
                failures.push(format!("{name}: no seed"));
            }
            // InvokeAI 3+ calls its sampler the "scheduler".
            let sampler_keys: &[&str] =
                if g.tool == "invokeai" { &["sampler", "scheduler"] } else { &["sampler_name", "Sampler", "sampler"] };
            if !sampler_keys.iter().any(|k| g.settings.contains_key(*k)) {
                failures.push(format!("{name}: no sampler in {:?}", g.settings.keys().collect::<Vec<_>>()));
            }
        }
        if g.tool != "novelai" && g.tool != "invokeai" && g.models.is_empty() {
            failures.push(format!("{name}: no models"));
        }
        if g.tool == "comfyui" && g.workflow_hash.is_none() {
            failures.push(format!("{name}: the embedded workflow has no canonical hash"));
        }
        eprintln!("{name}: {} seed {:?} models {}", g.tool, g.seed, g.models.len());
    }
    assert!(failures.is_empty(), "misread real files:\n{}", failures.join("\n"));
}

#[test]
fn every_real_workflow_parses_with_its_models() {
    let Some(root) = root() else {
        eprintln!("\n!!! ../shared/real-inputs is not here: the real-workflow check ran on nothing.\n");
        return;
    };
    let mut failures = Vec::new();
    for path in files(&root.join("workflows")) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let bytes = std::fs::read(&path).expect("readable");
        match Workflow::parse(&bytes) {
            Ok(w) => {
                // Re-serialising with other whitespace and key order keeps the identity.
                let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
                let again = Workflow::parse(serde_json::to_string_pretty(&v).expect("json").as_bytes()).expect("again");
                if again.canonical_hash != w.canonical_hash {
                    failures.push(format!("{name}: canonical hash depends on formatting"));
                }
                eprintln!("{name}: {:?}, {} nodes, {} models", w.format, w.nodes.len(), w.models.len());
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "refused real workflows:\n{}", failures.join("\n"));
}
