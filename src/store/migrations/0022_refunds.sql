-- 退抵税. `overpayments`: what a return's payments exceed what its latest version asks
-- (误收多缴), kept when an amendment lowers a paid return. `refunds`: an application, with
-- the dates of its stages once they are known (受理 on `applied_on`; 补正 asked on
-- `correction_on` when materials were missing, until `complete_on`; 审批 on `approve_on`;
-- 退库 on `treasury_on`, when the money reaches the company's account).
CREATE TABLE overpayments (
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    return_kind TEXT NOT NULL,
    period TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    paid_on TEXT NOT NULL,
    PRIMARY KEY (tenant_id, company_id, return_kind, period),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE refunds (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('overpaid')),
    return_kind TEXT NOT NULL,
    period TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    reason TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    applied_on TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    green INTEGER NOT NULL CHECK (green IN (0, 1)),
    approve_days INTEGER NOT NULL,
    correction_on TEXT,
    complete_on TEXT,
    approve_on TEXT,
    treasury_on TEXT,
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX refunds_by_company ON refunds (tenant_id, company_id, id);

CREATE TABLE refund_files (
    id INTEGER PRIMARY KEY,
    refund_id INTEGER NOT NULL REFERENCES refunds(id) ON DELETE CASCADE,
    material TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    added_on TEXT NOT NULL
) STRICT;
CREATE INDEX refund_files_by_refund ON refund_files (refund_id);
