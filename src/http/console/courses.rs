//! Self-paced courses in the console: open one for a lab pack, share its enrolment link
//! (and QR code), follow every learner's progress and completion, close enrolment.

use super::classes::{Refused, class_id, console_page, qr_svg};
use super::*;
use crate::classroom::course::{self, Progress};
use crate::store::CourseRecord;

/// A course in the console's list.
#[derive(Serialize)]
pub struct CourseRow {
    #[serde(flatten)]
    course: CourseRecord,
    learners: usize,
    completed: usize,
}

/// The courses a user runs (every course for an admin, `who` = `None`).
pub fn course_rows(
    s: &Store<'_>,
    who: Option<i64>,
) -> Result<Vec<CourseRow>, crate::store::StoreError> {
    s.courses(who)?
        .into_iter()
        .map(|course| {
            let learners = s.learners(course.id)?;
            Ok(CourseRow {
                learners: learners.len(),
                completed: learners.iter().filter(|l| l.completed_at.is_some()).count(),
                course,
            })
        })
        .collect()
}

#[derive(Deserialize, Serialize, Default)]
pub struct CourseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    pack: String,
    #[serde(default)]
    seed: String,
}

/// `POST /console/courses`: open a course.
pub async fn create_course(
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CourseForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let (user, now) = (staff.user.clone(), staff.clock.now());
    let seed = match classroom::parse_seed(&f.seed) {
        Ok(s) => s,
        Err(e) => {
            let e = Refused::Course(f, class_error(e, lang));
            return console_page(&staff, lang, &headers, e).await;
        }
    };
    let (name, pack) = (f.name.clone(), f.pack.clone());
    let made = staff
        .db
        .run_write({
            let labs = staff.labs.clone();
            move |s| Ok(opened(s, &labs, &user, &name, &pack, seed, now))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    match made {
        Ok(c) => Ok(Redirect::to(&format!("/console/courses/{}", c.id)).into_response()),
        Err(e) => {
            let e = Refused::Course(f, class_error(e, lang));
            console_page(&staff, lang, &headers, e).await
        }
    }
}

/// Open a course, refusing assistants (they run no course).
pub fn opened(
    s: &Store<'_>,
    lib: &crate::labs::Library,
    user: &User,
    name: &str,
    pack: &str,
    seed: Option<u64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CourseRecord, ClassError> {
    if user.role == crate::store::UserRole::Assistant {
        return Err(ClassError::NotAllowed);
    }
    course::create_course(s, lib, user, name, pack, seed, now)
}

#[derive(Serialize)]
struct CoursePage {
    csrf: String,
    me: String,
    course: CourseRecord,
    pack: String,
    link: String,
    qr: String,
    learners: Vec<Progress>,
    lab_titles: Vec<String>,
    /// 课后测试: the course's pre-test and post-test, summed up.
    tests: Vec<crate::evaluation::TestSummary>,
    /// 满意度调查, summed up.
    survey: Option<crate::evaluation::survey::SurveySummary>,
    /// 跟踪回访, summed up, and the pack's labs (id, title) to retain.
    follow_up: Option<crate::evaluation::follow_up::FollowUpSummary>,
    follow_up_labs: Vec<(String, String)>,
    notice: Option<String>,
}

/// `GET /console/courses/{id}`: the enrolment link and every learner's progress.
pub async fn course_page(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<super::classes::NoticeQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let (user, now) = (staff.user.clone(), staff.clock.now());
    let (course, learners, (tests, survey, follow_up)) = class_work(&staff, lang, move |s, lib| {
        let c = course::course_for(s, &user, id)?;
        let learners = course::learners(s, lib, &c, lang, now)?;
        let owner = crate::store::TestOwner::Course(c.id);
        let tests = crate::evaluation::summaries(s, owner, now)?;
        let survey = crate::evaluation::survey::summary(s, owner)?;
        let follow_up = crate::evaluation::follow_up::summary(s, owner)?;
        Ok((c, learners, (tests, survey, follow_up)))
    })
    .await?;
    let notice = super::classes::done_notice(q, lang);
    let follow_up_labs = super::classes::pack_labs(&staff.labs, &course.pack_id, lang);
    let link = format!(
        "{}/course/{}",
        super::classes::base_url(&staff.net, &headers),
        course.enrol_code
    );
    let pack = staff.labs.pack(&course.pack_id);
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console",
        "console_course.html",
        CoursePage {
            csrf,
            me: staff.user.display_name.clone(),
            pack: pack
                .map(|p| p.title.get(lang).to_owned())
                .unwrap_or_default(),
            lab_titles: pack
                .map(|p| p.labs.as_slice())
                .unwrap_or_default()
                .iter()
                .filter_map(|l| staff.labs.lab(l))
                .map(|l| l.title.get(lang).to_owned())
                .collect(),
            qr: qr_svg(&link),
            link,
            course,
            learners,
            tests,
            survey,
            follow_up,
            follow_up_labs,
            notice,
        },
        set.into_iter().collect(),
    )
}

/// `POST /console/courses/{id}/{open|close}`: open or close enrolment.
pub async fn course_action(
    peer: crate::http::net::ClientAddr,
    Path((id, action)): Path<(String, String)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let open = match action.as_str() {
        "open" => true,
        "close" => false,
        _ => return Err(AppError::not_found(lang)),
    };
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let (user, now, ip) = (staff.user.clone(), staff.clock.now(), peer.ip().to_string());
    class_work(&staff, lang, move |s, _| {
        let c = course::course_for(s, &user, id)?;
        course::set_open(s, &user, &c, open, &ip, now)
    })
    .await?;
    Ok(Redirect::to(&format!("/console/courses/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct CourseTestForm {
    #[serde(default)]
    csrf: String,
    /// `open` or `close`.
    #[serde(default)]
    action: String,
    /// `pre` or `post`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    attempts: String,
}

/// `POST /console/courses/{id}/tests`: open or close the course's pre- or post-test.
pub async fn course_test(
    peer: crate::http::net::ClientAddr,
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CourseTestForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let open = match f.action.as_str() {
        "open" => true,
        "close" => false,
        _ => return Err(AppError::not_found(lang)),
    };
    let (user, now, ip) = (staff.user.clone(), staff.clock.now(), peer.ip().to_string());
    class_work(&staff, lang, move |s, lib| {
        let c = course::course_for(s, &user, id)?;
        let ask = crate::classroom::testing::TestAsk {
            phase: &f.kind,
            open,
            form: &f.form,
            minutes: f.minutes.trim().parse().ok(),
            attempts: f.attempts.trim().parse().ok(),
        };
        crate::classroom::testing::set_course_test(s, lib, &user, &c, &ask, &ip, now)
    })
    .await?;
    let done = if open { "test_open" } else { "test_closed" };
    Ok(Redirect::to(&format!("/console/courses/{id}?done={done}")).into_response())
}

#[derive(Deserialize)]
pub struct CourseSurveyForm {
    #[serde(default)]
    csrf: String,
    /// `anonymous` (the default) or `named`.
    #[serde(default)]
    kind: String,
}

/// `POST /console/courses/{id}/survey/{survey-open|survey-close}`.
pub async fn course_survey(
    peer: crate::http::net::ClientAddr,
    Path((id, action)): Path<(String, String)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CourseSurveyForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let open = match action.as_str() {
        "survey-open" => true,
        "survey-close" => false,
        _ => return Err(AppError::not_found(lang)),
    };
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let (user, now, ip) = (staff.user.clone(), staff.clock.now(), peer.ip().to_string());
    let anonymous = f.kind != "named";
    class_work(&staff, lang, move |s, _| {
        let c = course::course_for(s, &user, id)?;
        crate::classroom::testing::set_course_survey(s, &user, &c, open, anonymous, &ip, now)
    })
    .await?;
    let done = if open { "survey_open" } else { "survey_closed" };
    Ok(Redirect::to(&format!("/console/courses/{id}?done={done}")).into_response())
}

#[derive(Deserialize)]
pub struct CourseFollowUpForm {
    #[serde(default)]
    csrf: String,
    /// Days from now.
    #[serde(default)]
    minutes: String,
    /// The retention lab (a lab of the pack; its first when empty).
    #[serde(default)]
    kind: String,
}

/// `POST /console/courses/{id}/follow-up/{follow-up|follow-up-close}`.
pub async fn course_follow_up(
    peer: crate::http::net::ClientAddr,
    Path((id, action)): Path<(String, String)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CourseFollowUpForm>, FormRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let open = match action.as_str() {
        "follow-up" => true,
        "follow-up-close" => false,
        _ => return Err(AppError::not_found(lang)),
    };
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let (user, now, ip) = (staff.user.clone(), staff.clock.now(), peer.ip().to_string());
    class_work(&staff, lang, move |s, lib| {
        let c = course::course_for(s, &user, id)?;
        let ask = (open, f.minutes.trim().parse().ok(), f.kind.as_str());
        crate::classroom::testing::set_course_follow_up(s, lib, &user, &c, ask, &ip, now)
    })
    .await?;
    let done = if open {
        "follow_up_open"
    } else {
        "follow_up_closed"
    };
    Ok(Redirect::to(&format!("/console/courses/{id}?done={done}")).into_response())
}
