-- 增量留抵退税: an application to refund a general taxpayer's excess input credit at the end
-- of `period` (its return's line 20), with the figures it was worked from, the application
-- form, and the dates of 审批 and 退库 (the money reaches the account on `treasury_on`).
CREATE TABLE credit_refunds (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    period TEXT NOT NULL,
    end_credit_fen INTEGER NOT NULL CHECK (end_credit_fen > 0),
    increment_fen INTEGER NOT NULL CHECK (increment_fen > 0),
    ratio_ppm INTEGER NOT NULL CHECK (ratio_ppm BETWEEN 0 AND 1000000),
    share_percent INTEGER NOT NULL CHECK (share_percent BETWEEN 0 AND 100),
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    reason TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    applied_on TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    approve_on TEXT NOT NULL,
    treasury_on TEXT NOT NULL,
    file_name TEXT,
    file_mime TEXT,
    file BLOB,
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, company_id, period),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
