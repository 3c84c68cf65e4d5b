//! The synthetic tenant generator: seeded, deterministic, no I/O.
//!
//! A tenant's data is a pure function of (class seed, seat, sandbox date, presets):
//! the same inputs give byte-identical tenants. Each company draws from its own
//! stream, so adding a company never changes the others.

mod business;
mod history;
mod identity;
pub mod tables;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::domain::entities::{
    BankAccount, Company, CreditEvent, Filing, Invoice, LedgerMonth, Payment, Person, Role,
};
pub use tables::{Preset, Tables};

use crate::domain::tax::PolicyError;

/// What to generate.
#[derive(Debug, Clone)]
pub struct TenantSpec<'a> {
    pub class_seed: u64,
    pub seat: u32,
    /// The tenant's simulated "today".
    pub sandbox_date: NaiveDate,
    /// One company per preset, in order.
    pub presets: Vec<&'a Preset>,
}

/// One generated company with everything it owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyData {
    pub company: Company,
    pub bank: BankAccount,
    /// (index into [`TenantData::people`], role)
    pub roles: Vec<(usize, Role)>,
    pub invoices: Vec<Invoice>,
    pub ledger: Vec<LedgerMonth>,
    pub filings: Vec<Filing>,
    pub payments: Vec<Payment>,
    pub credit_events: Vec<CreditEvent>,
}

/// A generated tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantData {
    pub label: String,
    pub class_seed: u64,
    pub seat: u32,
    pub sandbox_date: NaiveDate,
    pub people: Vec<Person>,
    pub companies: Vec<CompanyData>,
}

/// SplitMix64: spreads related seeds (seat 1, seat 2, …) into unrelated streams.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of one seat in a class.
pub fn seat_seed(class_seed: u64, seat: u32) -> u64 {
    mix(mix(class_seed) ^ u64::from(seat))
}

fn stream(seed: u64, purpose: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed ^ mix(purpose)))
}

/// The label a seeded tenant is stored under.
pub fn tenant_label(class_seed: u64, seat: u32) -> String {
    format!("s{class_seed}-{seat}")
}

/// Generate a tenant. Fails only when the sandbox date puts its history outside the
/// periods the policy tables cover.
pub fn generate(spec: &TenantSpec<'_>) -> Result<TenantData, PolicyError> {
    let tables = Tables::embedded();
    let seed = seat_seed(spec.class_seed, spec.seat);
    let mut people_rng = stream(seed, 0);
    let mut people = Vec::new();
    let mut companies = Vec::new();
    for (i, preset) in spec.presets.iter().enumerate() {
        let mut rng = stream(seed, i as u64 + 1);
        let company = identity::company(&mut rng, tables, preset, spec.sandbox_date, i);
        // Each company has its own legal representative and finance manager; the first
        // company's tax clerk also serves the others (so identity switching has material).
        let mut roles = Vec::new();
        for role in [Role::LegalRepresentative, Role::FinanceManager] {
            people.push(identity::person(&mut people_rng, tables, spec.sandbox_date));
            roles.push((people.len() - 1, role));
        }
        let clerk = if i == 0 {
            people.push(identity::person(&mut people_rng, tables, spec.sandbox_date));
            people.len() - 1
        } else {
            2
        };
        roles.push((clerk, Role::TaxClerk));
        let bank = identity::bank_account(&mut rng, tables, preset);
        let business =
            business::generate(&mut rng, tables, preset, &company, spec.sandbox_date, i)?;
        let history = history::generate(&mut rng, preset, &company, &business, spec.sandbox_date)?;
        companies.push(CompanyData {
            company,
            bank,
            roles,
            invoices: business.invoices,
            ledger: business.ledger,
            filings: history.filings,
            payments: history.payments,
            credit_events: history.credit_events,
        });
    }
    Ok(TenantData {
        label: tenant_label(spec.class_seed, spec.seat),
        class_seed: spec.class_seed,
        seat: spec.seat,
        sandbox_date: spec.sandbox_date,
        people,
        companies,
    })
}

/// Random helpers over exact values (no floating point in money).
pub(crate) mod draw {
    use rand::RngExt;
    use rand::seq::IndexedRandom;
    use rand_chacha::ChaCha8Rng;

    use crate::domain::money::{Fen, Rate};

    pub fn fen(rng: &mut ChaCha8Rng, [lo, hi]: [Fen; 2]) -> Fen {
        Fen::new(rng.random_range(lo.fen()..=hi.fen().max(lo.fen())))
    }

    pub fn rate(rng: &mut ChaCha8Rng, [lo, hi]: [Rate; 2]) -> Rate {
        Rate::from_ppm(rng.random_range(lo.ppm()..=hi.ppm().max(lo.ppm())))
    }

    pub fn int(rng: &mut ChaCha8Rng, [lo, hi]: [i64; 2]) -> i64 {
        rng.random_range(lo..=hi.max(lo))
    }

    /// True with the given probability.
    pub fn chance(rng: &mut ChaCha8Rng, p: Rate) -> bool {
        rng.random_range(0..1_000_000) < p.ppm()
    }

    pub fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
        items.choose(rng).unwrap_or_else(|| &items[0])
    }

    /// Split `total` into `n` positive-weight parts that sum to it exactly.
    pub fn split(rng: &mut ChaCha8Rng, total: Fen, n: usize) -> Vec<Fen> {
        let n = n.max(1);
        let weights: Vec<i64> = (0..n).map(|_| rng.random_range(60..=140)).collect();
        let sum: i64 = weights.iter().sum();
        let mut parts: Vec<Fen> = weights
            .iter()
            .map(|w| total.mul_ratio(i128::from(*w), i128::from(sum)))
            .collect();
        let rest = total - parts.iter().copied().sum::<Fen>();
        if let Some(last) = parts.last_mut() {
            *last += rest;
        }
        parts
    }
}

#[cfg(test)]
mod tests;
