//! 【我要办税】—【证明开具】: 税收完税证明（表格式） (taxes and an 入（退）库 date range, the
//! matching payments, 开具), 无欠税证明, 开具记录 with the PDFs to download again; and
//! 【公众服务】—【证明查验】 by number and code or by the file.

use axum::extract::{Path, Query as QueryString};

use super::returns::refused_page;
use super::returns_view::{Refusal, filing_read, limited};
use super::*;
use crate::bureau::proofs::{
    self, Asked, Content, Download, PaidLine, PaymentRequest, ProofError, ProofKind, Verdict,
};
use crate::bureau::returns::Filer;
use crate::http::ReqLang;
use crate::http::net::ClientAddr;
use crate::store::limits::Limit;
use crate::store::{PortalSession, Proof};

/// Certificates one person may issue in an hour, and one client address.
pub(in crate::http) const PROOFS_PER_PERSON: Limit = Limit {
    kind: "proof_person",
    max: 60,
    window: chrono::Duration::hours(1),
};
pub(in crate::http) const PROOFS_PER_ADDRESS: Limit = Limit {
    kind: "proof_address",
    max: 600,
    window: chrono::Duration::hours(1),
};

const ALL_ITEMS: [&str; 6] = [
    "vat",
    "urban_maintenance",
    "education",
    "local_education",
    "cit",
    "culture_fee",
];

/// The request as the form sends it: `item_<tax>=1` per ticked tax (or repeated
/// `items=<tax>`), the dates, `range_of`, `purpose`.
pub(in crate::http) fn asked_from_pairs(pairs: &[(String, String)]) -> Asked {
    let mut f = Asked::default();
    for (k, v) in pairs {
        match k.as_str() {
            "date_from" => f.date_from = v.clone(),
            "date_to" => f.date_to = v.clone(),
            "range_of" => f.range_of = v.clone(),
            "purpose" => f.purpose = v.chars().take(200).collect(),
            "items" => f.items.push(v.clone()),
            k => {
                if let Some(item) = k.strip_prefix("item_")
                    && !v.is_empty()
                    && v != "0"
                {
                    f.items.push(item.to_owned());
                }
            }
        }
    }
    f.items.truncate(ALL_ITEMS.len() * 2);
    f
}

/// A refusal's text.
pub(in crate::http) fn proof_message(e: &ProofError, lang: Lang) -> String {
    Catalog::embedded()
        .text(lang, &format!("proof.error.{}", e.code()))
        .to_owned()
}

/// Issue a certificate: read what it certifies, draw the PDF outside any transaction, keep
/// it (counted against the person's and the address's limits). `Ok(Err(_))` is a refusal.
pub(in crate::http) async fn issue(
    desk: &Taxpayer,
    lang: Lang,
    kind: ProofKind,
    form: Asked,
    ip: std::net::IpAddr,
) -> Result<Result<Result<Proof, ProofError>, Refusal>, AppError> {
    // a refusal is traced with the read (the trace is a deferred write)
    let prepared = filing_read(desk, lang, move |scope, who, _| {
        let req = if kind.lists_payments() {
            match PaymentRequest::read(kind, &form, who.today) {
                Ok(r) => Some(r),
                Err(e) => {
                    proofs::trace_refusal(scope, who, kind, &e)?;
                    return Ok(Err(e));
                }
            }
        } else {
            None
        };
        match proofs::prepare(scope, who, kind, req.as_ref()) {
            Err(ProofError::Store(e)) => Err(Refusal::from(e)),
            Err(e) => {
                proofs::trace_refusal(scope, who, kind, &e)?;
                Ok(Err(e))
            }
            Ok(c) => Ok(Ok(c)),
        }
    })
    .await?;
    let content: Content = match prepared {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Ok(Ok(Err(e))),
        Err(r) => return Ok(Err(r)),
    };
    let (number, code) = proofs::new_number();
    let (n, c, body) = (number.clone(), code.clone(), content.clone());
    let file = tokio::task::spawn_blocking(move || proofs::pdf::render(&body, &n, &c))
        .await
        .map_err(|_| AppError::internal(lang))?;
    limited(
        desk,
        lang,
        (PROOFS_PER_PERSON, PROOFS_PER_ADDRESS),
        ip,
        || ProofError::Request {
            field: "kind",
            code: "too_many",
        },
        move |scope, who| {
            Ok(Ok(proofs::record(
                scope, who, &content, &number, &code, &file,
            )?))
        },
    )
    .await
}

/// One issued certificate as listed in 开具记录.
#[derive(Serialize, utoipa::ToSchema)]
pub(in crate::http) struct ProofView {
    pub number: String,
    pub code: String,
    pub kind: String,
    pub issued_on: String,
    pub total: String,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    /// Where the PDF is downloaded.
    pub pdf: String,
}

pub(in crate::http) fn proof_view(p: &Proof) -> ProofView {
    let content: Option<Content> = serde_json::from_str(&p.content).ok();
    ProofView {
        number: p.number.clone(),
        code: p.code.clone(),
        kind: p.kind.clone(),
        issued_on: p.issued_on.to_string(),
        total: content
            .as_ref()
            .map(|c| c.total.clone())
            .unwrap_or_default(),
        date_from: content.as_ref().and_then(|c| c.date_from.clone()),
        date_to: content.as_ref().and_then(|c| c.date_to.clone()),
        pdf: format!("/portal/proofs/{}/pdf", p.number),
    }
}

/// A refusal as the page shows it.
#[derive(Clone)]
struct Refused {
    field: &'static str,
    message: String,
    arrears: Vec<crate::bureau::queries::ArrearsRow>,
}

impl Refused {
    fn of(e: &ProofError, lang: Lang) -> Refused {
        Refused {
            field: e.field().unwrap_or("kind"),
            message: proof_message(e, lang),
            arrears: match e {
                ProofError::Arrears(rows) => rows.clone(),
                _ => Vec::new(),
            },
        }
    }
}

#[derive(Serialize)]
struct ProofsPage {
    #[serde(flatten)]
    frame: Frame,
    tab: &'static str,
    /// The kind the tab issues, if it issues one listing payments.
    kind: Option<&'static str>,
    form: Asked,
    all_items: [&'static str; 6],
    /// The payments a 完税证明 with these conditions would list (after 查询).
    preview: Option<Vec<PaidLine>>,
    preview_total: String,
    problem: Option<(&'static str, String)>,
    arrears: Vec<crate::bureau::queries::ArrearsRow>,
    records: Vec<ProofView>,
    issued: Option<ProofView>,
}

#[derive(serde::Deserialize, Default)]
pub struct ProofsQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    issued: String,
    #[serde(default)]
    preview: String,
}

fn frame(
    scope: &TenantScope<'_>,
    s: &PortalSession,
    csrf: String,
    desk: &Desk,
    lang: Lang,
) -> Result<Frame, StoreError> {
    let crumbs = vec!["portal.crumb.home", "portal.crumb.tax", "proof.crumb"];
    filer_frame(scope, s, csrf, desk, lang, "tax", crumbs)
}

#[allow(clippy::too_many_arguments)]
fn page_data(
    scope: &TenantScope<'_>,
    who: &Filer,
    s: &PortalSession,
    desk: &Desk,
    csrf: String,
    lang: Lang,
    tab: &'static str,
    form: Asked,
    preview: bool,
    issued: &str,
    refused: Option<Refused>,
) -> Result<ProofsPage, StoreError> {
    let records: Vec<Proof> = scope.proofs_of(who.company)?;
    let issued = records
        .iter()
        .find(|p| !issued.is_empty() && p.number == issued)
        .map(proof_view);
    let mut problem = refused.as_ref().map(|r| (r.field, r.message.clone()));
    let mut preview_rows = None;
    let kind = tab_kind(tab).filter(|k| k.lists_payments());
    if let Some(kind) = kind.filter(|_| preview && refused.is_none()) {
        match PaymentRequest::read(kind, &form, who.today) {
            Ok(req) => preview_rows = Some(proofs::lines_for(scope, who, kind, &req)?),
            Err(e) => problem = Some((e.field().unwrap_or("kind"), proof_message(&e, lang))),
        }
    }
    let preview_total: crate::domain::money::Fen = preview_rows
        .iter()
        .flatten()
        .filter_map(|l| crate::domain::money::Fen::parse_yuan(&l.amount).ok())
        .sum();
    Ok(ProofsPage {
        frame: frame(scope, s, csrf, desk, lang)?,
        tab,
        kind: kind.map(ProofKind::as_str),
        form,
        all_items: ALL_ITEMS,
        preview: preview_rows,
        preview_total: preview_total.to_string(),
        problem,
        arrears: refused.map(|r| r.arrears).unwrap_or_default(),
        records: records.iter().map(proof_view).collect(),
        issued,
    })
}

fn tab_of(t: &str) -> &'static str {
    match t {
        "voucher" => "voucher",
        "record" => "record",
        "no_arrears" => "no_arrears",
        "records" => "records",
        _ => "table",
    }
}

/// The kind of certificate a tab issues.
fn tab_kind(tab: &str) -> Option<ProofKind> {
    match tab {
        "table" => Some(ProofKind::PaymentTable),
        "voucher" => Some(ProofKind::PaymentVoucher),
        "record" => Some(ProofKind::TaxRecord),
        "no_arrears" => Some(ProofKind::NoArrears),
        _ => None,
    }
}

/// The tab that issues a kind.
fn kind_tab(kind: ProofKind) -> &'static str {
    match kind {
        ProofKind::PaymentTable => "table",
        ProofKind::PaymentVoucher => "voucher",
        ProofKind::TaxRecord => "record",
        ProofKind::NoArrears => "no_arrears",
    }
}

/// `GET /portal/proofs`: 证明开具, its tabs, a preview of the payments a 完税证明 lists.
pub async fn proofs_page(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<QueryString<ProofsQuery>, axum::extract::rejection::QueryRejection>,
    pairs: Result<QueryString<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|QueryString(q)| q).unwrap_or_default();
    let form = asked_from_pairs(&pairs.map(|QueryString(p)| p).unwrap_or_default());
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let tab = tab_of(&q.tab);
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let mut form = form;
        if form.date_from.is_empty() && form.date_to.is_empty() {
            form.date_from = format!("{}-01-01", chrono::Datelike::year(&who.today));
            form.date_to = who.today.to_string();
        }
        Ok(page_data(
            scope,
            who,
            s,
            &d,
            csrf,
            lang,
            tab,
            form,
            q.preview == "1",
            &q.issued,
            None,
        )?)
    })
    .await?;
    match found {
        Ok(page) => render(
            lang,
            "/portal/proofs",
            "portal_proofs.html",
            page,
            set.into_iter().collect(),
        ),
        Err(r) => refused_page(r, lang),
    }
}

/// `POST /portal/proofs/issue`: 开具 (`kind`, the taxes ticked, the dates).
pub async fn issue_post(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, AppError> {
    let pairs = form_body(form, lang)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    require_csrf(&headers, &get("csrf"), lang)?;
    let kind = ProofKind::parse(&get("kind")).ok_or_else(|| AppError::not_found(lang))?;
    let request = asked_from_pairs(&pairs);
    let issued = issue(&desk, lang, kind, request.clone(), ip).await?;
    match issued {
        Ok(Ok(p)) => {
            let tab = kind_tab(kind);
            Ok(
                Redirect::to(&format!("/portal/proofs?tab={tab}&issued={}", p.number))
                    .into_response(),
            )
        }
        Ok(Err(e)) => {
            let status = match &e {
                ProofError::Request {
                    code: "too_many", ..
                } => StatusCode::TOO_MANY_REQUESTS,
                ProofError::Arrears(_) | ProofError::NothingPaid => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let (csrf, set) = desk.page_token();
            let d = desk.clone();
            let tab = kind_tab(kind);
            let refused = Refused::of(&e, lang);
            let found = filing_read(&desk, lang, move |scope, who, s| {
                Ok(page_data(
                    scope,
                    who,
                    s,
                    &d,
                    csrf,
                    lang,
                    tab,
                    request,
                    false,
                    "",
                    Some(refused),
                )?)
            })
            .await?;
            match found {
                Ok(page) => {
                    let mut res = render(
                        lang,
                        "/portal/proofs",
                        "portal_proofs.html",
                        page,
                        set.into_iter().collect(),
                    )?;
                    *res.status_mut() = status;
                    Ok(res)
                }
                Err(r) => refused_page(r, lang),
            }
        }
        Err(r) => refused_page(r, lang),
    }
}

/// A certificate's PDF as a download.
pub(in crate::http) fn pdf_response(number: &str, file: Vec<u8>) -> Response {
    attachment("application/pdf", &format!("proof-{number}.pdf"), file)
}

/// `GET /portal/proofs/{number}/pdf`: one of the company's certificates, as issued; while
/// 打印证明失败 is in force, the course's failure and its remedy instead (424).
pub async fn proof_pdf(
    Path(number): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    let n = number.clone();
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let got = proofs::download(scope, who, &n)?;
        let frame = match got {
            Download::PrintFailed => Some(frame(scope, s, csrf, &d, lang)?),
            _ => None,
        };
        Ok((got, frame))
    })
    .await?;
    match found {
        Ok((Download::File(file), _)) => Ok(pdf_response(&number, file)),
        Ok((Download::PrintFailed, Some(frame))) => {
            let mut res = render(
                lang,
                "/portal/proofs",
                "portal_print_failed.html",
                frame,
                set.into_iter().collect(),
            )?;
            *res.status_mut() = StatusCode::FAILED_DEPENDENCY;
            Ok(res)
        }
        Ok(_) => Err(AppError::not_found(lang)),
        Err(r) => refused_page(r, lang),
    }
}

#[derive(Serialize)]
struct VerifyPage {
    #[serde(flatten)]
    frame: Frame,
    number: String,
    code: String,
    /// `genuine`, `wrong_code`, `altered`, `unknown`.
    verdict: Option<&'static str>,
    proof: Option<ProofView>,
    content: Option<Content>,
}

#[derive(serde::Deserialize, Default)]
pub struct VerifyQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

/// Render the 证明查验 page for what was found.
async fn verify_page(
    desk: &Taxpayer,
    lang: Lang,
    number: String,
    code: String,
    verdict: Option<Verdict>,
) -> Result<Response, AppError> {
    let (frame, set) = super::menus::public_frame(desk, lang, "proof.verify.crumb").await?;
    let (proof, content) = match &verdict {
        Some(Verdict::Genuine(p)) | Some(Verdict::Altered(p)) => {
            (Some(proof_view(p)), serde_json::from_str(&p.content).ok())
        }
        _ => (None, None),
    };
    let status = match &verdict {
        Some(Verdict::Genuine(_)) | None => StatusCode::OK,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let page = VerifyPage {
        frame,
        number,
        code,
        verdict: verdict.as_ref().map(Verdict::code),
        // the code and the download link are the holder's, not the checker's
        proof: proof.map(|p| ProofView {
            code: String::new(),
            pdf: String::new(),
            ..p
        }),
        content,
    };
    let mut res = render(
        lang,
        "/portal/public/verify",
        "portal_verify.html",
        page,
        set,
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /portal/public/verify?number=&code=`: 证明查验 by number and code (no login needed;
/// in the trainee's own world).
pub async fn verify_get(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<QueryString<VerifyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|QueryString(q)| q).unwrap_or_default();
    let (number, code) = (
        q.number.trim().chars().take(40).collect::<String>(),
        q.code.trim().chars().take(20).collect::<String>(),
    );
    if number.is_empty() {
        return verify_page(&desk, lang, number, code, None).await;
    }
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let (n, c) = (number.clone(), code.clone());
    let verdict = desk
        .db
        .run_mostly_read(move |s| {
            let scope = s.tenant(tenant);
            proofs::verify(&scope, &n, &c, now)
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    verify_page(&desk, lang, number, code, Some(verdict)).await
}

/// `POST /portal/public/verify`: 证明查验 of an uploaded PDF (multipart `csrf`, `file`).
pub async fn verify_post(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let (csrf, file) = upload(multipart, lang).await?;
    require_csrf(&headers, &csrf, lang)?;
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let verdict = desk
        .db
        .run_mostly_read(move |s| {
            let scope = s.tenant(tenant);
            proofs::verify_file(&scope, &file, now)
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    verify_page(&desk, lang, String::new(), String::new(), Some(verdict)).await
}
