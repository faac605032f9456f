-- What a buyer holds of a listing (the sale rule's cap and one-licence checks
-- at every checkout, and the listing page for a signed-in visitor) was read
-- through (listing_id, log_leaf): every order of the listing, filtered by
-- account, so it slowed as a listing sold. This index reads the buyer's
-- orders of that listing only.
CREATE INDEX orders_holder ON orders (account_id, listing_id, status);
