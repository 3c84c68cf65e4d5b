//! 【我要查询】: the 一户式查询 menu, each query's page (filters, a table ten rows to a page,
//! 导出 as CSV), an invoice's face, and 纳税信用信息查询. Pages only read.

use axum::extract::{Path, Query as QueryString};

use super::returns::refused_page;
use super::returns_view::filing_read;
use super::*;
use crate::bureau::queries::{
    self, Answer, ArrearsRow, FilingRow, Filter, FilterProblem, InvoiceRow, Params, PaymentRow,
    Query, Rows,
};
use crate::http::ReqLang;
use crate::store::PortalSession;

fn frame(
    scope: &TenantScope<'_>,
    s: &PortalSession,
    csrf: String,
    desk: &Desk,
    lang: Lang,
    crumbs: Vec<&'static str>,
) -> Result<Frame, StoreError> {
    filer_frame(scope, s, csrf, desk, lang, "query", crumbs)
}

/// A query's rows as the page and the export show them: texts in the reader's language, and
/// where a row leads.
#[derive(Serialize)]
pub(in crate::http) struct TableView {
    pub columns: Vec<&'static str>,
    pub rows: Vec<RowView>,
}

#[derive(Serialize)]
pub(in crate::http) struct RowView {
    pub cells: Vec<String>,
    pub link: Option<String>,
}

fn t(lang: Lang, key: &str) -> String {
    Catalog::embedded().text(lang, key).to_owned()
}

fn filing_cells(r: &FilingRow, lang: Lang) -> RowView {
    RowView {
        cells: vec![
            t(lang, &format!("return.{}", r.kind.as_str())),
            r.filed_on.clone(),
            r.period_from.clone(),
            r.period_to.clone(),
            r.total_due.clone(),
            t(
                lang,
                if r.correction {
                    "query.correction.yes"
                } else {
                    "query.correction.no"
                },
            ),
            r.filing_no.clone().unwrap_or_default(),
        ],
        link: r
            .filing_no
            .as_ref()
            .map(|n| format!("/portal/returns/receipts/{n}")),
    }
}

fn payment_cells(r: &PaymentRow, lang: Lang) -> RowView {
    RowView {
        cells: vec![
            t(lang, &format!("tax_item.{}", r.item.as_str())),
            t(lang, &format!("return.{}", r.kind.as_str())),
            r.period.clone(),
            r.amount.clone(),
            r.late_fee.clone(),
            r.due_on.clone(),
            r.paid_on.clone().unwrap_or_else(|| t(lang, "query.unpaid")),
            r.remittance.clone().unwrap_or_default(),
        ],
        link: r
            .remittance
            .as_ref()
            .map(|n| format!("/portal/payments/{n}")),
    }
}

fn arrears_cells(r: &ArrearsRow, lang: Lang) -> RowView {
    RowView {
        cells: vec![
            t(lang, &format!("tax_item.{}", r.item.as_str())),
            t(lang, &format!("return.{}", r.kind.as_str())),
            r.period.clone(),
            r.due_on.clone(),
            r.amount.clone(),
            r.days_late.to_string(),
            r.late_fee_to_date.clone(),
        ],
        link: Some(format!("/portal/returns/{}/{}", r.kind.as_str(), r.period)),
    }
}

fn invoice_cells(r: &InvoiceRow, lang: Lang) -> RowView {
    RowView {
        cells: vec![
            r.number.clone(),
            r.issued_on.clone(),
            t(lang, &format!("query.direction.{}", r.direction.as_str())),
            t(
                lang,
                &format!("query.invoice_kind.{}", r.invoice_kind.as_str()),
            ),
            r.counterparty.clone(),
            r.counterparty_uscc.clone(),
            r.amount.clone(),
            r.rate.clone(),
            r.tax.clone(),
        ],
        link: Some(format!("/portal/query/invoice/{}", r.number)),
    }
}

/// The rows, laid out.
pub(in crate::http) fn table(q: Query, rows: &Rows, lang: Lang) -> TableView {
    let rows = match rows {
        Rows::Filings(r) => r.iter().map(|r| filing_cells(r, lang)).collect(),
        Rows::Payments(r) => r.iter().map(|r| payment_cells(r, lang)).collect(),
        Rows::Arrears(r) => r.iter().map(|r| arrears_cells(r, lang)).collect(),
        Rows::Invoices(r) => r.iter().map(|r| invoice_cells(r, lang)).collect(),
    };
    TableView {
        columns: q.columns().to_vec(),
        rows,
    }
}

/// A query's whole answer as CSV (UTF-8 with BOM, so Excel reads the Chinese; cells that a
/// spreadsheet would run as formulas are quoted off).
pub(in crate::http) fn export(q: Query, rows: &Rows, lang: Lang) -> Response {
    use crate::bureau::returns::import::neutralise;
    let view = table(q, rows, lang);
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    let header: Vec<String> = view
        .columns
        .iter()
        .map(|c| t(lang, &format!("query.col.{c}")))
        .collect();
    // writing to memory cannot fail
    let _ = w.write_record(&header);
    for r in &view.rows {
        let _ = w.write_record(r.cells.iter().map(|c| neutralise(c).into_owned()));
    }
    let bytes = w.into_inner().unwrap_or_default();
    attachment(
        "text/csv; charset=utf-8",
        &format!("{}.csv", q.as_str()),
        bytes,
    )
}

/// A filter problem's text.
pub(in crate::http) fn filter_text(p: &FilterProblem, lang: Lang) -> String {
    t(lang, &format!("query.error.{}", p.code))
}

/// What a query page shows.
#[derive(Serialize)]
struct QueryPage {
    #[serde(flatten)]
    frame: Frame,
    query: &'static str,
    filters: &'static [&'static str],
    /// What was typed, to show again.
    params: Params,
    /// Problems by field.
    problems: Vec<(&'static str, String)>,
    table: Option<TableView>,
    total: usize,
    page: usize,
    pages: usize,
    /// The query string without the page, for the pager and the export link.
    query_string: String,
    /// The dates the query ran with (the defaults shown when left empty).
    date_from: String,
    date_to: String,
}

/// The query string of the filters (without the page).
fn query_string(p: &Params) -> String {
    let mut p = p.clone();
    p.page.clear();
    let pairs: Vec<(String, String)> = serde_json::to_value(&p)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_str()
                .filter(|s| !s.is_empty())
                .map(|s| (k, s.to_owned()))
        })
        .collect();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The query from the path; anything else is not found.
fn query_of(name: &str, lang: Lang) -> Result<Query, AppError> {
    Query::parse(name).ok_or_else(|| AppError::not_found(lang))
}

/// The filters from the query string; an unreadable query string reads as no filters.
fn params_of(q: Result<QueryString<Params>, axum::extract::rejection::QueryRejection>) -> Params {
    q.map(|QueryString(p)| p).unwrap_or_default()
}

/// `GET /portal/query`: 我要查询's menu.
pub async fn menu(desk: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let crumbs = vec!["portal.crumb.home", "portal.crumb.query"];
    let page = ("/portal/query", "portal_query.html");
    super::menus::filer_menu(&desk, lang, "query", crumbs, page).await
}

/// `GET /portal/query/{name}`: a query's page: its filters, one page of rows, the pager.
pub async fn query_page(
    Path(name): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<QueryString<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query_of(&name, lang)?;
    let params = params_of(q);
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let frame = frame(
            scope,
            s,
            csrf,
            &d,
            lang,
            vec![
                "portal.crumb.home",
                "portal.crumb.query",
                query_crumb(query),
            ],
        )?;
        let answer: Result<(Answer, Filter), Vec<FilterProblem>> =
            queries::answer(scope, who, query, &params, "page")?
                .map(|(rows, f)| (queries::page(query, rows, &f), f));
        Ok((frame, params, answer))
    })
    .await?;
    let (frame, params, answer) = match found {
        Ok(v) => v,
        Err(r) => return refused_page(r, lang),
    };
    let query_string = query_string(&params);
    let mut page = QueryPage {
        frame,
        query: query.as_str(),
        filters: query.filters(),
        params,
        problems: Vec::new(),
        table: None,
        total: 0,
        page: 1,
        pages: 1,
        query_string,
        date_from: String::new(),
        date_to: String::new(),
    };
    let status = match answer {
        Ok((a, f)) => {
            page.table = Some(table(query, &a.rows, lang));
            (page.total, page.page, page.pages) = (a.total, a.page, a.pages);
            (page.date_from, page.date_to) = (f.date_from.to_string(), f.date_to.to_string());
            StatusCode::OK
        }
        Err(problems) => {
            page.problems = problems
                .iter()
                .map(|p| (p.field, filter_text(p, lang)))
                .collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let mut res = render(
        lang,
        &format!("/portal/query/{name}"),
        "portal_query_table.html",
        page,
        set.into_iter().collect(),
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// The breadcrumb of a query.
fn query_crumb(q: Query) -> &'static str {
    match q {
        Query::Filings => "query.name.filings",
        Query::Payments => "query.name.payments",
        Query::Arrears => "query.name.arrears",
        Query::Invoices => "query.name.invoices",
    }
}

/// `GET /portal/query/{name}/export`: every row that matches, as CSV.
pub async fn export_page(
    Path(name): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<QueryString<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query_of(&name, lang)?;
    let params = params_of(q);
    let found = filing_read(&desk, lang, move |scope, who, _| {
        Ok(queries::answer(scope, who, query, &params, "export")?.map(|(rows, _)| rows))
    })
    .await?;
    match found {
        Ok(Ok(rows)) => Ok(export(query, &rows.slice(0, queries::EXPORT_MAX), lang)),
        Ok(Err(problems)) => Err(AppError::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            "bad_filter",
            filter_text(&problems[0], lang),
            Some(problems[0].field.to_owned()),
        )
        .as_page()),
        Err(r) => refused_page(r, lang),
    }
}

#[derive(Serialize)]
struct InvoicePage {
    #[serde(flatten)]
    frame: Frame,
    invoice: InvoiceRow,
}

/// `GET /portal/query/invoice/{number}`: an invoice of the company, as its face shows it.
pub async fn invoice_page(
    Path(number): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let invoice = queries::invoice(scope, who, &number)?;
        Ok(match invoice {
            Some(invoice) => Some(InvoicePage {
                frame: frame(
                    scope,
                    s,
                    csrf,
                    &d,
                    lang,
                    vec![
                        "portal.crumb.home",
                        "portal.crumb.query",
                        "query.name.invoices",
                    ],
                )?,
                invoice,
            }),
            None => None,
        })
    })
    .await?;
    match found {
        Ok(Some(page)) => render(
            lang,
            "/portal/query/invoice",
            "portal_invoice.html",
            page,
            set.into_iter().collect(),
        ),
        Ok(None) => Err(AppError::not_found(lang)),
        Err(r) => refused_page(r, lang),
    }
}

#[derive(Serialize)]
struct CreditPage {
    #[serde(flatten)]
    frame: Frame,
    credit: queries::CreditRecord,
    /// The widest bar of the chart, in points.
    most: u32,
}

/// `GET /portal/query/credit`: 纳税信用信息查询.
pub async fn credit_page(desk: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let credit = queries::credit(scope, who)?;
        Ok(CreditPage {
            frame: frame(
                scope,
                s,
                csrf,
                &d,
                lang,
                vec![
                    "portal.crumb.home",
                    "portal.crumb.query",
                    "query.name.credit",
                ],
            )?,
            most: credit.by_year.iter().map(|y| y.points).max().unwrap_or(0),
            credit,
        })
    })
    .await?;
    match found {
        Ok(page) => render(
            lang,
            "/portal/query/credit",
            "portal_credit.html",
            page,
            set.into_iter().collect(),
        ),
        Err(r) => refused_page(r, lang),
    }
}
