//! Generation metadata in images: what made a picture. Read from PNG text
//! chunks — AUTOMATIC1111's `parameters`, ComfyUI's `prompt` (API graph) and
//! `workflow` (UI graph) — with the `png` crate, and from the EXIF block of
//! JPEG and WebP files where the same tools put the same texts
//! (`crate::exif_text`), bounded: only those three
//! keywords, each at most [`MAX_TEXT`] bytes after decompression (a zTXt bomb
//! stops there), and the summary kept small ([`MAX_MODELS`], [`MAX_SETTINGS`],
//! prompts cut at [`MAX_PROMPT`] characters). Hostile or broken metadata is
//! skipped, never an upload error: it is a claim by the file, not a format.

use std::{collections::BTreeMap, io::Cursor};

use serde::{Deserialize, Serialize};

use crate::workflow::Workflow;
use colophon_provenance::ContentHash;

/// Largest text chunk read, decompressed.
pub const MAX_TEXT: usize = 1 << 20;
/// Models and LoRAs kept.
pub const MAX_MODELS: usize = 32;
/// Settings kept (`Steps`, `Sampler`, …).
pub const MAX_SETTINGS: usize = 40;
/// Characters of a prompt kept.
pub const MAX_PROMPT: usize = 4000;

/// What the image says made it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// `automatic1111` or `comfyui`.
    pub tool: String,
    pub prompt: Option<String>,
    pub negative_prompt: Option<String>,
    pub seed: Option<u64>,
    /// Everything else the tool recorded, as written (`Steps` → `20`).
    pub settings: BTreeMap<String, String>,
    pub models: Vec<ModelUse>,
    /// The layout-free canonical hash of an embedded ComfyUI workflow
    /// (docs/FORMATS.md §9): equal to a workflow listing's identity when the
    /// same graph is on Colophon.
    pub workflow_hash: Option<ContentHash>,
}

/// A checkpoint or LoRA the image names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUse {
    /// `checkpoint` | `lora` | another ComfyUI loader kind.
    pub kind: String,
    pub name: String,
    /// Lower-case hex as written: a full SHA-256, or a short form (AUTOMATIC1111's
    /// AutoV2 `Model hash` is 10 digits of the file's SHA-256; `Lora hashes`
    /// are 12) — a prefix of the file hash or of a LoRA's tensor-data hash.
    pub hash: Option<String>,
    pub weight: Option<String>,
}

impl Generation {
    /// The hashes this image credits, for matching against registered files:
    /// (kind, lower-case hex prefix of at least 10 digits).
    pub fn credited_hashes(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .models
            .iter()
            .filter_map(|m| m.hash.as_ref().map(|h| (m.kind.clone(), h.clone())))
            .filter(|(_, h)| h.len() >= 10)
            .collect();
        if let Some(w) = &self.workflow_hash {
            out.push(("workflow".into(), w.to_hex()));
        }
        out.sort();
        out.dedup();
        out
    }
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn short_hex(h: &str) -> Option<String> {
    let h = h.trim().to_ascii_lowercase();
    ((8..=64).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(h)
}

/// Reads the generation metadata an image carries, whatever its type (PNG
/// text chunks; JPEG or WebP EXIF); `None` when there is none, it is
/// unreadable, or the bytes are not an image.
pub fn from_image(bytes: &[u8]) -> Option<Generation> {
    match crate::sniff(bytes)? {
        crate::FileType::Png => from_png(bytes),
        crate::FileType::Jpeg | crate::FileType::Webp => from_texts(&crate::exif_text::texts(bytes)),
        _ => None,
    }
}

/// Reads the generation metadata of a PNG; `None` when there is none (or it is unreadable).
pub fn from_png(bytes: &[u8]) -> Option<Generation> {
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: 16 << 20 });
    decoder.set_ignore_text_chunk(false);
    let reader = decoder.read_info().ok()?;
    let info = reader.info();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let wanted = |k: &str| matches!(k, "parameters" | "prompt" | "workflow");
    for t in &info.uncompressed_latin1_text {
        if wanted(&t.keyword) && t.text.len() <= MAX_TEXT {
            texts.entry(t.keyword.clone()).or_insert_with(|| t.text.clone());
        }
    }
    for t in &info.compressed_latin1_text {
        if wanted(&t.keyword) {
            let mut t = t.clone();
            if t.decompress_text_with_limit(MAX_TEXT).is_ok()
                && let Ok(text) = t.get_text()
            {
                texts.entry(t.keyword.clone()).or_insert(text);
            }
        }
    }
    for t in &info.utf8_text {
        if wanted(&t.keyword) {
            let mut t = t.clone();
            if t.decompress_text_with_limit(MAX_TEXT).is_ok()
                && let Ok(text) = t.get_text()
            {
                texts.entry(t.keyword.clone()).or_insert(text);
            }
        }
    }
    from_texts(&texts)
}

/// Builds the summary from the text chunks by keyword.
pub fn from_texts(texts: &BTreeMap<String, String>) -> Option<Generation> {
    if let Some(p) = texts.get("parameters") {
        // Some ComfyUI savers write A1111-style parameters beside the graph: keep the graph's identity too.
        let mut g = automatic1111(p);
        g.workflow_hash =
            texts.get("workflow").and_then(|w| Workflow::parse(w.as_bytes()).ok()).map(|w| w.canonical_hash);
        return Some(g);
    }
    if texts.contains_key("prompt") || texts.contains_key("workflow") {
        return Some(comfyui(texts.get("prompt").map(String::as_str), texts.get("workflow").map(String::as_str)));
    }
    None
}

/// Splits `a: 1, b: "x, y", c: 3` into pairs, honouring double quotes.
fn settings_pairs(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut part, mut quoted) = (String::new(), false);
    let mut push = |part: &mut String| {
        if let Some((k, v)) = part.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().trim_matches('"').to_owned()));
        }
        part.clear();
    };
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                part.push(c);
            }
            ',' if !quoted => push(&mut part),
            _ => part.push(c),
        }
    }
    push(&mut part);
    out
}

/// AUTOMATIC1111 / Forge `parameters`: the prompt, an optional
/// `Negative prompt:` line, and one `Key: value, …` settings line.
pub fn automatic1111(text: &str) -> Generation {
    let mut g = Generation { tool: "automatic1111".into(), ..Default::default() };
    let lines: Vec<&str> = text.lines().collect();
    let settings_at = lines.iter().rposition(|l| l.trim_start().starts_with("Steps:")).unwrap_or(lines.len());
    let negative_at = lines[..settings_at].iter().position(|l| l.starts_with("Negative prompt:"));
    let prompt_end = negative_at.unwrap_or(settings_at);
    let prompt = lines[..prompt_end].join("\n");
    if !prompt.trim().is_empty() {
        g.prompt = Some(clip(prompt.trim(), MAX_PROMPT));
    }
    if let Some(n) = negative_at {
        let neg = lines[n..settings_at].join("\n");
        g.negative_prompt = Some(clip(neg.trim_start_matches("Negative prompt:").trim(), MAX_PROMPT));
    }
    // <lora:name:weight> tags in the prompt give weights.
    let mut weights: BTreeMap<String, String> = BTreeMap::new();
    for tag in prompt.split("<lora:").skip(1) {
        if let Some(body) = tag.split('>').next() {
            let mut parts = body.split(':');
            if let (Some(name), w) = (parts.next(), parts.next()) {
                weights.insert(name.to_owned(), w.unwrap_or("1").to_owned());
            }
        }
    }
    let settings = lines.get(settings_at).map(|l| settings_pairs(l)).unwrap_or_default();
    let mut model = (None::<String>, None::<String>);
    for (k, v) in settings {
        match k.as_str() {
            "Seed" => g.seed = v.parse().ok(),
            "Model hash" => model.1 = short_hex(&v),
            "Model" => model.0 = Some(clip(&v, 200)),
            "Lora hashes" => {
                for (name, hash) in settings_pairs(&v) {
                    if g.models.len() < MAX_MODELS {
                        g.models.push(ModelUse {
                            kind: "lora".into(),
                            weight: weights.get(&name).cloned(),
                            name: clip(&name, 200),
                            hash: short_hex(&hash),
                        });
                    }
                }
            }
            _ if g.settings.len() < MAX_SETTINGS && !k.is_empty() && k.len() <= 64 => {
                g.settings.insert(k, clip(&v, 500));
            }
            _ => {}
        }
    }
    if model.0.is_some() || model.1.is_some() {
        g.models.insert(
            0,
            ModelUse { kind: "checkpoint".into(), name: model.0.unwrap_or_default(), hash: model.1, weight: None },
        );
    }
    g.models.truncate(MAX_MODELS);
    g
}

/// ComfyUI: `prompt` is the API graph that ran, `workflow` the editor graph.
pub fn comfyui(prompt: Option<&str>, workflow: Option<&str>) -> Generation {
    let mut g = Generation { tool: "comfyui".into(), ..Default::default() };
    if let Some(w) = workflow.and_then(|w| Workflow::parse(w.as_bytes()).ok()) {
        g.workflow_hash = Some(w.canonical_hash);
        collect_models(&mut g, &w);
    }
    let Some(graph) = prompt.and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok()) else { return g };
    if let Ok(w) = Workflow::parse(graph.to_string().as_bytes())
        && g.models.is_empty()
    {
        collect_models(&mut g, &w);
    }
    for node in graph.as_object().into_iter().flat_map(|o| o.values()).take(2000) {
        let class = node["class_type"].as_str().unwrap_or_default();
        let inputs = &node["inputs"];
        if class.contains("Sampler") {
            if let Some(seed) = inputs["seed"].as_u64().or_else(|| inputs["noise_seed"].as_u64()) {
                g.seed.get_or_insert(seed);
            }
            for key in ["steps", "cfg", "sampler_name", "scheduler", "denoise"] {
                if let Some(v) = inputs.get(key).filter(|v| v.is_number() || v.is_string())
                    && g.settings.len() < MAX_SETTINGS
                {
                    g.settings.entry(key.to_owned()).or_insert_with(|| clip(v.to_string().trim_matches('"'), 200));
                }
            }
        }
        if class.starts_with("CLIPTextEncode")
            && let Some(text) = inputs["text"].as_str()
        {
            // The first text encoder is usually the positive prompt.
            if g.prompt.is_none() {
                g.prompt = Some(clip(text, MAX_PROMPT));
            }
        }
    }
    g
}

fn collect_models(g: &mut Generation, w: &Workflow) {
    for m in w.models.iter().take(MAX_MODELS) {
        if !g.models.iter().any(|x| x.name == m.name && x.kind == m.kind) {
            g.models.push(ModelUse {
                kind: m.kind.clone(),
                name: clip(&m.name, 200),
                hash: m.sha256.as_deref().and_then(short_hex),
                weight: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A1111: &str = "masterpiece, tidal pools at dusk <lora:inkwash_v2:0.8>\nNegative prompt: blurry, lowres\nSteps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 3141592653, Size: 832x1216, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Lora hashes: \"inkwash_v2: a1b2c3d4e5f6\", Version: v1.10.1";

    #[test]
    fn automatic1111_parameters() {
        let g = automatic1111(A1111);
        assert_eq!(g.tool, "automatic1111");
        assert_eq!(g.prompt.as_deref(), Some("masterpiece, tidal pools at dusk <lora:inkwash_v2:0.8>"));
        assert_eq!(g.negative_prompt.as_deref(), Some("blurry, lowres"));
        assert_eq!(g.seed, Some(3_141_592_653));
        assert_eq!(g.settings["Sampler"], "DPM++ 2M Karras");
        assert_eq!(g.settings["Size"], "832x1216");
        assert_eq!(
            g.models,
            vec![
                ModelUse {
                    kind: "checkpoint".into(),
                    name: "sd_xl_base_1.0".into(),
                    hash: Some("31e35c80fc".into()),
                    weight: None
                },
                ModelUse {
                    kind: "lora".into(),
                    name: "inkwash_v2".into(),
                    hash: Some("a1b2c3d4e5f6".into()),
                    weight: Some("0.8".into())
                },
            ]
        );
        assert_eq!(
            g.credited_hashes(),
            vec![("checkpoint".into(), "31e35c80fc".into()), ("lora".into(), "a1b2c3d4e5f6".into())]
        );
    }

    #[test]
    fn hostile_parameters_stay_bounded() {
        let mut text = "x".repeat(100_000);
        text.push_str("\nSteps: 1");
        for i in 0..500 {
            text.push_str(&format!(", Key{i}: {}", "v".repeat(1000)));
        }
        text.push_str(", Lora hashes: \"");
        for i in 0..500 {
            text.push_str(&format!("l{i}: 0123456789ab, "));
        }
        text.push('"');
        let g = automatic1111(&text);
        assert_eq!(g.prompt.map(|p| p.chars().count()), Some(MAX_PROMPT));
        assert!(g.settings.len() <= MAX_SETTINGS && g.settings.values().all(|v| v.len() <= 500));
        assert_eq!(g.models.len(), MAX_MODELS);
        assert_eq!(automatic1111("").models, vec![]);
        assert_eq!(automatic1111("Steps: , : , \"\"\"").seed, None);
    }
}
