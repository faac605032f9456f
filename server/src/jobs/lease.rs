//! One process at a time: anchoring and the payment watcher send
//! transactions and move cursors, so with N server processes on one database
//! exactly one of them may run each. A [`Lease`] is that role: a row in
//! `leases` that its holder renews every round ([`Lease::hold`]). A process
//! killed mid-round stops renewing, and another takes over once [`TTL`] has
//! passed; a process that stops cleanly releases it, and the next round of
//! another process takes it at once.
//!
//! The work itself stays safe if two ever overlapped (a paused process that
//! wakes after its lease lapsed): the anchor outbox and the contract refuse a
//! size twice, and a payment completes its quote in one transaction. The
//! lease keeps them from racing each other for nothing.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use chrono::Utc;
use colophon_store::Store;

/// How long a lease lasts without renewal: the longest a killed holder's
/// work waits for another process.
pub const TTL: Duration = Duration::from_secs(10);

/// A named role this process may hold. Cheap to clone; clones share the state.
#[derive(Clone)]
pub struct Lease {
    store: Store,
    name: &'static str,
    holder: Arc<str>,
    held: Arc<AtomicBool>,
}

impl Lease {
    /// The role `name` for this process (`holder` names it in the table and
    /// the logs: host, process id and a random part, so a restarted process
    /// is a new holder).
    pub fn new(store: Store, name: &'static str, holder: Arc<str>) -> Self {
        Self { store, name, holder, held: Arc::new(AtomicBool::new(false)) }
    }

    /// A holder name unique to this process.
    pub fn process_holder() -> Arc<str> {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
        let random: u32 = rand::random();
        format!("{host}/{}/{random:08x}", std::process::id()).into()
    }

    /// Takes or renews the lease; true while this process holds it. A
    /// database error counts as not holding it (the work waits).
    pub async fn hold(&self) -> bool {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(TTL).unwrap_or_default();
        let held = match self.store.hold_lease(self.name, &self.holder, now, until).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %e, role = self.name, "cannot renew the lease");
                false
            }
        };
        let was = self.held.swap(held, Ordering::Relaxed);
        if held != was {
            if held {
                tracing::info!(role = self.name, holder = %self.holder, "this process took the lease");
            } else {
                tracing::info!(role = self.name, "this process no longer holds the lease");
            }
        }
        metrics::gauge!("colophon_lease_held", "role" => self.name).set(if held { 1.0 } else { 0.0 });
        held
    }

    /// Whether the last [`Lease::hold`] held it.
    pub fn is_held(&self) -> bool {
        self.held.load(Ordering::Relaxed)
    }

    /// Gives the lease up (on a clean stop), so another process takes over at once.
    pub async fn release(&self) {
        if self.held.swap(false, Ordering::Relaxed) {
            if let Err(e) = self.store.release_lease(self.name, &self.holder).await {
                tracing::warn!(error = %e, role = self.name, "cannot release the lease; it lapses by itself");
            }
            metrics::gauge!("colophon_lease_held", "role" => self.name).set(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use colophon_store::testing::BACKENDS;

    #[tokio::test]
    async fn one_holder_at_a_time_and_a_release_hands_over() {
        for backend in BACKENDS {
            let db = colophon_store::testing::TestDb::new(backend).await;
            let store = db.store().await;
            let a = Lease::new(store.clone(), "anchor", "a".into());
            let b = Lease::new(store.clone(), "anchor", "b".into());
            let other = Lease::new(store.clone(), "payments", "b".into());
            assert!(a.hold().await, "{backend:?}: a free lease is taken");
            assert!(!b.hold().await, "{backend:?}: a running lease is not");
            assert!(a.hold().await, "{backend:?}: the holder renews");
            assert!(other.hold().await, "{backend:?}: roles are independent");
            assert_eq!(store.lease_holder("anchor", Utc::now()).await.expect("lease").as_deref(), Some("a"));
            a.release().await;
            assert!(b.hold().await, "{backend:?}: a released lease is taken at once");
            assert!(!a.hold().await && !a.is_held(), "{backend:?}: and the old holder is refused");
            // An expired lease (its holder was killed) is taken over.
            let later = Utc::now() + chrono::Duration::from_std(TTL).expect("lease") + chrono::Duration::seconds(1);
            assert!(
                store.hold_lease("anchor", "a", later, later + chrono::Duration::seconds(10)).await.expect("lease")
            );
            assert_eq!(store.lease_holder("anchor", later).await.expect("lease").as_deref(), Some("a"));
            store.close().await;
            db.drop_db().await;
        }
    }

    #[tokio::test]
    async fn racing_processes_elect_exactly_one() {
        for backend in BACKENDS {
            let db = colophon_store::testing::TestDb::new(backend).await;
            let store = db.store().await;
            let leases: Vec<Lease> =
                (0..16).map(|i| Lease::new(store.clone(), "anchor", format!("p{i}").into())).collect();
            let held = futures::future::join_all(leases.iter().map(Lease::hold)).await;
            assert_eq!(held.iter().filter(|h| **h).count(), 1, "{backend:?}: {held:?}");
            store.close().await;
            db.drop_db().await;
        }
    }
}
