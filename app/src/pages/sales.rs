//! The creator's sales dashboard in the Studio: totals, a 30-day chart,
//! recent sales and a CSV export.

use leptos::prelude::*;

use crate::{
    api::orders::{SalesDashboard, my_sales},
    components::ui::BUTTON_LIGHT,
    types::{format_price, format_time_ms},
};

/// The Studio's sales section.
#[component]
pub fn SalesPanel() -> impl IntoView {
    let sales = Resource::new(|| (), |_| my_sales());
    view! {
        <section aria-labelledby="sales-heading" class="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-6" data-testid="sales-panel">
            <div class="flex items-center justify-between">
                <h2 id="sales-heading" class="text-xl font-semibold">"Sales"</h2>
                <a href="/api/v1/studio/sales.csv" class=BUTTON_LIGHT rel="external" download="" data-testid="sales-csv">"Export CSV"</a>
            </div>
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sales.await {
                        Ok(d) => view! { <Dashboard d /> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Dashboard(d: SalesDashboard) -> impl IntoView {
    let revenue = if d.revenue.is_empty() {
        "$0.00".to_owned()
    } else {
        d.revenue.iter().map(|(c, v)| format_price(*v, c)).collect::<Vec<_>>().join(" + ")
    };
    view! {
        <dl class="grid grid-cols-2 gap-4">
            <div>
                <dt class="text-sm text-stone-500">"Sales"</dt>
                <dd class="text-2xl font-semibold" data-testid="sales-count">{d.total_sales}</dd>
            </div>
            <div>
                <dt class="text-sm text-stone-500">"Revenue"</dt>
                <dd class="text-2xl font-semibold" data-testid="sales-revenue">{revenue}</dd>
            </div>
        </dl>
        <Chart d=d.clone() />
        {if d.recent.is_empty() {
            view! { <p class="text-stone-600">"No sales yet."</p> }.into_any()
        } else {
            view! {
                <table class="w-full text-left text-sm">
                    <thead class="text-stone-500">
                        <tr><th class="py-1">"When"</th><th>"Listing"</th><th>"Edition"</th><th class="text-right">"Price"</th></tr>
                    </thead>
                    <tbody data-testid="recent-sales">
                        {d.recent.into_iter().map(|s| view! {
                            <tr class="border-t border-stone-100">
                                <td class="py-1">{format_time_ms(s.at_ms)}</td>
                                <td>{s.title}</td>
                                <td>{match (s.edition, s.edition_size) {
                                    (Some(e), Some(n)) => format!("#{e} of {n}"),
                                    _ => "Licence".to_owned(),
                                }}</td>
                                <td class="text-right">{format_price(s.price_minor, &s.currency)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
    }
}

/// Sales per day over the last 30 days, as SVG bars (no script needed).
#[component]
fn Chart(d: SalesDashboard) -> impl IntoView {
    let max = d.days.iter().map(|x| x.count).max().unwrap_or(0).max(1);
    let (w, h) = (600.0_f64, 120.0_f64);
    let bar = w / d.days.len().max(1) as f64;
    let label = format!(
        "Sales per day over the last 30 days: {} in all, at most {} in a day",
        d.days.iter().map(|x| x.count).sum::<i64>(),
        max
    );
    view! {
        <svg viewBox=format!("0 0 {w} {h}") class="h-32 w-full" role="img" aria-label=label data-testid="sales-chart">
            {d.days.iter().enumerate().map(|(i, day)| {
                let bh = (day.count as f64 / max as f64) * (h - 10.0);
                view! {
                    <rect x=format!("{:.1}", i as f64 * bar + 1.0) y=format!("{:.1}", h - bh) width=format!("{:.1}", bar - 2.0)
                        height=format!("{bh:.1}") class="fill-amber-600">
                        <title>{format!("{}: {} sales, {}", day.day, day.count, format_price(day.revenue_minor, "USD"))}</title>
                    </rect>
                }
            }).collect_view()}
            <line x1="0" x2=w.to_string() y1=h.to_string() y2=h.to_string() class="stroke-stone-300" />
        </svg>
    }
}

/// Where the creator's LoRAs and workflows were credited by others' (or their own) published works.
#[component]
pub fn CreditsPanel() -> impl IntoView {
    let credits = Resource::new(|| (), |_| crate::api::listings::my_credits());
    view! {
        <section aria-labelledby="credits-heading" class="flex flex-col gap-2 rounded-lg border border-stone-200 bg-white p-6" data-testid="credits-panel">
            <h2 id="credits-heading" class="text-xl font-semibold">"Credited in"</h2>
            <p class="text-sm text-stone-600">"Published works whose generation metadata names your LoRAs' or workflows' hashes."</p>
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match credits.await {
                        Ok(list) if list.is_empty() => view! { <p class="text-sm text-stone-600">"Not yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="flex flex-col gap-1 text-sm" data-testid="credited-in">
                                {list.into_iter().map(|c| view! {
                                    <li>
                                        <a class="font-medium underline" href=format!("/listings/{}", c.work.slug)>{c.work.title}</a>
                                        {format!(" by {} used ", c.work.creator)}
                                        <a class="underline" href=format!("/listings/{}", c.yours_slug)>{c.yours_title}</a>
                                        {format!(" ({})", c.work.credited_as)}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
