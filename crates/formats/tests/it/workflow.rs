use colophon_formats::workflow::{Workflow, WorkflowFormat, node_type_counts};
use serde_json::Value;

const UI: &str = include_str!("../fixtures/txt2img_lora.ui.json");
const API: &str = include_str!("../fixtures/txt2img_lora.api.json");

fn ui() -> Value {
    serde_json::from_str(UI).expect("fixture")
}

#[test]
fn ui_format_nodes_and_models() {
    let w = Workflow::parse(UI.as_bytes()).expect("valid");
    assert_eq!(w.format, WorkflowFormat::Ui);
    assert_eq!(w.nodes.len(), 8);
    assert_eq!(w.link_count, 11);
    let counts = node_type_counts(&w);
    assert_eq!(counts[0], ("CLIPTextEncode".to_owned(), 2));
    let kinds: Vec<(&str, &str)> = w.models.iter().map(|m| (m.kind.as_str(), m.name.as_str())).collect();
    assert_eq!(
        kinds,
        vec![("checkpoint", "v1-5-pruned-emaonly-fp16.safetensors"), ("lora", "ink_wash_v2.safetensors")]
    );
    let lora = &w.models[1];
    assert_eq!(lora.node_id, "10");
    assert_eq!(lora.node_type, "LoraLoader");
    assert_eq!(lora.sha256.as_deref(), Some("3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"));
    assert!(w.models[0].url.as_deref().is_some_and(|u| u.starts_with("https://huggingface.co/")));
    let sampler = w.nodes.iter().find(|n| n.class_type == "KSampler").expect("sampler");
    assert_eq!(sampler.inputs[2].1, Value::from(28));
}

#[test]
fn api_format_nodes_inputs_and_models() {
    let w = Workflow::parse(API.as_bytes()).expect("valid");
    assert_eq!(w.format, WorkflowFormat::Api);
    assert_eq!(w.nodes.len(), 8);
    assert_eq!(w.nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["3", "4", "5", "6", "7", "8", "9", "10"]);
    assert_eq!(w.link_count, 11);
    let lora = w.models.iter().find(|m| m.kind == "lora").expect("lora");
    assert_eq!(lora.name, "ink_wash_v2.safetensors");
    let sampler = w.nodes.iter().find(|n| n.class_type == "KSampler").expect("sampler");
    assert!(sampler.inputs.iter().any(|(k, v)| k == "steps" && v.as_u64() == Some(28)));
    assert!(sampler.inputs.iter().all(|(k, _)| k != "model"), "links are not literal inputs");
    assert_eq!(w.nodes[1].title.as_deref(), Some("Load Checkpoint"));
}

#[test]
fn canonical_hash_ignores_layout_but_not_behaviour() {
    let base = Workflow::from_value(&ui()).expect("valid").canonical_hash;

    // Cosmetic: move, resize, recolour, collapse, retitle, regroup, pan, reorder nodes and links.
    let mut v = ui();
    for node in v["nodes"].as_array_mut().expect("nodes") {
        node["pos"] = serde_json::json!([1, 2]);
        node["size"] = serde_json::json!([100, 100]);
        node["color"] = "#ff0000".into();
        node["bgcolor"] = "#00ff00".into();
        node["flags"] = serde_json::json!({"collapsed": true});
        node["title"] = "renamed".into();
        node["order"] = 99.into();
        node["shape"] = 2.into();
    }
    v["nodes"].as_array_mut().expect("nodes").reverse();
    v["links"].as_array_mut().expect("links").reverse();
    v["groups"] = serde_json::json!([]);
    v["extra"]["ds"] = serde_json::json!({"scale": 2.0, "offset": [0, 0]});
    v["last_node_id"] = 500.into();
    v["version"] = 0.4.into();
    assert_eq!(Workflow::from_value(&v).expect("valid").canonical_hash, base, "layout must not change identity");

    // Behaviour: a different seed, strength, prompt, bypassed node or rewired link.
    let changed = |f: &dyn Fn(&mut Value)| {
        let mut v = ui();
        f(&mut v);
        Workflow::from_value(&v).expect("valid").canonical_hash
    };
    assert_ne!(changed(&|v| v["nodes"][5]["widgets_values"][0] = 1.into()), base, "seed");
    assert_ne!(changed(&|v| v["nodes"][1]["widgets_values"][1] = 0.5.into()), base, "LoRA strength");
    assert_ne!(changed(&|v| v["nodes"][2]["widgets_values"][0] = "a crane".into()), base, "prompt");
    assert_ne!(changed(&|v| v["nodes"][6]["mode"] = 4.into()), base, "bypass");
    assert_ne!(changed(&|v| v["links"][1][1] = 7.into()), base, "rewire");

    // API format: titles don't matter, inputs do; UI and API never collide.
    let api: Value = serde_json::from_str(API).expect("fixture");
    let api_hash = Workflow::from_value(&api).expect("valid").canonical_hash;
    let mut retitled = api.clone();
    retitled["3"]["_meta"]["title"] = "My sampler".into();
    assert_eq!(Workflow::from_value(&retitled).expect("valid").canonical_hash, api_hash);
    let mut reseeded = api.clone();
    reseeded["3"]["inputs"]["seed"] = 2.into();
    assert_ne!(Workflow::from_value(&reseeded).expect("valid").canonical_hash, api_hash);
    assert_ne!(api_hash, base);
}

#[test]
fn object_links_of_the_v1_schema_are_accepted() {
    let mut v = ui();
    let links: Vec<Value> = v["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            serde_json::json!({"id": l[0], "origin_id": l[1], "origin_slot": l[2], "target_id": l[3], "target_slot": l[4], "type": l[5], "parentId": 3})
        })
        .collect();
    v["links"] = Value::Array(links);
    v["version"] = 1.into();
    let w = Workflow::from_value(&v).expect("valid");
    assert_eq!(w.link_count, 11);
}

#[test]
fn bad_workflows_get_clear_errors() {
    let err = |s: &str| Workflow::parse(s.as_bytes()).expect_err(s).0;
    assert!(err("{not json").contains("not valid JSON"));
    assert!(err("[1, 2]").contains("JSON object"));
    assert!(err("{}").contains("not a ComfyUI workflow"));
    assert!(err(r#"{"prompt": {}, "client_id": "x"}"#).contains("API request body"));
    assert!(err(r#"{"nodes": {}}"#).contains("must be an array"));
    assert!(err(r#"{"nodes": []}"#).contains("no nodes"));
    assert!(err(r#"{"nodes": [{"type": "KSampler"}]}"#).contains("no valid \"id\""));
    assert!(err(r#"{"nodes": [{"id": 1}]}"#).contains("no \"type\""));
    assert!(err(r#"{"nodes": [{"id": 1, "type": "A"}, {"id": 1, "type": "B"}]}"#).contains("appears twice"));
    assert!(err(r#"{"nodes": [{"id": 1, "type": "A"}], "links": [5]}"#).contains("link 0"));
    assert!(err(r#"{"1": {"class_type": "A", "inputs": []}}"#).contains("must be an object"));
    assert!(err(r#"{"1": {"class_type": "A", "inputs": {"x": ["9", 0]}}}"#).contains("missing node 9"));
    assert!(err(r#"{"1": {"class_type": ""}}"#).contains("class_type"));
    // Deep nesting is refused by name, before any tree is built, never a stack overflow.
    let deep = format!(
        "{{\"nodes\": [{{\"id\": 1, \"type\": \"A\", \"widgets_values\": {}{}}}]}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(err(&deep), "the workflow is nested more than 64 levels deep");
    // UTF-16 is named as such, not called an unsupported type.
    let utf16: Vec<u8> = "\u{feff}{\"1\": {}}".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(Workflow::parse(&utf16).expect_err("utf-16").0.contains("UTF-16"));
    // Too many nodes.
    let many: Vec<String> = (0..5_001).map(|i| format!("{{\"id\": {i}, \"type\": \"A\"}}")).collect();
    assert!(err(&format!("{{\"nodes\": [{}]}}", many.join(","))).contains("limit"));
}

#[test]
fn a_million_tiny_nodes_are_refused_before_a_tree_is_built() {
    // 28 bytes a node: the value count stops the walk long before serde_json would build a million maps.
    let mut doc = String::from("{\"nodes\": [");
    for i in 0..400_000 {
        doc.push_str(&format!("{{\"id\":{i},\"type\":\"A\"}},"));
    }
    doc.push_str("{\"id\":-1,\"type\":\"A\"}]}");
    let e = Workflow::parse(doc.as_bytes()).expect_err("too many values").0;
    assert_eq!(e, "the workflow holds more than 1000000 JSON values");
}

#[test]
fn literal_lists_in_api_format_are_values_not_links() {
    let api = r#"{"1": {"class_type": "ImageResize", "inputs": {"size": [1024, 1024], "pad": [0, 8]}},
                  "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0]}}}"#;
    let w = Workflow::parse(api.as_bytes()).expect("a list of numbers is a value");
    assert_eq!(w.link_count, 1);
    assert!(w.nodes[0].inputs.iter().any(|(k, v)| k == "size" && *v == serde_json::json!([1024, 1024])));
    // A string id and a slot is a link, and a link to nowhere is refused by name.
    let broken = r#"{"1": {"class_type": "SaveImage", "inputs": {"images": ["7", 0]}}}"#;
    assert!(Workflow::parse(broken.as_bytes()).expect_err("missing").0.contains("missing node 7"));
}

#[test]
fn cycles_and_links_to_missing_nodes_are_refused() {
    let api =
        r#"{"1": {"class_type": "A", "inputs": {"x": ["2", 0]}}, "2": {"class_type": "B", "inputs": {"y": ["1", 0]}}}"#;
    assert!(Workflow::parse(api.as_bytes()).expect_err("cycle").0.contains("cycle"));
    let mut v = ui();
    let first = v["nodes"][0]["id"].clone();
    v["links"].as_array_mut().expect("links").push(serde_json::json!([99, first, 0, 404, 0, "MODEL"]));
    assert_eq!(Workflow::from_value(&v).expect_err("missing").0, "the workflow: link 99 joins missing node 404");
    // A loop in the editor graph: KSampler's output back into the checkpoint loader.
    let mut v = ui();
    let ids: Vec<Value> = v["nodes"].as_array().expect("nodes").iter().map(|n| n["id"].clone()).collect();
    let sampler =
        v["nodes"].as_array().expect("nodes").iter().find(|n| n["type"] == "KSampler").expect("k")["id"].clone();
    let loader =
        v["nodes"].as_array().expect("nodes").iter().find(|n| n["type"] == "CheckpointLoaderSimple").expect("c")["id"]
            .clone();
    assert!(ids.len() > 2);
    v["links"].as_array_mut().expect("links").push(serde_json::json!([98, sampler, 0, loader, 0, "LATENT"]));
    assert!(Workflow::from_value(&v).expect_err("cycle").0.contains("cycle"));
}

/// A subgraph workflow as the ComfyUI frontend writes it: the top level holds
/// one instance node whose `type` is the subgraph's id; the definition holds
/// the loaders (object-form links, -10/-20 as the subgraph's own input and output).
fn subgraph_workflow() -> Value {
    serde_json::json!({
        "id": "0b0c", "revision": 0, "last_node_id": 3, "last_link_id": 1, "version": 0.4,
        "nodes": [
            {"id": 3, "type": "a1b2c3d4-0000-4000-8000-000000000001", "pos": [10, 10], "size": [200, 100], "mode": 0,
             "inputs": [], "outputs": [{"name": "MODEL", "type": "MODEL", "links": [1]}], "widgets_values": []},
            {"id": 2, "type": "SaveImage", "pos": [400, 10], "mode": 0,
             "inputs": [{"name": "images", "type": "IMAGE", "link": 1}], "widgets_values": ["out"]}
        ],
        "links": [[1, 3, 0, 2, 0, "IMAGE"]],
        "definitions": {"subgraphs": [{
            "id": "a1b2c3d4-0000-4000-8000-000000000001", "version": 1, "revision": 0, "name": "Loader pack",
            "state": {"lastGroupId": 0, "lastNodeId": 2, "lastLinkId": 2},
            "config": {}, "extra": {"ds": {"scale": 1, "offset": [0, 0]}},
            "inputNode": {"id": -10, "bounding": [0, 0, 120, 60]},
            "outputNode": {"id": -20, "bounding": [900, 0, 120, 60]},
            "inputs": [],
            "outputs": [{"id": "o1", "name": "MODEL", "type": "MODEL", "linkIds": [2], "pos": [900, 20]}],
            "widgets": [],
            "nodes": [
                {"id": 1, "type": "CheckpointLoaderSimple", "pos": [100, 100], "size": [300, 100], "mode": 0,
                 "outputs": [{"name": "MODEL", "type": "MODEL", "links": [2]}],
                 "properties": {"cnr_id": "comfy-core", "ver": "0.3.60",
                   "models": [{"name": "base.safetensors", "hash": "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea", "hash_type": "SHA256", "directory": "checkpoints"}]},
                 "widgets_values": ["base.safetensors"]},
                {"id": 2, "type": "LoraLoaderModelOnly", "pos": [500, 100], "mode": 0,
                 "inputs": [{"name": "model", "type": "MODEL", "link": 3}],
                 "outputs": [{"name": "MODEL", "type": "MODEL", "links": [2]}],
                 "widgets_values": ["ink.safetensors", 0.8]}
            ],
            "links": [
                {"id": 3, "origin_id": 1, "origin_slot": 0, "target_id": 2, "target_slot": 0, "type": "MODEL"},
                {"id": 2, "origin_id": 2, "origin_slot": 0, "target_id": -20, "target_slot": 0, "type": "MODEL"}
            ]
        }]}
    })
}

#[test]
fn subgraphs_count_and_stay_layout_free() {
    let v = subgraph_workflow();
    let w = Workflow::from_value(&v).expect("valid");
    let names: Vec<(&str, &str)> = w.models.iter().map(|m| (m.kind.as_str(), m.name.as_str())).collect();
    assert!(names.contains(&("checkpoint", "base.safetensors")), "{names:?}");
    assert!(names.contains(&("lora", "ink.safetensors")), "{names:?}");
    assert_eq!(w.pinned_hashes().len(), 1, "the hash inside the subgraph pins its model");
    assert_eq!(w.link_count, 3);
    // Layout, UI state and node-pack versions inside the definition change nothing.
    let mut moved = v.clone();
    let def = &mut moved["definitions"]["subgraphs"][0];
    def["nodes"][0]["pos"] = serde_json::json!([999, 999]);
    def["nodes"][1]["size"] = serde_json::json!([1, 1]);
    def["nodes"][0]["color"] = "#ff0000".into();
    def["inputNode"]["bounding"] = serde_json::json!([5, 5, 5, 5]);
    def["outputs"][0]["pos"] = serde_json::json!([1, 1]);
    def["extra"] = serde_json::json!({"ds": {"scale": 2}});
    def["state"]["lastNodeId"] = 77.into();
    def["revision"] = 9.into();
    def["nodes"].as_array_mut().expect("nodes").reverse();
    def["links"].as_array_mut().expect("links").reverse();
    assert_eq!(Workflow::from_value(&moved).expect("valid").canonical_hash, w.canonical_hash);
    // Semantics do: a different LoRA strength inside the subgraph.
    let mut changed = v.clone();
    changed["definitions"]["subgraphs"][0]["nodes"][1]["widgets_values"][1] = 0.5.into();
    assert_ne!(Workflow::from_value(&changed).expect("valid").canonical_hash, w.canonical_hash);
    // A link inside the subgraph to a node that is not there is refused by name.
    let mut broken = v.clone();
    broken["definitions"]["subgraphs"][0]["links"][0]["origin_id"] = 42.into();
    assert_eq!(
        Workflow::from_value(&broken).expect_err("missing").0,
        "subgraph Loader pack: link 3 joins missing node 42"
    );
}

#[test]
fn legacy_group_nodes_count() {
    let mut v = ui();
    v["extra"]["groupNodes"] = serde_json::json!({"Upscale pack": {
        "nodes": [{"type": "UpscaleModelLoader", "pos": [0, 0], "widgets_values": ["4x_ultra.pth"], "index": 0},
                  {"type": "ImageUpscaleWithModel", "pos": [300, 0], "index": 1}],
        "links": [[0, 0, 1, 0, 5, "UPSCALE_MODEL"]], "external": []}});
    let w = Workflow::from_value(&v).expect("valid");
    assert!(w.models.iter().any(|m| m.kind == "upscale_model" && m.name == "4x_ultra.pth"), "{:?}", w.models);
    let mut moved = v.clone();
    moved["extra"]["groupNodes"]["Upscale pack"]["nodes"][1]["pos"] = serde_json::json!([5, 5]);
    assert_eq!(Workflow::from_value(&moved).expect("valid").canonical_hash, w.canonical_hash);
    let mut changed = v.clone();
    changed["extra"]["groupNodes"]["Upscale pack"]["nodes"][0]["widgets_values"][0] = "2x.pth".into();
    assert_ne!(Workflow::from_value(&changed).expect("valid").canonical_hash, w.canonical_hash);
}
