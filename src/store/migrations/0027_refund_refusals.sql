-- 不予退税: a 留抵退税 application the office refused, with the conditions it found unmet
-- (JSON array of condition keys). A dispute may be filed over it (disputes.refusal_id; its
-- payment_id is then 0): an upheld one grants the refund (a credit_refunds row).
CREATE TABLE refund_refusals (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    period TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    unmet TEXT NOT NULL,
    refused_on TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, company_id, period),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
ALTER TABLE disputes ADD COLUMN refusal_id INTEGER;
