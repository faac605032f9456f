//! Studio → Payouts: where wallet sales are paid (an address the creator
//! proves by signing a Sign-In-With-Ethereum message in their wallet), what
//! the sales contract owes it, a Withdraw button per token, and past
//! withdrawals — every figure read from the chain through
//! `GET /api/v1/studio/payouts`.

use colophon_api::{Payouts, WalletTransaction};
use leptos::prelude::*;

use crate::{
    components::ui::{BUTTON, BUTTON_LIGHT},
    wallet::format_units,
};

/// The Studio's payouts section (runs in the browser: it talks to the wallet).
#[component]
pub fn PayoutsPanel() -> impl IntoView {
    // Loaded in the browser once hydrated (and again after each change): an
    // effect, so the server renders "Loading…" and hydration has nothing to wait for.
    let version = RwSignal::new(0u32);
    let payouts = RwSignal::new(None::<Result<Payouts, String>>);
    Effect::new(move |_| {
        version.track();
        leptos::task::spawn_local(async move { payouts.set(Some(flow::load().await)) });
    });
    let status = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let prove = move || {
        busy.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match flow::prove(status).await {
                Ok(address) => {
                    status.set(Some((false, format!("Payouts now go to {address}."))));
                    version.update(|v| *v += 1);
                }
                Err(message) => status.set(Some((true, message))),
            }
            busy.set(false);
        });
    };
    let withdraw = move |address: String, chain_id: u64, tx: WalletTransaction, what: String| {
        busy.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match flow::withdraw(&address, chain_id, &tx, status).await {
                Ok(hash) => {
                    status.set(Some((false, format!("Withdrew {what} ({hash})."))));
                    version.update(|v| *v += 1);
                }
                Err(message) => status.set(Some((true, message))),
            }
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (address, chain_id, tx, what);
    };
    view! {
        <section aria-labelledby="payouts-heading" class="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-6" data-testid="payouts">
            <h2 id="payouts-heading" class="text-xl font-semibold">"Payouts"</h2>
            {move || match payouts.get() {
                None => view! { <p aria-busy="true">"Loading…"</p> }.into_any(),
                Some(Ok(p)) => view! { <PayoutsView p busy prove withdraw /> }.into_any(),
                Some(Err(message)) => view! { <p role="alert" class="text-rose-800">{message}</p> }.into_any(),
            }}
            {move || status.get().map(|(error, message)| if error {
                view! { <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-3 text-rose-900" data-testid="payouts-error">{message}</p> }.into_any()
            } else {
                view! { <p role="status" class="text-sm text-stone-700" data-testid="payouts-status">{message}</p> }.into_any()
            })}
        </section>
    }
    .into_any()
}

#[component]
fn PayoutsView(
    p: Payouts,
    busy: RwSignal<bool>,
    prove: impl Fn() + Copy + Send + Sync + 'static,
    withdraw: impl Fn(String, u64, WalletTransaction, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if !p.enabled {
        return view! { <p class="text-stone-600">"Wallet payments are off on this marketplace: sales are paid out by the operator."</p> }
            .into_any();
    }
    let chain_id = p.chain_id.unwrap_or_default();
    let address = p.payout_address.clone();
    let prove_label =
        if address.is_some() { "Change the payout address" } else { "Prove a payout address with your wallet" };
    let balances = p.balances.into_iter().map(|b| {
        let what = format!("{} {}", format_units(&b.owed, b.decimals), b.symbol);
        let button = match (b.withdraw, address.clone()) {
            (Some(tx), Some(address)) => {
                let (what, symbol) = (what.clone(), b.symbol.clone());
                view! {
                    <button type="button" class=BUTTON_LIGHT data-testid=format!("withdraw-{symbol}") disabled=move || busy.get()
                        on:click=move |_| withdraw(address.clone(), chain_id, tx.clone(), what.clone())>
                        {format!("Withdraw {symbol}")}
                    </button>
                }.into_any()
            }
            _ => view! { <span class="text-stone-500">"Nothing to withdraw"</span> }.into_any(),
        };
        view! {
            <tr data-testid=format!("owed-{}", b.symbol)>
                <td class="py-1">{b.symbol.clone()}</td>
                <td class="text-right font-mono" data-testid="owed-amount">{what}</td>
                <td class="pl-4 text-right">{button}</td>
            </tr>
        }
    }).collect_view();
    let withdrawals = p.withdrawals.into_iter().map(|w| view! {
        <li class="font-mono text-sm" data-testid="withdrawal">
            {format!("{} {} · block {} · {}", format_units(&w.amount, w.decimals), w.symbol, w.block_number, w.tx_hash)}
        </li>
    }).collect_view();
    view! {
        <p class="text-stone-700">
            "Buyers who pay from their wallet pay the sales contract on chain " {chain_id}
            ", which credits your share to your payout address. You withdraw it whenever you like; nobody else can."
        </p>
        <p data-testid="payout-address">
            {match address.clone() {
                Some(a) => view! { "Payout address: " <span class="break-all font-mono">{a}</span> }.into_any(),
                None => view! { <span class="text-amber-800">"No payout address yet: buyers cannot pay your listings from a wallet until you prove one."</span> }.into_any(),
            }}
        </p>
        <div>
            <button type="button" class=BUTTON data-testid="payout-prove" disabled=move || busy.get() on:click=move |_| prove()>{prove_label}</button>
        </div>
        <table class="w-full text-left text-sm">
            <caption class="text-left text-stone-500">"Owed to you by the sales contract " {p.contract.unwrap_or_default()}</caption>
            <thead class="text-stone-500"><tr><th class="py-1">"Token"</th><th class="text-right">"Owed"</th><th></th></tr></thead>
            <tbody>{balances}</tbody>
        </table>
        <h3 class="font-semibold">"Withdrawals"</h3>
        {if withdrawals.is_empty() {
            view! { <p class="text-stone-600">"None yet."</p> }.into_any()
        } else {
            view! { <ul class="flex flex-col gap-1">{withdrawals}</ul> }.into_any()
        }}
    }
    .into_any()
}

mod flow {
    use colophon_api::Payouts;
    #[cfg(feature = "hydrate")]
    use colophon_api::{ErrorBody, PayoutChallenge, WalletTransaction};
    #[cfg(feature = "hydrate")]
    use leptos::prelude::*;

    /// The payouts as the chain has them.
    #[cfg(feature = "hydrate")]
    pub async fn load() -> Result<Payouts, String> {
        let resp = gloo_net::http::Request::get("/api/v1/studio/payouts")
            .send()
            .await
            .map_err(|_| "Could not reach Colophon.".to_owned())?;
        answer(resp).await
    }

    #[cfg(not(feature = "hydrate"))]
    pub async fn load() -> Result<Payouts, String> {
        Err("Payouts load in your browser.".to_owned())
    }

    #[cfg(feature = "hydrate")]
    async fn answer<T: serde::de::DeserializeOwned>(resp: gloo_net::http::Response) -> Result<T, String> {
        if resp.ok() {
            resp.json().await.map_err(|_| "Colophon's answer could not be read.".to_owned())
        } else {
            Err(resp.json::<ErrorBody>().await.map(|e| e.message).unwrap_or_else(|_| "The request failed.".into()))
        }
    }

    #[cfg(feature = "hydrate")]
    async fn post<T: serde::de::DeserializeOwned>(url: &str, body: serde_json::Value) -> Result<T, String> {
        let resp = gloo_net::http::Request::post(url)
            .json(&body)
            .map_err(|e| e.to_string())?
            .send()
            .await
            .map_err(|_| "Could not reach Colophon.".to_owned())?;
        answer(resp).await
    }

    /// Proves the wallet's account as the payout address: Colophon issues a
    /// Sign-In-With-Ethereum message, the wallet signs it, Colophon checks it.
    #[cfg(feature = "hydrate")]
    pub async fn prove(status: RwSignal<Option<(bool, String)>>) -> Result<String, String> {
        use crate::wallet::steps::{account, call};
        let say = |m: &str| status.set(Some((false, m.to_owned())));
        say("Connecting to your wallet…");
        let from = account().await?;
        let challenge: PayoutChallenge =
            post("/api/v1/studio/payout-address/challenge", serde_json::json!({"address": from})).await?;
        say("Sign the message in your wallet: it proves the address is yours and costs nothing.");
        let hex_message: String =
            std::iter::once("0x".to_owned()).chain(challenge.message.bytes().map(|b| format!("{b:02x}"))).collect();
        let signature = call("personal_sign", serde_json::json!([hex_message, from])).await?;
        let signature = signature.as_str().ok_or("Your wallet returned no signature.")?;
        let payouts: Payouts =
            post("/api/v1/studio/payout-address", serde_json::json!({"signature": signature})).await?;
        payouts.payout_address.ok_or_else(|| "The address was not set.".to_owned())
    }

    /// Sends `withdraw(token)` from the payout address and waits until it is mined.
    #[cfg(feature = "hydrate")]
    pub async fn withdraw(
        address: &str,
        chain_id: u64,
        tx: &WalletTransaction,
        status: RwSignal<Option<(bool, String)>>,
    ) -> Result<String, String> {
        use crate::wallet::steps::{account, call, ensure_chain, mined};
        let say = |m: String| status.set(Some((false, m)));
        say("Connecting to your wallet…".into());
        let from = account().await?;
        if !from.eq_ignore_ascii_case(address) {
            return Err(format!(
                "Your wallet is on account {from}; only the payout address {address} can withdraw. Switch accounts in the wallet."
            ));
        }
        ensure_chain(chain_id, say).await?;
        say("Confirm the withdrawal in your wallet…".into());
        let hash = call(
            "eth_sendTransaction",
            serde_json::json!([{"from": from, "to": tx.to, "data": tx.data, "value": tx.value}]),
        )
        .await?;
        let hash = hash.as_str().ok_or("Your wallet returned no transaction.")?.to_owned();
        say(format!("Submitted ({hash}). Waiting for it to be mined…"));
        if mined(&hash).await? {
            Ok(hash)
        } else {
            Err(format!("The contract refused the withdrawal ({hash}). Nothing moved."))
        }
    }
}
