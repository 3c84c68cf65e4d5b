#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use super::*;
use crate::synth::{self, Tables, TenantSpec};

fn tenant(seed: u64, seat: u32) -> synth::TenantData {
    let t = Tables::embedded();
    synth::generate(&TenantSpec {
        class_seed: seed,
        seat,
        sandbox_date: NaiveDate::from_ymd_opt(2026, 10, 12).unwrap(),
        presets: vec![
            t.preset("small-scale-trading-above-threshold").unwrap(),
            t.preset("general-services").unwrap(),
        ],
    })
    .unwrap()
}

fn temp_db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("t.db")).unwrap();
    (dir, db)
}

#[test]
fn tenant_a_cannot_see_tenant_b() {
    let (_dir, db) = temp_db();
    let (a, b) = db
        .write(|s| {
            Ok((
                s.insert_tenant(&tenant(1, 1))?,
                s.insert_tenant(&tenant(1, 2))?,
            ))
        })
        .unwrap();
    db.read(|s| {
        let a_companies = s.tenant(a).companies()?;
        let b_companies = s.tenant(b).companies()?;
        assert_eq!(a_companies.len(), 2);
        assert!(
            a_companies
                .iter()
                .all(|c| b_companies.iter().all(|d| d.id != c.id))
        );
        for other in &b_companies {
            let id = CompanyId(other.id);
            assert!(matches!(s.tenant(a).company(id), Err(StoreError::NotFound)));
            assert!(s.tenant(a).staff(id)?.is_empty());
            assert!(s.tenant(a).filings(id)?.is_empty());
            assert!(s.tenant(a).payments(id)?.is_empty());
            assert!(s.tenant(a).ledger(id)?.is_empty());
            assert!(s.tenant(a).credit_events(id)?.is_empty());
            let all = (
                NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
            );
            assert!(!s.tenant(b).invoices(id, all.0, all.1)?.is_empty());
            assert!(s.tenant(a).invoices(id, all.0, all.1)?.is_empty());
            assert!(matches!(
                s.tenant(a).bank_account(id),
                Err(StoreError::NotFound)
            ));
            // and B itself sees its own
            assert!(!s.tenant(b).filings(id)?.is_empty());
        }
        Ok(())
    })
    .unwrap();
}

#[test]
fn same_seed_gives_identical_rows() {
    let (_d1, db1) = temp_db();
    let (_d2, db2) = temp_db();
    let dump = |db: &Db| {
        let id = db.write(|s| s.insert_tenant(&tenant(9, 4))).unwrap();
        db.read(|s| s.tenant(id).dump()).unwrap()
    };
    let (a, b) = (dump(&db1), dump(&db2));
    assert!(a.lines().count() > 100);
    assert_eq!(a, b);
}

#[test]
fn reads_back_what_was_written() {
    let (_dir, db) = temp_db();
    let data = tenant(3, 7);
    let id = db.write(|s| s.insert_tenant(&data)).unwrap();
    db.read(|s| {
        let scope = s.tenant(id);
        assert_eq!(scope.record()?.label, data.label);
        let companies = scope.companies()?;
        for (stored, generated) in companies.iter().zip(&data.companies) {
            let cid = CompanyId(stored.id);
            assert_eq!(stored.value, generated.company);
            assert_eq!(scope.ledger(cid)?, generated.ledger);
            assert_eq!(scope.bank_account(cid)?.value, generated.bank);
            let invoices = scope.invoices(
                cid,
                NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
            )?;
            assert_eq!(invoices[0].value, generated.invoices[0]);
            assert_eq!(invoices.len(), generated.invoices.len());
            assert_eq!(scope.filings(cid)?.len(), generated.filings.len());
            let payments = scope.payments(cid)?;
            assert_eq!(payments.len(), generated.payments.len());
            // each payment points at its own filing (ids assigned by multi-row inserts)
            let filings = scope.filings(cid)?;
            for p in &payments {
                let f = filings
                    .iter()
                    .find(|f| f.id == p.filing_id)
                    .expect("filing of payment");
                assert_eq!(f.value.deadline, p.due_on);
            }
            assert_eq!(scope.staff(cid)?.len(), 3);
        }
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_seat_seeded_twice_is_a_conflict() {
    let (_dir, db) = temp_db();
    db.write(|s| s.insert_tenant(&tenant(1, 1))).unwrap();
    let err = db.write(|s| s.insert_tenant(&tenant(1, 1))).unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("s1-1")),
        "{err}"
    );
    // the failed transaction left the first tenant intact
    assert_eq!(db.read(|s| s.tenants()).unwrap().len(), 1);
}

#[test]
fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    // A database a newer taxlab wrote, made directly: a pool's connections close on
    // background threads and could still touch the file while we compare its bytes.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .unwrap();
    conn.execute_batch("CREATE TABLE tenants (id INTEGER PRIMARY KEY);")
        .unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION as i64 + 1)
        .unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    let err = Db::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
    assert!(err.to_string().contains("upgrade taxlab"));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file must not be rewritten"
    );
}

#[test]
fn refuses_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.db");
    let junk = b"this is not sqlite, just some bytes that happen to be here ....".repeat(100);
    std::fs::write(&path, &junk).unwrap();
    let err = Db::open(&path).err().unwrap();
    assert!(
        matches!(
            err,
            StoreError::NotTaxlab { .. } | StoreError::Corrupt { .. }
        ),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), junk);
}

#[test]
fn refuses_someone_elses_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(Db::open(&path), Err(StoreError::NotTaxlab { .. })));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file must not be rewritten"
    );
}

#[test]
fn reopening_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let db = Db::open(&path).unwrap();
    db.write(|s| s.insert_tenant(&tenant(2, 2))).unwrap();
    drop(db);
    let db = Db::open(&path).unwrap();
    assert_eq!(
        db.read(|s| s.schema_version()).unwrap(),
        SCHEMA_VERSION as i64
    );
    assert_eq!(db.read(|s| s.tenants()).unwrap().len(), 1);
}

#[test]
fn upgrading_a_classroom_database_keeps_its_trainees_seats_and_attempts() {
    // a file at schema 5 (before courses rebuilt the trainees table), with a class in it
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        Migrations::from_slice(&MIGRATIONS[..5])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO tenants (id, label, class_seed, seat, sandbox_date) VALUES (1, 'c1-1', 7, 1, '2026-10-12');
             INSERT INTO trainees (id, tenant_id, name, kind, created_at) VALUES (1, 1, '张三', 'class', '2026-11-01T00:00:00Z');
             INSERT INTO users (id, username, display_name, role, password_hash, created_at) VALUES (1, 't', 'T', 'instructor', 'x', '2026-11-01T00:00:00Z');
             INSERT INTO classes (id, name, pack_id, class_seed, seats, join_code, owner_id, state, created_at) VALUES (1, '一班', 'p', 7, 1, 'ABCDEF', 1, 'running', '2026-11-01T00:00:00Z');
             INSERT INTO seats (class_id, seat_no, name, trainee_id, joined_at) VALUES (1, 1, '张三', 1, '2026-11-01T00:05:00Z');
             INSERT INTO attempts (id, trainee_id, lab_id, lab_digest, mode, started_at) VALUES (1, 1, 'l', 'd', 'practice', '2026-11-01T00:00:00Z');
             UPDATE trainees SET current_attempt = 1 WHERE id = 1;",
        )
        .unwrap();
    }
    let db = Db::open(&path).unwrap();
    db.read(|s| {
        let t = s.trainee(1)?;
        assert_eq!((t.name.as_str(), t.kind), ("张三", TraineeKind::Class));
        assert_eq!(s.seats(1)?.len(), 1, "seats survive the rebuild");
        // a seat taken before seat PINs gets one: typing its name alone no longer takes it
        let pin = s.seats(1)?[0].pin.clone().expect("a PIN");
        assert!(
            pin.len() == 4 && pin.chars().all(|c| c.is_ascii_digit()),
            "{pin}"
        );
        assert_eq!(s.attempts_of(1)?.len(), 1);
        assert_eq!(s.class_of_trainee(1)?, Some(1));
        Ok(())
    })
    .unwrap();
    // and the new kind is accepted
    db.write(|s| {
        s.create_trainee(
            TenantId(1),
            "learner",
            TraineeKind::Course,
            chrono::Utc::now(),
        )
    })
    .unwrap();
}

#[test]
fn rebuilding_filings_and_payments_keeps_every_row() {
    // migration 0008 rebuilds both tables; run its SQL again over a seeded tenant (the
    // rebuild is the same whichever schema-7 data it meets) and compare
    let (dir, db) = temp_db();
    db.write(|s| s.insert_tenant(&tenant(5, 1))).unwrap();
    let count = |c: &Connection| -> (i64, i64, i64) {
        let n = |t: &str| {
            c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        };
        (
            n("filings"),
            n("payments"),
            n("filings f JOIN payments p ON p.filing_id = f.id"),
        )
    };
    let path = dir.path().join("t.db");
    drop(db);
    let mut c = Connection::open(&path).unwrap();
    let before = count(&c);
    assert!(before.0 > 0 && before.1 > 0);
    // as `prepare_schema` runs migrations: with foreign keys off, or dropping the old
    // filings table would cascade to the payments
    c.pragma_update(None, "foreign_keys", "OFF").unwrap();
    let tx = c.transaction().unwrap();
    tx.execute_batch(include_str!("migrations/0008_culture_fee.sql"))
        .unwrap();
    tx.commit().unwrap();
    assert_eq!(count(&c), before);
    let broken: Option<String> = c
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()
        .unwrap();
    assert_eq!(broken, None);
    drop(c);
    Db::open(&path).unwrap();
}

/// A page's touch, applied after its read, keeps whatever step the login took meanwhile
/// and never moves the last-seen time back; a read that writes anything else is refused.
#[test]
fn a_deferred_touch_keeps_the_stage_and_a_reader_refuses_writes() {
    let (_dir, db) = temp_db();
    let id = db.write(|s| s.insert_tenant(&tenant(5, 1))).unwrap();
    let t0 = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
    let (person, company) = db
        .read(|s| {
            let scope = s.tenant(id);
            let c = scope.companies()?[0].id;
            Ok((scope.staff(CompanyId(c))?[0].person.id, CompanyId(c)))
        })
        .unwrap();
    db.write(|s| {
        s.tenant(id).create_session(&PortalSession {
            token: "tok".into(),
            person_id: person,
            company_id: company,
            stage: SessionStage::Sms,
            created_at: t0,
            last_seen_at: t0,
        })
    })
    .unwrap();
    // a page read the session at Sms and deferred a touch; meanwhile the code was entered
    let deferred = std::cell::RefCell::new(Vec::new());
    let conn = db.reader().unwrap();
    read_transaction(&conn, Some(&deferred), |s| {
        s.tenant(id)
            .touch_session("tok", t0 + chrono::Duration::seconds(90))
    })
    .unwrap();
    db.write(|s| {
        s.tenant(id).update_session(
            "tok",
            SessionStage::Active,
            t0 + chrono::Duration::seconds(100),
        )
    })
    .unwrap();
    db.write(|s| s.apply(deferred.into_inner())).unwrap();
    let now = db.read(|s| s.tenant(id).session("tok")).unwrap().unwrap();
    assert_eq!(now.stage, SessionStage::Active);
    assert_eq!(now.last_seen_at, t0 + chrono::Duration::seconds(100));
    // anything else a reader is asked to write is refused as such
    let refused = db.read(|s| {
        s.tenant(id).update_session(
            "tok",
            SessionStage::Sms,
            t0 + chrono::Duration::seconds(200),
        )
    });
    assert!(matches!(refused, Err(StoreError::ReadOnly)), "{refused:?}");
}
