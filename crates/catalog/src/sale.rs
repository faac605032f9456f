//! When a listing can be bought: the sale rule, once. Checkout applies it to
//! the row it has locked; the listing page applies it to the row it read; so
//! the page never offers what checkout would refuse, nor refuses what it
//! would sell.

use chrono::{DateTime, Utc};
use colophon_api::{ListingKind, ListingStatus};

/// Why a purchase was refused. Nothing was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No such listing, or a draft.
    NotFound,
    /// Archived.
    NotForSale,
    NotStarted(DateTime<Utc>),
    Ended(DateTime<Utc>),
    SoldOut,
    CapReached(i64),
    AlreadyLicensed,
    /// The price changed since the buyer saw it.
    PriceChanged,
    /// The idempotency key was used for another listing.
    KeyReused,
    /// Every edition left is held by a buyer paying for it right now.
    AllReserved,
    /// The payment quote lapsed (its deadline passed unpaid) before it completed.
    QuoteLapsed,
    /// Resales: a licence (workflow, LoRA) is granted to its buyer, not held.
    NotResellable,
    /// Resales: the account does not hold this edition (now).
    NotHeld,
    /// Resales: the edition was not paid from a wallet, so there is no proven
    /// wallet to pay the seller's share to.
    NotFromWallet,
    /// Resales: the edition already has an open offer.
    AlreadyOffered,
    /// Resales: the offer was sold or withdrawn.
    OfferClosed,
    /// Resales: a buyer holds a quote for the offer and may be paying now.
    BeingPaid,
    /// Resales: the seller cannot buy their own offer.
    OwnOffer,
}

impl Refusal {
    /// A stable word for machines (metrics labels, logs): `sold_out`, `cap_reached`…
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::NotForSale => "not_for_sale",
            Self::NotStarted(_) => "not_started",
            Self::Ended(_) => "ended",
            Self::SoldOut => "sold_out",
            Self::CapReached(_) => "cap_reached",
            Self::AlreadyLicensed => "already_licensed",
            Self::PriceChanged => "price_changed",
            Self::KeyReused => "key_reused",
            Self::AllReserved => "all_reserved",
            Self::QuoteLapsed => "quote_lapsed",
            Self::NotResellable => "not_resellable",
            Self::NotHeld => "not_held",
            Self::NotFromWallet => "not_from_wallet",
            Self::AlreadyOffered => "already_offered",
            Self::OfferClosed => "offer_closed",
            Self::BeingPaid => "being_paid",
            Self::OwnOffer => "own_offer",
        }
    }
}

impl std::fmt::Display for Refusal {
    /// For people: shown on the listing page and in API errors alike.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("There is no such listing."),
            Self::NotForSale => f.write_str("This listing is no longer for sale."),
            Self::NotStarted(at) => write!(f, "The sale starts {}.", at.format("%Y-%m-%d %H:%M UTC")),
            Self::Ended(at) => write!(f, "The sale ended {}.", at.format("%Y-%m-%d %H:%M UTC")),
            Self::SoldOut => f.write_str("Sold out: every edition has been sold."),
            Self::CapReached(cap) => {
                write!(f, "You already hold {cap} of this edition, the most one collector may buy.")
            }
            Self::AlreadyLicensed => f.write_str("You already hold a licence for this listing."),
            Self::PriceChanged => f.write_str("The price changed; reload the page to see the new one."),
            Self::KeyReused => f.write_str("This checkout key was already used for another listing."),
            Self::QuoteLapsed => f.write_str("This payment quote expired unpaid; ask for a new one."),
            Self::AllReserved => f.write_str(
                "Every edition left is reserved by a buyer paying right now; one frees up if their quote lapses.",
            ),
            Self::NotResellable => f.write_str(
                "Licences (workflows and LoRAs) are not resellable: a licence is granted to its buyer, not passed on.",
            ),
            Self::NotHeld => f.write_str("You don't hold this edition."),
            Self::NotFromWallet => f.write_str(
                "Only editions paid from a wallet can be resold: the proceeds go back to the wallet that paid.",
            ),
            Self::AlreadyOffered => f.write_str("This edition is already offered for resale."),
            Self::OfferClosed => f.write_str("This resale offer was sold or withdrawn."),
            Self::BeingPaid => f.write_str(
                "A buyer is paying for this edition right now; it frees up if their quote lapses (at most 15 minutes).",
            ),
            Self::OwnOffer => f.write_str("You can't buy your own edition."),
        }
    }
}

/// What the sale rule reads of a listing at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaleState {
    pub kind: ListingKind,
    pub status: ListingStatus,
    /// Editions only: N.
    pub edition_size: Option<i64>,
    /// Editions issued so far.
    pub sold: i64,
    /// Units held by open payment quotes (docs/FORMATS.md §14): not sold,
    /// not for anyone else until the quote completes or lapses.
    pub reserved: i64,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// The most editions one account may hold.
    pub per_account_cap: Option<i64>,
}

impl SaleState {
    /// Why nobody can buy this listing at `now`, or `None` when it is on sale.
    pub fn unavailability(&self, now: DateTime<Utc>) -> Option<Refusal> {
        match self.status {
            ListingStatus::Draft => Some(Refusal::NotFound),
            ListingStatus::Archived => Some(Refusal::NotForSale),
            ListingStatus::Published => match *self {
                _ if self.edition_size.is_some_and(|n| self.sold >= n) => Some(Refusal::SoldOut),
                _ if self.edition_size.is_some_and(|n| self.sold + self.reserved >= n) => Some(Refusal::AllReserved),
                Self { starts_at: Some(start), .. } if now < start => Some(Refusal::NotStarted(start)),
                Self { ends_at: Some(end), .. } if now >= end => Some(Refusal::Ended(end)),
                _ => None,
            },
        }
    }

    /// Editions a new buyer could still get: `N − sold − reserved` (`None`: unlimited).
    pub fn left(&self) -> Option<i64> {
        self.edition_size.map(|n| (n - self.sold - self.reserved).max(0))
    }

    /// Why a buyer who already holds `held` paid orders (and open quotes) of this listing cannot
    /// buy another at `now`, or `None` when they can: the listing must be on
    /// sale, a licence (workflow, LoRA) is bought once, an edition at most
    /// `per_account_cap` times.
    pub fn refusal_for(&self, held: i64, now: DateTime<Utc>) -> Option<Refusal> {
        if let Some(why) = self.unavailability(now) {
            return Some(why);
        }
        if self.kind != ListingKind::Edition && held > 0 {
            return Some(Refusal::AlreadyLicensed);
        }
        self.per_account_cap.filter(|&cap| held >= cap).map(Refusal::CapReached)
    }
}

/// Why the holder of an order cannot offer it for resale, or `None` when
/// they can: editions only (licences are not passed on), held now (not
/// resold or refunded), and paid from a wallet (where the proceeds go).
pub fn resale_refusal(kind: ListingKind, order_status: &str, paid_from_wallet: bool) -> Option<Refusal> {
    if kind != ListingKind::Edition {
        return Some(Refusal::NotResellable);
    }
    if order_status != "paid" {
        return Some(Refusal::NotHeld);
    }
    (!paid_from_wallet).then_some(Refusal::NotFromWallet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, 0, 0).unwrap()
    }

    fn edition() -> SaleState {
        SaleState {
            kind: ListingKind::Edition,
            status: ListingStatus::Published,
            edition_size: Some(3),
            sold: 0,
            reserved: 0,
            starts_at: Some(at(10)),
            ends_at: Some(at(12)),
            per_account_cap: Some(2),
        }
    }

    #[test]
    fn a_published_edition_sells_inside_its_window_until_n() {
        let s = edition();
        assert_eq!(s.unavailability(at(9)), Some(Refusal::NotStarted(at(10))));
        assert_eq!(s.unavailability(at(10)), None, "the start is inclusive");
        assert_eq!(s.unavailability(at(12)), Some(Refusal::Ended(at(12))), "the end is exclusive");
        assert_eq!(SaleState { sold: 2, ..s }.unavailability(at(11)), None);
        assert_eq!(SaleState { sold: 3, ..s }.unavailability(at(11)), Some(Refusal::SoldOut));
        // Sold out outranks the window: there is nothing left to wait for.
        assert_eq!(SaleState { sold: 3, ..s }.unavailability(at(9)), Some(Refusal::SoldOut));
    }

    #[test]
    fn open_quotes_hold_editions_until_they_lapse() {
        let s = SaleState { sold: 1, reserved: 1, ..edition() };
        assert_eq!(s.left(), Some(1));
        assert_eq!(s.unavailability(at(11)), None);
        let full = SaleState { reserved: 2, ..s };
        assert_eq!(full.left(), Some(0));
        assert_eq!(full.unavailability(at(11)), Some(Refusal::AllReserved));
        // When every hold completed, the listing is sold out, not reserved.
        assert_eq!(SaleState { sold: 3, reserved: 0, ..s }.unavailability(at(11)), Some(Refusal::SoldOut));
        let licence = SaleState { kind: ListingKind::Workflow, edition_size: None, reserved: 40, ..s };
        assert_eq!(licence.left(), None);
        assert_eq!(licence.unavailability(at(11)), None, "licences are unlimited");
    }

    #[test]
    fn drafts_are_not_found_and_archived_listings_not_for_sale() {
        let s = edition();
        assert_eq!(SaleState { status: ListingStatus::Draft, ..s }.unavailability(at(11)), Some(Refusal::NotFound));
        assert_eq!(
            SaleState { status: ListingStatus::Archived, ..s }.unavailability(at(11)),
            Some(Refusal::NotForSale)
        );
    }

    #[test]
    fn a_buyer_is_held_to_the_cap_and_to_one_licence() {
        let s = edition();
        assert_eq!(s.refusal_for(1, at(11)), None);
        assert_eq!(s.refusal_for(2, at(11)), Some(Refusal::CapReached(2)));
        let open = SaleState { per_account_cap: None, ..s };
        assert_eq!(open.refusal_for(50, at(11)), None);
        let lora = SaleState { kind: ListingKind::Lora, edition_size: None, per_account_cap: None, ..s };
        assert_eq!(lora.refusal_for(0, at(11)), None);
        assert_eq!(lora.refusal_for(1, at(11)), Some(Refusal::AlreadyLicensed));
        // An unavailable listing says why before the buyer's own limits do.
        assert_eq!(lora.refusal_for(1, at(13)), Some(Refusal::Ended(at(12))));
    }

    #[test]
    fn only_held_editions_paid_from_a_wallet_resell() {
        assert_eq!(resale_refusal(ListingKind::Edition, "paid", true), None);
        assert_eq!(resale_refusal(ListingKind::Lora, "paid", true), Some(Refusal::NotResellable));
        assert_eq!(resale_refusal(ListingKind::Workflow, "paid", true), Some(Refusal::NotResellable));
        assert_eq!(resale_refusal(ListingKind::Edition, "resold", true), Some(Refusal::NotHeld));
        assert_eq!(resale_refusal(ListingKind::Edition, "paid", false), Some(Refusal::NotFromWallet));
    }

    #[test]
    fn refusals_speak_to_people() {
        assert_eq!(Refusal::NotStarted(at(10)).to_string(), "The sale starts 2026-12-02 10:00 UTC.");
        assert_eq!(
            Refusal::CapReached(2).to_string(),
            "You already hold 2 of this edition, the most one collector may buy."
        );
    }
}
