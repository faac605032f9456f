//! Generation metadata in images: what made a picture. Read from PNG text
//! chunks — AUTOMATIC1111's `parameters`, ComfyUI's `prompt` (API graph) and
//! `workflow` (UI graph) — with the `png` crate, and from the EXIF block of
//! JPEG and WebP files where the same tools put the same texts
//! (`crate::exif_text`), bounded: only those three
//! keywords, each at most [`MAX_TEXT`] bytes after decompression (a zTXt bomb
//! stops there), and the summary kept small ([`MAX_MODELS`], [`MAX_SETTINGS`],
//! prompts cut at [`MAX_PROMPT`] characters). Hostile or broken metadata is
//! skipped, never an upload error: it is a claim by the file, not a format.

use std::collections::BTreeMap;

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
    /// The tool that wrote it: `automatic1111` (also Forge, SD.Next), `comfyui`,
    /// `fooocus`, `invokeai`, `novelai`, or `unknown` (metadata of a shape no
    /// reader knows: nothing is claimed from it).
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
/// text chunks anywhere in the file, else AUTOMATIC1111's stealth text in the
/// pixels; JPEG or WebP EXIF); `None` when there is none, it is unreadable,
/// or the bytes are not an image.
pub fn from_image(bytes: &[u8]) -> Option<Generation> {
    match crate::sniff(bytes)? {
        crate::FileType::Png => from_png(bytes),
        crate::FileType::Jpeg | crate::FileType::Webp => from_texts(&crate::exif_text::texts(bytes)),
        _ => None,
    }
}

/// Reads the generation metadata of a PNG; `None` when there is none (or it is unreadable).
pub fn from_png(bytes: &[u8]) -> Option<Generation> {
    let texts = crate::png_text::texts(bytes);
    if let Some(g) = from_texts(&texts) {
        return Some(g);
    }
    let hidden = crate::png_text::stealth(bytes)?;
    // NovelAI hides its whole text-chunk set as one JSON object; AUTOMATIC1111 hides `parameters`.
    let mut texts = BTreeMap::new();
    match serde_json::from_str::<serde_json::Value>(&hidden) {
        Ok(serde_json::Value::Object(m)) if m.contains_key("Comment") => {
            for (k, v) in m {
                if let Some(v) = v.as_str() {
                    texts.insert(k, v.to_owned());
                }
            }
        }
        _ => {
            texts.insert("parameters".to_owned(), hidden);
        }
    }
    from_texts(&texts)
}

/// Builds the summary from the text chunks by keyword, recognising each tool
/// by the shape of what it wrote (docs/FORMATS.md §13).
pub fn from_texts(texts: &BTreeMap<String, String>) -> Option<Generation> {
    let json = |k: &str| {
        texts
            .get(k)
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .filter(serde_json::Value::is_object)
    };
    let workflow_hash =
        || texts.get("workflow").and_then(|w| Workflow::parse(w.as_bytes()).ok()).map(|w| w.canonical_hash);
    if let Some(p) = texts.get("parameters") {
        if let Some(v) = json("parameters") {
            // Fooocus (`fooocus_scheme: fooocus`) writes its own JSON; other JSON here is no prompt.
            return Some(if v.get("full_prompt").is_some() || v.get("base_model").is_some() {
                fooocus(&v)
            } else {
                Generation { tool: "unknown".into(), ..Default::default() }
            });
        }
        let mut g = automatic1111(p);
        if texts.get("fooocus_scheme").is_some_and(|s| s.trim() == "a1111")
            || g.settings.get("Version").is_some_and(|v| v.starts_with("Fooocus"))
        {
            g.tool = "fooocus".into();
        }
        // Some ComfyUI savers write A1111-style parameters beside the graph: keep the graph's identity too.
        g.workflow_hash = workflow_hash();
        return Some(g);
    }
    if let Some(v) = json("invokeai_metadata") {
        return Some(invokeai(&v));
    }
    if let Some(v) = json("sd-metadata") {
        return Some(invokeai_legacy(&v, texts.get("Dream").map(String::as_str)));
    }
    if let Some(d) = texts.get("Dream") {
        return Some(invokeai_dream(d));
    }
    if let Some(v) = json("Comment")
        && (texts.get("Software").is_some_and(|s| s.starts_with("NovelAI")) || texts.contains_key("Description"))
    {
        return Some(novelai(
            &v,
            texts.get("Description").map(String::as_str),
            texts.get("Source").map(String::as_str),
        ));
    }
    if texts.contains_key("prompt") || texts.contains_key("workflow") {
        return Some(comfyui(texts.get("prompt").map(String::as_str), texts.get("workflow").map(String::as_str)));
    }
    None
}

/// A JSON value as a setting's text: strings as written, numbers and the rest as JSON.
fn setting_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(clip(s, 500)),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
        other => Some(clip(&other.to_string(), 500)),
    }
}

fn seed_of(v: &serde_json::Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn put(g: &mut Generation, key: &str, v: Option<&serde_json::Value>) {
    if let Some(text) = v.and_then(setting_text)
        && g.settings.len() < MAX_SETTINGS
    {
        g.settings.insert(key.to_owned(), text);
    }
}

fn text_of(v: Option<&serde_json::Value>) -> Option<String> {
    v.and_then(serde_json::Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(|s| clip(s, MAX_PROMPT))
}

/// Fooocus' own scheme: a JSON object in `parameters` (`fooocus_scheme: fooocus`).
pub fn fooocus(v: &serde_json::Value) -> Generation {
    let mut g = Generation { tool: "fooocus".into(), ..Default::default() };
    g.prompt = text_of(v.get("prompt"));
    g.negative_prompt = text_of(v.get("negative_prompt"));
    g.seed = v.get("seed").and_then(seed_of);
    for (key, name) in [
        ("steps", "steps"),
        ("sampler", "sampler"),
        ("scheduler", "scheduler"),
        ("guidance_scale", "guidance_scale"),
        ("sharpness", "sharpness"),
        ("performance", "performance"),
        ("resolution", "resolution"),
        ("styles", "styles"),
        ("refiner_model", "refiner_model"),
        ("vae", "vae"),
        ("version", "version"),
    ] {
        put(&mut g, name, v.get(key));
    }
    if let Some(name) = text_of(v.get("base_model")) {
        g.models.push(ModelUse {
            kind: "checkpoint".into(),
            name: clip(&name, 200),
            hash: v.get("base_model_hash").and_then(serde_json::Value::as_str).and_then(short_hex),
            weight: None,
        });
    }
    // loras: [[name, weight, hash]] (newer) or [[name, weight]].
    for l in v.get("loras").and_then(serde_json::Value::as_array).into_iter().flatten().take(MAX_MODELS) {
        let Some(parts) = l.as_array() else { continue };
        let Some(name) = parts.first().and_then(serde_json::Value::as_str) else { continue };
        g.models.push(ModelUse {
            kind: "lora".into(),
            name: clip(name, 200),
            hash: parts.get(2).and_then(serde_json::Value::as_str).and_then(short_hex),
            weight: parts.get(1).and_then(setting_text),
        });
    }
    g.models.truncate(MAX_MODELS);
    g
}

/// InvokeAI 3+ `invokeai_metadata`.
pub fn invokeai(v: &serde_json::Value) -> Generation {
    let mut g = Generation { tool: "invokeai".into(), ..Default::default() };
    g.prompt = text_of(v.get("positive_prompt"));
    g.negative_prompt = text_of(v.get("negative_prompt"));
    g.seed = v.get("seed").and_then(seed_of);
    for key in ["steps", "cfg_scale", "scheduler", "width", "height", "generation_mode", "strength", "app_version"] {
        put(&mut g, key, v.get(key));
    }
    let model = |kind: &str, m: &serde_json::Value, weight: Option<&serde_json::Value>| {
        let name = m.get("model_name").or_else(|| m.get("name")).and_then(serde_json::Value::as_str)?;
        Some(ModelUse {
            kind: kind.into(),
            name: clip(name, 200),
            // `hash` is "blake3:…" or "sha256:…"; only a SHA-256 can match a file here.
            hash: m
                .get("hash")
                .and_then(serde_json::Value::as_str)
                .and_then(|h| h.strip_prefix("sha256:").or((!h.contains(':')).then_some(h)))
                .and_then(short_hex),
            weight: weight.and_then(setting_text),
        })
    };
    if let Some(m) = v.get("model").and_then(|m| model("checkpoint", m, None)) {
        g.models.push(m);
    }
    if let Some(m) = v.get("vae").and_then(|m| model("vae", m, None)) {
        g.models.push(m);
    }
    for l in v.get("loras").and_then(serde_json::Value::as_array).into_iter().flatten() {
        let inner = l.get("lora").or_else(|| l.get("model")).unwrap_or(l);
        if let Some(m) = model("lora", inner, l.get("weight")) {
            g.models.push(m);
        }
    }
    for a in v.get("ipAdapters").and_then(serde_json::Value::as_array).into_iter().flatten() {
        if let Some(m) = a.get("ip_adapter_model").and_then(|m| model("ip_adapter", m, a.get("weight"))) {
            g.models.push(m);
        }
    }
    g.models.truncate(MAX_MODELS);
    g
}

/// `"prompt [negative]"`: InvokeAI 2 puts the negative prompt in brackets at the end.
fn split_bracketed_negative(text: &str) -> (String, Option<String>) {
    let t = text.trim();
    if t.ends_with(']')
        && let Some(open) = t.rfind('[')
    {
        let neg = t[open + 1..t.len() - 1].trim();
        return (t[..open].trim().to_owned(), (!neg.is_empty()).then(|| neg.to_owned()));
    }
    (t.to_owned(), None)
}

/// InvokeAI 2 `sd-metadata` (JSON), with its `Dream` command line beside it.
pub fn invokeai_legacy(v: &serde_json::Value, dream: Option<&str>) -> Generation {
    let mut g =
        dream.map(invokeai_dream).unwrap_or_else(|| Generation { tool: "invokeai".into(), ..Default::default() });
    let image = v.get("image").unwrap_or(&serde_json::Value::Null);
    let prompt = match image.get("prompt") {
        Some(serde_json::Value::Array(parts)) => parts.first().and_then(|p| p.get("prompt")).cloned(),
        other => other.cloned(),
    };
    if let Some(text) = prompt.as_ref().and_then(serde_json::Value::as_str) {
        let (p, n) = split_bracketed_negative(text);
        g.prompt = Some(clip(&p, MAX_PROMPT)).filter(|p| !p.is_empty());
        g.negative_prompt = n.map(|n| clip(&n, MAX_PROMPT));
    }
    if let Some(seed) = image.get("seed").and_then(seed_of) {
        g.seed = Some(seed);
    }
    for key in ["steps", "cfg_scale", "sampler", "width", "height", "type", "strength"] {
        put(&mut g, key, image.get(key));
    }
    put(&mut g, "app_version", v.get("app_version"));
    if let Some(name) = text_of(v.get("model_weights")) {
        g.models.retain(|m| m.kind != "checkpoint");
        g.models.insert(
            0,
            ModelUse {
                kind: "checkpoint".into(),
                name: clip(&name, 200),
                hash: v.get("model_hash").and_then(serde_json::Value::as_str).and_then(short_hex),
                weight: None,
            },
        );
    }
    g
}

/// InvokeAI's `Dream` line: `"prompt [negative]" -s 50 -S 42 -W 512 -H 768 -C 7.5 -A k_lms …`.
pub fn invokeai_dream(text: &str) -> Generation {
    let mut g = Generation { tool: "invokeai".into(), ..Default::default() };
    let text = text.trim();
    let (quoted, rest) = match text.strip_prefix('"').and_then(|t| t.rfind('"').map(|end| (&t[..end], &t[end + 1..]))) {
        Some(split) => split,
        None => ("", text),
    };
    let (p, n) = split_bracketed_negative(quoted);
    g.prompt = Some(clip(&p, MAX_PROMPT)).filter(|p| !p.is_empty());
    g.negative_prompt = n.map(|n| clip(&n, MAX_PROMPT));
    let words: Vec<&str> = rest.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let name = match *w {
            "-s" => "steps",
            "-S" => "seed",
            "-W" => "width",
            "-H" => "height",
            "-C" => "cfg_scale",
            "-A" => "sampler",
            "-f" => "strength",
            "-G" => "gfpgan_strength",
            "-U" => "upscale",
            _ => continue,
        };
        let Some(value) = words.get(i + 1) else { continue };
        if name == "seed" {
            g.seed = value.parse().ok();
        } else if g.settings.len() < MAX_SETTINGS {
            g.settings.insert(name.to_owned(), clip(value, 200));
        }
    }
    g
}

/// NovelAI: the prompt in `Description`, the settings as JSON in `Comment`
/// (`uc` is the negative prompt), the model's short hash in `Source`.
pub fn novelai(comment: &serde_json::Value, description: Option<&str>, source: Option<&str>) -> Generation {
    let mut g = Generation { tool: "novelai".into(), ..Default::default() };
    g.prompt = description
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| clip(d, MAX_PROMPT))
        .or_else(|| text_of(comment.get("prompt")));
    g.negative_prompt = text_of(comment.get("uc"));
    g.seed = comment.get("seed").and_then(seed_of);
    for key in ["steps", "sampler", "scale", "strength", "noise", "width", "height", "cfg_rescale", "noise_schedule"] {
        put(&mut g, key, comment.get(key));
    }
    if let Some(src) = source.map(str::trim).filter(|s| !s.is_empty()) {
        // "Stable Diffusion 1D44365E": a model family and an 8-digit hash of NovelAI's own.
        put(&mut g, "source", Some(&serde_json::Value::String(src.to_owned())));
    }
    g
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

/// ComfyUI: `prompt` is the API graph that ran, `workflow` the editor
/// graph. Seed, settings and prompts come from the sampler that feeds the
/// saved image (`crate::comfy`), read off the API graph, else off the editor
/// graph; models from both, subgraphs and group nodes included.
pub fn comfyui(prompt: Option<&str>, workflow: Option<&str>) -> Generation {
    let mut g = Generation { tool: "comfyui".into(), ..Default::default() };
    let ui = workflow.and_then(|w| serde_json::from_str::<serde_json::Value>(w).ok());
    if let Some(w) = ui.as_ref().and_then(|w| Workflow::from_value(w).ok()) {
        g.workflow_hash = Some(w.canonical_hash);
        collect_models(&mut g, &w);
    }
    let graph = prompt.and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok()).and_then(|v| match v {
        serde_json::Value::Object(m) if m.values().all(|n| n.get("class_type").is_some()) => Some(m),
        _ => None,
    });
    if let Some(graph) = &graph
        && let Ok(w) = Workflow::from_value(&serde_json::Value::Object(graph.clone()))
    {
        collect_models(&mut g, &w);
    }
    let graph = graph.or_else(|| ui.as_ref().and_then(serde_json::Value::as_object).map(crate::comfy::api_from_ui));
    let Some(graph) = graph else { return g };
    let reading = crate::comfy::read(&graph);
    g.seed = reading.seed;
    g.prompt = reading.prompt.map(|p| clip(&p, MAX_PROMPT));
    g.negative_prompt = reading.negative_prompt.filter(|n| !n.trim().is_empty()).map(|n| clip(&n, MAX_PROMPT));
    for (k, v) in reading.settings {
        if g.settings.len() < MAX_SETTINGS {
            g.settings.insert(k, v);
        }
    }
    g.models.truncate(MAX_MODELS);
    g
}

fn collect_models(g: &mut Generation, w: &Workflow) {
    for m in w.models.iter() {
        if g.models.len() >= MAX_MODELS {
            break;
        }
        if let Some(existing) = g.models.iter_mut().find(|x| x.name == m.name && x.kind == m.kind) {
            if existing.hash.is_none() {
                existing.hash = m.sha256.as_deref().and_then(short_hex);
            }
        } else {
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
