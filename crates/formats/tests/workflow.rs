use colophon_formats::workflow::{Workflow, WorkflowFormat, node_type_counts};
use serde_json::Value;

const UI: &str = include_str!("fixtures/txt2img_lora.ui.json");
const API: &str = include_str!("fixtures/txt2img_lora.api.json");

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
    // Deep nesting is refused by the JSON parser's recursion limit, not a stack overflow.
    let deep = format!(
        "{{\"nodes\": [{{\"id\": 1, \"type\": \"A\", \"widgets_values\": {}{}}}]}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(err(&deep).contains("not valid JSON"));
    // Too many nodes.
    let many: Vec<String> = (0..5_001).map(|i| format!("{{\"id\": {i}, \"type\": \"A\"}}")).collect();
    assert!(err(&format!("{{\"nodes\": [{}]}}", many.join(","))).contains("limit"));
}
