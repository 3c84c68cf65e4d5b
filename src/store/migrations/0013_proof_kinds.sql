-- 证明开具 gains the 税收完税证明（文书式） and the 纳税记录: the kind's CHECK widens (SQLite
-- cannot alter a CHECK, so the table is rebuilt with its rows).
CREATE TABLE tax_proofs_new (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    person_id INTEGER,
    number TEXT NOT NULL UNIQUE CHECK (length(number) = 18),
    code TEXT NOT NULL CHECK (length(code) = 9),
    kind TEXT NOT NULL
        CHECK (kind IN ('payment_table', 'payment_voucher', 'tax_record', 'no_arrears')),
    issued_on TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pdf BLOB NOT NULL,
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
INSERT INTO tax_proofs_new SELECT * FROM tax_proofs;
DROP TABLE tax_proofs;
ALTER TABLE tax_proofs_new RENAME TO tax_proofs;
CREATE INDEX tax_proofs_company ON tax_proofs (tenant_id, company_id, id);
