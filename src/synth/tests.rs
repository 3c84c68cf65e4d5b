#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use super::*;
use crate::domain::entities::{ReturnKind, TaxpayerType};
use crate::domain::money::Fen;

fn spec(seed: u64, seat: u32) -> TenantSpec<'static> {
    let t = Tables::embedded();
    TenantSpec {
        class_seed: seed,
        seat,
        sandbox_date: NaiveDate::from_ymd_opt(2026, 10, 12).unwrap(),
        presets: vec![
            t.preset("small-scale-trading-above-threshold").unwrap(),
            t.preset("general-manufacturing").unwrap(),
        ],
    }
}

#[test]
fn same_seed_same_tenant() {
    assert_eq!(
        generate(&spec(42, 3)).unwrap(),
        generate(&spec(42, 3)).unwrap()
    );
}

#[test]
fn different_seeds_or_seats_differ() {
    let a = generate(&spec(42, 3)).unwrap();
    assert_ne!(a, generate(&spec(43, 3)).unwrap());
    assert_ne!(a, generate(&spec(42, 4)).unwrap());
    assert_ne!(
        a.companies[0].company.name,
        generate(&spec(42, 4)).unwrap().companies[0].company.name
    );
}

#[test]
fn a_company_has_a_year_of_business_and_its_people() {
    let t = generate(&spec(7, 1)).unwrap();
    assert_eq!(t.companies.len(), 2);
    for c in &t.companies {
        assert!(c.ledger.len() >= 12, "{} months", c.ledger.len());
        assert!(c.invoices.len() > 12 * 4);
        assert_eq!(c.roles.len(), 3);
        assert!(!c.filings.is_empty());
    }
    // the tax clerk serves both companies
    assert_eq!(t.companies[0].roles[2].0, t.companies[1].roles[2].0);
    assert_eq!(t.people.len(), 5);
}

#[test]
fn preset_puts_this_quarter_above_the_threshold() {
    for seat in 0..20 {
        let t = generate(&spec(11, seat)).unwrap();
        let c = &t.companies[0];
        assert_eq!(c.company.taxpayer_type, TaxpayerType::SmallScale);
        let q3: Fen = c
            .invoices
            .iter()
            .filter(|i| i.direction == crate::domain::entities::InvoiceDirection::Sales)
            .filter(|i| i.issued_on >= NaiveDate::from_ymd_opt(2026, 7, 1).unwrap())
            .map(|i| i.amount)
            .sum();
        assert!(
            q3 >= Fen::from_yuan(320_000) && q3 <= Fen::from_yuan(480_000),
            "seat {seat}: {q3}"
        );
        // the due quarter is not filed yet; the one before is
        assert!(c.filings.iter().all(|f| f.period.to_string() != "2026Q3"));
        assert!(
            c.filings
                .iter()
                .any(|f| f.period.to_string() == "2026Q2" && f.kind == ReturnKind::VatSmall)
        );
    }
}

#[test]
fn history_has_late_and_unpaid_material_across_a_class() {
    let mut late_filed = 0;
    let mut late_paid = 0;
    let mut unpaid = 0;
    for seat in 0..40 {
        for c in generate(&spec(5, seat)).unwrap().companies {
            late_filed += c.filings.iter().filter(|f| f.is_late()).count();
            late_paid += c
                .payments
                .iter()
                .filter(|p| p.paid_on.is_some_and(|d| d > p.due_on))
                .count();
            unpaid += c.payments.iter().filter(|p| p.paid_on.is_none()).count();
            for p in c
                .payments
                .iter()
                .filter(|p| p.paid_on.is_some_and(|d| d > p.due_on))
            {
                assert!(p.late_fee > Fen::ZERO);
            }
        }
    }
    assert!(
        late_filed > 0 && late_paid > 0 && unpaid > 0,
        "{late_filed} {late_paid} {unpaid}"
    );
}

#[test]
fn generated_identifiers_are_valid() {
    use crate::domain::ids::{BankAccountNo, InvoiceNo, Mobile, ResidentId, Uscc};
    let t = generate(&spec(99, 9)).unwrap();
    for p in &t.people {
        ResidentId::parse(p.resident_id.as_str()).unwrap();
        Mobile::parse(p.mobile.as_str()).unwrap();
    }
    for c in &t.companies {
        Uscc::parse(c.company.uscc.as_str()).unwrap();
        BankAccountNo::parse(c.bank.account_no.as_str()).unwrap();
        for i in &c.invoices {
            InvoiceNo::parse(i.number.as_str()).unwrap();
            Uscc::parse(i.counterparty_uscc.as_str()).unwrap();
        }
    }
}

#[test]
fn ledger_agrees_with_invoices() {
    let t = generate(&spec(3, 2)).unwrap();
    for c in &t.companies {
        for m in &c.ledger {
            let sales: Fen = c
                .invoices
                .iter()
                .filter(|i| i.direction == crate::domain::entities::InvoiceDirection::Sales)
                .filter(|i| crate::domain::period::YearMonth::of(i.issued_on) == m.month)
                .map(|i| i.amount)
                .sum();
            assert_eq!(sales, m.revenue, "{}", m.month);
            assert_eq!(m.profit, m.revenue - m.cost - m.expenses);
        }
    }
}

#[test]
fn grade_shapes_behaviour_and_lower_grades_have_arrears() {
    use crate::domain::tax::credit::Grade;
    let mut checked = 0;
    for seat in 0..60 {
        for c in generate(&spec(21, seat)).unwrap().companies {
            let unpaid = c.payments.iter().filter(|p| p.paid_on.is_none()).count();
            match c.company.credit_grade {
                Grade::M | Grade::A => assert_eq!(
                    unpaid, 0,
                    "{:?} company with arrears",
                    c.company.credit_grade
                ),
                _ => {
                    assert!(
                        unpaid > 0,
                        "a {:?} company without arrears",
                        c.company.credit_grade
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10);
}
