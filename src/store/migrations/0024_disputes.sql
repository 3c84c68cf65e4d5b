-- 争议处理: a dispute over a late-payment surcharge charged on a payment. The office's
-- decision (`upheld`, and the surcharge the rule gives) is made when it is filed and given on
-- `decide_on`; an upheld dispute returns the difference to the bank account on `treasury_on`.
CREATE TABLE disputes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    payment_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    file_name TEXT,
    file_mime TEXT,
    file_content BLOB,
    person_id INTEGER NOT NULL,
    filed_on TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
    review_on TEXT NOT NULL,
    mediation_on TEXT NOT NULL,
    decide_on TEXT NOT NULL,
    upheld INTEGER NOT NULL CHECK (upheld IN (0, 1)),
    charged_fen INTEGER NOT NULL,
    due_fen INTEGER NOT NULL,
    treasury_on TEXT,
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX disputes_by_company ON disputes (tenant_id, company_id, id);
