-- 风险提示: a company's explanation of an alert (情况说明), with an optional file. Alerts
-- themselves are worked out from the records on the sandbox date; `alert` names one
-- (`<category>:<what>`). The answer is decided when the explanation is sent and given on
-- `answer_on`.
CREATE TABLE risk_responses (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    alert TEXT NOT NULL,
    text TEXT NOT NULL,
    file_name TEXT,
    file_mime TEXT,
    file_content BLOB,
    person_id INTEGER NOT NULL,
    sent_on TEXT NOT NULL,
    answer_on TEXT NOT NULL,
    accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX risk_responses_by_company ON risk_responses (tenant_id, company_id, alert);
