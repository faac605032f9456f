//! The style library: a creator saves the generation settings of a listing
//! (its image's metadata, docs/FORMATS.md §13) to a private library, and sees
//! which of their own works share them (the seed, or a model / LoRA).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// One of the creator's works that shares something with a saved style.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleMatch {
    pub slug: String,
    pub title: String,
    /// "same seed", "same lora inkwash_v2"…
    pub why: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleView {
    pub id: i64,
    pub name: String,
    pub listing_slug: String,
    pub listing_title: String,
    pub seed: Option<String>,
    pub settings: Vec<(String, String)>,
    /// "lora inkwash_v2 [0123456789ab]"
    pub models: Vec<String>,
    /// The creator's own works made alike, newest first.
    pub matches: Vec<StyleMatch>,
}

/// (seed, models as (kind, name, hash)) of a generation summary.
#[cfg(feature = "ssr")]
type Traits = (Option<u64>, Vec<(String, String, Option<String>)>);

#[cfg(feature = "ssr")]
fn traits(g: &serde_json::Value) -> Traits {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let models = g["models"]
        .as_array()
        .map(|ms| {
            ms.iter().map(|m| (text(&m["kind"]), text(&m["name"]), m["hash"].as_str().map(str::to_owned))).collect()
        })
        .unwrap_or_default();
    (g["seed"].as_u64(), models)
}

/// What two generations share.
#[cfg(feature = "ssr")]
fn shared(a: &Traits, b: &Traits) -> Vec<String> {
    let mut why = Vec::new();
    if a.0.is_some() && a.0 == b.0 {
        why.push("same seed".to_owned());
    }
    for (kind, name, hash) in &a.1 {
        let same = b.1.iter().any(|(_, n, h)| match (hash, h) {
            (Some(x), Some(y)) => x.starts_with(y.as_str()) || y.starts_with(x.as_str()),
            _ => !name.is_empty() && n == name,
        });
        if same {
            why.push(format!("same {kind} {name}"));
        }
    }
    why
}

#[cfg(feature = "ssr")]
async fn newest_generation(
    store: &colophon_store::Store,
    listing_id: i64,
) -> Result<Option<serde_json::Value>, ApiError> {
    Ok(store
        .listing_files(listing_id)
        .await?
        .into_iter()
        .next()
        .and_then(|f| serde_json::from_str::<serde_json::Value>(&f.details).ok())
        .and_then(|d| d.get("generation").filter(|g| g.is_object()).cloned()))
}

/// Saves a listing's generation settings to the signed-in creator's library.
#[server(endpoint = "styles/save")]
pub async fn save_style(slug: String, name: String) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let not_found = || ApiError::NotFound("There is no such listing.".into());
            let id = store.listing_id_by_slug(&slug).await?.ok_or_else(not_found)?;
            let l = store.listing(id).await?.ok_or_else(not_found)?;
            if l.status == colophon_store::ListingStatus::Draft && l.creator_id != creator.id {
                return Err(not_found());
            }
            let g = newest_generation(&store, id)
                .await?
                .ok_or_else(|| ApiError::BadRequest("This listing's image carries no generation metadata.".into()))?;
            let name = name.trim();
            let name = if name.is_empty() { l.title.as_str() } else { name };
            if name.chars().count() > 100 {
                return Err(ApiError::BadRequest("Style names are at most 100 characters.".into()));
            }
            store.style_save(creator.id, id, name, &g.to_string(), chrono::Utc::now()).await?;
            Ok(())
        }
        .await,
    )
}

/// The signed-in creator's style library, each with their own works made alike.
#[server(endpoint = "styles/mine")]
pub async fn my_styles() -> Result<Vec<StyleView>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let mut works = Vec::new();
            for l in store.creator_listings(creator.id).await? {
                if let Some(g) = newest_generation(&store, l.id).await? {
                    works.push((l.slug, l.title, traits(&g)));
                }
            }
            let mut out = Vec::new();
            for s in store.styles_of(creator.id).await? {
                let g: serde_json::Value = serde_json::from_str(&s.generation).unwrap_or_default();
                let mine = traits(&g);
                let matches = works
                    .iter()
                    .filter(|(slug, _, _)| *slug != s.listing_slug)
                    .filter_map(|(slug, title, t)| {
                        let why = shared(&mine, t);
                        (!why.is_empty()).then(|| StyleMatch { slug: slug.clone(), title: title.clone(), why })
                    })
                    .collect();
                out.push(StyleView {
                    id: s.id,
                    name: s.name,
                    listing_slug: s.listing_slug,
                    listing_title: s.listing_title,
                    seed: mine.0.map(|x| x.to_string()),
                    settings: g["settings"]
                        .as_object()
                        .map(|m| {
                            m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect()
                        })
                        .unwrap_or_default(),
                    models: mine
                        .1
                        .iter()
                        .map(|(k, n, h)| {
                            format!("{k} {n}{}", h.as_ref().map(|h| format!(" [{h}]")).unwrap_or_default())
                        })
                        .collect(),
                    matches,
                });
            }
            Ok(out)
        }
        .await,
    )
}

/// Removes an entry from the signed-in creator's library.
#[server(endpoint = "styles/delete")]
pub async fn delete_style(id: i64) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            if !store.style_delete(id, creator.id).await? {
                return Err(ApiError::NotFound("No such style in your library.".into()));
            }
            Ok(())
        }
        .await,
    )
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn styles_match_by_seed_and_by_model_hash_or_name() {
        let a = traits(&serde_json::json!({"seed": 7, "models": [
            {"kind": "lora", "name": "ink", "hash": "0123456789ab"},
            {"kind": "checkpoint", "name": "sdxl", "hash": null}
        ]}));
        let b = traits(
            &serde_json::json!({"seed": 7, "models": [{"kind": "lora", "name": "other", "hash": "0123456789"}]}),
        );
        assert_eq!(shared(&a, &b), vec!["same seed".to_owned(), "same lora ink".to_owned()]);
        let c = traits(&serde_json::json!({"seed": 8, "models": [{"kind": "checkpoint", "name": "sdxl"}]}));
        assert_eq!(shared(&a, &c), vec!["same checkpoint sdxl".to_owned()]);
        assert!(shared(&a, &traits(&serde_json::json!({}))).is_empty());
    }
}
