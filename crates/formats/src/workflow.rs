//! ComfyUI workflows.
//!
//! Two formats exist in the wild:
//! - **UI format** (what "Save" writes, and what PNGs carry as `workflow`):
//!   `{"nodes": [{"id", "type", "pos", "size", "widgets_values", "inputs",
//!   "outputs", ...}], "links": [...], "groups": [...], "extra": {...}, ...}`.
//!   Links are arrays `[id, from_node, from_slot, to_node, to_slot, type]`
//!   (legacy, `version` 0.4) or objects (`version` 1).
//! - **API format** ("Export (API)", and PNGs' `prompt`):
//!   `{"<node id>": {"class_type", "inputs": {name: literal | [node, slot]}, "_meta": {"title"}}}`.
//!
//! ## Canonical hash
//! Moving a node, resizing it, recolouring, regrouping, collapsing, retitling
//! or panning the canvas must not change a workflow's identity. The canonical
//! form keeps only what affects execution:
//! - UI format: `{"format": "ui", "nodes": [...], "links": [...], "definitions"?}`
//!   where each node keeps only `id, type, mode, inputs, outputs,
//!   widgets_values, properties` (each `inputs`/`outputs` entry only `name,
//!   type, link`/`links`, `widget`), nodes sorted by `id`, links sorted; and
//!   `definitions` (subgraphs) kept as written.
//! - API format: `{"format": "api", "nodes": {id: {"class_type", "inputs"}}}`
//!   (`_meta` dropped).
//!
//! The canonical hash is SHA-256 of that value serialised by RFC 8785 (JSON
//! Canonicalization Scheme). The plain file hash is kept alongside it.

use std::collections::BTreeMap;

use colophon_provenance::ContentHash;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::FormatError;

/// Most nodes a workflow may have (large real graphs have a few hundred).
pub const MAX_NODES: usize = 5_000;

/// Model file extensions recognised in inputs.
const MODEL_EXTENSIONS: [&str; 9] = [".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".sft", ".onnx", ".pkl"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowFormat {
    Ui,
    Api,
}

/// A node as shown to collectors.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkflowNode {
    pub id: String,
    pub class_type: String,
    pub title: Option<String>,
    /// Literal inputs: named in API format; widget values by position in UI format.
    pub inputs: Vec<(String, Value)>,
}

/// A model, LoRA, VAE … a workflow loads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ModelRef {
    /// checkpoint, lora, vae, diffusion_model, text_encoder, controlnet, upscale_model, clip_vision, model.
    pub kind: String,
    /// The file name as written in the workflow.
    pub name: String,
    pub node_id: String,
    pub node_type: String,
    /// A SHA-256 the workflow states for it (newer UI files embed `properties.models[].hash`).
    pub sha256: Option<String>,
    pub url: Option<String>,
}

/// A parsed, validated workflow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Workflow {
    pub format: WorkflowFormat,
    pub nodes: Vec<WorkflowNode>,
    pub models: Vec<ModelRef>,
    pub link_count: usize,
    pub canonical_hash: ContentHash,
}

impl Workflow {
    /// The model files the workflow pins by SHA-256, sorted and without
    /// repeats: what its `ContentRegistered` statement names as `parents`
    /// (docs/FORMATS.md §7). The server, the Studio and the CLI all use this.
    pub fn pinned_hashes(&self) -> Vec<ContentHash> {
        let mut p: Vec<ContentHash> =
            self.models.iter().filter_map(|m| m.sha256.as_deref()).filter_map(|h| ContentHash::parse(h).ok()).collect();
        p.sort();
        p.dedup();
        p
    }

    /// Parses a workflow file (UTF-8 JSON, optional BOM). The document is
    /// first walked without keeping anything, so one with more than
    /// [`MAX_JSON_VALUES`] values or nested deeper than [`MAX_DEPTH`] is
    /// refused before a tree of it is built.
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if crate::sniff::looks_utf16(bytes) {
            return Err(FormatError::new("the workflow is UTF-16 text; save it as UTF-8 JSON"));
        }
        check_json_size(bytes)?;
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| FormatError::new(format!("not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self, FormatError> {
        let Value::Object(top) = value else {
            return Err(FormatError::new("a ComfyUI workflow is a JSON object"));
        };
        if top.contains_key("nodes") {
            parse_ui(top)
        } else if !top.is_empty() && top.values().all(|v| v.get("class_type").is_some()) {
            parse_api(top)
        } else if top.contains_key("prompt") || top.contains_key("workflow") {
            Err(FormatError::new("this looks like an API request body; upload the workflow itself (UI or API format)"))
        } else {
            Err(FormatError::new(
                "not a ComfyUI workflow: expected \"nodes\" (UI format) or node ids mapping to objects with \"class_type\" (API format)",
            ))
        }
    }
}

/// Most JSON values (objects, arrays, strings, numbers …) a workflow file
/// may hold: real 5,000-node graphs hold a few hundred thousand.
pub const MAX_JSON_VALUES: usize = 1_000_000;
/// Deepest nesting of arrays and objects a workflow file may have.
pub const MAX_DEPTH: usize = 64;

/// Counts values and depth with serde's streaming visitor, keeping nothing.
fn check_json_size(bytes: &[u8]) -> Result<(), FormatError> {
    crate::json_limits::check(bytes, "the workflow", MAX_JSON_VALUES, MAX_DEPTH)
}

/// A link in API format: `["<source id>", slot]` — the id always a string
/// (ComfyUI writes it so), the slot a non-negative integer. Anything else,
/// `[1024, 1024]` included, is a literal value.
pub(crate) fn api_link(v: &Value) -> Option<String> {
    let a = v.as_array()?;
    (a.len() == 2 && a[0].is_string() && a[1].is_u64()).then(|| id_string(&a[0])).flatten()
}

/// A node id as text: a number, or a non-empty string of at most 64 bytes.
pub(crate) fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() && s.len() <= 64 => Some(s.clone()),
        _ => None,
    }
}

fn parse_ui(top: &Map<String, Value>) -> Result<Workflow, FormatError> {
    let nodes =
        top.get("nodes").and_then(Value::as_array).ok_or_else(|| FormatError::new("\"nodes\" must be an array"))?;
    if nodes.is_empty() {
        return Err(FormatError::new("the workflow has no nodes"));
    }
    if nodes.len() > MAX_NODES {
        return Err(FormatError::new(format!("the workflow has {} nodes; the limit is {MAX_NODES}", nodes.len())));
    }
    let links = match top.get("links") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(l)) => l.clone(),
        Some(_) => return Err(FormatError::new("\"links\" must be an array")),
    };
    for (i, link) in links.iter().enumerate() {
        if !(link.is_array() || link.is_object()) {
            return Err(FormatError::new(format!("link {i} is neither an array nor an object")));
        }
    }
    let subgraphs: Vec<&Map<String, Value>> = top
        .get("definitions")
        .and_then(|d| d.get("subgraphs"))
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let inner_nodes: usize =
        subgraphs.iter().map(|g| g.get("nodes").and_then(Value::as_array).map_or(0, Vec::len)).sum();
    if nodes.len() + inner_nodes > MAX_NODES {
        return Err(FormatError::new(format!(
            "the workflow has {} nodes (subgraphs included); the limit is {MAX_NODES}",
            nodes.len() + inner_nodes
        )));
    }

    let mut out = Vec::with_capacity(nodes.len());
    let mut models = Vec::new();
    let mut canonical_nodes = Vec::with_capacity(nodes.len());
    let mut seen = std::collections::BTreeSet::new();
    for (i, node) in nodes.iter().enumerate() {
        let obj = node.as_object().ok_or_else(|| FormatError::new(format!("node {i} is not an object")))?;
        let id = obj
            .get("id")
            .and_then(id_string)
            .ok_or_else(|| FormatError::new(format!("node {i} has no valid \"id\"")))?;
        if !seen.insert(id.clone()) {
            return Err(FormatError::new(format!("node id {id} appears twice")));
        }
        let class_type = obj
            .get("type")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| FormatError::new(format!("node {id} has no \"type\"")))?
            .to_owned();
        let widgets = match obj.get("widgets_values") {
            Some(Value::Array(w)) => w.clone(),
            // Some custom nodes store widget values as an object.
            Some(Value::Object(m)) => m.values().cloned().collect(),
            _ => Vec::new(),
        };
        let title = obj.get("title").and_then(Value::as_str).map(str::to_owned);
        let inputs: Vec<(String, Value)> =
            widgets.iter().enumerate().map(|(i, v)| (i.to_string(), v.clone())).collect();
        collect_node_models(&id, &class_type, obj, &mut models);
        canonical_nodes.push((sort_key(&id), canonical_ui_node(obj)));
        out.push(WorkflowNode { id, class_type, title, inputs });
    }
    canonical_nodes.sort_by(|a, b| a.0.cmp(&b.0));
    check_ui_links("the workflow", &links, &seen, false)?;
    let mut canonical = Map::new();
    canonical.insert("format".into(), "ui".into());
    canonical.insert("nodes".into(), Value::Array(canonical_nodes.into_iter().map(|(_, n)| n).collect()));
    canonical.insert("links".into(), Value::Array(canonical_links(&links)));
    // Subgraphs: each definition's nodes and links count like the top level's
    // (models inside them are found; links are checked), and only what runs
    // goes into the canonical form.
    let mut link_count = links.len();
    if let Some(Value::Object(defs)) = top.get("definitions") {
        let mut canonical_defs = Map::new();
        for (key, value) in defs {
            if key != "subgraphs" {
                canonical_defs.insert(key.clone(), value.clone());
            }
        }
        let mut list = Vec::new();
        for (i, g) in subgraphs.iter().enumerate() {
            let gid = g.get("id").and_then(Value::as_str).unwrap_or_default();
            let label = format!("subgraph {}", g.get("name").and_then(Value::as_str).unwrap_or(gid));
            let inner = g.get("nodes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let inner_links = g.get("links").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let mut ids = std::collections::BTreeSet::new();
            let mut canon = Vec::new();
            for (j, node) in inner.iter().enumerate() {
                let obj =
                    node.as_object().ok_or_else(|| FormatError::new(format!("{label}: node {j} is not an object")))?;
                let id = obj
                    .get("id")
                    .and_then(id_string)
                    .ok_or_else(|| FormatError::new(format!("{label}: node {j} has no valid \"id\"")))?;
                let class_type = obj.get("type").and_then(Value::as_str).unwrap_or_default();
                collect_node_models(&format!("{gid}:{id}"), class_type, obj, &mut models);
                canon.push((sort_key(&id), canonical_ui_node(obj)));
                ids.insert(id);
            }
            check_ui_links(&label, inner_links, &ids, true)?;
            canon.sort_by(|a, b| a.0.cmp(&b.0));
            link_count += inner_links.len();
            let io = |key: &str| -> Value {
                Value::Array(
                    g.get(key)
                        .and_then(Value::as_array)
                        .map(|l| {
                            l.iter()
                                .map(|s| {
                                    s.as_object().map(|o| pick(o, &["name", "type", "linkIds"])).unwrap_or(Value::Null)
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                )
            };
            let mut def = Map::new();
            def.insert("id".into(), Value::String(gid.to_owned()));
            def.insert("name".into(), g.get("name").cloned().unwrap_or(Value::Null));
            def.insert("inputs".into(), io("inputs"));
            def.insert("outputs".into(), io("outputs"));
            def.insert("widgets".into(), g.get("widgets").cloned().unwrap_or(Value::Array(vec![])));
            def.insert("nodes".into(), Value::Array(canon.into_iter().map(|(_, n)| n).collect()));
            def.insert("links".into(), Value::Array(canonical_links(inner_links)));
            list.push((gid.to_owned(), i, Value::Object(def)));
        }
        list.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        if !list.is_empty() {
            canonical_defs.insert("subgraphs".into(), Value::Array(list.into_iter().map(|(_, _, d)| d).collect()));
        }
        canonical.insert("definitions".into(), Value::Object(canonical_defs));
    }
    // Legacy group nodes (`extra.groupNodes`, instances typed `workflow/NAME`
    // or `workflow>NAME`): what runs inside them counts too.
    if let Some(Value::Object(groups)) = top.get("extra").and_then(|e| e.get("groupNodes")) {
        let mut canonical_groups = Map::new();
        for (name, group) in groups {
            let inner = group.get("nodes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let mut canon = Vec::new();
            for (j, node) in inner.iter().enumerate() {
                let Some(obj) = node.as_object() else { continue };
                let class_type = obj.get("type").and_then(Value::as_str).unwrap_or_default();
                collect_node_models(&format!("{name}:{j}"), class_type, obj, &mut models);
                let mut n = canonical_ui_node(obj);
                if let (Value::Object(m), Some(index)) = (&mut n, obj.get("index")) {
                    m.insert("index".into(), index.clone());
                }
                canon.push(n);
            }
            let mut g = Map::new();
            g.insert("nodes".into(), Value::Array(canon));
            g.insert("links".into(), group.get("links").cloned().unwrap_or(Value::Array(vec![])));
            g.insert("external".into(), group.get("external").cloned().unwrap_or(Value::Array(vec![])));
            canonical_groups.insert(name.clone(), Value::Object(g));
        }
        canonical.insert("group_nodes".into(), Value::Object(canonical_groups));
    }
    models.sort();
    models.dedup();
    Ok(Workflow {
        format: WorkflowFormat::Ui,
        nodes: out,
        models,
        link_count,
        canonical_hash: hash_value(&Value::Object(canonical))?,
    })
}

/// Numeric ids sort numerically, others after them as text.
fn sort_key(id: &str) -> (u8, u64, String) {
    match id.parse::<u64>() {
        Ok(n) => (0, n, String::new()),
        Err(_) => (1, 0, id.to_owned()),
    }
}

fn pick(obj: &Map<String, Value>, keys: &[&str]) -> Value {
    let mut m = Map::new();
    for k in keys {
        if let Some(v) = obj.get(*k) {
            m.insert((*k).to_owned(), v.clone());
        }
    }
    Value::Object(m)
}

fn canonical_ui_node(obj: &Map<String, Value>) -> Value {
    let mut node = pick(obj, &["id", "type", "mode", "widgets_values", "properties"]);
    let slots = |key: &str, fields: &[&str]| -> Option<Value> {
        obj.get(key).and_then(Value::as_array).map(|list| {
            Value::Array(list.iter().map(|s| s.as_object().map(|o| pick(o, fields)).unwrap_or(Value::Null)).collect())
        })
    };
    if let Value::Object(m) = &mut node {
        if let Some(v) = slots("inputs", &["name", "type", "link", "widget"]) {
            m.insert("inputs".into(), v);
        }
        if let Some(v) = slots("outputs", &["name", "type", "links"]) {
            m.insert("outputs".into(), v);
        }
    }
    node
}

fn canonical_link(link: &Value) -> Value {
    match link {
        Value::Object(o) => pick(o, &["id", "origin_id", "origin_slot", "target_id", "target_slot", "type"]),
        other => other.clone(),
    }
}

fn parse_api(top: &Map<String, Value>) -> Result<Workflow, FormatError> {
    if top.len() > MAX_NODES {
        return Err(FormatError::new(format!("the workflow has {} nodes; the limit is {MAX_NODES}", top.len())));
    }
    let mut nodes = Vec::with_capacity(top.len());
    let mut models = Vec::new();
    let mut canonical_nodes = Map::new();
    let mut link_count = 0;
    let mut edges: Vec<(String, String)> = Vec::new();
    let mut ids: Vec<&String> = top.keys().collect();
    ids.sort_by_key(|id| sort_key(id));
    for id in ids {
        let obj = top[id].as_object().ok_or_else(|| FormatError::new(format!("node {id} is not an object")))?;
        let class_type = obj
            .get("class_type")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| FormatError::new(format!("node {id} has no \"class_type\"")))?
            .to_owned();
        let inputs = match obj.get("inputs") {
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(FormatError::new(format!("node {id}: \"inputs\" must be an object"))),
        };
        let mut literal = Vec::new();
        for (name, v) in &inputs {
            if let Some(from) = api_link(v) {
                if !top.contains_key(&from) {
                    return Err(FormatError::new(format!("node {id} input \"{name}\" links to missing node {from}")));
                }
                edges.push((from, id.clone()));
                link_count += 1;
            } else {
                collect_model(id, &class_type, Some(name), v, &mut models);
                literal.push((name.clone(), v.clone()));
            }
        }
        let title = obj.get("_meta").and_then(|m| m.get("title")).and_then(Value::as_str).map(str::to_owned);
        canonical_nodes.insert(id.clone(), pick(obj, &["class_type", "inputs"]));
        nodes.push(WorkflowNode { id: id.clone(), class_type, title, inputs: literal });
    }
    refuse_cycles(&edges)?;
    let mut canonical = Map::new();
    canonical.insert("format".into(), "api".into());
    canonical.insert("nodes".into(), Value::Object(canonical_nodes));
    models.sort();
    models.dedup();
    Ok(Workflow {
        format: WorkflowFormat::Api,
        nodes,
        models,
        link_count,
        canonical_hash: hash_value(&Value::Object(canonical))?,
    })
}

/// The model files an editor-format node loads: file names among its
/// widget values, and the `properties.models[]` download entries newer
/// frontends embed (name, url, hash, hash_type, directory).
fn collect_node_models(id: &str, class_type: &str, obj: &Map<String, Value>, models: &mut Vec<ModelRef>) {
    let widgets: Vec<&Value> = match obj.get("widgets_values") {
        Some(Value::Array(w)) => w.iter().collect(),
        Some(Value::Object(m)) => m.values().collect(),
        _ => Vec::new(),
    };
    for v in widgets {
        collect_model(id, class_type, None, v, models);
    }
    let Some(list) = obj.get("properties").and_then(|p| p.get("models")).and_then(Value::as_array) else { return };
    for m in list {
        let Some(name) = m.get("name").and_then(Value::as_str) else { continue };
        let sha = m
            .get("hash")
            .and_then(Value::as_str)
            .filter(|_| m.get("hash_type").and_then(Value::as_str).is_none_or(|t| t.eq_ignore_ascii_case("sha256")))
            .and_then(|h| ContentHash::parse(h).ok())
            .map(|h| h.to_hex());
        let url = m.get("url").and_then(Value::as_str).map(str::to_owned);
        if let Some(existing) = models.iter_mut().find(|r| r.node_id == id && r.name == name) {
            existing.sha256 = existing.sha256.take().or(sha);
            existing.url = existing.url.take().or(url);
        } else {
            let directory = m.get("directory").and_then(Value::as_str).unwrap_or("");
            models.push(ModelRef {
                kind: model_kind(class_type, Some(directory)),
                name: name.to_owned(),
                node_id: id.to_owned(),
                node_type: class_type.to_owned(),
                sha256: sha,
                url,
            });
        }
    }
}

/// A UI link's id, origin node and slot, and target node.
pub(crate) struct UiLink {
    pub id: String,
    pub origin: String,
    pub origin_slot: Option<u64>,
    pub target: String,
}

/// A UI link's ends, from the array form `[id, origin, origin_slot, target,
/// target_slot, type]` or the object form (schema v1).
pub(crate) fn ui_link(link: &Value) -> Option<UiLink> {
    let (id, origin, slot, target) = match link {
        Value::Array(a) if a.len() >= 4 => (&a[0], &a[1], &a[2], &a[3]),
        Value::Object(o) => (o.get("id")?, o.get("origin_id")?, o.get("origin_slot")?, o.get("target_id")?),
        _ => return None,
    };
    Some(UiLink {
        id: id_string(id)?,
        origin: id_string(origin)?,
        origin_slot: slot.as_u64(),
        target: id_string(target)?,
    })
}

/// Every link joins two nodes of its graph (inside a subgraph, -10 and -20
/// are the subgraph's own input and output), and the links form no cycle.
fn check_ui_links(
    scope: &str,
    links: &[Value],
    ids: &std::collections::BTreeSet<String>,
    subgraph: bool,
) -> Result<(), FormatError> {
    let mut edges = Vec::with_capacity(links.len());
    for (i, link) in links.iter().enumerate() {
        let UiLink { id, origin: from, target: to, .. } =
            ui_link(link).ok_or_else(|| FormatError::new(format!("{scope}: link {i} does not name its two nodes")))?;
        for end in [&from, &to] {
            let io = subgraph && (end == "-10" || end == "-20");
            if !io && !ids.contains(end) {
                return Err(FormatError::new(format!("{scope}: link {id} joins missing node {end}")));
            }
        }
        edges.push((from, to));
    }
    refuse_cycles(&edges).map_err(|e| FormatError::new(format!("{scope}: {}", e.0)))
}

/// ComfyUI cannot run a graph whose links loop: refuse one, naming a node on the loop.
fn refuse_cycles(edges: &[(String, String)]) -> Result<(), FormatError> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut incoming: BTreeMap<&str, usize> = BTreeMap::new();
    for (from, to) in edges {
        next.entry(from).or_default().push(to);
        *incoming.entry(to).or_default() += 1;
        incoming.entry(from).or_default();
    }
    // Kahn's algorithm: whatever is never freed lies on (or after) a cycle.
    let mut ready: Vec<&str> = incoming.iter().filter(|(_, n)| **n == 0).map(|(k, _)| *k).collect();
    while let Some(n) = ready.pop() {
        for &m in next.get(n).map(Vec::as_slice).unwrap_or_default() {
            if let Some(c) = incoming.get_mut(m) {
                *c -= 1;
                if *c == 0 {
                    ready.push(m);
                }
            }
        }
    }
    match incoming.iter().find(|(_, n)| **n > 0) {
        Some((node, _)) => Err(FormatError::new(format!(
            "the links form a cycle that reaches node {node}; ComfyUI cannot run a graph that loops"
        ))),
        None => Ok(()),
    }
}

fn canonical_links(links: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = links.iter().map(canonical_link).collect();
    out.sort_by_key(|l| serde_json_canonicalizer::to_string(l).unwrap_or_default());
    out
}

fn collect_model(node_id: &str, node_type: &str, input: Option<&str>, v: &Value, out: &mut Vec<ModelRef>) {
    let Some(s) = v.as_str() else { return };
    let lower = s.to_ascii_lowercase();
    if s.len() > 512 || !MODEL_EXTENSIONS.iter().any(|ext| lower.ends_with(ext)) {
        return;
    }
    out.push(ModelRef {
        kind: model_kind(node_type, input),
        name: s.to_owned(),
        node_id: node_id.to_owned(),
        node_type: node_type.to_owned(),
        sha256: None,
        url: None,
    });
}

/// Classifies a model reference from the loader's type and input name (or model directory).
fn model_kind(node_type: &str, hint: Option<&str>) -> String {
    let t = format!("{} {}", node_type, hint.unwrap_or("")).to_ascii_lowercase();
    let kind = if t.contains("lora") {
        "lora"
    } else if t.contains("controlnet") || t.contains("control_net") {
        "controlnet"
    } else if t.contains("hypernetwork") {
        "hypernetwork"
    } else if t.contains("upscale") {
        "upscale_model"
    } else if t.contains("clipvision") || t.contains("clip_vision") {
        "clip_vision"
    } else if t.contains("vae") {
        "vae"
    } else if t.contains("unet") || t.contains("diffusion") {
        "diffusion_model"
    } else if t.contains("clip") || t.contains("text_encoder") {
        "text_encoder"
    } else if t.contains("checkpoint") || t.contains("ckpt") {
        "checkpoint"
    } else {
        "model"
    };
    kind.to_owned()
}

fn hash_value(v: &Value) -> Result<ContentHash, FormatError> {
    let bytes =
        serde_json_canonicalizer::to_vec(v).map_err(|e| FormatError::new(format!("cannot canonicalise: {e}")))?;
    Ok(ContentHash::of(&bytes))
}

/// Counts of node types, most used first (for a compact summary).
pub fn node_type_counts(w: &Workflow) -> Vec<(String, usize)> {
    let mut counts = BTreeMap::<&str, usize>::new();
    for n in &w.nodes {
        *counts.entry(&n.class_type).or_default() += 1;
    }
    let mut v: Vec<_> = counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}
