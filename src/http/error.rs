//! The application's error type.
//!
//! Use [`AppError::page`] in handlers that render HTML and [`AppError::api`] in JSON
//! handlers; [`AppError::from_store`] maps storage errors (a missing row is 404, anything
//! else 500 with the detail logged, never shown). Messages come from the catalogue.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::templates;
use crate::i18n::{Catalog, Lang};
use crate::store::StoreError;

/// A refusal shown on a form: the field it concerns (if one) and the message.
#[derive(Debug, serde::Serialize)]
pub struct FieldErrorView {
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    /// Stable machine code, e.g. `not_found`, `negative`.
    code: String,
    /// The message for the user, already in their language.
    message: String,
    field: Option<String>,
    lang: Lang,
    json: bool,
}

impl AppError {
    /// An error for an HTML page, its message from the catalogue.
    pub fn page(status: StatusCode, lang: Lang, key: &str) -> AppError {
        let code = key.rsplit('.').next().unwrap_or(key).to_owned();
        AppError {
            status,
            code,
            message: Catalog::embedded().text(lang, key).to_owned(),
            field: None,
            lang,
            json: false,
        }
    }

    /// An error for the JSON API.
    pub fn api(
        status: StatusCode,
        lang: Lang,
        code: &str,
        message: String,
        field: Option<String>,
    ) -> AppError {
        AppError {
            status,
            code: code.to_owned(),
            message,
            field,
            lang,
            json: true,
        }
    }

    pub fn not_found(lang: Lang) -> AppError {
        AppError::page(StatusCode::NOT_FOUND, lang, "error.not_found")
    }

    pub fn internal(lang: Lang) -> AppError {
        AppError::page(StatusCode::INTERNAL_SERVER_ERROR, lang, "error.internal")
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The field and message, for a form that shows the refusal beside the field.
    /// The message, in the request's language.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn field_view(self) -> FieldErrorView {
        FieldErrorView {
            field: self.field,
            message: self.message,
        }
    }

    /// As a page rather than JSON.
    pub fn as_page(mut self) -> AppError {
        self.json = false;
        self
    }

    /// As JSON rather than a page.
    pub fn as_json(mut self) -> AppError {
        self.json = true;
        self
    }

    pub fn from_store(e: StoreError, lang: Lang) -> AppError {
        match e {
            StoreError::NotFound => AppError::not_found(lang),
            other => {
                tracing::error!(error = %other, "store error");
                AppError::internal(lang)
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.json {
            let body = json!({ "code": self.code, "message": self.message, "field": self.field });
            return (self.status, Json(body)).into_response();
        }
        #[derive(serde::Serialize)]
        struct ErrorPage<'a> {
            message: &'a str,
            /// The refusal's code, so the page can head a maintenance notice as such.
            code: &'a str,
        }
        match templates::render(
            self.lang,
            "/",
            "error.html",
            ErrorPage {
                message: &self.message,
                code: &self.code,
            },
        ) {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                (self.status, self.message).into_response()
            }
        }
    }
}

/// A page answered with the status of the refusal it shows (unchanged when there is none).
pub(crate) fn with_status(mut res: Response, status: Option<StatusCode>) -> Response {
    if let Some(s) = status {
        *res.status_mut() = s;
    }
    res
}

/// The body of every API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// Stable machine code, e.g. `wrong_password`, `negative`, `not_found`.
    pub code: String,
    /// What is wrong and what to do, in the user's language.
    pub message: String,
    /// The input field it concerns, when there is one.
    pub field: Option<String>,
}
