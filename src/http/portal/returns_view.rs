//! What the filing pages and the JSON API show: the filing transaction (`filing`), a form
//! worked through (`Sheet`), the receipt (申报回执) and the payment document (电子缴款书).

use super::*;
use crate::bureau::returns::form::{self, Basis, Problem, Values};
use crate::bureau::returns::{Filer, ReturnError};
use crate::domain::entities::ReturnKind;
use crate::domain::period::TaxPeriod;
use crate::domain::tax::Assessment;
use crate::store::{FiledReturn, PortalSession, Remittance};

/// Why a filing request was not carried out: no usable bureau session, or the bureau's
/// refusal.
pub(in crate::http) enum Refusal {
    Login(LoginError),
    Return(ReturnError),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        Refusal::Return(ReturnError::Store(e))
    }
}

impl From<ReturnError> for Refusal {
    fn from(e: ReturnError) -> Refusal {
        Refusal::Return(e)
    }
}

/// A resource-creating action under 我要办税 (a refund, a dispute, an explanation, a credit
/// application, a certificate), counted against a per-person and a per-address limit:
/// past either it is refused with `too_many()` and nothing is counted for the person. The
/// action's own refusals come back as `Ok(Err(_))`.
pub(in crate::http) async fn limited<T: Send + 'static, E: Send + 'static>(
    desk: &Taxpayer,
    lang: Lang,
    (per_person, per_address): (crate::store::limits::Limit, crate::store::limits::Limit),
    ip: std::net::IpAddr,
    too_many: fn() -> E,
    act: impl FnOnce(&TenantScope<'_>, &Filer) -> Result<Result<T, E>, Refusal> + Send + 'static,
) -> Result<Result<Result<T, E>, Refusal>, AppError> {
    let address = crate::store::limits::address_key(&ip.to_string());
    filing(desk, lang, None, move |scope, who, _| {
        let person = format!("{}:{}", scope.id().get(), who.person);
        if per_person.reached(scope, &person, who.now)?
            || !per_address.take(scope, &address, who.now)?
        {
            return Ok(Err(too_many()));
        }
        per_person.take(scope, &person, who.now)?;
        act(scope, who)
    })
    .await
}

/// Run filing work as the session's person for its company, in one transaction (a refusal
/// still commits what it traced). When the session has run out and `keep` holds what was
/// typed, it is saved as a draft first, so nothing typed is lost.
pub(in crate::http) async fn filing<T: Send + 'static>(
    desk: &Taxpayer,
    lang: Lang,
    keep: Option<(ReturnKind, TaxPeriod, Values)>,
    f: impl FnOnce(&TenantScope<'_>, &Filer, &PortalSession) -> Result<T, Refusal> + Send + 'static,
) -> Result<Result<T, Refusal>, AppError> {
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let today = desk.trainee.sandbox_date;
    let via = if desk.api { "api" } else { "page" };
    let token = desk.token.clone();
    desk.db
        .run_write(move |s| as_filer(&s.tenant(tenant), (now, today, via), &token, keep, f))
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

/// [`filing`] for a page or GET that only reads (see [`bureau_read`]).
pub(in crate::http) async fn filing_read<T: Send + 'static>(
    desk: &Taxpayer,
    lang: Lang,
    f: impl FnOnce(&TenantScope<'_>, &Filer, &PortalSession) -> Result<T, Refusal>
    + Clone
    + Send
    + 'static,
) -> Result<Result<T, Refusal>, AppError> {
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let today = desk.trainee.sandbox_date;
    let via = if desk.api { "api" } else { "page" };
    let token = desk.token.clone();
    desk.db
        .run_mostly_read(move |s| as_filer(&s.tenant(tenant), (now, today, via), &token, None, f))
        .await
        .map_err(|e| AppError::from_store(e, lang))
}

/// The session's filer, then `f` as them.
fn as_filer<T>(
    scope: &TenantScope<'_>,
    (now, today, via): (DateTime<Utc>, chrono::NaiveDate, &'static str),
    token: &str,
    keep: Option<(ReturnKind, TaxPeriod, Values)>,
    f: impl FnOnce(&TenantScope<'_>, &Filer, &PortalSession) -> Result<T, Refusal>,
) -> Result<Result<T, Refusal>, StoreError> {
    let keep = keep.as_ref().map(|(k, p, v)| (*k, *p, v));
    let (who, session) =
        match crate::bureau::returns::filer_of(scope, token, (now, today, via), keep)? {
            Ok(found) => found,
            Err(e) => return Ok(Err(Refusal::Login(e))),
        };
    match f(scope, &who, &session) {
        Err(Refusal::Return(ReturnError::Store(e))) => Err(e),
        other => Ok(other),
    }
}

/// A refused filing step as a message (and the field it concerns), for pages and the API.
pub(in crate::http) fn return_message(e: &ReturnError, lang: Lang) -> String {
    let c = Catalog::embedded();
    let key = format!("returns.error.{}", e.code());
    match e {
        ReturnError::AlreadyFiled { filing_no } => c.format(lang, &key, &[("number", filing_no)]),
        ReturnError::BankMaintenance { until } => c.format(lang, &key, &[("until", until)]),
        ReturnError::InsufficientBalance { balance, needed } => c.format(
            lang,
            &key,
            &[
                ("balance", &balance.to_string()),
                ("needed", &needed.to_string()),
            ],
        ),
        ReturnError::Policy(_) | ReturnError::Store(_) => c.text(lang, "error.internal").to_owned(),
        _ => c.text(lang, &key).to_owned(),
    }
}

/// A problem's text: `returns.error.<code>` or `returns.warning.<code>` with its figures.
pub(in crate::http) fn problem_text(p: &Problem, warning: bool, lang: Lang) -> String {
    let c = Catalog::embedded();
    let key = format!(
        "returns.{}.{}",
        if warning { "warning" } else { "error" },
        p.code
    );
    let args: Vec<(&str, &str)> = p.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.format(lang, &key, &args)
}

/// An import problem's text: where (row and column) and what.
pub(in crate::http) fn import_text(
    p: &crate::bureau::returns::import::ImportProblem,
    lang: Lang,
) -> String {
    let c = Catalog::embedded();
    let args: Vec<(&str, String)> = p
        .args
        .iter()
        .map(|(k, v)| {
            let label = format!("returns.field.{v}");
            let shown = if v.starts_with("returns.error.") {
                c.text(lang, v).to_owned()
            } else if *k == "code" && p.code != "unknown_field" && c.has(&label) {
                // a field the form knows is named as the form names it (营业收入), not by code
                c.text(lang, &label).to_owned()
            } else {
                v.clone()
            };
            (*k, shown)
        })
        .collect();
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let what = c.format(lang, &format!("returns.import.{}", p.code), &args);
    if p.row == 0 {
        what
    } else {
        c.format(
            lang,
            "returns.import.at",
            &[
                ("row", &p.row.to_string()),
                ("column", p.column),
                ("what", &what),
            ],
        )
    }
}

/// A return's kind and period from the path; anything else is not found.
pub(in crate::http) fn parse_return(
    kind: &str,
    period: &str,
    lang: Lang,
) -> Result<(ReturnKind, TaxPeriod), AppError> {
    ReturnKind::parse(kind)
        .zip(TaxPeriod::parse(period).ok())
        .ok_or_else(|| AppError::not_found(lang))
}

// ---- views ----

#[derive(Serialize, utoipa::ToSchema)]
pub(in crate::http) struct FieldView {
    pub name: &'static str,
    pub line: &'static str,
    #[schema(value_type = String)]
    pub kind: form::FieldKind,
    pub required: bool,
    /// As typed (or prefilled, or drafted).
    pub value: String,
    pub error: Option<String>,
    pub warning: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(in crate::http) struct LineView {
    pub line: String,
    /// Catalogue key of the line's name.
    pub key: &'static str,
    pub value: String,
}

/// A form worked through for display: fields with their problems, the computed lines.
#[derive(Serialize, utoipa::ToSchema)]
pub(in crate::http) struct Sheet {
    pub kind: &'static str,
    pub period: String,
    pub fields: Vec<FieldView>,
    /// Empty while a field cannot be read.
    pub lines: Vec<LineView>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub total_due: Option<String>,
    /// Figures the engine worked out besides the form's lines (the threshold tested, a
    /// reduction), and what the rules in force say about this return.
    pub items: Vec<LineView>,
    pub notes: Vec<String>,
    /// The form as the official grid lays it out, cell by cell.
    #[schema(value_type = Object)]
    pub grid: GridView,
}

/// A return's official grid, filled in.
#[derive(Serialize)]
pub(in crate::http) struct GridView {
    /// The form version (`fixtures/forms`).
    pub id: &'static str,
    pub source: &'static str,
    /// Catalogue key of what could not be confirmed against the official form.
    pub unverified: Option<&'static str>,
    pub line_first: bool,
    /// How many value columns.
    pub width: usize,
    pub head: Vec<Vec<HeadView>>,
    pub rows: Vec<RowView>,
    /// Fields the engine needs that are not cells of the official grid.
    pub extra: Vec<FieldView>,
    /// The A200000's quarterly block.
    pub quarters: Option<QuartersView>,
}

#[derive(Serialize)]
pub(in crate::http) struct HeadView {
    pub key: &'static str,
    pub rows: usize,
    pub cols: usize,
}

#[derive(Serialize)]
pub(in crate::http) struct RowView {
    /// A section heading's catalogue key (the row has no cells then).
    pub section: Option<&'static str>,
    pub line: &'static str,
    pub label: &'static str,
    pub cells: Vec<CellView>,
}

#[derive(Serialize)]
pub(in crate::http) struct CellView {
    /// `input`, `value` (computed), `zero` (read-only, no figures here) or `shaded` (——).
    pub kind: &'static str,
    pub span: usize,
    /// `line/column`, for the page script.
    pub id: String,
    pub value: String,
    pub field: Option<FieldView>,
}

/// 按季度填报信息: each quarter's start and end, the averages, the two answers.
#[derive(Serialize)]
pub(in crate::http) struct QuartersView {
    /// Four quarters: `[headcount start, end, assets start, end]`, as text (empty after
    /// this quarter).
    pub filed: Vec<[String; 4]>,
    /// The quarter being filed, 1–4.
    pub current: u32,
    pub avg_headcount: String,
    pub avg_assets: String,
    pub small_low_profit: Option<bool>,
}

/// The engine's working figures that are not lines of the form.
pub(in crate::http) fn items_of(a: &Assessment) -> Vec<LineView> {
    a.steps
        .iter()
        .filter(|s| s.line.is_none())
        .map(|s| LineView {
            line: String::new(),
            key: s.key,
            value: s.value.to_string(),
        })
        .collect()
}

pub(in crate::http) fn lines_of(a: &Assessment) -> Vec<LineView> {
    let mut lines: Vec<LineView> = a
        .steps
        .iter()
        .filter_map(|s| {
            s.line.as_ref().map(|l| LineView {
                line: l.clone(),
                key: s.key,
                value: s.value.to_string(),
            })
        })
        .collect();
    lines.sort_by_key(|l| l.line.parse::<u32>().unwrap_or(u32::MAX));
    lines
}

/// Work a form through and lay it out; never fails (problems are in the sheet).
pub(in crate::http) fn sheet(
    basis: &Basis,
    kind: ReturnKind,
    values: &Values,
    refused: Option<&ReturnError>,
    lang: Lang,
) -> Sheet {
    // the use case works the form; a refusal's own problems (a submission refused for
    // them, or for warnings not yet confirmed) are the ones shown
    let worked = crate::bureau::returns::work_so_far(basis, kind, values);
    let (errors, warnings) = match refused {
        Some(ReturnError::Invalid(p)) => (p.clone(), Vec::new()),
        Some(ReturnError::Unconfirmed(w)) => (Vec::new(), w.clone()),
        _ => (worked.errors.clone(), worked.warnings.clone()),
    };
    let assessment = worked.assessment;
    let text_at = |list: &[Problem], name: &str, warning: bool| {
        list.iter()
            .find(|p| p.field == name)
            .map(|p| problem_text(p, warning, lang))
    };
    let field_view = |f: &form::Field| FieldView {
        name: f.name,
        line: f.line,
        kind: f.kind,
        required: f.required,
        value: values.get(f.name).cloned().unwrap_or_default(),
        error: text_at(&errors, f.name, false),
        warning: text_at(&warnings, f.name, true),
    };
    let grid = grid_view(
        basis,
        kind,
        worked.figures.as_ref(),
        assessment.as_ref(),
        &field_view,
    );
    Sheet {
        kind: kind.as_str(),
        period: basis.period.to_string(),
        grid,
        fields: form::fields(kind).iter().map(field_view).collect(),
        lines: assessment.as_ref().map(lines_of).unwrap_or_default(),
        errors: errors
            .iter()
            .map(|p| problem_text(p, false, lang))
            .collect(),
        warnings: warnings
            .iter()
            .map(|p| problem_text(p, true, lang))
            .collect(),
        total_due: assessment
            .as_ref()
            .map(|a| form::total_due(kind, a).to_string()),
        items: assessment.as_ref().map(items_of).unwrap_or_default(),
        notes: assessment
            .as_ref()
            .map(|a| {
                a.notes
                    .iter()
                    .map(|n| crate::i18n::Catalog::embedded().text(lang, n).to_owned())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Lay the return out on its official grid: typed cells with their problems, computed
/// cells from the engine (and 本年累计 from the year's filed returns), shaded cells.
fn grid_view(
    basis: &Basis,
    kind: ReturnKind,
    figures: Option<&form::Figures>,
    a: Option<&Assessment>,
    field_view: &dyn Fn(&form::Field) -> FieldView,
) -> GridView {
    use crate::bureau::returns::grid::{self, CellKind, Column, Row};
    use crate::domain::money::Fen;
    use crate::domain::tax::Value;
    let g = grid::grid_for(kind, basis.period);
    let derived = match (figures, a) {
        (Some(f), Some(a)) => basis.derived(kind, f, a),
        _ => Default::default(),
    };
    let empty = Default::default();
    let earlier = basis.earlier.get(&kind).unwrap_or(&empty);
    // this period's value of an engine line (or a part of it)
    let now = |engine: &str, part: Option<usize>| -> Option<Value> {
        let a = a?;
        if let Some(m) = derived.get(engine) {
            return Some(Value::Money(*m));
        }
        match part {
            Some(i) => a
                .columns_of(engine)
                .map(|c| Value::Money(c[i]))
                .or(Some(Value::Money(Fen::ZERO))),
            None => Some(a.line_value(engine).unwrap_or(Value::Money(Fen::ZERO))),
        }
    };
    let field_of = |name: &str| form::fields(kind).iter().find(|f| f.name == name);
    let rows = g
        .rows
        .iter()
        .map(|r| match r {
            Row::Section(key) => RowView {
                section: Some(key.as_str()),
                line: "",
                label: "",
                cells: Vec::new(),
            },
            Row::Line {
                line,
                label,
                engine,
                cells,
                ..
            } => RowView {
                section: None,
                line: line.as_str(),
                label: label.as_str(),
                cells: cells
                    .iter()
                    .map(|c| {
                        let engine = g.reads(line, engine);
                        let column = g.columns[c.column];
                        let id = format!("{line}/{}", c.column);
                        let (kind, value, field) = match (&c.kind, column) {
                            (CellKind::Shaded, _) => ("shaded", String::new(), None),
                            (CellKind::Zero, _) | (_, Column::Zero) => {
                                ("zero", Fen::ZERO.to_string(), None)
                            }
                            (CellKind::Input(name), _) => {
                                ("input", String::new(), field_of(name).map(field_view))
                            }
                            (CellKind::Computed, Column::Now(part)) => (
                                "value",
                                now(engine, part).map(|v| v.to_string()).unwrap_or_default(),
                                None,
                            ),
                            (CellKind::Computed, Column::YearToDate(part)) => {
                                let key = match part {
                                    Some(i) => format!("{engine}:{i}"),
                                    None => engine.to_owned(),
                                };
                                let before = earlier.get(&key).copied().unwrap_or_default();
                                let value = match now(engine, part) {
                                    Some(Value::Money(m)) => (before + m).to_string(),
                                    Some(other) => other.to_string(),
                                    None => String::new(),
                                };
                                ("value", value, None)
                            }
                        };
                        CellView {
                            kind,
                            span: c.span,
                            id,
                            value,
                            field,
                        }
                    })
                    .collect(),
            },
        })
        .collect();
    GridView {
        id: &g.id,
        source: &g.source,
        unverified: g.unverified.as_deref(),
        line_first: g.line_first,
        width: g.columns.len(),
        head: g
            .head
            .iter()
            .map(|r| {
                r.iter()
                    .map(|h| HeadView {
                        key: &h.key,
                        rows: h.rows,
                        cols: h.cols,
                    })
                    .collect()
            })
            .collect(),
        rows,
        extra: g.extra.iter().map(|f| field_view(f)).collect(),
        quarters: g.quarters.then(|| quarters_view(basis, a)),
    }
}

/// The A200000's quarterly block: the earlier quarters as filed, this one typed (its cells
/// are the form's fields), the averages and the answer from the engine.
fn quarters_view(basis: &Basis, a: Option<&Assessment>) -> QuartersView {
    use crate::domain::tax::Value;
    let filed = (0..4)
        .map(|q| match basis.earlier_sizes.get(q) {
            Some(s) => [
                s.headcount_start.to_string(),
                s.headcount_end.to_string(),
                s.assets_start.to_string(),
                s.assets_end.to_string(),
            ],
            None => Default::default(),
        })
        .collect();
    let item = |key: &str| {
        a.and_then(|a| a.steps.iter().find(|s| s.key == key))
            .map(|s| s.value.to_string())
            .unwrap_or_default()
    };
    QuartersView {
        filed,
        current: basis.period.first_month().month.div_ceil(3),
        avg_headcount: item("cit.avg_headcount"),
        avg_assets: item("cit.avg_assets"),
        small_low_profit: a.and_then(|a| match a.total_value("small_low_profit") {
            Some(Value::Flag(b)) => Some(b),
            _ => None,
        }),
    }
}

/// 申报回执: what was filed, for the page, the print-out and the API.
#[derive(Serialize, utoipa::ToSchema)]
pub(in crate::http) struct Receipt {
    pub filing_no: String,
    pub company: String,
    pub uscc: String,
    pub kind: &'static str,
    pub period: String,
    pub version: u32,
    /// When it was submitted (China Standard Time) and the sandbox date it counts as.
    pub submitted_at: String,
    pub filed_on: String,
    pub deadline: String,
    pub late: bool,
    pub reason: String,
    pub lines: Vec<LineView>,
    pub total_due: String,
    /// This answer repeats a receipt already given (the submission was a duplicate).
    pub duplicate: bool,
}

pub(in crate::http) fn receipt(
    scope: &TenantScope<'_>,
    company: CompanyId,
    r: &FiledReturn,
    duplicate: bool,
    time: crate::domain::SandboxTime,
) -> Result<Receipt, ReturnError> {
    let co = scope.company(company)?.value;
    let basis = Basis::load(scope, company, r.period)?;
    let values: Values = r
        .form
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or_default();
    let lines = crate::bureau::returns::work_so_far(&basis, r.kind, &values)
        .assessment
        .map(|a| lines_of(&a))
        .unwrap_or_default();
    Ok(Receipt {
        filing_no: r.filing_no.clone().unwrap_or_default(),
        company: co.name,
        uscc: co.uscc.to_string(),
        kind: r.kind.as_str(),
        period: r.period.to_string(),
        version: r.version,
        submitted_at: r.submitted_at.map(|t| time.show(t)).unwrap_or_default(),
        filed_on: r.filed_on.to_string(),
        deadline: r.deadline.to_string(),
        late: r.filed_on > r.deadline,
        reason: r.reason.clone(),
        lines,
        total_due: r.total_due.to_string(),
        duplicate,
    })
}

/// 电子缴款书: a payment document.
#[derive(Serialize, utoipa::ToSchema)]
pub(in crate::http) struct PaymentView {
    pub number: String,
    pub company: String,
    pub uscc: String,
    pub paid_on: String,
    pub paid_at: String,
    pub tax: String,
    pub late_fee: String,
    pub total: String,
    pub bank_name: String,
    pub account_no: String,
    /// What it settled: item, period, amount, late fee.
    pub items: Vec<PaidItem>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(in crate::http) struct PaidItem {
    pub item: &'static str,
    pub kind: &'static str,
    pub period: String,
    pub amount: String,
    pub due_on: String,
    pub late_fee: String,
}

pub(in crate::http) fn payment_view(
    scope: &TenantScope<'_>,
    r: &Remittance,
    time: crate::domain::SandboxTime,
) -> Result<PaymentView, StoreError> {
    let co = scope.company(r.company)?.value;
    let items = scope.remittance_items(r.id)?;
    Ok(PaymentView {
        number: r.number.clone(),
        company: co.name,
        uscc: co.uscc.to_string(),
        paid_on: r.paid_on.to_string(),
        paid_at: time.show(r.paid_at),
        tax: r.tax.to_string(),
        late_fee: r.late_fee.to_string(),
        total: (r.tax + r.late_fee).to_string(),
        bank_name: r.bank_name.clone(),
        account_no: r.account_no.clone(),
        items: items
            .into_iter()
            .map(|(p, kind, period)| PaidItem {
                item: p.item.as_str(),
                kind: kind.as_str(),
                period: period.to_string(),
                amount: p.amount.to_string(),
                due_on: p.due_on.to_string(),
                late_fee: p.late_fee.to_string(),
            })
            .collect(),
    })
}
