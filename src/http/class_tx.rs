//! A class step as one transaction, and a refused one in the user's language: shared by the
//! console, the class API and the trainee's side of a class (joining, 举手), so none of them
//! reaches into another for it.

use axum::http::StatusCode;

use super::{AppError, AppState};
use crate::classroom::ClassError;
use crate::i18n::{Catalog, Lang};
use crate::store::Store;

/// A refused class action, for a page (or, with `as_json`, the API).
pub fn class_error(e: ClassError, lang: Lang) -> AppError {
    let status = match &e {
        ClassError::NotYours | ClassError::UnknownCode | ClassError::NoSuchSeat => {
            StatusCode::NOT_FOUND
        }
        ClassError::Ended | ClassError::Full | ClassError::NotStarted { .. } => {
            StatusCode::CONFLICT
        }
        ClassError::NotAllowed => StatusCode::FORBIDDEN,
        ClassError::SeatLocked => StatusCode::LOCKED,
        ClassError::TooManyTries | ClassError::TooManyClasses { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        ClassError::Test(crate::evaluation::TestError::Setting { .. })
        | ClassError::FollowUp(crate::evaluation::follow_up::FollowUpError::Field { .. }) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ClassError::Test(crate::evaluation::TestError::Store(_))
        | ClassError::Survey(crate::evaluation::survey::SurveyError::Store(_))
        | ClassError::FollowUp(crate::evaluation::follow_up::FollowUpError::Store(_))
        | ClassError::Lab(_)
        | ClassError::Seed(_)
        | ClassError::Store(_) => {
            tracing::error!(error = %e, "class action failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        ClassError::Test(_) | ClassError::Survey(_) | ClassError::FollowUp(_) => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let c = Catalog::embedded();
    let key = match &e {
        ClassError::Test(t) => format!("test.error.{}", t.code()),
        ClassError::Survey(e) => format!("survey.error.{}", e.code()),
        ClassError::FollowUp(e) => format!("follow_up.error.{}", e.code()),
        _ => format!("class.error.{}", e.code()),
    };
    let message = match &e {
        ClassError::BadSeats { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        ClassError::BadRoster { line, reason } => c.format(
            lang,
            &key,
            &[
                ("line", &line.to_string()),
                ("reason", c.text(lang, &format!("class.roster.{reason}"))),
            ],
        ),
        ClassError::NotStarted { at } => c.format(lang, &key, &[("at", at)]),
        ClassError::BadMinutes { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        ClassError::BadName { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        ClassError::WrongPin { left } => c.format(lang, &key, &[("left", &left.to_string())]),
        ClassError::TooManyClasses { max } => c.format(lang, &key, &[("max", &max.to_string())]),
        _ => c.text(lang, &key).to_owned(),
    };
    let field = match &e {
        ClassError::NoName => Some("name"),
        ClassError::UnknownPack => Some("pack"),
        ClassError::BadSeats { .. } => Some("seats"),
        ClassError::BadRoster { .. } => Some("roster"),
        ClassError::UnknownCode => Some("code"),
        ClassError::NoNameGiven => Some("who"),
        ClassError::BadSchedule => Some("ends_at"),
        ClassError::BadTime { field } => Some(*field),
        ClassError::BadMinutes { .. } => Some("minutes"),
        ClassError::UnknownAssistant => Some("assistant"),
        ClassError::BadName { .. } => Some("who"),
        ClassError::BadSeed => Some("seed"),
        ClassError::AmbiguousName => Some("who"),
        ClassError::PinNeeded | ClassError::WrongPin { .. } | ClassError::SeatLocked => Some("pin"),
        ClassError::Test(t) => t.field(),
        ClassError::FollowUp(f) => match f.field() {
            Some("minutes") => Some("minutes"),
            Some(_) => Some("kind"),
            None => None,
        },
        _ => None,
    };
    AppError::api(status, lang, e.code(), message, field.map(str::to_owned)).as_page()
}

/// Class work in one write transaction.
pub async fn class_work<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&Store<'_>, &crate::labs::Library) -> Result<T, ClassError> + Send + 'static,
) -> Result<T, AppError> {
    let labs = state.labs.clone();
    state
        .db
        .run_write(move |s| kept(f(s, &labs)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| class_error(e, lang))
}

/// What a class step's transaction keeps: its result, refusals included (a refusal may
/// count an attempt), unless the sandbox itself failed: then nothing it did is kept.
pub fn kept<T>(
    r: Result<T, ClassError>,
) -> Result<Result<T, ClassError>, crate::store::StoreError> {
    match r {
        Err(e) if e.is_internal() => Err(crate::store::StoreError::Other(e.to_string())),
        other => Ok(other),
    }
}

/// Class reading for a GET page: one read snapshot, nothing written.
pub async fn class_read<T: Send + 'static>(
    state: &AppState,
    lang: Lang,
    f: impl FnOnce(&Store<'_>) -> Result<T, ClassError> + Send + 'static,
) -> Result<T, AppError> {
    state
        .db
        .run_read(move |s| Ok(f(s)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map_err(|e| class_error(e, lang))
}
