-- Resales (docs/FORMATS.md §2.1 kind 7, §14 quote kind 1): a holder offers
-- an edition they bought; a buyer pays the offer on chain; the creator's
-- royalty and the platform's fee are credited by the contract; the edition's
-- order passes to the buyer with an operator-signed EditionTransferred.

-- The creator's share of every resale of this listing, in basis points
-- (capped at the contract's 10 %), shown before anyone pays.
ALTER TABLE listings ADD COLUMN royalty_bps BIGINT NOT NULL DEFAULT 500 CHECK (royalty_bps BETWEEN 0 AND 1000);

-- Orders: status gains 'resold' (the edition passed to a later order),
-- `resale_of` names the order a resale bought from, and an edition number is
-- unique among the orders that hold it now (each resale adds a row with the same number).
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('paid', 'refunded', 'resold'));
ALTER TABLE orders DROP CONSTRAINT orders_listing_id_edition_key;
ALTER TABLE orders ADD COLUMN resale_of TEXT REFERENCES orders (id);
CREATE UNIQUE INDEX orders_edition_holder ON orders (listing_id, edition) WHERE status = 'paid' AND edition IS NOT NULL;
CREATE INDEX orders_resale_of ON orders (resale_of) WHERE resale_of IS NOT NULL;

-- An edition offered for resale by the account whose order holds it. At most
-- one open offer per order; an offer closes when sold or withdrawn.
CREATE TABLE resale_offers (
    id                TEXT PRIMARY KEY,
    order_id          TEXT NOT NULL REFERENCES orders (id),
    seller_account_id BIGINT NOT NULL REFERENCES accounts (id),
    listing_id        BIGINT NOT NULL REFERENCES listings (id),
    edition           BIGINT NOT NULL CHECK (edition >= 1),
    price_minor       BIGINT NOT NULL CHECK (price_minor > 0),
    currency          TEXT NOT NULL CHECK (length(currency) = 3),
    -- Where the seller's share is credited: the wallet that paid for the edition.
    payout_address    TEXT NOT NULL CHECK (length(payout_address) = 42),
    status            TEXT NOT NULL CHECK (status IN ('open', 'sold', 'withdrawn')),
    created_at        TIMESTAMPTZ NOT NULL,
    closed_at         TIMESTAMPTZ
);
CREATE UNIQUE INDEX resale_offers_one_open ON resale_offers (order_id) WHERE status = 'open';
CREATE INDEX resale_offers_listing ON resale_offers (listing_id, price_minor) WHERE status = 'open';

-- A resale quote names its offer (at most one open quote per offer: the
-- offer's hold) and the royalty it was signed with; primary quotes leave these NULL.
ALTER TABLE payment_quotes ADD COLUMN resale_offer_id TEXT REFERENCES resale_offers (id);
ALTER TABLE payment_quotes ADD COLUMN royalty_receiver TEXT CHECK (royalty_receiver IS NULL OR length(royalty_receiver) = 42);
ALTER TABLE payment_quotes ADD COLUMN royalty TEXT;
CREATE UNIQUE INDEX payment_quotes_one_resale ON payment_quotes (resale_offer_id) WHERE status = 'open' AND resale_offer_id IS NOT NULL;
