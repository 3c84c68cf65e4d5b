-- 文化事业建设费: filings and payments gain the kind and item `culture_fee`. SQLite cannot
-- change a CHECK constraint, so both tables are rebuilt (foreign keys are off while
-- migrating) with every column and index they had.

CREATE TABLE filings_new (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('vat_small', 'vat_general', 'cit_quarterly', 'culture_fee')),
    period TEXT NOT NULL,
    deadline TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    total_due_fen INTEGER NOT NULL,
    assessment TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    filing_no TEXT,
    submitted_at TEXT,
    person_id INTEGER,
    form TEXT,
    reason TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;

INSERT INTO filings_new (id, tenant_id, company_id, kind, period, deadline, filed_on,
    total_due_fen, assessment, version, filing_no, submitted_at, person_id, form, reason)
SELECT id, tenant_id, company_id, kind, period, deadline, filed_on,
    total_due_fen, assessment, version, filing_no, submitted_at, person_id, form, reason
FROM filings;
DROP TABLE filings;
ALTER TABLE filings_new RENAME TO filings;
CREATE INDEX filings_by_company ON filings (tenant_id, company_id, period);
CREATE UNIQUE INDEX filings_one_version ON filings (tenant_id, company_id, kind, period, version);
CREATE UNIQUE INDEX filings_by_number ON filings (filing_no) WHERE filing_no IS NOT NULL;

CREATE TABLE payments_new (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    filing_id INTEGER NOT NULL,
    item TEXT NOT NULL CHECK (item IN ('vat', 'urban_maintenance', 'education', 'local_education', 'cit', 'culture_fee')),
    amount_fen INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    paid_on TEXT,
    late_fee_fen INTEGER NOT NULL,
    remittance_id INTEGER REFERENCES remittances(id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, filing_id) REFERENCES filings(tenant_id, id) ON DELETE CASCADE
) STRICT;

INSERT INTO payments_new (id, tenant_id, company_id, filing_id, item, amount_fen, due_on,
    paid_on, late_fee_fen, remittance_id)
SELECT id, tenant_id, company_id, filing_id, item, amount_fen, due_on,
    paid_on, late_fee_fen, remittance_id
FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_by_company ON payments (tenant_id, company_id, due_on);
