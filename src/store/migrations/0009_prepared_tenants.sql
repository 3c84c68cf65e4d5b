-- A class's first lab prepared at launch: the tenant a seat's first attempt will work in,
-- generated and written with the class, so joining only claims it (a room of 500 joining
-- at once does not generate 500 tenants through the single writer).
CREATE TABLE prepared_tenants (
    trainee_id INTEGER NOT NULL REFERENCES trainees(id) ON DELETE CASCADE,
    lab_id TEXT NOT NULL,
    lab_digest TEXT NOT NULL,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    PRIMARY KEY (trainee_id, lab_id)
) WITHOUT ROWID;

-- 常用功能 counts a person's actions on every workbench: an index that answers it alone.
CREATE INDEX trace_by_person ON trace_events (tenant_id, person_id, action);
