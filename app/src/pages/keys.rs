//! The Studio's key panel. Keys are generated, encrypted (key file format
//! `colophon-key/1`: argon2id + XChaCha20-Poly1305) and used for signing in
//! this browser only; the server receives public keys and signed statements.

use leptos::prelude::*;

use crate::components::ui::{BUTTON, BUTTON_LIGHT, INPUT};

use crate::api::keys::{KeyView, MyKeys, list_my_keys};

/// Key status, generation, download, import, rotation and revocation.
#[component]
pub fn KeyPanel() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let keys = Resource::new(move || version.get(), |_| list_my_keys());
    view! {
        <section aria-labelledby="keys-heading" class="flex flex-col gap-3 rounded-lg border border-stone-200 bg-white p-5" data-testid="key-panel">
            <h2 id="keys-heading" class="text-xl font-semibold">"Signing key"</h2>
            <Transition fallback=|| view! { <p aria-busy="true">"Loading keys…"</p> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(mine) => view! { <KeyState mine version /> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn KeyState(mine: MyKeys, version: RwSignal<u32>) -> impl IntoView {
    let active = mine.active().cloned();
    let history: Vec<KeyView> = mine.keys.iter().filter(|k| k.status != "active").cloned().collect();
    let handle = mine.handle.clone();
    view! {
        {match active {
            None => view! { <GenerateKey handle version /> }.into_any(),
            Some(key) => view! { <ActiveKey key handle version /> }.into_any(),
        }}
        <details class="text-sm text-stone-700">
            <summary class="cursor-pointer font-medium">"What rotation and revocation mean"</summary>
            <p class="mt-2">
                <strong>"Rotate"</strong>
                " when you move to a new key (a new laptop, a routine change). Your current key signs a hand-over "
                "to the new one; everything it signed before stays valid, and new files are signed by the new key."
            </p>
            <p class="mt-2">
                <strong>"Revoke as compromised"</strong>
                " if someone else may have your key file and passphrase. Verifiers then distrust "
                <em>"everything"</em>
                " that key ever signed, because they cannot tell your signatures from the thief's. "
                <strong>"Retire"</strong>
                " a key you simply stop using: what it signed stays valid."
            </p>
        </details>
        {(!history.is_empty())
            .then(|| {
                view! {
                    <div>
                        <h3 class="font-medium">"Earlier keys"</h3>
                        <ul class="mt-1 text-sm text-stone-700" data-testid="key-history">
                            {history
                                .into_iter()
                                .map(|k| {
                                    view! {
                                        <li>
                                            <code>{k.fingerprint}</code>
                                            " — "
                                            {k.status}
                                            {k.revoke_reason.map(|r| format!(" ({r})"))}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })}
    }
}

#[component]
fn GenerateKey(handle: String, version: RwSignal<u32>) -> impl IntoView {
    let pass = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<Result<String, String>>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (p, c) = (pass.get_untracked(), confirm.get_untracked());
        if p.chars().count() < 12 {
            message.set(Some(Err("Use a passphrase of at least 12 characters.".into())));
            return;
        }
        if p != c {
            message.set(Some(Err("The passphrases differ.".into())));
            return;
        }
        busy.set(true);
        message.set(Some(Ok("Generating and encrypting your key (a few seconds)…".into())));
        let handle = handle.clone();
        leptos::task::spawn_local(async move {
            let result = browser::generate_and_register(&handle, &p).await;
            busy.set(false);
            match result {
                Ok(fingerprint) => {
                    message.set(Some(Ok(format!(
                        "Key {fingerprint} registered. Download the key file and keep it safe."
                    ))));
                    version.update(|v| *v += 1);
                }
                Err(e) => message.set(Some(Err(e))),
            }
        });
    };
    view! {
        <p class="text-stone-700">
            "You have no signing key yet. Colophon generates it here, in your browser, and encrypts it with "
            "your passphrase. The server only ever receives the public key. If you lose both the key file and "
            "this browser's copy, nobody can recover it — you would register a new key."
        </p>
        <form class="flex flex-col gap-3" on:submit=on_submit data-testid="generate-key-form">
            <label class="block">
                <span class="font-medium">"Passphrase"</span>
                <input
                    class=INPUT
                    type="password"
                    name="passphrase"
                    autocomplete="new-password"
                    minlength="12"
                    required
                    bind:value=pass
                />
            </label>
            <label class="block">
                <span class="font-medium">"Repeat passphrase"</span>
                <input
                    class=INPUT
                    type="password"
                    name="passphrase_confirm"
                    autocomplete="new-password"
                    minlength="12"
                    required
                    bind:value=confirm
                />
            </label>
            <StatusLine message />
            <button class=BUTTON type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Working…" } else { "Generate signing key" }}
            </button>
        </form>
    }
}

#[component]
fn StatusLine(message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    move || {
        message.get().map(|m| match m {
            Ok(text) => {
                view! { <p role="status" class="text-emerald-800" data-testid="key-status">{text}</p> }.into_any()
            }
            Err(text) => view! { <p role="alert" class="text-rose-800">{text}</p> }.into_any(),
        })
    }
}

#[component]
fn ActiveKey(key: KeyView, handle: String, version: RwSignal<u32>) -> impl IntoView {
    let in_browser = RwSignal::new(None::<bool>);
    let key_id = key.key_id.clone();
    Effect::new({
        let key_id = key_id.clone();
        move |_| in_browser.set(Some(browser::has_key(&key_id)))
    });
    let pass = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<Result<String, String>>);
    let reason = RwSignal::new("retired".to_owned());

    let run = move |op: browser::Op| {
        let p = pass.get_untracked();
        busy.set(true);
        message.set(Some(Ok("Working…".into())));
        let (handle, key_id, reason) = (handle.clone(), key_id.clone(), reason.get_untracked());
        leptos::task::spawn_local(async move {
            let result = browser::change_key(op, &handle, &key_id, &p, &reason).await;
            busy.set(false);
            match result {
                Ok(text) => {
                    message.set(Some(Ok(text)));
                    version.update(|v| *v += 1);
                }
                Err(e) => message.set(Some(Err(e))),
            }
        });
    };
    let download = {
        let (key_id, fingerprint) = (key.key_id.clone(), key.fingerprint.clone());
        move |_| {
            if let Err(e) = browser::download(&key_id, &fingerprint) {
                message.set(Some(Err(e)));
            }
        }
    };
    let import = {
        let key_id = key.key_id.clone();
        move |ev: leptos::ev::Event| {
            let (key_id, target) = (key_id.clone(), event_target::<leptos::web_sys::HtmlInputElement>(&ev));
            leptos::task::spawn_local(async move {
                match browser::import(&target, &key_id).await {
                    Ok(()) => {
                        in_browser.set(Some(true));
                        message.set(Some(Ok("Key file imported into this browser.".into())));
                    }
                    Err(e) => message.set(Some(Err(e))),
                }
            });
        }
    };
    let (run_rotate, run_revoke) = (run.clone(), run);
    view! {
        <dl class="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" data-testid="active-key">
            <dt class="font-medium">"Fingerprint"</dt>
            <dd><code data-testid="key-fingerprint">{key.fingerprint.clone()}</code></dd>
            <dt class="font-medium">"Key id"</dt>
            <dd class="break-all"><code>{key.key_id.clone()}</code></dd>
            <dt class="font-medium">"Registered"</dt>
            <dd>"log entry #" {key.registered_leaf} " · " {key.created_at.clone()}</dd>
            <dt class="font-medium">"In this browser"</dt>
            <dd data-testid="key-in-browser">
                {move || match in_browser.get() {
                    None => "checking…",
                    Some(true) => "yes — encrypted with your passphrase",
                    Some(false) => "no — import your key file to sign here",
                }}
            </dd>
        </dl>
        <div class="flex flex-wrap items-center gap-3">
            <button type="button" class=BUTTON_LIGHT on:click=download disabled=move || in_browser.get() != Some(true)>
                "Download key file"
            </button>
            <label class=BUTTON_LIGHT>
                "Import key file…"
                <input type="file" accept=".json,application/json" class="sr-only" on:change=import />
            </label>
        </div>
        <fieldset class="flex flex-col gap-2 rounded border border-stone-200 p-3">
            <legend class="px-1 text-sm font-medium">"Change this key"</legend>
            <label class="block text-sm">
                "Passphrase of the current key"
                <input class=INPUT type="password" autocomplete="current-password" bind:value=pass />
            </label>
            <div class="flex flex-wrap items-center gap-3">
                <button type="button" class=BUTTON_LIGHT disabled=move || busy.get() on:click=move |_| run_rotate(browser::Op::Rotate)>
                    "Rotate to a new key"
                </button>
                <select class="rounded border border-stone-300 px-2 py-1 text-sm" aria-label="Revocation reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                    <option value="retired">"Retired (what it signed stays valid)"</option>
                    <option value="compromised">"Compromised (distrust everything it signed)"</option>
                </select>
                <button type="button" class=BUTTON_LIGHT disabled=move || busy.get() on:click=move |_| run_revoke(browser::Op::Revoke)>
                    "Revoke"
                </button>
            </div>
        </fieldset>
        <StatusLine message />
    }
}

/// What runs in the browser. On the server these are never called (no
/// events fire there); stubs keep the component compiling for SSR.
#[cfg(feature = "hydrate")]
pub(crate) mod browser {
    use colophon_provenance::{
        KeyId, RevocationReason, SigningKey, Statement,
        keyfile::{KdfParams, KeyFile},
    };
    use leptos::wasm_bindgen::JsCast;
    use rand_core::OsRng;

    use crate::api::keys::submit_key_statement;

    #[derive(Clone, Copy)]
    pub enum Op {
        Rotate,
        Revoke,
    }

    const STORAGE_PREFIX: &str = "colophon.keyfile.";

    fn storage() -> Result<web_sys::Storage, String> {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .ok_or_else(|| "This browser does not allow local storage; the key cannot be kept here.".to_owned())
    }

    pub fn now_ms() -> u64 {
        js_sys::Date::now() as u64
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The stored key file for `key_id`, if this browser has it.
    pub fn key_file(key_id: &str) -> Option<KeyFile> {
        let text = storage().ok()?.get_item(&format!("{STORAGE_PREFIX}{key_id}")).ok().flatten()?;
        KeyFile::from_json(&text).ok()
    }

    pub fn has_key(key_id: &str) -> bool {
        key_file(key_id).is_some()
    }

    fn save(file: &KeyFile) -> Result<(), String> {
        storage()?
            .set_item(&format!("{STORAGE_PREFIX}{}", file.key_id), &file.to_json())
            .map_err(|_| "Could not save the key in this browser (storage full or blocked).".to_owned())
    }

    /// Opens the stored key with the passphrase.
    pub fn unlock(key_id: &str, passphrase: &str) -> Result<SigningKey, String> {
        let file = key_file(key_id).ok_or("This browser does not hold that key. Import its key file first.")?;
        file.open(passphrase).map_err(|e| format!("Could not open the key: {e}"))
    }

    async fn submit(statement: &Statement, key: &SigningKey) -> Result<u64, String> {
        let signed = statement.sign(key).map_err(|e| e.to_string())?;
        submit_key_statement(hex(&signed.bytes), signed.public_key.to_hex(), hex(&signed.signature))
            .await
            .map_err(|e| e.to_string())
    }

    fn new_key(passphrase: &str, handle: &str) -> Result<(SigningKey, KeyFile), String> {
        let key = SigningKey::generate(&mut OsRng);
        let file = KeyFile::seal(
            &key,
            passphrase,
            KdfParams::default(),
            &format!("@{handle} (Colophon Studio)"),
            now_ms(),
            &mut OsRng,
        )
        .map_err(|e| e.to_string())?;
        Ok((key, file))
    }

    pub async fn generate_and_register(handle: &str, passphrase: &str) -> Result<String, String> {
        let (key, file) = new_key(passphrase, handle)?;
        // Kept before registering, so a network failure never loses a key the log may already name.
        save(&file)?;
        let statement = Statement::KeyRegistered {
            public_key: key.public_key().to_bytes(),
            account: handle.to_owned(),
            time_ms: now_ms(),
        };
        submit(&statement, &key).await?;
        Ok(key.public_key().key_id().fingerprint())
    }

    pub async fn change_key(
        op: Op,
        handle: &str,
        key_id: &str,
        passphrase: &str,
        reason: &str,
    ) -> Result<String, String> {
        let current = unlock(key_id, passphrase)?;
        let id = KeyId::parse(key_id).map_err(|e| e.to_string())?;
        match op {
            Op::Rotate => {
                let (next, file) = new_key(passphrase, handle)?;
                save(&file)?;
                let statement = Statement::KeyRotated {
                    old_key: id,
                    new_public_key: next.public_key().to_bytes(),
                    time_ms: now_ms(),
                };
                let leaf = submit(&statement, &current).await?;
                Ok(format!(
                    "Rotated to key {} (log entry #{leaf}). It uses the same passphrase; download its key file.",
                    next.public_key().key_id().fingerprint()
                ))
            }
            Op::Revoke => {
                let reason = match reason {
                    "compromised" => RevocationReason::Compromised,
                    _ => RevocationReason::Retired,
                };
                let statement = Statement::KeyRevoked { key: id, reason, time_ms: now_ms() };
                let leaf = submit(&statement, &current).await?;
                Ok(format!("Key revoked (log entry #{leaf}). Generate a new key to keep signing."))
            }
        }
    }

    /// Offers the stored key file as a download.
    pub fn download(key_id: &str, fingerprint: &str) -> Result<(), String> {
        let file = key_file(key_id).ok_or("This browser does not hold that key.")?;
        let parts = js_sys::Array::of1(&file.to_json().into());
        let props = web_sys::BlobPropertyBag::new();
        props.set_type("application/json");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &props)
            .map_err(|_| "Could not build the file.")?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "Could not build the file.")?;
        let document = web_sys::window().and_then(|w| w.document()).ok_or("No document.")?;
        let a: web_sys::HtmlAnchorElement =
            document.create_element("a").map_err(|_| "No anchor.")?.dyn_into().map_err(|_| "No anchor.")?;
        a.set_href(&url);
        a.set_download(&format!("colophon-key-{}.json", fingerprint.replace(' ', "")));
        a.click();
        let _ = web_sys::Url::revoke_object_url(&url);
        Ok(())
    }

    /// Reads a key file chosen by the user, checks it is the expected key and keeps it.
    pub async fn import(input: &web_sys::HtmlInputElement, expected_key_id: &str) -> Result<(), String> {
        let file = input.files().and_then(|f| f.get(0)).ok_or("No file chosen.")?;
        if file.size() > 64.0 * 1024.0 {
            return Err("That is not a key file (too large).".into());
        }
        let text = wasm_bindgen_futures::JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|v| v.as_string())
            .ok_or("Could not read the file.")?;
        let key_file = KeyFile::from_json(&text).map_err(|e| format!("Not a Colophon key file: {e}"))?;
        key_file.check().map_err(|e| format!("The key file is damaged: {e}"))?;
        if key_file.key_id != expected_key_id {
            return Err("That key file holds a different key than your active one.".into());
        }
        save(&key_file)
    }
}

#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)]
pub(crate) mod browser {
    #[derive(Clone, Copy)]
    pub enum Op {
        Rotate,
        Revoke,
    }
    const SERVER: &str = "This needs JavaScript in the browser.";
    pub fn has_key(_: &str) -> bool {
        false
    }
    pub async fn generate_and_register(_: &str, _: &str) -> Result<String, String> {
        Err(SERVER.into())
    }
    pub async fn change_key(_: Op, _: &str, _: &str, _: &str, _: &str) -> Result<String, String> {
        Err(SERVER.into())
    }
    pub fn download(_: &str, _: &str) -> Result<(), String> {
        Err(SERVER.into())
    }
    pub async fn import(_: &leptos::web_sys::HtmlInputElement, _: &str) -> Result<(), String> {
        Err(SERVER.into())
    }
}
