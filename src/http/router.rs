//! Every route, in one place.

use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post, put};

use super::{
    AppState, api, api_bureau, api_console, api_credit, api_disputes, api_labs, api_portal,
    api_proofs, api_queries, api_refunds, api_returns, api_risk, class_ended, console, course,
    home, lab_answers, lab_clock, labs, pages, portal, survey_pages, tests_pages,
};

/// The body a refund (or its supplement) may carry (the guard's limit for its path, for
/// bodies sent without a length too).
fn refund_files() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(super::guard::max_body("/portal/refunds") as usize)
}

/// The body an explanation or a dispute may carry: one file and its text.
fn one_file() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(super::guard::max_body("/portal/disputes") as usize)
}

pub fn router(state: AppState) -> Router {
    let bench = std::env::var("TAXLAB_BENCH_BASELINE").is_ok_and(|v| v == "1");
    let mut routes = Router::new();
    if bench {
        routes = routes.route("/_bench/page/{n}", get(api::bench_page));
    }
    routes
        .route("/", get(home::home))
        .route("/sandbox/demo", post(home::enter_demo))
        .route("/sandbox/leave", post(home::leave))
        .route("/class/ended", get(class_ended::page))
        .route(
            "/console/login",
            get(console::login_form).post(console::login_submit),
        )
        .route("/console/logout", post(console::logout))
        .route(
            "/console/password",
            get(console::password_form).post(console::password_submit),
        )
        .route("/console", get(console::home))
        .route("/console/classes", post(console::create))
        .route("/console/courses", post(console::create_course))
        .route("/console/courses/{id}", get(console::course_page))
        .route("/console/courses/{id}/tests", post(console::course_test))
        .route("/console/courses/{id}/report", get(console::course_report))
        .route("/console/classes/{id}/report", get(console::class_report))
        .route("/console/packs/{pack}/report", get(console::pack_report))
        .route(
            "/console/courses/{id}/survey/{action}",
            post(console::course_survey),
        )
        .route(
            "/console/courses/{id}/follow-up/{action}",
            post(console::course_follow_up),
        )
        .route(
            "/console/courses/{id}/{action}",
            post(console::course_action),
        )
        .route(
            "/console/users",
            get(console::users).post(console::add_user),
        )
        .route("/console/classes/{id}", get(console::class_page))
        .route("/console/classes/{id}/events", get(console::events))
        .route("/console/classes/{id}/audit", get(console::audit))
        .route("/console/classes/{id}/pins", get(console::pins))
        .route(
            "/console/classes/{id}/{action}",
            post(console::class_action),
        )
        .route(
            "/console/classes/{id}/seats/{seat}/{action}",
            post(console::seat_action),
        )
        .route("/lab/hand", post(labs::hand))
        .route(
            "/console/classes/{id}/seats/{seat}",
            get(console::seat_page),
        )
        .route("/course", get(course::code_form).post(course::code_submit))
        .route("/course/completion", get(course::completion))
        .route("/course/{code}", get(course::enrol_page))
        .route("/course/{code}/register", post(course::register_submit))
        .route("/course/{code}/sign-in", post(course::sign_in_submit))
        .route("/api/v1/course", get(course::api_progress))
        .route("/api/v1/course/{code}/register", post(course::api_register))
        .route("/api/v1/course/{code}/sign-in", post(course::api_sign_in))
        .route(
            "/api/v1/courses",
            get(api_console::courses).post(api_console::create_course),
        )
        .route("/api/v1/courses/{id}", get(api_console::course))
        .route(
            "/api/v1/courses/{id}/{action}",
            post(api_console::course_action),
        )
        .route("/join", get(console::join_form).post(console::join_submit))
        .route("/join/{code}", get(console::join_code))
        .route("/labs/{id}/start", post(labs::start))
        .route("/packs/{id}/exam", post(labs::exam))
        .route("/lab", get(labs::current))
        .route("/lab/hint", post(labs::hint))
        .route("/lab/answer", post(lab_answers::answer_page))
        .route("/lab/clock", post(lab_clock::clock_page))
        .route(
            "/survey",
            get(survey_pages::show).post(survey_pages::submit),
        )
        .route(
            "/follow-up",
            get(survey_pages::follow_up_show).post(survey_pages::follow_up_submit),
        )
        .route("/tests", get(tests_pages::list))
        .route("/tests/{phase}", get(tests_pages::show))
        .route("/tests/{phase}/start", post(tests_pages::start))
        .route("/tests/{phase}/submit", post(tests_pages::submit))
        .route("/lab/check", post(labs::check))
        .route("/lab/finish", post(labs::finish))
        .route("/lab/files/{n}", get(labs::file))
        .route("/lab/attempts/{id}", get(labs::attempt))
        .route("/lang/{code}", get(pages::switch_lang))
        .route("/static/{file}", get(pages::asset))
        .route("/favicon.ico", get(pages::favicon))
        .route("/portal", get(portal::workbench))
        .route(
            "/portal/login",
            get(portal::login_form).post(portal::login_submit),
        )
        .route(
            "/portal/login/sms",
            get(portal::sms_form).post(portal::sms_submit),
        )
        .route("/portal/login/sms/resend", post(portal::sms_resend))
        .route("/portal/login/certificate", post(portal::login_certificate))
        .route(
            "/portal/password/initial",
            get(portal::password_form).post(portal::password_submit),
        )
        .route(
            "/portal/password/forgot",
            get(portal::forgot_form).post(portal::forgot_submit),
        )
        .route("/portal/password/reset", post(portal::reset_submit))
        .route("/portal/account", get(portal::account))
        .route("/portal/account/password", post(portal::account_password))
        .route("/portal/account/security", post(portal::account_security))
        .route(
            "/portal/account/certificate",
            post(portal::account_certificate),
        )
        .route("/portal/account/contact", post(portal::account_contact))
        .route(
            "/portal/account/contact/confirm",
            post(portal::account_contact_confirm),
        )
        .route("/portal/help", get(portal::help))
        .route("/portal/help/ask", get(portal::ask))
        .route("/portal/messages", get(portal::messages))
        .route("/portal/messages/{id}", get(portal::message))
        .route("/portal/announcements/{id}", get(portal::announcement))
        .route("/portal/staff", get(portal::staff))
        .route("/portal/staff/grant", post(portal::grant))
        .route("/portal/staff/revoke", post(portal::revoke))
        .route("/portal/switch", post(portal::switch))
        .route("/portal/logout", post(portal::logout))
        .route("/portal/returns", get(portal::returns_page))
        .route("/portal/query", get(portal::query_menu))
        .route("/portal/tax", get(portal::tax_menu))
        .route("/portal/proofs", get(portal::proofs_page))
        .route("/portal/proofs/issue", post(portal::proof_issue))
        .route("/portal/proofs/{number}/pdf", get(portal::proof_pdf))
        .route("/portal/public/invoice-check", get(portal::invoice_check))
        .route("/portal/public/tools", get(portal::tools))
        .route("/portal/public/policies", get(portal::policies))
        .route("/portal/public/calculator", get(portal::calculator))
        .route("/portal/public/tools/install", post(portal::install_tool))
        .route(
            "/portal/public/verify",
            get(portal::verify_get).post(portal::verify_post),
        )
        .route("/portal/public", get(portal::public_menu))
        .route("/portal/query/credit", get(portal::credit_page))
        .route("/portal/credit", get(portal::credit_zone))
        .route("/portal/risk", get(portal::risk_page))
        .route(
            "/portal/disputes",
            get(portal::disputes_page).post(portal::dispute_file.layer(one_file())),
        )
        .route(
            "/portal/risk/explain",
            post(portal::risk_explain.layer(one_file())),
        )
        .route(
            "/portal/refunds",
            get(portal::refunds_page).post(portal::refund_apply.layer(refund_files())),
        )
        .route(
            "/portal/refunds/{number}/files",
            post(portal::refund_supplement.layer(refund_files())),
        )
        .route(
            "/portal/refunds/credit",
            post(portal::credit_refund_apply.layer(one_file())),
        )
        .route("/portal/query/refunds", get(portal::refunds_query))
        .route("/portal/credit/repair", post(portal::credit_repair))
        .route("/portal/credit/m-grade", post(portal::credit_m_grade))
        .route("/portal/query/{name}", get(portal::query_page))
        .route("/portal/query/{name}/export", get(portal::query_export))
        .route("/portal/query/invoice/{number}", get(portal::invoice_page))
        .route(
            "/portal/returns/{kind}/{period}",
            get(portal::form_page_get).post(portal::form_page_post),
        )
        .route(
            "/portal/returns/{kind}/{period}/calculate",
            post(portal::calculate),
        )
        .route(
            "/portal/returns/{kind}/{period}/pay",
            post(portal::pay_post),
        )
        .route(
            "/portal/returns/{kind}/{period}/template",
            get(portal::template),
        )
        .route(
            "/portal/returns/{kind}/{period}/import",
            post(portal::import_post),
        )
        .route(
            "/portal/returns/receipts/{number}",
            get(portal::receipt_page),
        )
        .route("/portal/payments/agreement", post(portal::agreement_post))
        .route("/portal/payments/{number}", get(portal::payment_page))
        .route("/api/v1/returns", get(api_returns::list))
        .route("/api/v1/queries/credit", get(api_queries::credit))
        .route("/api/v1/credit", get(api_credit::standing))
        .route(
            "/api/v1/refunds",
            get(api_refunds::list).post(api_refunds::apply.layer(refund_files())),
        )
        .route(
            "/api/v1/refunds/credit",
            post(api_refunds::apply_credit.layer(one_file())),
        )
        .route(
            "/api/v1/risk/explanations",
            post(api_risk::explain.layer(one_file())),
        )
        .route("/api/v1/risk", get(api_risk::alerts))
        .route(
            "/api/v1/disputes",
            get(api_disputes::list).post(api_disputes::file.layer(one_file())),
        )
        .route(
            "/api/v1/refunds/{number}/files",
            post(api_refunds::supplement.layer(refund_files())),
        )
        .route("/api/v1/credit/repairs", post(api_credit::repair))
        .route("/api/v1/credit/m-grade", post(api_credit::m_grade))
        .route(
            "/api/v1/proofs",
            get(api_proofs::list).post(api_proofs::issue),
        )
        .route("/api/v1/proofs/verify", post(api_proofs::verify))
        .route("/api/v1/proofs/verify-file", post(api_proofs::verify_file))
        .route("/api/v1/proofs/{number}/pdf", get(api_proofs::pdf))
        .route("/api/v1/tools/install", post(api_proofs::install_tool))
        .route("/api/v1/queries/{name}", get(api_queries::query))
        .route("/api/v1/queries/{name}/export", get(api_queries::export))
        .route("/api/v1/invoices/check", post(api_queries::check_invoice))
        .route("/api/v1/policies", get(api_queries::policies))
        .route("/api/v1/invoices/{number}", get(api_queries::invoice))
        .route("/api/v1/returns/{kind}/{period}", get(api_returns::form))
        .route(
            "/api/v1/returns/{kind}/{period}/template",
            get(api_returns::template),
        )
        .route(
            "/api/v1/returns/{kind}/{period}/import",
            post(api_returns::import),
        )
        .route(
            "/api/v1/returns/{kind}/{period}/calculate",
            post(api_returns::calculate),
        )
        .route(
            "/api/v1/returns/{kind}/{period}/draft",
            put(api_returns::draft),
        )
        .route(
            "/api/v1/returns/{kind}/{period}/submit",
            post(api_returns::submit),
        )
        .route(
            "/api/v1/returns/{kind}/{period}/amend",
            post(api_returns::amend),
        )
        .route(
            "/api/v1/returns/{kind}/{period}/pay",
            post(api_returns::pay),
        )
        .route(
            "/api/v1/returns/receipts/{number}",
            get(api_returns::receipt_get),
        )
        .route("/api/v1/payments/agreement", post(api_returns::agreement))
        .route("/api/v1/payments/{number}", get(api_returns::payment_get))
        .route("/healthz", get(api::healthz))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/calc/{tax}", post(api::calc))
        .route("/api/v1/login", post(api_portal::login))
        .route("/api/v1/login/sms", post(api_portal::sms))
        .route("/api/v1/login/sms/resend", post(api_portal::resend))
        .route(
            "/api/v1/password/initial",
            post(api_portal::initial_password),
        )
        .route("/api/v1/password/forgot", post(api_portal::forgot))
        .route("/api/v1/password/reset", post(api_portal::reset))
        .route("/api/v1/logout", post(api_portal::logout))
        .route("/api/v1/workbench", get(api_portal::workbench))
        .route("/api/v1/phone", get(api_portal::phone))
        .route(
            "/api/v1/login/certificate",
            post(api_portal::login_certificate),
        )
        .route("/api/v1/account", get(api_bureau::account_get))
        .route(
            "/api/v1/account/password",
            post(api_bureau::account_password),
        )
        .route(
            "/api/v1/account/security",
            put(api_bureau::account_security),
        )
        .route("/api/v1/account/contact", post(api_bureau::account_contact))
        .route(
            "/api/v1/account/contact/confirm",
            post(api_bureau::account_contact_confirm),
        )
        .route(
            "/api/v1/account/certificate",
            post(api_bureau::account_certificate),
        )
        .route("/api/v1/staff", get(api_bureau::staff_get))
        .route("/api/v1/staff/grant", post(api_bureau::staff_grant))
        .route("/api/v1/staff/revoke", post(api_bureau::staff_revoke))
        .route("/api/v1/switch", post(api_bureau::switch))
        .route("/api/v1/messages", get(api_bureau::messages_get))
        .route("/api/v1/messages/{id}", get(api_bureau::message_get))
        .route(
            "/api/v1/announcements/{id}",
            get(api_bureau::announcement_get),
        )
        .route("/api/v1/help", get(api_bureau::help_get))
        .route("/api/v1/help/ask", post(api_bureau::help_ask))
        .route("/api/v1/sandbox", get(api_bureau::sandbox_get))
        .route("/api/v1/sandbox/demo", post(api_bureau::sandbox_demo))
        .route("/api/v1/sandbox/leave", post(api_bureau::sandbox_leave))
        .route(
            "/api/v1/console/token",
            post(api_console::token).delete(api_console::revoke_token),
        )
        .route("/api/v1/console/tokens", delete(api_console::revoke_tokens))
        .route("/api/v1/console/password", post(api_console::password))
        .route(
            "/api/v1/classes",
            get(api_console::list).post(api_console::create),
        )
        .route(
            "/api/v1/classes/{id}/report",
            get(api_console::class_report),
        )
        .route(
            "/api/v1/courses/{id}/report",
            get(api_console::course_report),
        )
        .route("/api/v1/packs/{pack}/report", get(api_console::pack_report))
        .route("/api/v1/classes/{id}", get(api_console::dashboard))
        .route("/api/v1/join", post(api_console::join))
        .route(
            "/api/v1/classes/{id}/{action}",
            post(api_console::class_action),
        )
        .route(
            "/api/v1/classes/{id}/seats/{seat}/{action}",
            post(api_console::seat_action),
        )
        .route("/api/v1/hand", post(api_console::hand))
        .route("/api/v1/labs", get(api_labs::list))
        .route("/api/v1/labs/{id}/start", post(api_labs::start))
        .route("/api/v1/packs/{id}/exam", post(api_labs::exam))
        .route("/api/v1/attempt", get(api_labs::attempt))
        .route("/api/v1/attempt/hint", post(api_labs::hint))
        .route("/api/v1/attempt/answer", post(lab_answers::answer_api))
        .route("/api/v1/attempt/clock", post(lab_clock::clock_api))
        .route("/api/v1/tests", get(tests_pages::api_list))
        .route(
            "/api/v1/survey",
            get(survey_pages::api_show).post(survey_pages::api_submit),
        )
        .route(
            "/api/v1/follow-up",
            get(survey_pages::follow_up_api_show).post(survey_pages::follow_up_api_submit),
        )
        .route("/api/v1/tests/{phase}/start", post(tests_pages::api_start))
        .route(
            "/api/v1/tests/{phase}/submit",
            post(tests_pages::api_submit),
        )
        .route("/api/v1/attempt/check", post(api_labs::check))
        .route("/api/v1/attempt/finish", post(api_labs::finish))
        .route("/api/v1/attempt/files/{n}", get(api_labs::file))
        .route("/api/v1/attempts/{id}", get(api_labs::attempt_get))
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        // innermost first: the guard's own answers get the security headers and, on
        // https, HSTS and Secure cookies
        .layer(middleware::from_fn_with_state(
            state.net.clone(),
            super::guard::layer,
        ))
        .layer(middleware::from_fn(super::templates::remember_address))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(
            state.net.clone(),
            super::net::layer,
        ))
        .layer(middleware::from_fn(log_requests))
        .with_state(state)
}

/// Headers every response carries: pages load only our own scripts, styles and images,
/// cannot be framed, and do not leak their address to other sites.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    res
}

/// One log line per request: method, path, status, time taken.
async fn log_requests(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    tracing::info!(%method, %path, status = res.status().as_u16(), micros = started.elapsed().as_micros() as u64, "request");
    res
}
