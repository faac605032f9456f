//! The memory all image decodes in this process may hold at once
//! (`COLOPHON_DECODE_MEMORY_MIB`): upload checks and the preview worker
//! reserve their share, read from each image's header, before a pixel is
//! allocated, and wait while others hold it.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Shared by every decoder of the process; cloning shares the budget.
#[derive(Clone, Debug)]
pub struct DecodeBudget {
    permits: Arc<Semaphore>,
    total_mib: u32,
}

/// A reservation; dropping it gives the memory back.
pub type Reserved = OwnedSemaphorePermit;

impl DecodeBudget {
    /// A budget of `total` bytes (at least 1 MiB), one permit per MiB.
    pub fn new(total: u64) -> Self {
        let total_mib = u32::try_from(total >> 20).unwrap_or(u32::MAX).clamp(1, Semaphore::MAX_PERMITS as u32);
        Self { permits: Arc::new(Semaphore::new(total_mib as usize)), total_mib }
    }

    /// Waits until `bytes` of the budget are free and holds them. A request
    /// larger than the whole budget takes all of it (it then runs alone).
    pub async fn reserve(&self, bytes: u64) -> Reserved {
        let mib = u32::try_from(bytes.div_ceil(1 << 20)).unwrap_or(u32::MAX).clamp(1, self.total_mib);
        // The semaphore is never closed, so acquiring cannot fail.
        self.permits.clone().acquire_many_owned(mib).await.expect("the decode budget is never closed")
    }

    /// MiB free now (for tests and metrics).
    pub fn available_mib(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reservations_wait_for_each_other_and_give_back_on_drop() {
        let budget = DecodeBudget::new(100 << 20);
        let a = budget.reserve(60 << 20).await;
        assert_eq!(budget.available_mib(), 40);
        // 50 MiB more must wait until `a` is dropped.
        let b = tokio::time::timeout(std::time::Duration::from_millis(50), budget.reserve(50 << 20)).await;
        assert!(b.is_err(), "reserved past the budget");
        drop(a);
        let _b = budget.reserve(50 << 20).await;
        assert_eq!(budget.available_mib(), 50);
        // Larger than everything: takes everything, once the rest is free.
        drop(_b);
        let all = budget.reserve(10 << 30).await;
        assert_eq!(budget.available_mib(), 0);
        drop(all);
        assert_eq!(budget.available_mib(), 100);
    }
}
