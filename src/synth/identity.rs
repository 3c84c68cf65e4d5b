//! Who a company and its people are: names, codes, addresses, accounts.

use chrono::{Datelike, Duration, NaiveDate};
use fake::Fake;
use fake::faker::name::raw::{FirstName, LastName};
use fake::locales::ZH_CN;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::draw;
use super::tables::{Division, Preset, Tables};
use crate::domain::entities::{BankAccount, Company, Person, TaxpayerType};
use crate::domain::ids::{BankAccountNo, Mobile, ResidentId, Uscc};
use crate::domain::tax::LocationTier;
use crate::domain::tax::Policy;
use crate::domain::tax::credit::Grade;

/// The USCC alphabet's digits and letters usable in an organisation code body.
const ORG_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

pub fn person(rng: &mut ChaCha8Rng, tables: &Tables, today: NaiveDate) -> Person {
    let last: String = LastName(ZH_CN).fake_with_rng(rng);
    let first: String = FirstName(ZH_CN).fake_with_rng(rng);
    let division = draw::pick(rng, &tables.divisions);
    let age_days = rng.random_range(23 * 365..60 * 365);
    let birth = today - Duration::days(age_days);
    let sequence = rng.random_range(0..1000);
    let resident_id =
        ResidentId::assemble(&division.code, birth, sequence).unwrap_or_else(|_| fallback_id());
    Person {
        name: format!("{last}{first}"),
        resident_id,
        mobile: mobile(rng),
        email: format!("{}@qq.com", rng.random_range(100_000_000u64..3_000_000_000)),
    }
}

/// Never reached: the division list holds real province codes and dates are real.
fn fallback_id() -> ResidentId {
    ResidentId::parse("360426199101010071").unwrap_or_else(|e| panic!("fixed id: {e}"))
}

pub fn mobile(rng: &mut ChaCha8Rng) -> Mobile {
    let segments: Vec<&str> = Mobile::all_segments().collect();
    let segment = draw::pick(rng, &segments);
    let text = format!("{segment}{:08}", rng.random_range(0..100_000_000u32));
    Mobile::parse(&text).unwrap_or_else(|e| panic!("generated mobile {text}: {e}"))
}

/// A code for a company registered in `division`, old-style (8 digits) or new-style ("MA…").
pub fn uscc(rng: &mut ChaCha8Rng, division: &str, modern: bool) -> Uscc {
    let body: String = if modern {
        let tail: String = (0..6)
            .map(|_| *draw::pick(rng, ORG_CHARS) as char)
            .collect();
        format!("MA{tail}")
    } else {
        format!("{:08}", rng.random_range(10_000_000..100_000_000u32))
    };
    Uscc::assemble("91", division, &body).unwrap_or_else(|e| panic!("generated USCC: {e}"))
}

/// 城市 + 字号 + 行业 + 有限公司.
pub fn company_name(
    rng: &mut ChaCha8Rng,
    tables: &Tables,
    division: &Division,
    words: &[String],
) -> String {
    let trade = draw::pick(rng, &tables.trade_names);
    let word = draw::pick(rng, words);
    format!("{}{trade}{word}有限公司", division.short)
}

pub fn company(
    rng: &mut ChaCha8Rng,
    tables: &Tables,
    preset: &Preset,
    today: NaiveDate,
    index: usize,
) -> Company {
    let code = draw::pick(rng, &preset.industries);
    let industry = tables.industry(code).unwrap_or(&tables.industries[0]);
    let division = draw::pick(rng, &tables.divisions);
    let years = draw::int(rng, preset.registered_years_ago);
    let registered_on = today - Duration::days(years * 365 + rng.random_range(0..365));
    let modern = registered_on.year() >= 2016;
    let tier = match division.tier {
        LocationTier::CountyTown if rng.random_range(0..4) == 0 => LocationTier::Other,
        t => t,
    };
    let street = draw::pick(rng, &tables.streets);
    let number = rng.random_range(1..999);
    let place = if division.province == division.city {
        format!("{}{}", division.city, division.district)
    } else {
        format!(
            "{}{}{}",
            division.province, division.city, division.district
        )
    };
    let address = match tier {
        LocationTier::Other => format!(
            "{place}{}工业集中区{number}号",
            draw::pick(rng, &tables.trade_names)
        ),
        _ => format!("{place}{street}{number}号"),
    };
    let grade_text = draw::pick(rng, &preset.credit_grades);
    let credit_grade = Grade::parse(grade_text).unwrap_or(Grade::B);
    let credit_score = score_for(rng, credit_grade);
    // Names repeat rarely; a seat's companies must still differ, so the index salts the trade name.
    let mut name = company_name(rng, tables, division, &industry.name_words);
    if index > 0 {
        name = name.replacen(
            &division.short,
            &format!("{}{}", division.short, draw::pick(rng, &tables.trade_names)),
            1,
        );
    }
    Company {
        preset: preset.id.clone(),
        name,
        uscc: uscc(rng, &division.code, modern),
        industry_code: industry.code.clone(),
        industry: industry.name.clone(),
        taxpayer_type: TaxpayerType::parse(&preset.taxpayer_type)
            .unwrap_or(TaxpayerType::SmallScale),
        vat_quarterly: preset.vat_quarterly,
        credit_grade,
        credit_score,
        registered_on,
        division_code: division.code.clone(),
        address,
        tier,
        headcount: draw::int(rng, preset.headcount),
        total_assets: draw::fen(rng, preset.assets),
        restricted_industry: industry.restricted,
    }
}

/// A score inside the grade's band in the course profile.
fn score_for(rng: &mut ChaCha8Rng, grade: Grade) -> u32 {
    let profile = &Policy::embedded().credit.course;
    let i = profile
        .grade
        .iter()
        .position(|g| g.grade == grade.as_str())
        .unwrap_or(0);
    let lo = profile.grade[i].score;
    let hi = if i == 0 {
        100
    } else {
        profile.grade[i - 1].score.saturating_sub(1).max(lo)
    };
    rng.random_range(lo..=hi)
}

pub fn bank_account(rng: &mut ChaCha8Rng, tables: &Tables, preset: &Preset) -> BankAccount {
    let bank = draw::pick(rng, &tables.banks);
    let mut digits = bank.bin.clone();
    while digits.len() < bank.length - 1 {
        digits.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    let check = crate::domain::ids::luhn_digit(digits.as_bytes());
    digits.push(check);
    let branch = draw::pick(rng, &tables.divisions);
    BankAccount {
        bank_name: format!(
            "{}{}{}支行",
            bank.name,
            branch.short,
            branch.district.trim_end_matches(['区', '县'])
        ),
        account_no: BankAccountNo::parse(&digits)
            .unwrap_or_else(|e| panic!("generated account {digits}: {e}")),
        balance: draw::fen(rng, preset.bank_balance),
        tripartite_agreement: rng.random_range(0..10) > 0,
    }
}
