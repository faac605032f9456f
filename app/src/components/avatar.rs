//! A creator's picture: the avatar when there is one, else their initial.

use leptos::prelude::*;

use crate::components::ui::BUTTON_LIGHT;

/// A round picture of `size` CSS pixels (40, 48 or 64). Sized by class, not
/// by a `style` attribute, which the Content-Security-Policy does not allow.
#[component]
pub fn Avatar(url: Option<String>, name: String, #[prop(default = 48)] size: u32) -> impl IntoView {
    let box_class = match size {
        ..=40 => "size-10",
        41..=48 => "size-12",
        _ => "size-16",
    };
    match url {
        Some(url) => view! {
            <img src=url alt=format!("{name}'s picture") width=size height=size
                class=format!("{box_class} shrink-0 rounded-full border border-stone-200 object-cover") data-testid="avatar" />
        }
        .into_any(),
        None => {
            let initial = name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
            view! {
                <span aria-hidden="true" data-testid="avatar-initial"
                    class=format!("{box_class} flex shrink-0 items-center justify-center rounded-full bg-amber-100 text-lg font-semibold text-amber-900")>
                    {initial}
                </span>
            }
            .into_any()
        }
    }
}

/// The Studio's picture: shows it, and lets the creator choose a new one
/// (PNG, JPEG or WebP; the server crops and resizes it to 256×256 and keeps
/// no metadata).
#[component]
pub fn AvatarEditor(url: Option<String>, name: String) -> impl IntoView {
    let current = RwSignal::new(url);
    let message = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let name_for_view = name.clone();
    let upload = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = input.get().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                message.set(Some(Err("Choose a picture first.".into())));
                return;
            };
            busy.set(true);
            leptos::task::spawn_local(async move {
                let outcome = browser::put(file).await;
                busy.set(false);
                match outcome {
                    Ok(url) => {
                        current.set(Some(url));
                        message.set(Some(Ok("Picture saved.".into())));
                    }
                    Err(e) => message.set(Some(Err(e))),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (input, busy);
            message.set(Some(Err("Changing the picture needs JavaScript.".into())));
        }
    };
    view! {
        <div class="flex items-center gap-4" data-testid="avatar-editor">
            {move || view! { <Avatar url=current.get() name=name_for_view.clone() size=64 /> }}
            <div class="flex flex-col gap-1 text-sm">
                <label class="text-stone-700">"Picture (PNG, JPEG or WebP; cropped to a square)"
                    <input node_ref=input type="file" accept="image/png,image/jpeg,image/webp" class="mt-1 block text-sm"
                        data-testid="avatar-input" />
                </label>
                <div>
                    <button type="button" class=BUTTON_LIGHT on:click=upload disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save picture" }}
                    </button>
                </div>
                {move || message.get().map(|m| match m {
                    Ok(t) => view! { <p role="status" class="text-emerald-800">{t}</p> }.into_any(),
                    Err(t) => view! { <p role="alert" class="text-rose-800">{t}</p> }.into_any(),
                })}
            </div>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use colophon_api::{Avatar, ErrorBody};

    pub async fn put(file: web_sys::File) -> Result<String, String> {
        let resp = gloo_net::http::Request::put("/api/v1/me/avatar")
            .body(file)
            .map_err(|e| e.to_string())?
            .send()
            .await
            .map_err(|e| format!("The picture did not reach the server ({e}); try again."))?;
        if !resp.ok() {
            return Err(resp
                .json::<ErrorBody>()
                .await
                .map(|r| r.message)
                .unwrap_or_else(|_| format!("The server answered {}.", resp.status())));
        }
        resp.json::<Avatar>().await.map(|s| s.url).map_err(|e| e.to_string())
    }
}
