//! 办税人员授权 and 身份切换, including ids from another tenant.

use taxlab::store::CompanyId;

use crate::browser::{Visitor, location};
use crate::helpers::TestApp;
use crate::portal::{Login, logged_in};

pub(crate) struct Person {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) resident_id: String,
    pub(crate) mobile: String,
}

/// (company 0 USCC, company 1 USCC, company 1 id, legal rep of 0, clerk of both, legal rep of 1)
pub(crate) fn cast(app: &TestApp) -> (String, String, i64, Person, Person, Person) {
    app.db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let cs = scope.companies()?;
            let pick = |c: i64, role: &str| -> Result<Person, taxlab::store::StoreError> {
                let st = scope
                    .staff(CompanyId(c))?
                    .into_iter()
                    .find(|st| st.role.as_str() == role)
                    .unwrap();
                Ok(Person {
                    id: st.person.id,
                    name: st.person.value.name.clone(),
                    resident_id: st.person.value.resident_id.to_string(),
                    mobile: st.person.value.mobile.to_string(),
                })
            };
            Ok((
                cs[0].value.uscc.to_string(),
                cs[1].value.uscc.to_string(),
                cs[1].id,
                pick(cs[0].id, "legal_representative")?,
                pick(cs[0].id, "tax_clerk")?,
                pick(cs[1].id, "legal_representative")?,
            ))
        })
        .unwrap()
}

/// Through the whole first login (the portal tests' helper), as this person.
async fn login<'a>(app: &'a TestApp, uscc: &str, p: &Person) -> Visitor<'a> {
    let who = Login {
        uscc: uscc.to_owned(),
        mobile: p.mobile.clone(),
        resident_id: p.resident_id.clone(),
    };
    logged_in(app, &who).await
}

#[tokio::test]
async fn the_legal_representative_authorises_and_revokes_a_clerk() {
    let app = TestApp::spawn().await;
    let (uscc0, _, _, boss, clerk, outsider) = cast(&app);

    // a clerk cannot authorise
    let mut c = login(&app, &uscc0, &clerk).await;
    let page = c.get_text("/portal/staff").await;
    assert!(page.contains("只有法定代表人或财务负责人可以进行办税人员授权"));
    let page = c
        .post(
            "/portal/staff/grant",
            &[
                ("resident_id", &outsider.resident_id),
                ("name", &outsider.name),
                ("role", "tax_clerk"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("只有法定代表人或财务负责人"));

    // the outsider cannot log in to company 0 yet
    let mut o = Visitor::new(&app);
    o.get("/portal/login").await;
    let page = o
        .post(
            "/portal/login",
            &[
                ("company", &uscc0),
                ("account", &outsider.mobile),
                ("password", "Etax@2026"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("尚未获得该企业的办税授权"));

    let mut b = login(&app, &uscc0, &boss).await;
    let page = b
        .post(
            "/portal/staff/grant",
            &[
                ("resident_id", &outsider.resident_id),
                ("name", "某某某"),
                ("role", "tax_clerk"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("未找到该身份证号码与姓名"),
        "name and ID must match"
    );
    let page = b
        .post(
            "/portal/staff/grant",
            &[
                ("resident_id", &outsider.resident_id),
                ("name", &outsider.name),
                ("role", "tax_clerk"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("授权成功"));
    // the success is told beside the form that was sent, as a status
    assert!(
        in_section(&page, "staff-grant", "role=\"status\">授权成功"),
        "{page}"
    );
    let page = b.get_text("/portal/staff").await;
    assert!(page.contains(&format!(
        "{}***********{}",
        &outsider.resident_id[..3],
        &outsider.resident_id[14..]
    )));

    let res = o
        .post(
            "/portal/login",
            &[
                ("company", &uscc0),
                ("account", &outsider.mobile),
                ("password", "Etax@2026"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/portal/login/sms", "authorised now");

    let page = b
        .post(
            "/portal/staff/revoke",
            &[
                ("person_id", &outsider.id.to_string()),
                ("role", "tax_clerk"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        in_section(&page, "staff-list", "role=\"status\">已解除授权"),
        "{page}"
    );
    let page = b
        .post(
            "/portal/staff/revoke",
            &[
                ("person_id", &boss.id.to_string()),
                ("role", "legal_representative"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("不能对本人进行授权或解除授权"));
}

#[tokio::test]
async fn a_clerk_of_two_companies_switches_identity_but_never_into_another_tenant() {
    let app = TestApp::spawn().await;
    let (uscc0, _, company1, _, clerk, _) = cast(&app);
    // another tenant in the same database, with its own companies and people
    let (other_company, other_person) = app
        .db
        .write(|s| {
            let t = taxlab::synth::Tables::embedded();
            let data = taxlab::synth::generate(&taxlab::synth::TenantSpec {
                class_seed: 77,
                seat: 1,
                sandbox_date: taxlab::seed::default_sandbox_date(),
                presets: vec![t.preset("general-manufacturing").unwrap()],
            })
            .unwrap();
            let id = s.insert_tenant(&data)?;
            let c = s.tenant(id).companies()?.remove(0);
            let p = s.tenant(id).staff(CompanyId(c.id))?.remove(0);
            Ok((c.id, p.person.id))
        })
        .unwrap();

    let mut v = login(&app, &uscc0, &clerk).await;
    let page = v.get_text("/portal/staff").await;
    assert!(page.contains("身份切换") && page.contains("切换到此企业"));
    let res = v
        .post("/portal/switch", &[("company_id", &company1.to_string())])
        .await;
    assert_eq!(location(&res), "/portal");
    let company1_name = app
        .db
        .read(|s| Ok(s.tenant(app.demo).company(CompanyId(company1))?.value.name))
        .unwrap();
    assert!(v.get_text("/portal").await.contains(&company1_name));

    // ids from the other tenant are refused, whatever the form says
    let page = v
        .post(
            "/portal/switch",
            &[("company_id", &other_company.to_string())],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("未获得该企业的办税授权"));
    let trace = app.db.read(|s| s.tenant(app.demo).trace_events()).unwrap();
    assert!(
        trace
            .iter()
            .any(|e| e.action == "identity.switch" && e.result == "not_your_company")
    );
    let _ = other_person;
}

#[tokio::test]
async fn a_manager_cannot_reach_into_another_tenant_by_id() {
    let app = TestApp::spawn().await;
    let (uscc0, _, _, boss, _, _) = cast(&app);
    let (other_tenant, other_company, other) = app
        .db
        .write(|s| {
            let t = taxlab::synth::Tables::embedded();
            let data = taxlab::synth::generate(&taxlab::synth::TenantSpec {
                class_seed: 78,
                seat: 1,
                sandbox_date: taxlab::seed::default_sandbox_date(),
                presets: vec![t.preset("general-manufacturing").unwrap()],
            })
            .unwrap();
            let id = s.insert_tenant(&data)?;
            let c = s.tenant(id).companies()?.remove(0);
            let clerk = s
                .tenant(id)
                .staff(CompanyId(c.id))?
                .into_iter()
                .find(|st| st.role.as_str() == "tax_clerk")
                .unwrap();
            Ok((id, c.id, clerk.person))
        })
        .unwrap();
    let before = app.db.read(|s| s.tenant(other_tenant).dump()).unwrap();

    let mut b = login(&app, &uscc0, &boss).await;
    // revoke the other tenant's clerk by id: not a person of this tenant's company
    let page = b
        .post(
            "/portal/staff/revoke",
            &[("person_id", &other.id.to_string()), ("role", "tax_clerk")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("该人员没有此身份"));
    // grant by the other tenant's ID and name: no such person here
    let page = b
        .post(
            "/portal/staff/grant",
            &[
                ("resident_id", other.value.resident_id.as_str()),
                ("name", &other.value.name),
                ("role", "tax_clerk"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("未找到该身份证号码与姓名"));
    let page = b
        .post(
            "/portal/switch",
            &[("company_id", &other_company.to_string())],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("未获得该企业的办税授权"));
    let after = app.db.read(|s| s.tenant(other_tenant).dump()).unwrap();
    assert_eq!(before, after, "the other tenant is untouched");
}

#[tokio::test]
async fn only_the_legal_representative_handles_managers_and_nobody_their_own_roles() {
    let app = TestApp::spawn().await;
    let (uscc0, _, _, boss, clerk, outsider) = cast(&app);
    let finance = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let c = scope.companies()?.remove(0);
            let st = scope
                .staff(CompanyId(c.id))?
                .into_iter()
                .find(|st| st.role.as_str() == "finance_manager")
                .unwrap();
            Ok(Person {
                id: st.person.id,
                name: st.person.value.name.clone(),
                resident_id: st.person.value.resident_id.to_string(),
                mobile: st.person.value.mobile.to_string(),
            })
        })
        .unwrap();
    let mut f = login(&app, &uscc0, &finance).await;
    let grant = |p: &Person, role: &'static str| {
        [
            ("resident_id", p.resident_id.clone()),
            ("name", p.name.clone()),
            ("role", role.to_owned()),
        ]
    };
    let page = text(
        &mut f,
        "/portal/staff/grant",
        &grant(&outsider, "finance_manager"),
    )
    .await;
    assert!(page.contains("只有法定代表人可以授权或解除财务负责人"));
    let page = text(&mut f, "/portal/staff/grant", &grant(&finance, "tax_clerk")).await;
    assert!(
        page.contains("不能对本人进行授权或解除授权"),
        "no grants to oneself"
    );
    let page = text(
        &mut f,
        "/portal/staff/revoke",
        &[
            ("person_id", boss.id.to_string()),
            ("role", "legal_representative".into()),
        ],
    )
    .await;
    assert!(page.contains("只有法定代表人可以授权或解除财务负责人"));
    // the finance manager may authorise a clerk
    let page = text(
        &mut f,
        "/portal/staff/grant",
        &grant(&outsider, "tax_clerk"),
    )
    .await;
    assert!(page.contains("授权成功"));

    // a revoked clerk's open login ends at the next request
    let mut c = login(&app, &uscc0, &clerk).await;
    assert_eq!(c.get("/portal").await.status(), 200);
    let page = text(
        &mut f,
        "/portal/staff/revoke",
        &[
            ("person_id", clerk.id.to_string()),
            ("role", "tax_clerk".into()),
        ],
    )
    .await;
    assert!(page.contains("已解除授权"));
    assert_eq!(
        location(&c.get("/portal").await),
        "/portal/login?notice=login"
    );
}

async fn text(v: &mut Visitor<'_>, path: &str, fields: &[(&str, String)]) -> String {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, x)| (*k, x.as_str())).collect();
    v.post(path, &refs).await.text().await.unwrap()
}

/// `needle` is inside the `<section id=…>` of the page.
fn in_section(page: &str, id: &str, needle: &str) -> bool {
    page.split_once(&format!("id=\"{id}\""))
        .and_then(|(_, rest)| rest.split_once("</section>"))
        .is_some_and(|(section, _)| section.contains(needle))
}
