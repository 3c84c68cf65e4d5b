//! 满意度调查: five items on a 5-point scale (content, instructor, environment, usefulness,
//! pace), the 0–10 recommendation question and a free comment; one response a trainee,
//! anonymous when the instructor opened it so. Summed up for the instructor: means and
//! distributions per item, the recommendation score (promoters 9–10 less detractors 0–6,
//! in points of percent) and the comments.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::owner_of;
use crate::store::{Store, StoreError, SurveyResponse, TestOwner};

/// The five-point items, in the order asked.
pub const ITEMS: [&str; 5] = ["content", "instructor", "environment", "usefulness", "pace"];

/// The longest comment kept, in characters.
pub const COMMENT_MAX: usize = 1000;

/// Why a survey action was refused; catalogue key `survey.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    #[error("{field}: {code}")]
    Field {
        field: &'static str,
        code: &'static str,
    },
    #[error("no survey")]
    NoSurvey,
    #[error("the survey is closed")]
    Closed,
    #[error("already answered")]
    Answered,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SurveyError {
    pub fn code(&self) -> &'static str {
        match self {
            SurveyError::Field { code, .. } => code,
            SurveyError::NoSurvey => "no_survey",
            SurveyError::Closed => "closed",
            SurveyError::Answered => "answered",
            SurveyError::Store(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            SurveyError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// A response as the form (or the API) sends it, read and checked item by item.
pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<SurveyResponse, SurveyError> {
    let score = |field: &'static str, max: i64, min: i64| -> Result<i64, SurveyError> {
        get(field)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| (min..=max).contains(v))
            .ok_or(SurveyError::Field {
                field,
                code: if max == 5 {
                    "bad_item"
                } else {
                    "bad_recommend"
                },
            })
    };
    let comment = get("comment").unwrap_or_default();
    let comment = comment.trim();
    if comment.chars().count() > COMMENT_MAX
        || comment
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(SurveyError::Field {
            field: "comment",
            code: "bad_comment",
        });
    }
    Ok(SurveyResponse {
        content: score("content", 5, 1)?,
        instructor: score("instructor", 5, 1)?,
        environment: score("environment", 5, 1)?,
        usefulness: score("usefulness", 5, 1)?,
        pace: score("pace", 5, 1)?,
        recommend: score("recommend", 10, 0)?,
        comment: comment.replace("\r\n", "\n"),
    })
}

/// Where the trainee stands with their class's or course's survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// No survey, or closed before they answered.
    None,
    Open {
        anonymous: bool,
    },
    Answered,
}

pub fn standing(s: &Store<'_>, trainee: i64) -> Result<Standing, StoreError> {
    let Some(owner) = owner_of(s, trainee)? else {
        return Ok(Standing::None);
    };
    Ok(match s.survey_of(owner)? {
        Some(sv) if s.has_answered(sv.id, trainee)? => Standing::Answered,
        Some(sv) if sv.open => Standing::Open {
            anonymous: sv.anonymous,
        },
        _ => Standing::None,
    })
}

/// Keep the trainee's response (once).
pub fn answer(
    s: &Store<'_>,
    trainee: i64,
    r: &SurveyResponse,
    now: DateTime<Utc>,
) -> Result<(), SurveyError> {
    let owner = owner_of(s, trainee)?.ok_or(SurveyError::NoSurvey)?;
    let sv = s.survey_of(owner)?.ok_or(SurveyError::NoSurvey)?;
    if s.has_answered(sv.id, trainee)? {
        return Err(SurveyError::Answered);
    }
    if !sv.open {
        return Err(SurveyError::Closed);
    }
    if !s.add_survey_response(&sv, trainee, r, now)? {
        return Err(SurveyError::Answered);
    }
    Ok(())
}

/// One item summed up: the mean in tenths (rounded half up) and how many gave 1…5.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemSummary {
    pub item: &'static str,
    pub mean_tenths: i64,
    pub counts: [i64; 5],
}

/// A survey summed up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveySummary {
    pub anonymous: bool,
    pub open: bool,
    pub responses: usize,
    pub items: Vec<ItemSummary>,
    /// How many answered 0…10.
    pub recommend_counts: [i64; 11],
    /// Promoters (9–10) less detractors (0–6), as whole points of percent (−100 to 100).
    pub recommend_score: Option<i64>,
    pub comments: Vec<String>,
}

/// `round(n / d)` for non-negative `n` and positive `d`, half up, in integers.
fn div_round(n: i64, d: i64) -> i64 {
    (2 * n + d) / (2 * d)
}

pub fn summary(s: &Store<'_>, owner: TestOwner) -> Result<Option<SurveySummary>, StoreError> {
    summary_of(s, &[owner])
}

/// The surveys of several classes summed up as one (a pack's report): their responses
/// together; anonymous if every one was, open if any is.
pub fn summary_of(
    s: &Store<'_>,
    owners: &[TestOwner],
) -> Result<Option<SurveySummary>, StoreError> {
    let mut surveys = Vec::new();
    for o in owners {
        surveys.extend(s.survey_of(*o)?);
    }
    if surveys.is_empty() {
        return Ok(None);
    }
    let mut responses: Vec<SurveyResponse> = Vec::new();
    for sv in &surveys {
        responses.extend(s.survey_responses(sv.id)?.into_iter().map(|(_, r)| r));
    }
    let n = responses.len() as i64;
    let value = |r: &SurveyResponse, item: &str| match item {
        "content" => r.content,
        "instructor" => r.instructor,
        "environment" => r.environment,
        "usefulness" => r.usefulness,
        _ => r.pace,
    };
    let items = ITEMS
        .iter()
        .map(|item| {
            let mut counts = [0; 5];
            let mut sum = 0;
            for r in &responses {
                let v = value(r, item);
                sum += v;
                if let Some(c) = counts.get_mut((v - 1).clamp(0, 4) as usize) {
                    *c += 1;
                }
            }
            ItemSummary {
                item,
                mean_tenths: if n > 0 { div_round(sum * 10, n) } else { 0 },
                counts,
            }
        })
        .collect();
    let mut recommend_counts = [0; 11];
    for r in &responses {
        recommend_counts[r.recommend.clamp(0, 10) as usize] += 1;
    }
    let promoters = recommend_counts[9] + recommend_counts[10];
    let detractors: i64 = recommend_counts[..7].iter().sum();
    let recommend_score = (n > 0).then(|| {
        let diff = promoters - detractors;
        // round half away from zero, in integers
        let sign = diff.signum();
        sign * div_round(diff.abs() * 100, n)
    });
    Ok(Some(SurveySummary {
        anonymous: surveys.iter().all(|sv| sv.anonymous),
        open: surveys.iter().any(|sv| sv.open),
        responses: responses.len(),
        items,
        recommend_counts,
        recommend_score,
        comments: responses
            .iter()
            .map(|r| r.comment.clone())
            .filter(|c| !c.is_empty())
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Result<SurveyResponse, SurveyError> {
        let map: std::collections::BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        read(|k| map.get(k).cloned())
    }

    #[test]
    fn a_response_is_read_item_by_item_with_every_range() {
        let good = [
            ("content", "5"),
            ("instructor", "4"),
            ("environment", "3"),
            ("usefulness", "5"),
            ("pace", "2"),
            ("recommend", "9"),
            ("comment", "  很实用\r\n谢谢  "),
        ];
        let r = form(&good).unwrap();
        assert_eq!((r.content, r.pace, r.recommend), (5, 2, 9));
        assert_eq!(r.comment, "很实用\n谢谢");
        let code = |k: &str, v: &str| {
            let mut p = good.to_vec();
            p.retain(|(x, _)| *x != k);
            p.push((k, v));
            form(&p).err().map(|e| (e.field(), e.code()))
        };
        assert_eq!(code("pace", "6"), Some((Some("pace"), "bad_item")));
        assert_eq!(code("content", "0"), Some((Some("content"), "bad_item")));
        assert_eq!(
            code("recommend", "11"),
            Some((Some("recommend"), "bad_recommend"))
        );
        assert_eq!(
            code("recommend", "-1"),
            Some((Some("recommend"), "bad_recommend"))
        );
        assert_eq!(
            code("instructor", "好"),
            Some((Some("instructor"), "bad_item"))
        );
        assert_eq!(
            code("comment", &"长".repeat(1001)),
            Some((Some("comment"), "bad_comment"))
        );
        assert_eq!(
            code("comment", "a\u{0}b"),
            Some((Some("comment"), "bad_comment"))
        );
        assert_eq!(code("recommend", "0"), None);
    }

    #[test]
    fn rounding_is_in_integers_half_up() {
        assert_eq!(div_round(45, 10), 5);
        assert_eq!(div_round(44, 10), 4);
        assert_eq!(div_round(0, 3), 0);
    }
}
