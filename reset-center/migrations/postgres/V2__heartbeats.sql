-- Kiosk heartbeats (docs/operations.md): the last report of each kiosk, as the JSON the kiosk
-- sent (its state only, never customer data), and when the centre heard it. One row per kiosk,
-- overwritten: a fleet of thousands reporting every 30 s is a few hundred updates a second.
CREATE TABLE kiosk_heartbeats (
    kiosk TEXT PRIMARY KEY,
    heard_at BIGINT NOT NULL,
    report TEXT NOT NULL
);
