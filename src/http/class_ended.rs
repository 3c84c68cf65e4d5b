//! 课堂已结束: once a class ends, every page its trainees open leads here (the API answers
//! 410 `class_ended`): their work was handed in and graded, and this is their result — each
//! lab of the class's pack with their best score and whether they passed — read only, with
//! the way out of the sandbox.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::forms::{csrf_token, render};
use super::sandbox::trainee;
use super::{AppError, AppState, ReqLang};

#[derive(Serialize)]
struct LabResult {
    title: String,
    score: Option<i64>,
    max: u32,
    passed: bool,
}

#[derive(Serialize)]
struct EndedPage {
    csrf: String,
    class: String,
    name: String,
    labs: Vec<LabResult>,
    passed: usize,
}

/// `GET /class/ended`.
pub async fn page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(t) = trainee(&state, &headers, lang).await? else {
        return Ok(Redirect::to("/").into_response());
    };
    if !t.class_ended {
        return Ok(Redirect::to("/").into_response());
    }
    let labs = state.labs.clone();
    let (class, results) = state
        .db
        .run_read(move |s| {
            let class = match s.class_of_trainee(t.id)? {
                Some(c) => s.class(c)?,
                None => return Err(crate::store::StoreError::NotFound),
            };
            let attempts = s.attempts_of(t.id)?;
            let results: Vec<LabResult> = labs
                .pack(&class.pack_id)
                .map(|p| p.labs.clone())
                .unwrap_or_default()
                .iter()
                .filter_map(|id| labs.lab(id))
                .map(|lab| {
                    let mine = attempts.iter().filter(|a| a.lab_id == lab.id);
                    LabResult {
                        title: lab.title.get(lang).to_owned(),
                        score: mine
                            .clone()
                            .filter(|a| a.finished_at.is_some())
                            .filter_map(|a| a.score)
                            .max(),
                        max: lab.max_points(),
                        passed: mine.clone().any(|a| a.passed == Some(true)),
                    }
                })
                .collect();
            Ok((class.name, results))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (csrf, set) = csrf_token(&headers);
    let passed = results.iter().filter(|r| r.passed).count();
    render(
        lang,
        "/class/ended",
        "class_ended.html",
        EndedPage {
            csrf,
            class,
            name: t.name,
            labs: results,
            passed,
        },
        set.into_iter().collect(),
    )
}
