-- What the company's own records give for a VAT return filed in the sandbox (the bureau's
-- prefill worked by the engine), kept when it is filed: 风险提示's 申报异常 compares the
-- declared total with it without running the engine on every page that counts the alerts.
-- NULL for the generated history and for returns filed before this column.
ALTER TABLE filings ADD COLUMN records_total_fen INTEGER;
