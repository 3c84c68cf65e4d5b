//! The class list, creating a class, the dashboard (page and live stream), a seat's
//! read-only review and the audit log.

use super::*;

// ---- classes ----

#[derive(Serialize)]
struct PackChoice {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct ConsolePage {
    csrf: String,
    me: String,
    role: &'static str,
    classes: Vec<ClassRow>,
    courses: Vec<super::courses::CourseRow>,
    packs: Vec<PackChoice>,
    /// What the instructor typed into a form that was refused, and which form.
    typed: CreateForm,
    course_typed: super::courses::CourseForm,
    error: Option<crate::http::error::FieldErrorView>,
    course_error: Option<crate::http::error::FieldErrorView>,
}

/// A class in the list, its times in China Standard Time.
#[derive(Serialize)]
struct ClassRow {
    #[serde(flatten)]
    class: ClassRecord,
    starts: String,
    ends: String,
}

/// What a refused form on the console home brings back.
#[derive(Default)]
pub(super) enum Refused {
    #[default]
    Nothing,
    Class(CreateForm, AppError),
    Course(super::courses::CourseForm, AppError),
}

pub(super) async fn console_page(
    staff: &Staff,
    lang: Lang,
    headers: &HeaderMap,
    refused: Refused,
) -> Result<Response, AppError> {
    let who = (staff.user.role != crate::store::UserRole::Admin).then_some(staff.user.id);
    let (classes, courses) = staff
        .db
        .run_read(move |s| Ok((s.classes(who)?, super::courses::course_rows(s, who)?)))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (csrf, set) = csrf_token(headers);
    let mut page = ConsolePage {
        csrf,
        me: staff.user.display_name.clone(),
        role: staff.user.role.as_str(),
        classes: classes
            .into_iter()
            .map(|class| ClassRow {
                starts: class.starts_at.map(crate::domain::cst).unwrap_or_default(),
                ends: class.ends_at.map(crate::domain::cst).unwrap_or_default(),
                class,
            })
            .collect(),
        courses,
        packs: staff
            .labs
            .packs()
            .iter()
            .map(|p| PackChoice {
                id: p.id.clone(),
                title: p.title.get(lang).to_owned(),
            })
            .collect(),
        typed: CreateForm {
            seats: "30".to_owned(),
            ..CreateForm::default()
        },
        course_typed: Default::default(),
        error: None,
        course_error: None,
    };
    let mut status = None;
    match refused {
        Refused::Nothing => {}
        Refused::Class(typed, e) => {
            status = Some(e.status());
            page.typed = typed;
            page.error = Some(e.field_view());
        }
        Refused::Course(typed, e) => {
            status = Some(e.status());
            page.course_typed = typed;
            page.course_error = Some(e.field_view());
        }
    }
    let res = render(
        lang,
        "/console",
        "console.html",
        page,
        set.into_iter().collect(),
    )?;
    Ok(crate::http::error::with_status(res, status))
}

pub async fn home(
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    console_page(&staff, lang, &headers, Refused::Nothing).await
}

#[derive(Deserialize, Serialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    pack: String,
    #[serde(default)]
    seats: String,
    #[serde(default)]
    roster: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
}

/// Seats from a form or body: a roster when one is given, else the number.
pub fn seats_from(seats: &str, roster: &str) -> Result<Seats, ClassError> {
    if roster.trim().is_empty() {
        let n = seats
            .trim()
            .parse::<u32>()
            .map_err(|_| ClassError::BadSeats {
                max: classroom::MAX_SEATS,
            })?;
        Ok(Seats::Count(n))
    } else {
        Ok(Seats::Roster(classroom::parse_roster(roster)?))
    }
}

pub async fn create(
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CreateForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    check_csrf(&headers, &f.csrf, lang)?;
    let planned = seats_from(&f.seats, &f.roster).and_then(|seats| {
        Ok(classroom::ClassPlan {
            name: f.name.clone(),
            pack: f.pack.clone(),
            seats,
            seed: classroom::parse_seed(&f.seed)?,
            starts_at: classroom::parse_time(&f.starts_at, "starts_at")?,
            ends_at: classroom::parse_time(&f.ends_at, "ends_at")?,
        })
    });
    let plan = match planned {
        Ok(p) => p,
        Err(e) => {
            let e = Refused::Class(f, class_error(e, lang));
            return console_page(&staff, lang, &headers, e).await;
        }
    };
    let (db, labs, user, now) = (
        staff.db.clone(),
        staff.labs.clone(),
        staff.user.clone(),
        staff.clock.now(),
    );
    let made = tokio::task::spawn_blocking(move || {
        classroom::create_and_launch(&db, &labs, &user, plan, now)
    })
    .await
    .map_err(|_| AppError::internal(lang))?;
    match made {
        Ok(c) => Ok(Redirect::to(&format!("/console/classes/{}", c.id)).into_response()),
        Err(e) => {
            let e = Refused::Class(f, class_error(e, lang));
            console_page(&staff, lang, &headers, e).await
        }
    }
}

// ---- the dashboard ----

#[derive(Serialize)]
struct DashboardPage {
    csrf: String,
    me: String,
    board: Dashboard,
    lab_titles: Vec<String>,
    join_url: String,
    /// The join URL as a QR code (SVG), for the room to scan from the instructor's screen.
    qr: String,
    modules: Vec<&'static str>,
    notice: Option<String>,
    /// The user runs the class (owner or admin); an assistant sees only the rescue controls.
    runs: bool,
    starts: String,
    ends: String,
    assistants: Vec<String>,
    /// Assistant accounts that could be added.
    assistant_choices: Vec<String>,
    /// 课后测试: the class's pre-test and post-test, summed up.
    tests: Vec<crate::evaluation::TestSummary>,
    /// 满意度调查, summed up.
    survey: Option<crate::evaluation::survey::SurveySummary>,
    /// 跟踪回访, summed up, and the pack's labs (id, title) to retain.
    follow_up: Option<crate::evaluation::follow_up::FollowUpSummary>,
    follow_up_labs: Vec<(String, String)>,
}

/// Where the room reaches the server, for links and QR codes: the public address `serve`
/// was given, or else the host the instructor reached it at.
pub(super) fn base_url(net: &crate::http::net::Net, headers: &HeaderMap) -> String {
    if let Some(u) = &net.public_url {
        return u.clone();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// A QR code of `text` as inline SVG (empty if the text cannot be encoded).
pub(super) fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// The dashboard, after ending the class if its end time has passed. Only that end is a
/// write; the dashboard itself is read, regrading only the seats that changed.
pub async fn board(staff: &Staff, lang: Lang, id: i64) -> Result<Dashboard, AppError> {
    let (user, now, boards) = (staff.user.clone(), staff.clock.now(), staff.boards.clone());
    let due = staff
        .db
        .run_read(move |s| Ok(!s.classes_due(now)?.is_empty()))
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    if due {
        class_work(staff, lang, move |s, _| classroom::end_due(s, now)).await?;
        crate::http::hand_in_ended(staff).await;
    }
    let labs = staff.labs.clone();
    staff
        .db
        .run_read(move |s| {
            Ok(classroom::class_for(s, &user, id)
                .and_then(|class| classroom::dashboard(s, &labs, &boards, class, now)))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?
        .map(|d| d.in_words(lang))
        .map_err(|e| super::class_error(e, lang))
}

pub(super) fn class_id(id: &str, lang: Lang) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::not_found(lang))
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    done: Option<String>,
}

/// A pack's labs as (id, title), for choosing one.
pub(super) fn pack_labs(
    lib: &crate::labs::Library,
    pack: &str,
    lang: Lang,
) -> Vec<(String, String)> {
    lib.pack(pack)
        .map(|p| p.labs.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|l| lib.lab(l))
        .map(|l| (l.id.clone(), l.title.get(lang).to_owned()))
        .collect()
}

/// The notice of `?done=<key>` after a control (`console.done.<key>`).
pub(super) fn done_notice(
    q: Result<Query<NoticeQuery>, QueryRejection>,
    lang: Lang,
) -> Option<String> {
    q.ok()
        .and_then(|Query(q)| q.done)
        .filter(|d| d.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|d| {
            Catalog::embedded()
                .text(lang, &format!("console.done.{d}"))
                .to_owned()
        })
}

pub async fn class_page(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let board = board(&staff, lang, id).await?;
    let join_url = format!(
        "{}/join/{}",
        base_url(&staff.net, &headers),
        board.class.join_code
    );
    let lab_titles = board
        .labs
        .iter()
        .map(|l| {
            staff
                .labs
                .lab(l)
                .map_or_else(|| l.clone(), |x| x.title.get(lang).to_owned())
        })
        .collect();
    let notice = done_notice(q, lang);
    let now = staff.clock.now();
    let (assistants, all_staff, (tests, survey, follow_up)) = staff
        .db
        .run_read(move |s| {
            let owner = crate::store::TestOwner::Class(id);
            let tests = crate::evaluation::summaries(s, owner, now)?;
            let survey = crate::evaluation::survey::summary(s, owner)?;
            let follow_up = crate::evaluation::follow_up::summary(s, owner)?;
            Ok((s.assistants(id)?, s.users()?, (tests, survey, follow_up)))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let follow_up_labs = pack_labs(&staff.labs, &board.class.pack_id, lang);
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console/classes",
        "console_class.html",
        DashboardPage {
            csrf,
            me: staff.user.display_name.clone(),
            runs: classroom::runs(&staff.user, &board.class),
            starts: board
                .class
                .starts_at
                .map(crate::domain::cst)
                .unwrap_or_default(),
            ends: board
                .class
                .ends_at
                .map(crate::domain::cst)
                .unwrap_or_default(),
            assistant_choices: all_staff
                .into_iter()
                .filter(|u| u.role == crate::store::UserRole::Assistant && !u.disabled)
                .filter(|u| !assistants.iter().any(|a| a.id == u.id))
                .map(|u| u.username)
                .collect(),
            assistants: assistants.into_iter().map(|u| u.username).collect(),
            qr: qr_svg(&join_url),
            join_url,
            board,
            lab_titles,
            modules: crate::labs::setup::MODULES.to_vec(),
            notice,
            tests,
            survey,
            follow_up,
            follow_up_labs,
        },
        set.into_iter().collect(),
    )
}

/// `GET /console/classes/{id}/events`: the dashboard as server-sent events, every two
/// seconds while the page is open.
pub async fn events(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, AppError> {
    let id = class_id(&id, lang)?;
    board(&staff, lang, id).await?; // refuses another instructor's class up front
    let stream = futures_util::stream::unfold((staff, true), move |(staff, first)| async move {
        if !first {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let data = match board(&staff, lang, id).await {
            Ok(b) => serde_json::to_string(&b).unwrap_or_default(),
            Err(_) => return None,
        };
        Some((
            Ok(Event::default().event("dashboard").data(data)),
            (staff, false),
        ))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[derive(Serialize)]
struct AttemptView {
    id: i64,
    title: String,
    mode: &'static str,
    started: String,
    finished: bool,
    hints: usize,
    feedback: Option<crate::http::lab_panel::Feedback>,
}

#[derive(Serialize)]
struct TraceView {
    at: String,
    action: String,
    result: String,
    detail: String,
}

#[derive(Serialize)]
struct SeatPage {
    csrf: String,
    me: String,
    class: ClassRecord,
    seat: crate::store::SeatRecord,
    /// The seat's PIN, for the instructor to read out or print.
    pin: Option<String>,
    locked: bool,
    attempts: Vec<AttemptView>,
    trace: Vec<TraceView>,
}

#[derive(Serialize)]
struct PinRow {
    seat_no: u32,
    name: String,
    student_no: String,
    joined: bool,
    pin: Option<String>,
    locked: bool,
}

#[derive(Serialize)]
struct PinsPage {
    class: ClassRecord,
    seats: Vec<PinRow>,
}

/// `GET /console/classes/{id}/pins`: every seat with its PIN, to print and hand out (or to
/// read one out to a trainee who forgot theirs).
pub async fn pins(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let user = staff.user.clone();
    let (class, seats) = class_read(&staff, lang, move |s| {
        let class = classroom::class_for(s, &user, id)?;
        Ok((class, s.seats(id)?))
    })
    .await?;
    let seats = seats
        .into_iter()
        .map(|st| PinRow {
            locked: st.pin_failures >= crate::store::SEAT_PIN_TRIES,
            seat_no: st.seat_no,
            name: st.name,
            student_no: st.student_no,
            joined: st.joined,
            pin: st.pin,
        })
        .collect();
    let mut res = render(
        lang,
        "/console/pins",
        "console_pins.html",
        PinsPage { class, seats },
        vec![],
    )?;
    no_store(&mut res);
    Ok(res)
}

/// `GET /console/classes/{id}/seats/{seat}`: read-only review of one trainee: every
/// attempt with its grade, and the trace of the latest one.
pub async fn seat_page(
    Path((id, seat)): Path<(String, u32)>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let user = staff.user.clone();
    let now = staff.clock.now();
    let (class, st, attempts, events, class_time) = class_read(&staff, lang, move |s| {
        let class = classroom::class_for(s, &user, id)?;
        let st = s
            .seats(id)?
            .into_iter()
            .find(|x| x.seat_no == seat)
            .ok_or(ClassError::NoSuchSeat)?;
        let attempts = s.attempts_of(st.trainee_id)?;
        let events = match attempts.first().and_then(|a| a.tenant) {
            Some(t) => s.tenant(t).trace_events()?,
            None => Vec::new(),
        };
        let class_time = s
            .class_sandbox_date(id)?
            .map_or_else(crate::domain::SandboxTime::unshifted, |d| {
                crate::domain::SandboxTime::new(d, now)
            });
        Ok((class, st, attempts, events, class_time))
    })
    .await?;
    let attempts = attempts
        .iter()
        .map(|a| {
            let lab = staff.labs.lab(&a.lab_id);
            AttemptView {
                id: a.id,
                title: lab.map_or_else(|| a.lab_id.clone(), |l| l.title.get(lang).to_owned()),
                mode: a.mode.as_str(),
                started: class_time.show(a.started_at),
                finished: a.finished_at.is_some(),
                hints: a.hints.len(),
                feedback: lab
                    .zip(crate::http::lab_panel::stored_grade(a))
                    .map(|(l, g)| crate::http::lab_panel::feedback(l, &g, lang)),
            }
        })
        .collect();
    let trace = events
        .into_iter()
        .rev()
        .map(|e| TraceView {
            at: e
                .sandbox_date
                .parse()
                .map_or(class_time, |d| crate::domain::SandboxTime::new(d, e.at))
                .show(e.at),
            action: e.action,
            result: e.result,
            detail: e.detail,
        })
        .collect();
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console/seat",
        "console_seat.html",
        SeatPage {
            csrf,
            me: staff.user.display_name.clone(),
            class,
            locked: st.pin_failures >= crate::store::SEAT_PIN_TRIES,
            pin: st.pin.clone(),
            seat: st,
            attempts,
            trace,
        },
        set.into_iter().collect(),
    )
    .map(|mut res| {
        no_store(&mut res);
        res
    })
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct AuditPage {
    csrf: String,
    me: String,
    class: ClassRecord,
    q: String,
    entries: Vec<classroom::audit::LogRow>,
}

pub async fn audit(
    Path(id): Path<String>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id = class_id(&id, lang)?;
    let q = q.map(|Query(q)| q.q).unwrap_or_default();
    let (user, query, now) = (staff.user.clone(), q.clone(), staff.clock.now());
    let (class, entries) = super::class_read(&staff, lang, move |s| {
        let class = classroom::class_for(s, &user, id)?;
        let entries = classroom::audit::class_log(s, &class, &query, lang, now)?;
        Ok((class, entries))
    })
    .await?;
    let (csrf, set) = csrf_token(&headers);
    render(
        lang,
        "/console/audit",
        "console_audit.html",
        AuditPage {
            csrf,
            me: staff.user.display_name.clone(),
            class,
            q,
            entries,
        },
        set.into_iter().collect(),
    )
}
