-- Retention (docs/reset-center.md): a used card challenge is kept as long as the sessions are,
-- so it needs its time (0 for the ones recorded before: they go at the next purge).
ALTER TABLE used_card_challenges ADD COLUMN recorded_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_by_age ON sessions (created_at);
-- The receipt's judgement reads a card's earlier and later commands, and whether their
-- reservations were used.
CREATE INDEX sessions_by_card ON sessions (issuer, serial, kind);
CREATE INDEX reservations_by_user ON reservations (used_by);
