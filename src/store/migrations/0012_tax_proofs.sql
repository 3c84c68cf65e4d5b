-- 证明开具: certificates a company has issued (税收完税证明, 无欠税证明), kept for 证明开具记录
-- and 证明查验: the number and verification code printed on it, what it certifies (JSON),
-- and the exact PDF handed out with its SHA-256, so a file can be told genuine or altered.
CREATE TABLE tax_proofs (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    person_id INTEGER,
    number TEXT NOT NULL UNIQUE CHECK (length(number) = 18),
    code TEXT NOT NULL CHECK (length(code) = 9),
    kind TEXT NOT NULL CHECK (kind IN ('payment_table', 'no_arrears')),
    issued_on TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pdf BLOB NOT NULL,
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX tax_proofs_company ON tax_proofs (tenant_id, company_id, id);
