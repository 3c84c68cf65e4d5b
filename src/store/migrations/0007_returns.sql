-- Filing by the trainee (申报): drafts (暂存), versions of a filed return (更正申报) and the
-- payment documents (电子缴款书) that settle them. Trainee filings go into the same
-- `filings` and `payments` tables as the generated history, so queries, arrears and the
-- grader see one record.

-- 1 for the original return, 2, 3… for each correction
ALTER TABLE filings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- 申报序号 of a return filed in the sandbox (the generated history has none)
ALTER TABLE filings ADD COLUMN filing_no TEXT;
ALTER TABLE filings ADD COLUMN submitted_at TEXT;
ALTER TABLE filings ADD COLUMN person_id INTEGER;
-- the values the filer entered, as JSON
ALTER TABLE filings ADD COLUMN form TEXT;
-- why a correction after the filing period was made
ALTER TABLE filings ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- One return per tax, period and version: a second submit of the same return cannot
-- create a second filing, however it arrives.
CREATE UNIQUE INDEX filings_one_version ON filings (tenant_id, company_id, kind, period, version);
CREATE UNIQUE INDEX filings_by_number ON filings (filing_no) WHERE filing_no IS NOT NULL;

CREATE TABLE remittances (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    -- 电子缴款书号码
    number TEXT NOT NULL UNIQUE,
    -- the sandbox date of payment, and the wall-clock time
    paid_on TEXT NOT NULL,
    paid_at TEXT NOT NULL,
    tax_fen INTEGER NOT NULL,
    late_fee_fen INTEGER NOT NULL,
    bank_name TEXT NOT NULL,
    account_no TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;

ALTER TABLE payments ADD COLUMN remittance_id INTEGER REFERENCES remittances(id);

CREATE TABLE return_drafts (
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    -- the fields as typed, as JSON (even ones that do not validate)
    form TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    -- 1 when saved by itself (the session timed out, or the page's auto-save), 0 for 暂存
    auto INTEGER NOT NULL CHECK (auto IN (0, 1)),
    PRIMARY KEY (tenant_id, company_id, kind, period),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
