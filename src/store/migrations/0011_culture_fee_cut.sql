-- 文化事业建设费: the share of a local payer's fee the province takes off (财税〔2025〕7号:
-- up to 50% of the fee due for revenue that belongs to the locality; most provinces chose
-- 50%). A tenant setting, in millionths; the default is 50%.
ALTER TABLE tenants ADD COLUMN culture_fee_local_cut_ppm INTEGER NOT NULL DEFAULT 500000
    CHECK (culture_fee_local_cut_ppm BETWEEN 0 AND 500000);
