//! Credit grades (纳税信用等级) as data, in the course's and the national profile.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Policy;
use super::policy::{CreditGradeRule, CreditProfile, CreditRepair};
use crate::domain::money::Fen;

/// What the grade rules read about a year besides its score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YearStanding {
    /// Registered in the year, or without revenue in it (the national profile's M).
    pub new_or_no_revenue: bool,
    /// A bar on grade A applies (the national profile).
    pub barred_from_a: bool,
    /// The company holds an M recognition (认定) (the course profile, where M is applied for).
    pub recognised_m: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grade {
    M,
    A,
    B,
    C,
    D,
}

impl Grade {
    pub const ALL: [Grade; 5] = [Grade::M, Grade::A, Grade::B, Grade::C, Grade::D];

    pub fn parse(text: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::M => "M",
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which ranking a class uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditProfileKind {
    /// The seed course's: M (模范纳税人) at the top.
    Course,
    /// 纳税缴费信用管理办法 (2025-07-01): A at the top, M for new enterprises.
    National,
}

impl CreditProfileKind {
    pub fn parse(text: &str) -> Option<CreditProfileKind> {
        match text {
            "course" => Some(CreditProfileKind::Course),
            "national" => Some(CreditProfileKind::National),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CreditProfileKind::Course => "course",
            CreditProfileKind::National => "national",
        }
    }
}

impl Policy {
    pub fn credit_profile(&self, kind: CreditProfileKind) -> &CreditProfile {
        match kind {
            CreditProfileKind::Course => &self.credit.course,
            CreditProfileKind::National => &self.credit.national,
        }
    }
}

impl CreditProfile {
    pub fn grade(&self, grade: Grade) -> Option<&CreditGradeRule> {
        self.grade.iter().find(|g| g.grade == grade.as_str())
    }

    /// 1 for the best grade in this profile.
    pub fn rank(&self, grade: Grade) -> usize {
        self.grade
            .iter()
            .position(|g| g.grade == grade.as_str())
            .map_or(usize::MAX, |p| p + 1)
    }

    pub fn has_green_channel(&self, grade: Grade) -> bool {
        self.grade(grade)
            .is_some_and(|g| g.benefits.iter().any(|b| b == "green_channel"))
    }

    /// Working days a refund takes for this grade: the normal time unless the profile's
    /// source gives the grade a shorter one.
    pub fn refund_days(&self, grade: Grade) -> u32 {
        self.grade(grade)
            .and_then(|g| g.refund_days)
            .unwrap_or(self.normal_refund_days)
    }

    /// The grade a year's score gives. Where M is applied for (the course profile) it is held
    /// only with a recognition and while the score stays in its band; elsewhere see
    /// [`CreditProfile::grade_for_score`].
    pub fn grade_of(&self, score: u32, year: YearStanding) -> Grade {
        if self.m_application.is_none() {
            return self.grade_for_score(score, year.new_or_no_revenue, year.barred_from_a);
        }
        let m_floor = self.grade(Grade::M).map_or(u32::MAX, |g| g.score);
        if year.recognised_m && score >= m_floor {
            return Grade::M;
        }
        self.scored(score, true, year.barred_from_a)
    }

    /// The grade a score gives, where no bar applies: the best scored grade whose lower
    /// bound it reaches (M is not scored: it is given to new businesses and those without
    /// revenue, so a score alone never gives it in the national profile).
    pub fn grade_for_score(
        &self,
        score: u32,
        new_or_no_revenue: bool,
        barred_from_a: bool,
    ) -> Grade {
        let national = !self.a_bars.is_empty();
        if national && new_or_no_revenue && score >= 70 {
            return Grade::M;
        }
        self.scored(score, national, barred_from_a)
    }

    /// The best scored grade whose lower bound `score` reaches.
    fn scored(&self, score: u32, without_m: bool, barred_from_a: bool) -> Grade {
        let mut bands: Vec<(&CreditGradeRule, Grade)> = self
            .grade
            .iter()
            .filter_map(|g| Grade::parse(&g.grade).map(|grade| (g, grade)))
            .filter(|(_, grade)| !(without_m && *grade == Grade::M))
            .filter(|(_, grade)| !(barred_from_a && *grade == Grade::A))
            .collect();
        bands.sort_by_key(|(g, _)| std::cmp::Reverse(g.score));
        bands
            .into_iter()
            .find(|(g, _)| score >= g.score)
            .map_or(Grade::D, |(_, grade)| grade)
    }
}

impl CreditRepair {
    /// The points a failing gets back on repair: it was due on `deadline`, put right on
    /// `corrected`, and `tax` was involved.
    pub fn points(&self, deadline: NaiveDate, corrected: NaiveDate, tax: Fen) -> u32 {
        if (corrected - deadline).num_days() <= self.within_days {
            if tax.fen() < self.small_tax_fen {
                self.within_small
            } else {
                self.within
            }
        } else if corrected.year() <= deadline.year() {
            self.same_year
        } else {
            self.next_year
        }
    }

    /// The last day a repair may be applied for: the end of the year after the one the
    /// failing was recorded in.
    pub fn last_day(&self, recorded: NaiveDate) -> NaiveDate {
        NaiveDate::from_ymd_opt(recorded.year() + 1, 12, 31).unwrap_or(recorded)
    }

    /// Whether the source confirms the standard for this kind of failing.
    pub fn confirmed(&self, kind: &str) -> bool {
        self.confirmed.iter().any(|k| k == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_rank_m_differently() {
        let p = Policy::embedded();
        let course = p.credit_profile(CreditProfileKind::Course);
        let national = p.credit_profile(CreditProfileKind::National);
        assert_eq!(course.rank(Grade::M), 1);
        assert_eq!(national.rank(Grade::M), 3);
        assert!(course.has_green_channel(Grade::M));
        assert!(!national.has_green_channel(Grade::M));
        assert!(national.has_green_channel(Grade::A));
        // The course's green channel cuts approval time by half or more.
        assert!(course.refund_days(Grade::M) * 2 <= course.normal_refund_days);
    }

    #[test]
    fn the_national_profile_scores_as_the_2025_announcement_says() {
        // 国家税务总局公告2025年第12号: A ≥ 90, B 70–<90, C 40–<70, D < 40; M directly
        let n = Policy::embedded().credit_profile(CreditProfileKind::National);
        assert_eq!(n.grade_for_score(90, false, false), Grade::A);
        assert_eq!(n.grade_for_score(89, false, false), Grade::B);
        assert_eq!(n.grade_for_score(70, false, false), Grade::B);
        assert_eq!(n.grade_for_score(69, false, false), Grade::C);
        assert_eq!(n.grade_for_score(40, false, false), Grade::C);
        assert_eq!(n.grade_for_score(39, false, false), Grade::D);
        // a bar on A (e.g. under three years in business): B at 95
        assert_eq!(n.grade_for_score(95, false, true), Grade::B);
        // a new business scoring 70 or more is M; under 70 it is scored like anyone
        assert_eq!(n.grade_for_score(95, true, false), Grade::M);
        assert_eq!(n.grade_for_score(60, true, false), Grade::C);
        // no refund-time benefit without a source: every grade takes the normal time
        for g in Grade::ALL {
            assert_eq!(n.refund_days(g), n.normal_refund_days, "{g}");
        }
        assert!(n.source.contains("2025年第12号") && !n.source.contains("令"));
        assert_eq!(n.a_bars.len(), 4);
    }

    #[test]
    fn in_the_course_profile_m_is_held_by_recognition_and_a_score_in_its_band() {
        let c = Policy::embedded().credit_profile(CreditProfileKind::Course);
        let held = YearStanding {
            recognised_m: true,
            ..YearStanding::default()
        };
        assert_eq!(c.grade_of(100, YearStanding::default()), Grade::A);
        assert_eq!(c.grade_of(100, held), Grade::M);
        assert_eq!(c.grade_of(95, held), Grade::M);
        assert_eq!(c.grade_of(94, held), Grade::A);
        assert_eq!(c.grade_of(89, held), Grade::B);
        assert_eq!(c.grade_of(39, YearStanding::default()), Grade::D);
        let n = Policy::embedded().credit_profile(CreditProfileKind::National);
        assert_eq!(n.grade_of(100, held), Grade::A);
        assert!(c.m_application.is_some() && n.m_application.is_none());
    }

    #[test]
    fn a_late_return_put_right_sooner_gets_more_points_back() {
        // 国家税务总局公告2021年第31号 附件2, 指标10101
        let r = &Policy::embedded().credit.repair;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let due = d("2026-04-20");
        assert_eq!(r.points(due, d("2026-05-20"), Fen::from_yuan(999)), 5);
        assert_eq!(r.points(due, d("2026-05-20"), Fen::from_yuan(1000)), 4);
        assert_eq!(r.points(due, d("2026-05-21"), Fen::from_yuan(10)), 2);
        assert_eq!(r.points(due, d("2027-01-05"), Fen::from_yuan(10)), 1);
        assert_eq!(r.last_day(d("2026-05-21")), d("2027-12-31"));
        assert!(r.confirmed("late_filing") && !r.confirmed("late_payment"));
        assert!(r.source.contains("2019年第37号") && r.source.contains("2021年第31号"));
    }

    #[test]
    fn every_grade_is_in_both_profiles() {
        let p = Policy::embedded();
        for kind in [CreditProfileKind::Course, CreditProfileKind::National] {
            for g in Grade::ALL {
                assert!(
                    p.credit_profile(kind).grade(g).is_some(),
                    "{kind:?} lacks {g}"
                );
            }
        }
    }
}
