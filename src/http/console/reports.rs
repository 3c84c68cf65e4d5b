//! 培训效果评估报告 on the console: `GET /console/classes/{id}/report` and
//! `/console/courses/{id}/report` — the page (printable on A4, charts drawn as SVG by the
//! template), `?format=json` (the report's documented schema), `?format=csv&section=…`,
//! `?format=xlsx` (a workbook, a sheet a section), `?format=pdf` (A4, with the charts),
//! `?format=xapi` (the learning records as xAPI statements) —
//! and `GET /api/v1/classes/{id}/report`, `/api/v1/courses/{id}/report`; and the same for
//! every class of a lab pack together, `/console/packs/{pack}/report` and
//! `/api/v1/packs/{pack}/report`. A report only reads; only the class's or course's own
//! instructor or assistant (or an admin) sees it, and a pack's report covers just the
//! classes its reader may see.

use super::classes::class_id;
use super::*;
use crate::evaluation::report::{self, Report, Scope};
use crate::store::TestOwner;

/// What a report is of: one class or course, or the classes of a pack.
#[derive(Debug, Clone)]
pub(in crate::http) enum Subject {
    Owner(TestOwner),
    Pack(String),
}

impl Subject {
    fn stem(&self) -> String {
        match self {
            Subject::Owner(TestOwner::Class(id)) => format!("report-class-{id}"),
            Subject::Owner(TestOwner::Course(id)) => format!("report-course-{id}"),
            Subject::Pack(p) => format!("report-pack-{p}"),
        }
    }

    fn page(&self) -> String {
        match self {
            Subject::Owner(TestOwner::Class(id)) => format!("/console/classes/{id}/report"),
            Subject::Owner(TestOwner::Course(id)) => format!("/console/courses/{id}/report"),
            Subject::Pack(p) => format!("/console/packs/{p}/report"),
        }
    }
}

/// The classes of a pack the staff member may see, or not found for a pack not on offer.
fn pack_scope(
    s: &crate::store::Store<'_>,
    labs: &crate::labs::Library,
    user: &crate::store::User,
    pack: &str,
    lang: Lang,
) -> Result<Scope, crate::store::StoreError> {
    if labs.pack(pack).is_none() {
        return Err(crate::store::StoreError::NotFound);
    }
    let who = (user.role != crate::store::UserRole::Admin).then_some(user.id);
    Scope::pack(s, labs, who, pack, lang)
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    format: String,
    #[serde(default)]
    section: String,
}

/// `f` over the class's or course's records, if the staff member may see them (one read).
async fn owned<T: Send + 'static>(
    staff: &Staff,
    lang: Lang,
    owner: TestOwner,
    f: impl FnOnce(&crate::store::Store<'_>) -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, AppError> {
    let user = staff.user.clone();
    staff
        .db
        .run_read(move |s| {
            let allowed = match owner {
                TestOwner::Class(id) => classroom::class_for(s, &user, id).map(|_| ()),
                TestOwner::Course(id) => classroom::course::course_for(s, &user, id).map(|_| ()),
            };
            match allowed {
                Ok(()) => Ok(Ok(f(s)?)),
                Err(ClassError::Store(e)) => Err(e),
                Err(e) => Ok(Err(e)),
            }
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| class_error(e, lang))
}

/// The report, if the staff member may see it.
pub(in crate::http) async fn report_of(
    staff: &Staff,
    lang: Lang,
    owner: TestOwner,
) -> Result<Report, AppError> {
    let (labs, now) = (staff.labs.clone(), staff.clock.now());
    owned(staff, lang, owner, move |s| {
        report::build(s, &labs, owner, now)
    })
    .await
}

/// The report of a subject, if the staff member may see it.
pub(in crate::http) async fn report_for(
    staff: &Staff,
    lang: Lang,
    subject: &Subject,
) -> Result<Report, AppError> {
    match subject {
        Subject::Owner(owner) => report_of(staff, lang, *owner).await,
        Subject::Pack(pack) => {
            let (labs, now, user, pack) = (
                staff.labs.clone(),
                staff.clock.now(),
                staff.user.clone(),
                pack.clone(),
            );
            staff
                .db
                .run_read(move |s| {
                    let scope = pack_scope(s, &labs, &user, &pack, lang)?;
                    report::build_scope(s, &labs, &scope, now)
                })
                .await
                .map_err(|e| AppError::from_store(e, lang))
        }
    }
}

#[derive(Serialize)]
struct ReportPage {
    csrf: String,
    me: String,
    report: Report,
    /// The pack's lab titles by id.
    titles: std::collections::BTreeMap<String, String>,
    sections: [&'static str; 6],
    base: String,
}

/// The report as a file in `format` (json, csv with its `section`, xlsx, pdf, xapi);
/// `None` for a format there is none of.
pub(in crate::http) async fn file(
    staff: &Staff,
    lang: Lang,
    headers: &HeaderMap,
    subject: &Subject,
    format: &str,
    section: &str,
) -> Result<Option<Response>, AppError> {
    let stem = subject.stem();
    let attachment = crate::http::forms::attachment;
    // the statements need no report: only its records
    if format == "xapi" {
        let (labs, origin) = (
            staff.labs.clone(),
            super::classes::base_url(&staff.net, headers),
        );
        // written compactly, member by member, in one read
        let bytes = match subject {
            Subject::Owner(owner) => {
                let owner = *owner;
                owned(staff, lang, owner, move |s| {
                    let mut buf = Vec::new();
                    crate::evaluation::xapi::write_all(s, &labs, &[owner], &origin, &mut buf)?;
                    Ok(buf)
                })
                .await?
            }
            Subject::Pack(pack) => {
                let (user, pack) = (staff.user.clone(), pack.clone());
                staff
                    .db
                    .run_read(move |s| {
                        let scope = pack_scope(s, &labs, &user, &pack, lang)?;
                        let mut buf = Vec::new();
                        crate::evaluation::xapi::write_all(
                            s,
                            &labs,
                            &scope.owners(),
                            &origin,
                            &mut buf,
                        )?;
                        Ok(buf)
                    })
                    .await
                    .map_err(|e| AppError::from_store(e, lang))?
            }
        };
        return Ok(Some(attachment(
            "application/json",
            &format!("{stem}-xapi.json"),
            bytes,
        )));
    }
    if !matches!(format, "json" | "csv" | "xlsx" | "pdf") {
        return Ok(None);
    }
    let r = report_for(staff, lang, subject).await?;
    Ok(Some(match format {
        "json" => attachment(
            "application/json",
            &format!("{stem}.json"),
            serde_json::to_vec_pretty(&r).unwrap_or_default(),
        ),
        "csv" => match crate::evaluation::export::csv(&r, section, lang) {
            Some(bytes) => attachment(
                "text/csv; charset=utf-8",
                &format!("{stem}-{section}.csv"),
                bytes,
            ),
            None => return Ok(None),
        },
        "xlsx" => {
            let bytes =
                tokio::task::spawn_blocking(move || crate::evaluation::workbook::xlsx(&r, lang))
                    .await
                    .map_err(|_| AppError::internal(lang))?
                    .map_err(|e| {
                        tracing::error!(error = %e, "report workbook");
                        AppError::internal(lang)
                    })?;
            attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{stem}.xlsx"),
                bytes,
            )
        }
        _ => {
            let labs = staff.labs.clone();
            let bytes = tokio::task::spawn_blocking(move || {
                crate::evaluation::pdf::render(&r, &labs, lang)
            })
            .await
            .map_err(|_| AppError::internal(lang))?;
            attachment("application/pdf", &format!("{stem}.pdf"), bytes)
        }
    }))
}

async fn respond(
    staff: Staff,
    lang: Lang,
    headers: HeaderMap,
    subject: Subject,
    q: ReportQuery,
) -> Result<Response, AppError> {
    if !q.format.is_empty() {
        return file(&staff, lang, &headers, &subject, &q.format, &q.section)
            .await?
            .ok_or_else(|| AppError::not_found(lang));
    }
    let base = subject.page();
    let r = report_for(&staff, lang, &subject).await?;
    let titles = r
        .learning
        .labs
        .iter()
        .filter_map(|l| staff.labs.lab(&l.lab))
        .map(|l| (l.id.clone(), l.title.get(lang).to_owned()))
        .collect();
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console",
        "console_report.html",
        ReportPage {
            csrf,
            me: staff.user.display_name.clone(),
            report: r,
            titles,
            sections: crate::evaluation::export::SECTIONS,
            base,
        },
        set.into_iter().collect(),
    )
}

/// `GET /console/classes/{id}/report`.
pub async fn class_report(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    respond(
        staff,
        lang,
        headers,
        Subject::Owner(TestOwner::Class(id)),
        q,
    )
    .await
}

/// `GET /console/courses/{id}/report`.
pub async fn course_report(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    respond(
        staff,
        lang,
        headers,
        Subject::Owner(TestOwner::Course(id)),
        q,
    )
    .await
}

/// `GET /console/packs/{pack}/report`: every class of the pack the staff member may see.
pub async fn pack_report(
    Path(pack): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    respond(staff, lang, headers, Subject::Pack(pack), q).await
}
