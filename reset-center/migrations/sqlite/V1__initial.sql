-- The schema as it was before migrations were versioned. IF NOT EXISTS: a database made by an
-- earlier centre is adopted as it is (the kiosks' certificate columns were added to those by the
-- centre itself before this migration runs, see src/store/sqlite.rs).
CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('signing', 'auth')),
    made_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'pending', 'used', 'cancelled')),
    claimed_by TEXT,
    lease_until INTEGER,
    used_at INTEGER,
    used_by TEXT
);
CREATE INDEX IF NOT EXISTS reservations_by_card ON reservations (issuer, serial);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    kiosk TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    kind TEXT NOT NULL,
    auth_certificate BLOB NOT NULL,
    challenge BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    reservation INTEGER
);
CREATE TABLE IF NOT EXISTS command_challenges (
    session TEXT PRIMARY KEY,
    challenge BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS used_card_challenges (
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    challenge BLOB NOT NULL,
    PRIMARY KEY (issuer, serial, challenge)
);
CREATE TABLE IF NOT EXISTS kiosks (
    id TEXT PRIMARY KEY,
    token_sha256 BLOB NOT NULL,
    added_at INTEGER NOT NULL,
    certificate_sha256 BLOB,
    certificate_serial TEXT
);
CREATE TABLE IF NOT EXISTS revoked_kiosk_certificates (
    serial TEXT PRIMARY KEY,
    kiosk TEXT NOT NULL,
    revoked_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
