-- Tenants and what they hold. Every tenant-owned table carries tenant_id, and child rows
-- reference their company through (tenant_id, company_id), so a row can never point
-- into another tenant.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    class_seed INTEGER NOT NULL,
    seat INTEGER NOT NULL,
    sandbox_date TEXT NOT NULL,
    credit_profile TEXT NOT NULL DEFAULT 'course' CHECK (credit_profile IN ('course', 'national'))
) STRICT;

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    mobile TEXT NOT NULL,
    email TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, resident_id)
) STRICT;

CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    preset TEXT NOT NULL,
    name TEXT NOT NULL,
    uscc TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    industry TEXT NOT NULL,
    taxpayer_type TEXT NOT NULL CHECK (taxpayer_type IN ('small_scale', 'general')),
    vat_quarterly INTEGER NOT NULL CHECK (vat_quarterly IN (0, 1)),
    credit_grade TEXT NOT NULL CHECK (credit_grade IN ('M', 'A', 'B', 'C', 'D')),
    credit_score INTEGER NOT NULL,
    registered_on TEXT NOT NULL,
    division_code TEXT NOT NULL,
    address TEXT NOT NULL,
    location_tier TEXT NOT NULL CHECK (location_tier IN ('urban', 'county_town', 'other')),
    headcount INTEGER NOT NULL,
    total_assets_fen INTEGER NOT NULL,
    restricted_industry INTEGER NOT NULL CHECK (restricted_industry IN (0, 1)),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, uscc)
) STRICT;

CREATE TABLE company_roles (
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('legal_representative', 'finance_manager', 'tax_clerk')),
    PRIMARY KEY (company_id, person_id, role),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, person_id) REFERENCES people(tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE bank_accounts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    bank_name TEXT NOT NULL,
    account_no TEXT NOT NULL,
    balance_fen INTEGER NOT NULL,
    tripartite_agreement INTEGER NOT NULL CHECK (tripartite_agreement IN (0, 1)),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('sales', 'purchase')),
    number TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('special', 'ordinary')),
    issued_on TEXT NOT NULL,
    counterparty_name TEXT NOT NULL,
    counterparty_uscc TEXT NOT NULL,
    item TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    rate_ppm INTEGER NOT NULL,
    tax_fen INTEGER NOT NULL,
    -- Also the index for a company's invoices: a company has hundreds, so date ranges
    -- filter them in memory rather than through a second index every insert must update.
    UNIQUE (company_id, direction, number),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE ledger_months (
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    revenue_fen INTEGER NOT NULL,
    cost_fen INTEGER NOT NULL,
    expenses_fen INTEGER NOT NULL,
    profit_fen INTEGER NOT NULL,
    PRIMARY KEY (company_id, month),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE filings (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('vat_small', 'vat_general', 'cit_quarterly')),
    period TEXT NOT NULL,
    deadline TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    total_due_fen INTEGER NOT NULL,
    assessment TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX filings_by_company ON filings (tenant_id, company_id, period);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    filing_id INTEGER NOT NULL,
    item TEXT NOT NULL CHECK (item IN ('vat', 'urban_maintenance', 'education', 'local_education', 'cit')),
    amount_fen INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    paid_on TEXT,
    late_fee_fen INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, filing_id) REFERENCES filings(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX payments_by_company ON payments (tenant_id, company_id, due_on);

CREATE TABLE credit_events (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    occurred_on TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('late_filing', 'late_payment', 'arrears')),
    period TEXT NOT NULL,
    points INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
