//! What a ComfyUI graph says about the image it saved: the sampler that fed
//! the save node and the prompts that fed that sampler, found by walking the
//! links back from the output (docs/FORMATS.md §13.3), never by the text
//! order of node ids ("24" sorts before "3").
//!
//! The walk works on the API form (`{id: {class_type, inputs}}`); an editor
//! (UI) graph is first turned into that form ([`api_from_ui`]): its links
//! become `[source id, slot]` inputs and its widget values get their names
//! from the node's widget inputs, or, for core nodes saved by older editors,
//! from a table.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{Map, Value};

/// Nodes visited in one walk (real graphs have a few hundred).
const MAX_VISIT: usize = 5_000;

use crate::workflow::{api_link as link, id_string};

/// The settings and prompts read off a graph.
#[derive(Debug, Default, PartialEq)]
pub struct Reading {
    pub seed: Option<u64>,
    pub prompt: Option<String>,
    pub negative_prompt: Option<String>,
    /// `steps`, `cfg`, `sampler_name`, `scheduler`, `denoise`, `guidance`, as written.
    pub settings: BTreeMap<String, String>,
    /// The sampler's node id and class.
    pub sampler: Option<(String, String)>,
}

struct Graph<'a> {
    nodes: &'a Map<String, Value>,
}

/// Numeric ids sort numerically, others after them as text.
fn id_order(id: &str) -> (u8, u64, &str) {
    match id.parse::<u64>() {
        Ok(n) => (0, n, ""),
        Err(_) => (1, 0, id),
    }
}

/// Nodes that write or show the result: `SaveImage`, `SaveAnimatedWEBP`,
/// `PreviewImage`, `SDPromptSaver`, `Image Save`, `VHS_VideoCombine` …
fn is_output(class: &str) -> bool {
    class.contains("Save") || class.starts_with("Preview") || class == "VHS_VideoCombine"
}

impl<'a> Graph<'a> {
    fn class(&self, id: &str) -> &'a str {
        self.nodes.get(id).and_then(|n| n.get("class_type")).and_then(Value::as_str).unwrap_or_default()
    }

    fn inputs(&self, id: &str) -> Option<&'a Map<String, Value>> {
        self.nodes.get(id)?.get("inputs")?.as_object()
    }

    fn is_sampler(&self, id: &str) -> bool {
        let class = self.class(id).to_ascii_lowercase();
        class.contains("sampler")
            && self.inputs(id).is_some_and(|i| ["seed", "noise_seed", "noise"].iter().any(|k| i.contains_key(*k)))
    }

    /// Breadth-first over linked inputs from `start` (not included), nearer
    /// first; image and latent inputs before others at the same distance.
    fn upstream(&self, start: &[String], mut stop: impl FnMut(&str) -> bool, skip_inputs: &[&str]) -> Option<String> {
        let mut seen: BTreeSet<String> = start.iter().cloned().collect();
        let mut queue: VecDeque<String> = start.iter().cloned().collect();
        let mut visits = 0;
        while let Some(id) = queue.pop_front() {
            visits += 1;
            if visits > MAX_VISIT {
                break;
            }
            let Some(inputs) = self.inputs(&id) else { continue };
            let mut linked: Vec<(&String, String)> = inputs
                .iter()
                .filter(|(k, _)| !skip_inputs.contains(&k.as_str()))
                .filter_map(|(k, v)| link(v).map(|src| (k, src)))
                .collect();
            let first = |k: &str| !(k.contains("samples") || k.contains("latent") || k.contains("image"));
            linked.sort_by_key(|(k, _)| first(k));
            for (_, src) in linked {
                if !self.nodes.contains_key(&src) || !seen.insert(src.clone()) {
                    continue;
                }
                if stop(&src) {
                    return Some(src);
                }
                queue.push_back(src);
            }
        }
        None
    }

    /// A literal input of `id` named `key`, following links to primitive
    /// nodes (a seed or a string fed from another node) up to a few hops.
    fn literal(&self, id: &str, key: &str, depth: u8) -> Option<&'a Value> {
        let v = self.inputs(id)?.get(key)?;
        match link(v) {
            None => Some(v),
            Some(src) if depth > 0 => {
                let inputs = self.inputs(&src)?;
                let names = [key, "value", "seed", "noise_seed", "int", "float", "string", "text", "number"];
                names.iter().find_map(|k| inputs.get(*k).and_then(|_| self.literal(&src, k, depth - 1)))
            }
            _ => None,
        }
    }

    /// The prompt text a node holds itself (or takes from a string node).
    fn text_of(&self, id: &str) -> Option<String> {
        ["text", "text_g", "prompt", "text_l", "t5xxl", "clip_l", "string"]
            .iter()
            .find_map(|k| self.literal(id, k, 3).and_then(Value::as_str).map(str::to_owned))
    }

    /// The text a conditioning input is encoded from: the nearest node up the
    /// link that holds a prompt string. Nodes that pass a positive and a
    /// negative conditioning through (ControlNet, InstructPix2Pix, video
    /// conditioning) are followed by output slot: 0 is the positive, 1 the
    /// negative.
    fn prompt_from(&self, id: &str, input: &str) -> Option<String> {
        let v = self.inputs(id)?.get(input)?;
        let mut src = link(v)?;
        let mut slot = v.get(1).and_then(Value::as_u64).unwrap_or(0);
        for _ in 0..64 {
            if let Some(t) = self.text_of(&src) {
                return Some(t);
            }
            let inputs = self.inputs(&src)?;
            match (inputs.get("positive"), inputs.get("negative")) {
                (Some(p), Some(n)) => {
                    let next = if slot == 1 { n } else { p };
                    src = link(next)?;
                    slot = next.get(1).and_then(Value::as_u64).unwrap_or(0);
                }
                _ => break,
            }
        }
        let found =
            self.upstream(std::slice::from_ref(&src), |n| !self.is_sampler(n) && self.text_of(n).is_some(), &["clip"])?;
        self.text_of(&found)
    }
}

/// Reads the saved image's sampler and prompts from an API-form graph.
pub fn read(nodes: &Map<String, Value>) -> Reading {
    let g = Graph { nodes };
    let mut ids: Vec<&String> = nodes.keys().collect();
    ids.sort_by_key(|id| id_order(id));
    // The output: a Save* node before a Preview* one, then by id.
    let mut outputs: Vec<&String> = ids.iter().copied().filter(|id| is_output(g.class(id))).collect();
    outputs.sort_by_key(|id| (g.class(id).starts_with("Preview"), id_order(id)));
    let sampler = outputs
        .iter()
        .find_map(|out| g.upstream(std::slice::from_ref(*out), |n| g.is_sampler(n), &[]))
        .or_else(|| ids.iter().find(|id| g.is_sampler(id)).map(|id| (*id).clone()));
    let mut r = Reading::default();
    // Without a sampler wired to a prompt, the first text encoder's text is the best guess.
    let first_text = || ids.iter().filter(|id| g.class(id).starts_with("CLIPTextEncode")).find_map(|id| g.text_of(id));
    let Some(sampler) = sampler else {
        r.prompt = first_text();
        return r;
    };
    // Settings: the sampler's own, then the nodes that feed its noise, guider,
    // sampler and sigmas inputs (SamplerCustomAdvanced and friends).
    let mut sources = vec![sampler.clone()];
    if let Some(inputs) = g.inputs(&sampler) {
        for k in ["noise", "guider", "sampler", "sigmas"] {
            if let Some(src) = inputs.get(k).and_then(link) {
                sources.push(src);
            }
        }
    }
    for src in &sources {
        for (key, name) in [
            ("seed", "seed"),
            ("noise_seed", "seed"),
            ("steps", "steps"),
            ("cfg", "cfg"),
            ("cfg_conds", "cfg"),
            ("sampler_name", "sampler_name"),
            ("scheduler", "scheduler"),
            ("denoise", "denoise"),
        ] {
            let Some(v) = g.literal(src, key, 3) else { continue };
            if name == "seed" {
                if r.seed.is_none() {
                    r.seed = v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
                }
            } else if (v.is_number() || v.is_string()) && !r.settings.contains_key(name) {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                r.settings.insert(name.to_owned(), text.chars().take(200).collect());
            }
        }
    }
    // Prompts: a guider holds the conditioning for custom samplers.
    let guider = g.inputs(&sampler).and_then(|i| i.get("guider")).and_then(link);
    let holder = guider.as_deref().unwrap_or(&sampler);
    r.prompt = ["positive", "conditioning", "cond1", "cond"].iter().find_map(|k| g.prompt_from(holder, k));
    r.negative_prompt = g.prompt_from(holder, "negative");
    if r.prompt.is_none() && !g.inputs(holder).is_some_and(|i| i.contains_key("positive")) {
        r.prompt = first_text();
    }
    // Flux-style guidance on the positive path.
    if let Some(src) = g.inputs(holder).and_then(|i| i.get("positive").or_else(|| i.get("conditioning"))).and_then(link)
    {
        let has = |n: &str| g.literal(n, "guidance", 2).is_some_and(Value::is_number);
        let node = if has(&src) { Some(src.clone()) } else { g.upstream(&[src], has, &["clip"]) };
        if let Some(v) = node.and_then(|n| g.literal(&n, "guidance", 2)) {
            r.settings.insert("guidance".into(), v.to_string());
        }
    }
    r.sampler = Some((sampler.clone(), g.class(&sampler).to_owned()));
    r
}

/// Widget names of core nodes, in `widgets_values` order, for editor files
/// that do not list their widgets as inputs (`control_after_generate` is the
/// seed's "randomize/fixed" companion).
fn core_widgets(class: &str) -> Option<&'static [&'static str]> {
    Some(match class {
        "KSampler" => &["seed", "control_after_generate", "steps", "cfg", "sampler_name", "scheduler", "denoise"],
        "KSamplerAdvanced" => &[
            "add_noise",
            "noise_seed",
            "control_after_generate",
            "steps",
            "cfg",
            "sampler_name",
            "scheduler",
            "start_at_step",
            "end_at_step",
            "return_with_leftover_noise",
        ],
        "CLIPTextEncode" => &["text"],
        "CLIPTextEncodeSDXL" => {
            &["width", "height", "crop_w", "crop_h", "target_width", "target_height", "text_g", "text_l"]
        }
        "RandomNoise" => &["noise_seed", "control_after_generate"],
        "KSamplerSelect" => &["sampler_name"],
        "BasicScheduler" => &["scheduler", "steps", "denoise"],
        "CFGGuider" => &["cfg"],
        "FluxGuidance" => &["guidance"],
        "CheckpointLoaderSimple" => &["ckpt_name"],
        "LoraLoader" => &["lora_name", "strength_model", "strength_clip"],
        "LoraLoaderModelOnly" => &["lora_name", "strength_model"],
        "UNETLoader" => &["unet_name", "weight_dtype"],
        "VAELoader" => &["vae_name"],
        "EmptyLatentImage" => &["width", "height", "batch_size"],
        "PrimitiveNode" => &["value", "control_after_generate"],
        _ => return None,
    })
}

const CONTROL_VALUES: [&str; 4] = ["fixed", "increment", "decrement", "randomize"];

/// An editor graph in API form: `{id: {class_type, inputs}}`, links as
/// `[source id, slot]`, widget values named. Nodes that are muted (mode 2) or
/// bypassed (mode 4) are left out; links from them are dropped.
pub fn api_from_ui(top: &Map<String, Value>) -> Map<String, Value> {
    let empty = Vec::new();
    let nodes = top.get("nodes").and_then(Value::as_array).unwrap_or(&empty);
    // link id -> (origin id, origin slot)
    let mut links: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for l in top.get("links").and_then(Value::as_array).unwrap_or(&empty) {
        if let Some(crate::workflow::UiLink { id, origin, origin_slot: Some(slot), .. }) = crate::workflow::ui_link(l) {
            links.insert(id, (origin, slot));
        }
    }
    let live: BTreeSet<String> = nodes
        .iter()
        .filter(|n| !matches!(n.get("mode").and_then(Value::as_u64), Some(2 | 4)))
        .filter_map(|n| n.get("id").and_then(id_string))
        .collect();
    let mut out = Map::new();
    for n in nodes {
        let Some(id) = n.get("id").and_then(id_string) else { continue };
        if !live.contains(&id) {
            continue;
        }
        let class = n.get("type").and_then(Value::as_str).unwrap_or_default();
        let mut inputs = Map::new();
        let slots = n.get("inputs").and_then(Value::as_array).unwrap_or(&empty);
        // Widget names: the inputs that are widgets, in order, else the core table.
        let widget_inputs: Vec<&str> =
            slots.iter().filter_map(|s| s.get("widget").and_then(|w| w.get("name")).and_then(Value::as_str)).collect();
        let values: Vec<Value> = match n.get("widgets_values") {
            Some(Value::Array(v)) => v.clone(),
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    inputs.insert(k.clone(), v.clone());
                }
                Vec::new()
            }
            _ => Vec::new(),
        };
        match core_widgets(class) {
            Some(names) => {
                for (name, v) in names.iter().zip(&values) {
                    inputs.insert((*name).to_owned(), v.clone());
                }
            }
            None => {
                let mut names = widget_inputs.iter();
                let mut previous_was_seed = false;
                for v in &values {
                    if previous_was_seed && v.as_str().is_some_and(|s| CONTROL_VALUES.contains(&s)) {
                        previous_was_seed = false;
                        continue;
                    }
                    let Some(name) = names.next() else { break };
                    previous_was_seed = name.contains("seed");
                    inputs.insert((*name).to_owned(), v.clone());
                }
            }
        }
        for s in slots {
            let (Some(name), Some(l)) = (s.get("name").and_then(Value::as_str), s.get("link")) else { continue };
            let Some(key) = id_string(l) else { continue };
            if let Some((origin, slot)) = links.get(&key)
                && live.contains(origin)
            {
                let name = s.get("widget").and_then(|w| w.get("name")).and_then(Value::as_str).unwrap_or(name);
                inputs.insert(name.to_owned(), Value::Array(vec![Value::String(origin.clone()), Value::from(*slot)]));
            }
        }
        let mut node = Map::new();
        node.insert("class_type".into(), Value::String(class.to_owned()));
        node.insert("inputs".into(), Value::Object(inputs));
        out.insert(id, Value::Object(node));
    }
    out
}
