-- The simulated bureau's login: accounts, SMS codes, the phone panel, sessions, and the
-- trace every portal action appends to. All tenant-owned.

-- One e-tax account per person. password_hash NULL means the initial password is still in
-- force (it is the same for every account and must be changed at first login).
CREATE TABLE accounts (
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    password_hash TEXT,
    password_changed_at TEXT,
    -- JSON array of the last hashes, newest first, for the "not a recent password" rule
    recent_hashes TEXT NOT NULL DEFAULT '[]',
    -- JSON array of recent failed-login times (a sliding window)
    failures TEXT NOT NULL DEFAULT '[]',
    locked_until TEXT,
    -- security settings (安全设置)
    two_factor INTEGER NOT NULL DEFAULT 1 CHECK (two_factor IN (0, 1)),
    -- JSON array of IPv4/IPv6 addresses or prefixes ending in '.' or ':'; empty: any
    ip_allow TEXT NOT NULL DEFAULT '[]',
    -- allowed login hours, "HH:MM" China time; both NULL: any time
    hours_from TEXT,
    hours_to TEXT,
    PRIMARY KEY (tenant_id, person_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people(tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE sms_codes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('login', 'reset', 'mobile', 'email')),
    -- where the code went, for codes that verify a new phone or email
    target TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    -- wrong entries so far; too many and the code is spent
    attempts INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (tenant_id, person_id) REFERENCES people(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX sms_codes_by_person ON sms_codes (tenant_id, person_id, purpose, sent_at);

-- What the simulated phone shows: a message kind and its arguments, rendered in the
-- reader's language when shown.
CREATE TABLE phone_messages (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    sent_at TEXT NOT NULL,
    -- the number or address it went to (a new phone or email being verified, say)
    sent_to TEXT NOT NULL,
    kind TEXT NOT NULL,
    args TEXT NOT NULL,
    FOREIGN KEY (tenant_id, person_id) REFERENCES people(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX phone_messages_by_person ON phone_messages (tenant_id, person_id, id);

-- A login to the simulated bureau. stage: sms (password accepted, code awaited),
-- change_password (first login), active.
CREATE TABLE portal_sessions (
    token TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('sms', 'change_password', 'active')),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, person_id) REFERENCES people(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;

-- Every portal action, success or failure. Labs grade from this; the vocabulary of
-- `action` and `result` is documented in docs/trace.md.
CREATE TABLE trace_events (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    sandbox_date TEXT NOT NULL,
    person_id INTEGER,
    action TEXT NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX trace_by_tenant ON trace_events (tenant_id, id);

-- Simulated digital certificates (数字证书). The file a person downloads carries the
-- serial and a random key; only hashes of the key and the PIN are kept here. Dates are
-- sandbox dates, so a lab can hand out an expired certificate.
CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    serial TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    pin_hash TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    UNIQUE (tenant_id, serial),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people(tenant_id, id) ON DELETE CASCADE
) STRICT;

-- 消息中心: messages to a company, created when the bureau has something to say (a
-- deadline, arrears); `key` keeps each one from being said twice.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    sent_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    args TEXT NOT NULL,
    read_at TEXT,
    UNIQUE (tenant_id, company_id, kind, key),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;

-- 通知公告 are the same for everyone (fixtures/announcements.toml); who has read which.
CREATE TABLE announcement_reads (
    tenant_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    announcement TEXT NOT NULL,
    read_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, person_id, announcement),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people(tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
