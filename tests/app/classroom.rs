//! A class from launch to end: the instructor's console, trainees joining, isolation,
//! rescuing one, faults for one and for all, a broadcast, the live dashboard, the audit log.

use crate::browser::{Visitor, location};
use crate::helpers::TestApp;

/// An instructor account, signed in to the console.
pub(crate) async fn instructor<'a>(app: &'a TestApp, username: &str) -> Visitor<'a> {
    let hash = taxlab_hash("Teach#2026ok");
    app.db
        .write(|s| {
            s.create_user(
                username,
                "王老师",
                taxlab::store::UserRole::Instructor,
                &hash,
                chrono::Utc::now(),
            )
        })
        .unwrap();
    let mut v = Visitor::outsider(app);
    v.get("/console/login").await;
    let res = v
        .post(
            "/console/login",
            &[("username", username), ("password", "Teach#2026ok")],
        )
        .await;
    assert_eq!(location(&res), "/console");
    v
}

pub(crate) fn taxlab_hash(p: &str) -> String {
    use argon2::PasswordHasher;
    let salt = argon2::password_hash::SaltString::encode_b64(b"classroom-test!!").unwrap();
    argon2::Argon2::default()
        .hash_password(p.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

/// A trainee joining from their own browser for the first time: the seat's PIN is shown.
async fn join<'a>(app: &'a TestApp, code: &str, who: &str) -> Visitor<'a> {
    join_pin(app, code, who).await.0
}

/// [`join`], with the seat PIN the page showed.
pub(crate) async fn join_pin<'a>(app: &'a TestApp, code: &str, who: &str) -> (Visitor<'a>, String) {
    let mut v = Visitor::outsider(app);
    v.get(&format!("/join/{code}")).await;
    let res = v.post("/join", &[("code", code), ("who", who)]).await;
    assert_eq!(res.status(), 200, "{who} joins");
    let page = res.text().await.unwrap();
    let pin = page
        .split("id=\"seat-pin\">")
        .nth(1)
        .and_then(|rest| rest.get(..4))
        .unwrap_or_else(|| panic!("{who} is shown a seat PIN: {page}"))
        .to_owned();
    assert!(pin.chars().all(|c| c.is_ascii_digit()), "{pin}");
    (v, pin)
}

/// A trainee rejoining their seat from another browser with its PIN.
async fn rejoin<'a>(app: &'a TestApp, code: &str, who: &str, pin: &str) -> Visitor<'a> {
    let mut v = Visitor::outsider(app);
    v.get(&format!("/join/{code}")).await;
    let res = v
        .post("/join", &[("code", code), ("who", who), ("pin", pin)])
        .await;
    assert_eq!(location(&res), "/lab", "{who} rejoins");
    v
}

fn seat_tenant(app: &TestApp, class: i64, seat: u32) -> (i64, taxlab::store::TenantId) {
    app.db
        .read(|s| {
            let st = s
                .seats(class)?
                .into_iter()
                .find(|x| x.seat_no == seat)
                .unwrap();
            let t = s.trainee(st.trainee_id)?;
            Ok((t.attempt.unwrap_or_default(), t.tenant))
        })
        .unwrap()
}

/// The next dashboard event of an SSE response.
async fn next_event(res: &mut reqwest::Response) -> serde_json::Value {
    let mut buf = String::new();
    loop {
        let chunk = res.chunk().await.unwrap().expect("the stream goes on");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(start) = buf.find("event: dashboard\ndata: ") {
            let rest = &buf[start + "event: dashboard\ndata: ".len()..];
            if let Some(end) = rest.find("\n\n") {
                return serde_json::from_str(&rest[..end]).unwrap();
            }
        }
    }
}

#[tokio::test]
async fn a_class_from_launch_to_end() {
    let app = TestApp::spawn().await;
    let mut teacher = instructor(&app, "wang").await;
    let res = teacher
        .post(
            "/console/classes",
            &[
                ("name", "税务实训一班"),
                ("pack", "etax-basics"),
                ("seats", "3"),
                ("roster", ""),
                ("seed", "7"),
            ],
        )
        .await;
    let url = location(&res);
    let class: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    let page = teacher.get_text(&url).await;
    let code = app.db.read(|s| s.class(class)).unwrap().join_code;
    assert!(page.contains(&code) && page.contains("已为 3 个座位各生成独立租户"));
    assert!(page.contains("<svg"), "the join link as a QR code");
    assert!(page.contains("已加入 0 人（共 3 个座位）"), "{page}");

    // bad input is refused at its field, nothing created
    let page = teacher
        .post(
            "/console/classes",
            &[("name", "x"), ("pack", "etax-basics"), ("seats", "0")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("座位数须为 1 到 1000 之间的整数"));

    // three trainees join and land in the pack's first lab, each in a tenant of their own
    let mut a = join(&app, &code, "张三").await;
    let mut b = join(&app, &code, "李四").await;
    let (c, c_pin) = join_pin(&app, &code.to_lowercase(), "王五").await;
    assert!(a.get_text("/lab").await.contains("账号登录与设置"));
    let (a_attempt, a_tenant) = seat_tenant(&app, class, 1);
    let (b_attempt, b_tenant) = seat_tenant(&app, class, 2);
    assert_ne!(a_tenant, b_tenant);
    // nobody reaches another's attempt, and a trainee is no instructor
    assert_eq!(
        b.get(&format!("/lab/attempts/{a_attempt}")).await.status(),
        404
    );
    assert_eq!(location(&a.get("/console").await), "/console/login");
    assert_eq!(
        location(&a.get(&format!("/console/classes/{class}")).await),
        "/console/login"
    );
    // a fourth has no seat; a lost trainee gets theirs back
    let mut d = Visitor::outsider(&app);
    d.get("/join").await;
    let page = d
        .post("/join", &[("code", &code), ("who", "赵六")])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("课堂座位已满"));
    let before = seat_tenant(&app, class, 3);
    drop(c);
    let c = rejoin(&app, &code, "王五", &c_pin).await;
    assert!(c.has_cookie("taxlab_sandbox"));
    assert_eq!(
        seat_tenant(&app, class, 3),
        before,
        "the same seat, lab and tenant"
    );

    // the live dashboard: a trainee's action shows up in the next event
    let mut stream = teacher_stream(&app, &teacher, class).await;
    let first = next_event(&mut stream).await;
    assert_eq!(first["joined"], 3);
    a.get("/portal/login").await;
    let m = materials(&app, class, 1);
    a.post(
        "/portal/login",
        &[
            ("company", &m.0),
            ("account", &m.1),
            ("password", "Etax@2026"),
        ],
    )
    .await;
    let next = next_event(&mut stream).await;
    // the last action in words, and as the trace has it for scripts
    assert_eq!(next["seats"][0]["last_action"], "账号密码验证");
    assert_eq!(next["seats"][0]["last_event"]["action"], "login.password");
    assert_eq!(next["seats"][0]["last_event"]["result"], "ok");
    // a failure says what failed, in words
    let b_m = materials(&app, class, 2);
    b.get("/portal/login").await;
    b.post(
        "/portal/login",
        &[
            ("company", &b_m.0),
            ("account", &b_m.1),
            ("password", "Wrong@2026"),
        ],
    )
    .await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let next = next_event(&mut stream).await;
        seen.push(next["seats"][1]["last_action"].clone());
        if next["seats"][1]["last_action"] == "账号密码验证：密码错误" {
            break;
        }
    }
    assert_eq!(seen.last().unwrap(), "账号密码验证：密码错误", "{seen:?}");
    drop(stream);
    // the read-only review of a seat shows that attempt and its trace
    let review = teacher
        .get_text(&format!("/console/classes/{class}/seats/1"))
        .await;
    assert!(
        review.contains("账号登录与设置") && review.contains("login.password"),
        "{review}"
    );
    assert_eq!(
        b.get(&format!("/console/classes/{class}/seats/1"))
            .await
            .status(),
        303,
        "a trainee is sent to the console sign-in"
    );

    // rescue A: a fresh attempt for A, B untouched
    let res = teacher
        .post(&format!("/console/classes/{class}/seats/1/reset"), &[])
        .await;
    assert_eq!(
        location(&res),
        format!("/console/classes/{class}?done=reset")
    );
    let (a_again, a_tenant2) = seat_tenant(&app, class, 1);
    assert_ne!(a_again, a_attempt);
    assert_ne!(a_tenant2, a_tenant);
    assert_eq!(seat_tenant(&app, class, 2), (b_attempt, b_tenant));

    // a fault for B only, then for everyone
    teacher
        .post(
            &format!("/console/classes/{class}/faults"),
            &[
                ("kind", "maintenance"),
                ("module", "account"),
                ("minutes", "10"),
                ("seat", "2"),
            ],
        )
        .await;
    assert_eq!(b.get("/portal/account").await.status(), 503);
    assert_ne!(a.get("/portal/account").await.status(), 503);
    // the dashboard lists the fault for the class and at its seat, with a clear button
    let board = teacher.get_text(&format!("/console/classes/{class}")).await;
    assert!(
        board.contains("id=\"active-faults\"") && board.contains("2 号座位"),
        "{board}"
    );
    assert!(board.contains(&format!("/console/classes/{class}/seats/2/faults-clear")));
    assert!(!board.contains(&format!("/console/classes/{class}/seats/1/faults-clear")));
    teacher
        .post(
            &format!("/console/classes/{class}/seats/2/faults-clear"),
            &[],
        )
        .await;
    assert_ne!(
        b.get("/portal/account").await.status(),
        503,
        "cleared at its seat"
    );
    let board = teacher.get_text(&format!("/console/classes/{class}")).await;
    assert!(!board.contains("id=\"active-faults\""));
    teacher
        .post(
            &format!("/console/classes/{class}/faults"),
            &[
                ("kind", "maintenance"),
                ("module", "account"),
                ("minutes", "10"),
                ("seat", ""),
            ],
        )
        .await;
    assert_eq!(a.get("/portal/account").await.status(), 503);
    teacher
        .post(&format!("/console/classes/{class}/faults-clear"), &[])
        .await;
    assert_ne!(b.get("/portal/account").await.status(), 503);

    // a broadcast reaches every page and phone
    teacher
        .post(
            &format!("/console/classes/{class}/broadcast"),
            &[("text", "请大家先完成第一步")],
        )
        .await;
    let page = b.get_text("/portal/login").await;
    assert!(page.contains("课堂通知") && page.contains("请大家先完成第一步"));
    assert!(
        page.contains("【课堂通知】请大家先完成第一步"),
        "on the phone"
    );

    // another instructor does not see this class
    let other = instructor(&app, "li").await;
    let mut other = other;
    assert_eq!(
        other
            .get(&format!("/console/classes/{class}"))
            .await
            .status(),
        404
    );

    // 举手: B asks for help, the dashboard shows it until handled
    let res = b.post("/lab/hand", &[("back", "/portal/login")]).await;
    assert_eq!(location(&res), "/portal/login");
    // the trainee's pages say the hand is up (no second hand to raise)
    let mine = b.get_text("/portal/login").await;
    assert!(mine.contains("已举手，请等待老师") && !mine.contains("action=\"/lab/hand\""));
    let page = teacher.get_text(&format!("/console/classes/{class}")).await;
    assert!(page.contains("1 位学员举手求助") && page.contains("class=\"hand-up\""));
    teacher
        .post(&format!("/console/classes/{class}/seats/2/hand"), &[])
        .await;
    let page = teacher.get_text(&format!("/console/classes/{class}")).await;
    assert!(!page.contains("位学员举手求助"));
    // answered: the hand is down and can be raised again
    let mine = b.get_text("/portal/login").await;
    assert!(!mine.contains("已举手") && mine.contains("action=\"/lab/hand\""));

    // the class's sandbox date moves forward ten days, for everyone
    teacher
        .post(
            &format!("/console/classes/{class}/clock"),
            &[("minutes", "10")],
        )
        .await;
    assert!(
        b.get_text("/portal/login")
            .await
            .contains("沙箱时间（北京时间）：2026-10-22")
    );
    assert!(
        a.get_text("/lab")
            .await
            .contains("沙箱时间（北京时间）：2026-10-22")
    );

    // pause: every trainee waits; resume: back to work
    teacher
        .post(&format!("/console/classes/{class}/pause"), &[])
        .await;
    let res = b.get("/portal/login").await;
    assert_eq!(res.status(), 503);
    let page = res.text().await.unwrap();
    assert!(page.contains("老师已暂停课堂") && page.contains("<h1>课堂已暂停</h1>"));
    // the waiting page comes back by itself to where the trainee was
    assert!(
        page.contains(r#"<meta http-equiv="refresh" content="10; url=&#x2f;portal&#x2f;login">"#),
        "{page}"
    );
    teacher
        .post(&format!("/console/classes/{class}/resume"), &[])
        .await;
    assert_eq!(b.get("/portal/login").await.status(), 200);

    // regrade after a lab fix
    let res = teacher
        .post(&format!("/console/classes/{class}/regrade"), &[])
        .await;
    assert_eq!(
        location(&res),
        format!("/console/classes/{class}?done=regraded")
    );

    // end: every lab still running is handed in and graded; trainees see their results
    // wherever they are, the API says the class is over, nobody can join again
    let running = |app: &TestApp| {
        app.db
            .read(|s| {
                let mut open = 0;
                for st in s.seats(class)? {
                    open += s
                        .attempts_of(st.trainee_id)?
                        .iter()
                        .filter(|a| a.finished_at.is_none())
                        .count();
                }
                Ok(open)
            })
            .unwrap()
    };
    assert!(running(&app) > 0, "labs are in progress before the end");
    let res = teacher
        .post(&format!("/console/classes/{class}/end"), &[])
        .await;
    assert_eq!(
        location(&res),
        format!("/console/classes/{class}?done=ended")
    );
    assert_eq!(running(&app), 0, "ending the class hands every attempt in");
    let graded = app
        .db
        .read(|s| {
            let st = s
                .seats(class)?
                .into_iter()
                .find(|x| x.seat_no == 1)
                .unwrap();
            s.attempts_of(st.trainee_id)
        })
        .unwrap();
    assert!(
        graded
            .iter()
            .all(|a| a.grade.is_some() && a.score.is_some()),
        "{graded:?}"
    );
    assert_eq!(location(&a.get("/lab").await), "/class/ended");
    assert_eq!(location(&a.get("/").await), "/class/ended");
    let page = a.get_text("/class/ended").await;
    assert!(
        page.contains("<h1>课堂已结束</h1>") && page.contains("id=\"ended-results\""),
        "{page}"
    );
    let res = a.get("/api/v1/workbench").await;
    assert_eq!(res.status(), 410);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "class_ended");
    let mut e = Visitor::outsider(&app);
    e.get("/join").await;
    let page = e
        .post("/join", &[("code", &code), ("who", "张三")])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("该课堂已结束"));

    // everything the instructor and the trainees did is in the audit log
    let log = teacher
        .get_text(&format!("/console/classes/{class}/audit"))
        .await;
    for action in [
        "class.create",
        "class.launch",
        "class.join",
        "class.rejoin",
        "class.reset",
        "class.fault",
        "class.fault_clear",
        "class.broadcast",
        "class.regrade",
        "class.hand",
        "class.hand_done",
        "class.clock",
        "class.pause",
        "class.resume",
        "class.end",
    ] {
        assert!(log.contains(action), "{action} missing from the audit log");
    }
    let found = teacher
        .get_text(&format!("/console/classes/{class}/audit?q=rejoin"))
        .await;
    assert!(found.contains("class.rejoin") && !found.contains("class.broadcast"));
    // the trainees' portal actions are in it too, with the address they came from
    let found = teacher
        .get_text(&format!("/console/classes/{class}/audit?q=login.password"))
        .await;
    assert!(
        found.contains("电子税务局")
            && found.contains("login.password")
            && found.contains("127.0.0.1")
    );
    // people by name, in Beijing time; a trainee's name finds every action of theirs
    assert!(
        found.contains("账号密码验证") && found.contains("张三（1 号座位）"),
        "{found}"
    );
    assert!(log.contains("时间（北京时间）"));
    let zhang = teacher
        .get_text(&format!("/console/classes/{class}/audit?q=张三"))
        .await;
    let rows = zhang.matches("<tr>").count() - 1;
    assert!(rows >= 3, "{zhang}");
    assert!(
        zhang.contains("class.join") && zhang.contains("login.password"),
        "the join and the bureau actions: {zhang}"
    );
    assert!(!zhang.contains("李四（"), "only 张三's: {zhang}");
}

async fn teacher_stream(app: &TestApp, teacher: &Visitor<'_>, class: i64) -> reqwest::Response {
    let res = app
        .client
        .get(app.url(&format!("/console/classes/{class}/events")))
        .header(
            "cookie",
            format!("taxlab_staff={}", teacher.cookie("taxlab_staff").unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    res
}

/// The company code and the mobile of the person a seat's lab has the trainee play.
fn materials(app: &TestApp, class: i64, seat: u32) -> (String, String) {
    let (attempt, _) = seat_tenant(app, class, seat);
    app.db
        .read(|s| {
            let st = s
                .seats(class)?
                .into_iter()
                .find(|x| x.seat_no == seat)
                .unwrap();
            let a = s.attempt_of(st.trainee_id, attempt)?;
            let m = taxlab::labs::run::materials(&a)?;
            Ok((m.values["uscc"].clone(), m.values["me.mobile"].clone()))
        })
        .unwrap()
}

#[tokio::test]
async fn only_an_admin_manages_staff_accounts() {
    let app = TestApp::spawn().await;
    let hash = taxlab_hash("Admin#2026ok");
    app.db
        .write(|s| {
            s.create_user(
                "root",
                "管理员",
                taxlab::store::UserRole::Admin,
                &hash,
                chrono::Utc::now(),
            )
        })
        .unwrap();
    let mut admin = Visitor::outsider(&app);
    admin.get("/console/login").await;
    admin
        .post(
            "/console/login",
            &[("username", "root"), ("password", "Admin#2026ok")],
        )
        .await;
    let page = admin
        .post(
            "/console/users",
            &[
                ("username", "zhou"),
                ("display_name", "周老师"),
                ("role", "instructor"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已添加账号 zhou"), "{page}");
    let at = page.find("<code>").unwrap() + "<code>".len();
    let password = page[at..at + 16].to_owned();
    let page = admin
        .post(
            "/console/users",
            &[("username", "zhou"), ("role", "instructor")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("用户名 zhou 已存在"));
    let page = admin
        .post(
            "/console/users",
            &[("username", "a b"), ("role", "instructor")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("用户名只能包含字母"));

    // the new instructor signs in with that password, and may not manage accounts
    let mut zhou = Visitor::outsider(&app);
    zhou.get("/console/login").await;
    let res = zhou
        .post(
            "/console/login",
            &[("username", "zhou"), ("password", &password)],
        )
        .await;
    assert_eq!(location(&res), "/console");
    assert_eq!(zhou.get("/console/users").await.status(), 403);
    let res = zhou
        .post("/console/users", &[("username", "x"), ("role", "admin")])
        .await;
    assert_eq!(res.status(), 403);
    // a wrong password is refused and audited
    let mut bad = Visitor::outsider(&app);
    bad.get("/console/login").await;
    let res = bad
        .post(
            "/console/login",
            &[("username", "zhou"), ("password", "guess")],
        )
        .await;
    assert_eq!(res.status(), 401);
}
