-- 纳税信用: the return a credit event concerns (a repair weighs the tax involved), and the
-- applications a company makes about its credit: a repair of one event (信用修复), or M-grade
-- recognition (申请M级认定, the course profile). The answer is decided when the application
-- is made and given on `answer_on` (a sandbox date): until then it is under review.
ALTER TABLE credit_events ADD COLUMN return_kind TEXT;
UPDATE credit_events SET return_kind = (
    SELECT f.kind FROM filings f
    WHERE f.tenant_id = credit_events.tenant_id AND f.company_id = credit_events.company_id
      AND f.period = credit_events.period
    ORDER BY f.id LIMIT 1);

CREATE TABLE credit_applications (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('repair', 'm_grade')),
    event_id INTEGER REFERENCES credit_events(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL,
    applied_on TEXT NOT NULL,
    answer_on TEXT NOT NULL,
    approved INTEGER NOT NULL CHECK (approved IN (0, 1)),
    points INTEGER NOT NULL DEFAULT 0,
    reasons TEXT NOT NULL DEFAULT '[]',
    applied_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX credit_applications_by_company ON credit_applications (tenant_id, company_id, id);
