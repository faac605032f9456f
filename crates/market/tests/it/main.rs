//! colophon-market against real databases (both) and a real chain (anvil).

mod chain;
mod checkout;
mod resale;
