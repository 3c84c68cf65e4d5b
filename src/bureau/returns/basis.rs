//! What the bureau knows about a company for a period (its invoices, books and filed
//! returns): the basis of 智能预填, of the engine's computation and of the checks within and
//! across forms (表内/表间校验).

use std::collections::BTreeMap;

use super::form::{
    CIT_2025_ADDED, CIT_2025_SUBTRACTED, Figure, Figures, Problem, SMALL_COLUMNS, VAT_SMALL,
    Values, quarter_size, size_of,
};
use crate::domain::entities::{Company, InvoiceDirection, InvoiceKind, ReturnKind, TaxpayerType};
use crate::domain::money::{Fen, Rate};
use crate::domain::period::TaxPeriod;
use crate::domain::tax::cit::{self, CitInput, QuarterSize, SmallLowProfit};
use crate::domain::tax::culture_fee::{self, CultureFeeInput};
use crate::domain::tax::vat_general::{self, VatGeneralInput};
use crate::domain::tax::vat_small::{self, VatSmallInput};
use crate::domain::tax::{Assessment, Policy, PolicyError, Value};
use crate::store::{CompanyId, StoreError, TenantScope};

/// What the bureau knows about the company for a period: the basis of prefill and of the
/// cross-form checks.
#[derive(Debug, Clone)]
pub struct Basis {
    pub company: Company,
    pub period: TaxPeriod,
    /// Sales invoices issued in the period, excluding VAT: special, and all others.
    pub invoiced_special: Fen,
    pub invoiced_other: Fen,
    /// The ledger, year to date to the period's end.
    pub revenue_ytd: Fen,
    pub cost_ytd: Fen,
    pub profit_ytd: Fen,
    /// Income tax prepaid this year for the earlier quarters (their latest versions).
    pub cit_prepaid: Fen,
    /// Sales invoices of the period by rate (general taxpayers), excluding VAT.
    pub sales_by_rate: BTreeMap<i64, Fen>,
    /// VAT on the special purchase invoices of the period (deductible input).
    pub certified_input: Fen,
    /// The credit the previous VAT return carried forward (上期留抵).
    pub carried_credit: Fen,
    /// Sales invoices of the period with their VAT (the culture fee's income).
    pub invoiced_gross: Fen,
    /// Each earlier quarter of the year: its headcount and assets at start and end, as its
    /// CIT return was filed (else the company's own figures), for the size test's averages
    /// (公告2023年第6号: each quarter's own average, then the average of those).
    pub earlier_sizes: Vec<QuarterSize>,
    /// Whether the company's latest CIT return found it a small low-profit enterprise (the
    /// 六税两费 halving of a general taxpayer's surcharges, 财政部 税务总局公告2023年第12号).
    pub small_low_profit: bool,
    /// 文化事业建设费: the last return's line 7 (deductions carried), and the province's cut
    /// of a local fee (the tenant's setting).
    pub fee_deduction_carried: Fen,
    /// 留抵退税 that reached the company's account in the period: the return transfers it
    /// out (line 14, 附列资料二 第22栏 上期留抵税额退税).
    pub credit_refunded: Fen,
    pub culture_fee_local_cut: crate::domain::money::Rate,
    /// A small-scale company's rent invoiced at 5% in the period (special, other).
    pub invoiced_lease_special: Fen,
    pub invoiced_lease_other: Fen,
    /// 本年累计 before this period: by kind, each line's (and each column's, as `line:0`,
    /// `line:1`) sum over the latest versions of the year's earlier returns.
    pub earlier: BTreeMap<ReturnKind, BTreeMap<String, Fen>>,
}

/// The 5% levy rate a small-scale seller invoices real estate at, in millionths.
const REAL_ESTATE_PPM: i64 = 50_000;

impl Basis {
    pub fn load(
        scope: &TenantScope<'_>,
        company: CompanyId,
        period: TaxPeriod,
    ) -> Result<Basis, StoreError> {
        let co = scope.company(company)?.value;
        let small = co.taxpayer_type == TaxpayerType::SmallScale;
        let (mut special, mut other, mut input) = (Fen::ZERO, Fen::ZERO, Fen::ZERO);
        let (mut lease_special, mut lease_other) = (Fen::ZERO, Fen::ZERO);
        let mut gross = Fen::ZERO;
        let mut by_rate: BTreeMap<i64, Fen> = BTreeMap::new();
        for inv in scope.invoice_totals(company, period.first_day(), period.last_day())? {
            match (inv.direction, inv.kind) {
                (InvoiceDirection::Purchase, InvoiceKind::Special) => input += inv.tax,
                (InvoiceDirection::Purchase, InvoiceKind::Ordinary) => {}
                (InvoiceDirection::Sales, kind) => {
                    *by_rate.entry(inv.rate.ppm()).or_default() += inv.amount;
                    gross += inv.amount + inv.tax;
                    // a small-scale seller invoices at 5% only for real estate: here, rent
                    let lease = small && inv.rate.ppm() == REAL_ESTATE_PPM;
                    match (lease, kind) {
                        (false, InvoiceKind::Special) => special += inv.amount,
                        (false, InvoiceKind::Ordinary) => other += inv.amount,
                        (true, InvoiceKind::Special) => lease_special += inv.amount,
                        (true, InvoiceKind::Ordinary) => lease_other += inv.amount,
                    }
                }
            }
        }
        let (mut revenue, mut cost, mut profit) = (Fen::ZERO, Fen::ZERO, Fen::ZERO);
        for m in scope.ledger(company)? {
            if m.month.year == period.year() && m.month <= period.last_month() {
                revenue += m.revenue;
                cost += m.cost;
                profit += m.profit;
            }
        }
        // the latest version of each earlier quarter's return this year, and the last
        // VAT return before this period
        let mut latest: BTreeMap<TaxPeriod, Fen> = BTreeMap::new();
        let mut of_year: BTreeMap<(ReturnKind, TaxPeriod), i64> = BTreeMap::new();
        let (mut last_vat, mut last_cit, mut last_fee) = (None, None, None);
        for r in scope.return_heads_of(company)? {
            // by dates: a month and a quarter do not order as periods
            if r.period.last_day() >= period.first_day() {
                continue;
            }
            if r.period.year() == period.year() {
                of_year.insert((r.kind, r.period), r.id);
            }
            match r.kind {
                ReturnKind::CitQuarterly => {
                    if r.period.year() == period.year() {
                        latest.insert(r.period, r.total_due.max(Fen::ZERO));
                    }
                    last_cit = Some(r.id);
                }
                ReturnKind::VatGeneral => last_vat = Some(r.id),
                ReturnKind::CultureFee => last_fee = Some(r.id),
                ReturnKind::VatSmall => {}
            }
        }
        let own = QuarterSize::steady(co.headcount, co.total_assets);
        let mut earlier_sizes = Vec::new();
        if period.is_quarter() {
            let filed: BTreeMap<TaxPeriod, QuarterSize> = scope
                .earlier_cit_forms(company, period)?
                .into_iter()
                .map(|(p, form)| (p, quarter_size(form.as_deref()).unwrap_or(own)))
                .collect();
            let january = crate::domain::YearMonth::new(period.year(), 1)
                .map_err(|e| StoreError::Other(e.to_string()))?;
            let mut q = TaxPeriod::quarter_of(january);
            while q < period {
                earlier_sizes.push(filed.get(&q).copied().unwrap_or(own));
                q = q.next();
            }
        }
        let small_low_profit = match last_cit {
            Some(id) => stored_flag(&scope.return_assessment(id)?, "small_low_profit"),
            None => false,
        };
        let fee_deduction_carried = match last_fee {
            Some(id) => stored_total(&scope.return_assessment(id)?, "deduction_carried"),
            None => Fen::ZERO,
        };
        let culture_fee_local_cut = scope.record()?.culture_fee_local_cut;
        let mut earlier: BTreeMap<ReturnKind, BTreeMap<String, Fen>> = BTreeMap::new();
        for ((kind, _), id) in of_year {
            add_filed(
                earlier.entry(kind).or_default(),
                &scope.return_assessment(id)?,
            );
        }
        let credit_refunded =
            scope.credit_refunded_between(company, (period.first_day(), period.last_day()))?;
        let carried = match last_vat {
            Some(id) => stored_total(&scope.return_assessment(id)?, "carry_forward_credit"),
            None => Fen::ZERO,
        };
        Ok(Basis {
            company: co,
            period,
            invoiced_special: special,
            invoiced_other: other,
            revenue_ytd: revenue,
            cost_ytd: cost,
            profit_ytd: profit,
            cit_prepaid: latest.values().copied().sum(),
            sales_by_rate: by_rate,
            certified_input: input,
            carried_credit: carried,
            invoiced_gross: gross,
            earlier_sizes,
            small_low_profit,
            fee_deduction_carried,
            credit_refunded,
            culture_fee_local_cut,
            invoiced_lease_special: lease_special,
            invoiced_lease_other: lease_other,
            earlier,
        })
    }

    /// Every sales invoice of the period, excluding VAT (rent included).
    fn invoiced_sales(&self) -> Fen {
        self.invoiced_special
            + self.invoiced_other
            + self.invoiced_lease_special
            + self.invoiced_lease_other
    }

    /// 智能预填: the form as the bureau fills it from the company's records.
    pub fn prefill(&self, kind: ReturnKind) -> Values {
        let money = |f: Fen| f.to_string();
        let pairs: Vec<(&str, String)> = match kind {
            ReturnKind::VatSmall => {
                // the invoices in the company's column; 3% sales not on special invoices on
                // the line the period's rule puts them (a trial run of the engine decides)
                let col = &SMALL_COLUMNS[usize::from(!self.company.sells_goods())];
                let mut v: Vec<(&str, String)> = VAT_SMALL
                    .iter()
                    .map(|f| (f.name, money(Fen::ZERO)))
                    .collect();
                let mut set = |name: &str, amount: Fen| {
                    if let Some(slot) = v.iter_mut().find(|(n, _)| *n == name) {
                        slot.1 = money(amount);
                    }
                };
                set(col.special, self.invoiced_special);
                set("lease_5pct_special", self.invoiced_lease_special);
                set("lease_5pct_other", self.invoiced_lease_other);
                let mut trial = Figures::default();
                trial
                    .0
                    .insert(col.other, Figure::Money(self.invoiced_other));
                trial
                    .0
                    .insert(col.special, Figure::Money(self.invoiced_special));
                trial.0.insert(
                    "lease_5pct_special",
                    Figure::Money(self.invoiced_lease_special),
                );
                trial
                    .0
                    .insert("lease_5pct_other", Figure::Money(self.invoiced_lease_other));
                let placed = self.small_placement(&trial);
                let line = |l: &str| placed.get(l).copied().unwrap_or_default();
                set(col.other, self.invoiced_other - line("10") - line("11"));
                set(col.small_exempt, line("10"));
                set(col.below_threshold, line("11"));
                v
            }
            ReturnKind::CitQuarterly => vec![
                ("revenue", money(self.revenue_ytd)),
                ("cost", money(self.cost_ytd)),
                ("total_profit", money(self.profit_ytd)),
                // the ledger's expenses as 管理费用 (the 2025 form builds the profit up)
                (
                    "admin_expenses",
                    money(self.revenue_ytd - self.cost_ytd - self.profit_ytd),
                ),
                ("specific_business_income", money(Fen::ZERO)),
                ("non_taxable_income", money(Fen::ZERO)),
                ("exempt_income", money(Fen::ZERO)),
                ("accelerated_depreciation", money(Fen::ZERO)),
                ("loss_offset", money(Fen::ZERO)),
                ("prepaid_tax", money(self.cit_prepaid)),
                ("specific_prepaid_tax", money(Fen::ZERO)),
                ("headcount_start", self.company.headcount.to_string()),
                ("headcount_end", self.company.headcount.to_string()),
                ("assets_start", money(self.company.total_assets)),
                ("assets_end", money(self.company.total_assets)),
                (
                    "restricted_industry",
                    if self.company.restricted_industry {
                        "1"
                    } else {
                        "0"
                    }
                    .to_owned(),
                ),
            ],
            ReturnKind::CultureFee => vec![
                ("fee_income", money(self.invoiced_gross)),
                ("fee_exempt_income", money(Fen::ZERO)),
                ("fee_deduction_opening", money(self.fee_deduction_carried)),
                ("fee_deduction", money(Fen::ZERO)),
                ("fee_prepaid", money(Fen::ZERO)),
            ],
            ReturnKind::VatGeneral => vec![
                ("sales_13pct", money(self.sales_at(130_000))),
                ("sales_9pct", money(self.sales_at(90_000))),
                ("sales_6pct", money(self.sales_at(60_000))),
                ("zero_rated_sales", money(Fen::ZERO)),
                ("exempt_sales", money(Fen::ZERO)),
                ("input_tax", money(self.certified_input)),
                ("carried_credit", money(self.carried_credit)),
                ("input_transferred_out", money(self.credit_refunded)),
                ("prepaid_tax", money(Fen::ZERO)),
            ],
        };
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The engine's computation of the form from its figures.
    pub fn compute(&self, kind: ReturnKind, f: &Figures) -> Result<Assessment, PolicyError> {
        let policy = Policy::embedded();
        match kind {
            ReturnKind::VatSmall => vat_small::assess(policy, &self.small_input(f)),
            ReturnKind::CitQuarterly => {
                let size = size_of(f);
                let mut a = cit::assess(
                    policy,
                    &CitInput {
                        period: self.period,
                        revenue: f.money("revenue"),
                        cost: f.money("cost"),
                        total_profit: self.cit_profit(f),
                        specific_business_income: f.money("specific_business_income"),
                        non_taxable_income: f.money("non_taxable_income"),
                        exempt_income: f.money("exempt_income"),
                        accelerated_depreciation: f.money("accelerated_depreciation"),
                        loss_offset: f.money("loss_offset"),
                        prepaid_tax: f.money("prepaid_tax"),
                        specific_prepaid_tax: f.money("specific_prepaid_tax"),
                        restricted_industry: f.flag("restricted_industry"),
                        small_low_profit: SmallLowProfit::FromSize(
                            self.earlier_sizes.iter().copied().chain([size]).collect(),
                        ),
                    },
                )?;
                // numbered as the period's A200000 numbers its lines
                super::grid::renumber(&mut a, kind);
                Ok(a)
            }
            ReturnKind::CultureFee => culture_fee::assess(
                policy,
                &CultureFeeInput {
                    period: self.period,
                    income: f.money("fee_income"),
                    exempt_income: f.money("fee_exempt_income"),
                    deduction_opening: f.money("fee_deduction_opening"),
                    deduction: f.money("fee_deduction"),
                    // the small-scale threshold looks at the period's sales (excl. VAT)
                    small_scale_sales: (self.company.taxpayer_type == TaxpayerType::SmallScale)
                        .then_some(self.invoiced_sales()),
                    prepaid: f.money("fee_prepaid"),
                    // every synthetic company is a local unit: its fee is local revenue
                    central: false,
                    local_cut: self.culture_fee_local_cut,
                },
            ),
            ReturnKind::VatGeneral => vat_general::assess(
                policy,
                &VatGeneralInput {
                    period: self.period,
                    sales: [
                        ("sales_13pct", 130_000),
                        ("sales_9pct", 90_000),
                        ("sales_6pct", 60_000),
                    ]
                    .into_iter()
                    .map(|(name, ppm)| (Rate::from_ppm(ppm), f.money(name)))
                    .filter(|(_, amount)| *amount != Fen::ZERO)
                    .collect(),
                    zero_rated_sales: f.money("zero_rated_sales"),
                    exempt_sales: f.money("exempt_sales"),
                    input_tax: f.money("input_tax"),
                    carried_credit: f.money("carried_credit"),
                    input_transferred_out: f.money("input_transferred_out"),
                    prepaid_tax: f.money("prepaid_tax"),
                    tier: Some(self.company.tier),
                    small_low_profit: self.small_low_profit,
                },
            ),
        }
    }

    /// The checks within and across forms: `(errors, warnings)`.
    pub fn check(&self, kind: ReturnKind, f: &Figures) -> (Vec<Problem>, Vec<Problem>) {
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        match kind {
            ReturnKind::VatSmall => {
                let input = self.small_input(f);
                let special = input.goods.sales_3pct_special + input.services.sales_3pct_special;
                if special < self.invoiced_special {
                    let col = &SMALL_COLUMNS[usize::from(!self.company.sells_goods())];
                    errors.push(
                        Problem::at(col.special, "special_below_invoiced")
                            .with("invoiced", self.invoiced_special),
                    );
                }
                for (names, c) in SMALL_COLUMNS.iter().zip([&input.goods, &input.services]) {
                    if c.sales_3pct_special_full > c.sales_3pct_special {
                        errors.push(
                            Problem::at(names.special_full, "special_full_over")
                                .with("special", c.sales_3pct_special),
                        );
                    }
                }
                errors.extend(self.small_misplaced(f));
                let declared = input.goods.sales_3pct_special
                    + input.goods.sales_3pct_other
                    + input.goods.other_exempt_sales
                    + input.services.sales_3pct_special
                    + input.services.sales_3pct_other
                    + input.services.other_exempt_sales
                    + input.lease_5pct_special
                    + input.lease_5pct_other
                    + input.sales_5pct_special
                    + input.sales_5pct_other;
                let invoiced = self.invoiced_sales();
                if declared < invoiced {
                    let col = &SMALL_COLUMNS[usize::from(!self.company.sells_goods())];
                    warnings.push(
                        Problem::at(col.other, "sales_below_invoiced")
                            .with("declared", declared)
                            .with("invoiced", invoiced),
                    );
                }
            }
            ReturnKind::CitQuarterly => {
                let profit = self.cit_profit(f);
                let loss = f.money("loss_offset");
                if loss > profit.max(Fen::ZERO) {
                    errors.push(
                        Problem::at("loss_offset", "loss_exceeds_profit").with("profit", profit),
                    );
                }
                if profit > f.money("revenue") && !self.cit_builds_profit() {
                    errors.push(Problem::at("total_profit", "profit_above_revenue"));
                }
                if f.money("revenue") != self.revenue_ytd {
                    warnings.push(
                        Problem::at("revenue", "revenue_differs").with("ledger", self.revenue_ytd),
                    );
                }
                if f.money("prepaid_tax") != self.cit_prepaid {
                    warnings.push(
                        Problem::at("prepaid_tax", "prepaid_differs")
                            .with("prepaid", self.cit_prepaid),
                    );
                }
            }
            ReturnKind::CultureFee => {
                if f.money("fee_deduction_opening") != self.fee_deduction_carried {
                    warnings.push(
                        Problem::at("fee_deduction_opening", "fee_opening_differs")
                            .with("carried", self.fee_deduction_carried),
                    );
                }
                if f.money("fee_income") < self.invoiced_gross {
                    warnings.push(
                        Problem::at("fee_income", "fee_income_below_invoiced")
                            .with("invoiced", self.invoiced_gross),
                    );
                }
            }
            ReturnKind::VatGeneral => {
                if f.money("input_tax") > self.certified_input {
                    errors.push(
                        Problem::at("input_tax", "input_above_certified")
                            .with("certified", self.certified_input),
                    );
                }
                if f.money("carried_credit") != self.carried_credit {
                    errors.push(
                        Problem::at("carried_credit", "credit_differs")
                            .with("credit", self.carried_credit),
                    );
                }
                if f.money("input_transferred_out") < self.credit_refunded {
                    errors.push(
                        Problem::at("input_transferred_out", "credit_refund_not_out")
                            .with("refunded", self.credit_refunded),
                    );
                }
                let declared = f.money("sales_13pct")
                    + f.money("sales_9pct")
                    + f.money("sales_6pct")
                    + f.money("zero_rated_sales")
                    + f.money("exempt_sales");
                let invoiced: Fen = self.sales_by_rate.values().copied().sum();
                if declared < invoiced {
                    warnings.push(
                        Problem::at("sales_13pct", "sales_below_invoiced")
                            .with("declared", declared)
                            .with("invoiced", invoiced),
                    );
                }
            }
        }
        (errors, warnings)
    }
}

impl Basis {
    /// Whether the period's A200000 builds 利润总额 from the income statement's lines (the
    /// 2025 form) rather than having it typed.
    fn cit_builds_profit(&self) -> bool {
        super::grid::grid_for(ReturnKind::CitQuarterly, self.period).id == "cit-2025"
    }

    /// 营业利润 from the 2025 form's lines 1–14.
    fn operating_profit(f: &Figures) -> Fen {
        CIT_2025_ADDED.iter().map(|n| f.money(n)).sum::<Fen>()
            - CIT_2025_SUBTRACTED.iter().map(|n| f.money(n)).sum::<Fen>()
    }

    /// 利润总额: typed, or (2025 form) 营业利润 + 营业外收入 − 营业外支出.
    pub fn cit_profit(&self, f: &Figures) -> Fen {
        if self.cit_builds_profit() {
            Self::operating_profit(f) + f.money("non_operating_income")
                - f.money("non_operating_expenses")
        } else {
            f.money("total_profit")
        }
    }

    /// What the grid's computed cells show besides the engine's lines: a goods seller's
    /// 应税货物销售额 (the general return's line 2), the 2025 A200000's 营业利润.
    pub fn derived(
        &self,
        kind: ReturnKind,
        f: &Figures,
        a: &Assessment,
    ) -> BTreeMap<&'static str, Fen> {
        let mut out = BTreeMap::new();
        match kind {
            ReturnKind::VatGeneral => {
                let line_1 = match a.line_value("1") {
                    Some(Value::Money(m)) if self.company.sells_goods() => m,
                    _ => Fen::ZERO,
                };
                out.insert("goods:1", line_1);
            }
            ReturnKind::CitQuarterly => {
                out.insert("operating_profit", Self::operating_profit(f));
            }
            ReturnKind::VatSmall | ReturnKind::CultureFee => {}
        }
        out
    }

    /// The small-scale return's figures for the engine.
    fn small_input(&self, f: &Figures) -> VatSmallInput {
        VatSmallInput {
            period: self.period,
            goods: SMALL_COLUMNS[0].column(f),
            services: SMALL_COLUMNS[1].column(f),
            sales_5pct_special: f.money("sales_5pct_special"),
            sales_5pct_other: f.money("sales_5pct_other"),
            lease_5pct_special: f.money("lease_5pct_special"),
            lease_5pct_other: f.money("lease_5pct_other"),
            tier: Some(self.company.tier),
        }
    }

    /// Where the period's rule puts the 3% sales not on special invoices, per column: the
    /// engine's lines 3, 10 and 11 less the rent exempt with them (rent is entered apart).
    /// Keys `3`, `10`, `11` (services) and `g3`, `g10`, `g11` (goods).
    fn small_placement(&self, f: &Figures) -> BTreeMap<String, Fen> {
        let mut out = BTreeMap::new();
        let Ok(a) = vat_small::assess(Policy::embedded(), &self.small_input(f)) else {
            return out;
        };
        // the exempt rent sits with the services column's exempt 3% sales
        let rent_exempt = a.money("rent_exempt");
        let rent_line = if matches!(a.total_value("exempt_on_line_10"), Some(Value::Flag(true))) {
            "10"
        } else {
            "11"
        };
        for line in ["3", "10", "11"] {
            let [goods, services] = a.columns_of(line).unwrap_or_default();
            let rent = if line == rent_line {
                rent_exempt
            } else {
                Fen::ZERO
            };
            out.insert(format!("g{line}"), goods);
            out.insert(line.to_owned(), services - rent);
        }
        out
    }

    /// Lines 3, 10 and 11 as typed against where the period's rule puts those sales: an
    /// error at each misplaced cell (the real form's 表内校验 refuses them too).
    fn small_misplaced(&self, f: &Figures) -> Vec<Problem> {
        let placed = self.small_placement(f);
        let mut out = Vec::new();
        for (names, prefix) in SMALL_COLUMNS.iter().zip(["g", ""]) {
            for (line, name) in [
                ("3", names.other),
                ("10", names.small_exempt),
                ("11", names.below_threshold),
            ] {
                let want = placed
                    .get(&format!("{prefix}{line}"))
                    .copied()
                    .unwrap_or_default();
                if f.money(name) != want {
                    out.push(
                        Problem::at(name, "misplaced_sales")
                            .with("line", line)
                            .with("amount", want),
                    );
                }
            }
        }
        out
    }

    fn sales_at(&self, ppm: i64) -> Fen {
        self.sales_by_rate.get(&ppm).copied().unwrap_or_default()
    }
}

/// Add a filed return's lines (and their columns) to year-to-date sums.
fn add_filed(sums: &mut BTreeMap<String, Fen>, json: &str) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return;
    };
    let yuan = |v: &serde_json::Value| v.as_str().and_then(|t| Fen::parse_yuan(t).ok());
    if let Some(lines) = v["lines"].as_object() {
        for (line, value) in lines {
            if let Some(m) = yuan(value) {
                *sums.entry(line.clone()).or_default() += m;
            }
        }
    }
    if let Some(columns) = v["columns"].as_object() {
        for (line, parts) in columns {
            for (i, part) in parts.as_array().into_iter().flatten().enumerate() {
                if let Some(m) = yuan(part) {
                    *sums.entry(format!("{line}:{i}")).or_default() += m;
                }
            }
        }
    }
}

/// A named total from a stored return's JSON (`{"totals": {"name": "12.34"}}`).
fn stored_flag(json: &str, name: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v["totals"][name].as_bool())
        .unwrap_or(false)
}

fn stored_total(json: &str, name: &str) -> Fen {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v["totals"][name].as_str().map(str::to_owned))
        .and_then(|t| Fen::parse_yuan(&t).ok())
        .unwrap_or_default()
}
