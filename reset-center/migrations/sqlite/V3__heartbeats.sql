-- Kiosk heartbeats (docs/operations.md): the last report of each kiosk, as the JSON the kiosk
-- sent (its state only, never customer data), and when the centre heard it.
CREATE TABLE kiosk_heartbeats (
    kiosk TEXT PRIMARY KEY,
    heard_at INTEGER NOT NULL,
    report TEXT NOT NULL
);
