//! Tailwind class strings shared by forms across pages.

pub const INPUT: &str = "mt-1 block w-full rounded-md border border-stone-300 bg-white px-3 py-2 shadow-sm focus:border-amber-600 focus:outline-none focus:ring-2 focus:ring-amber-500/40";
pub const BUTTON: &str =
    "rounded-md bg-stone-900 px-4 py-2 font-medium text-white hover:bg-stone-700 disabled:opacity-60";
pub const BUTTON_LIGHT: &str = "rounded-md border border-stone-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-stone-100 disabled:opacity-60";
