//! The evaluation report as a PDF on A4 (portrait), with the same sections, figures and
//! charts as its page: laid out first into pages of drawing operations (text wraps, tables
//! repeat their header on a new page), then drawn with krilla in the embedded font. A
//! character the font lacks (an emoji in a name, a rare hanzi) prints as `〓` (the typesetter's mark for a missing character), so nothing
//! breaks; the page and the other formats keep it whole.

use krilla::Document;
use krilla::metadata::Metadata;

use super::report::Report;
use crate::i18n::{Catalog, Lang};
use crate::labs::Library;
use crate::pdf::{covers, fill, stroke, width};

const W: f32 = 595.0;
const H: f32 = 842.0;
const MARGIN: f32 = 48.0;
const BOTTOM: f32 = H - 56.0;
const INK: (u8, u8, u8) = (30, 30, 30);
const MUTED: (u8, u8, u8) = (110, 110, 110);
const BLUE: (u8, u8, u8) = (43, 108, 176);
const GREY: (u8, u8, u8) = (160, 174, 192);
const GREEN: (u8, u8, u8) = (47, 133, 90);
const SHADE: (u8, u8, u8) = (237, 242, 247);
const RULE: (u8, u8, u8) = (203, 213, 224);

/// One drawing operation on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: (u8, u8, u8),
        text: String,
    },
    Bar {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
}

/// The text as the font can print it.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if covers(c) => c,
            // the angle brackets of ⟨g⟩, as the CJK ones the font has
            '⟨' => '〈',
            '⟩' => '〉',
            _ => '〓',
        })
        .collect()
}

/// The text broken into lines no wider than `max` at `size`.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in printable(text).chars() {
        let line = lines.last_mut().map_or(0.0, |l| width(l, size));
        if line + width(&c.to_string(), size) > max && !lines.last().is_some_and(String::is_empty) {
            lines.push(String::new());
        }
        if let Some(l) = lines.last_mut() {
            l.push(c);
        }
    }
    lines
}

/// A bar of a chart: its label, value out of `max`, the value as shown, its colour.
struct Bar {
    label: String,
    value: i64,
    max: i64,
    shown: String,
    color: (u8, u8, u8),
}

/// A column of a table: its header, width and whether it is a number (right-aligned).
struct Col {
    name: String,
    w: f32,
    num: bool,
}

struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: MARGIN + 10.0,
        }
    }

    fn op(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }

    /// Room for `h` more points, or a new page.
    fn need(&mut self, h: f32) -> bool {
        if self.y + h > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN + 10.0;
            return true;
        }
        false
    }

    fn text(&mut self, x: f32, size: f32, color: (u8, u8, u8), text: &str) {
        self.op(Op::Text {
            x,
            y: self.y,
            size,
            color,
            text: printable(text),
        });
    }

    fn para(&mut self, text: &str, size: f32, color: (u8, u8, u8)) {
        for line in wrap(text, size, W - 2.0 * MARGIN) {
            self.need(size * 1.5);
            self.y += size * 1.5;
            self.text(MARGIN, size, color, &line);
        }
        self.y += size * 0.4;
    }

    fn heading(&mut self, text: &str, size: f32) {
        self.need(size * 3.0);
        self.y += size * 1.2;
        self.para(text, size, INK);
        self.op(Op::Rule {
            x1: MARGIN,
            x2: W - MARGIN,
            y: self.y - size * 0.2,
        });
        self.y += 4.0;
    }

    /// Horizontal bars: label, value (0..=max), value shown.
    fn bars(&mut self, bars: &[Bar]) {
        let (label_w, bar_w) = (120.0, 260.0);
        for Bar {
            label,
            value,
            max,
            shown,
            color,
        } in bars
        {
            self.need(18.0);
            self.y += 18.0;
            self.text(MARGIN, 9.5, INK, label);
            let w = if *max > 0 {
                bar_w * (*value).clamp(0, *max) as f32 / *max as f32
            } else {
                0.0
            };
            self.op(Op::Bar {
                x: MARGIN + label_w,
                y: self.y - 10.0,
                w,
                h: 12.0,
                color: *color,
            });
            self.text(MARGIN + label_w + w + 6.0, 9.5, INK, shown);
        }
        self.y += 6.0;
    }

    fn table_header(&mut self, cols: &[Col]) {
        self.y += 16.0;
        self.op(Op::Bar {
            x: MARGIN,
            y: self.y - 11.5,
            w: cols.iter().map(|c| c.w).sum(),
            h: 15.0,
            color: SHADE,
        });
        self.row(
            cols,
            &cols.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        );
    }

    fn row(&mut self, cols: &[Col], cells: &[String]) {
        let mut x = MARGIN;
        for (col, cell) in cols.iter().zip(cells) {
            let size = 8.5;
            // a cell is cut to its column
            let mut text = printable(cell);
            while width(&text, size) > col.w - 6.0 && !text.is_empty() {
                text.pop();
            }
            let tx = if col.num {
                x + col.w - 4.0 - width(&text, size)
            } else {
                x + 3.0
            };
            self.op(Op::Text {
                x: tx,
                y: self.y,
                size,
                color: INK,
                text,
            });
            x += col.w;
        }
    }

    fn table(&mut self, cols: &[Col], rows: &[Vec<String>]) {
        self.need(34.0);
        self.table_header(cols);
        for cells in rows {
            if self.need(15.0) {
                self.table_header(cols);
            }
            self.y += 15.0;
            self.row(cols, cells);
            self.op(Op::Rule {
                x1: MARGIN,
                x2: MARGIN + cols.iter().map(|c| c.w).sum::<f32>(),
                y: self.y + 4.0,
            });
        }
        self.y += 10.0;
    }
}

fn percent(v: Option<i64>) -> String {
    v.map_or_else(|| "—".to_owned(), |p| format!("{p}%"))
}

fn dash(v: Option<i64>) -> String {
    v.map_or_else(|| "—".to_owned(), |p| p.to_string())
}

fn tenths(v: i64) -> String {
    format!("{}.{}", v / 10, v % 10)
}

/// Lay the report out into pages.
fn layout(report: &Report, lib: &Library, lang: Lang) -> Vec<Vec<Op>> {
    let cat = Catalog::embedded();
    let t = |k: &str| cat.text(lang, k).to_owned();
    let title = |lab: &str| {
        lib.lab(lab)
            .map_or_else(|| lab.to_owned(), |l| l.title.get(lang).to_owned())
    };
    let col = |key: &str, w: f32, num: bool| Col {
        name: t(key),
        w,
        num,
    };
    let mut l = Layout::new();
    l.para(
        &format!("{} · {}", t("report.heading"), report.name),
        17.0,
        INK,
    );
    l.para(
        &cat.format(
            lang,
            "report.meta",
            &[
                ("trainees", &report.trainees.to_string()),
                ("at", &report.generated_at),
            ],
        ),
        9.5,
        MUTED,
    );
    if !report.missing.is_empty() {
        l.para(&t("report.missing"), 9.5, INK);
        for m in &report.missing {
            l.para(
                &format!("· {}", t(&format!("report.missing.{m}"))),
                9.5,
                INK,
            );
        }
    }

    l.heading(&t("report.l1"), 13.0);
    match &report.reaction {
        Some(sv) if sv.responses > 0 => {
            l.para(
                &format!(
                    "{} · {}",
                    t("survey.responses").replace("{n}", &sv.responses.to_string()),
                    t("survey.recommend_score").replace("{score}", &dash(sv.recommend_score))
                ),
                9.5,
                INK,
            );
            let bars: Vec<_> = sv
                .items
                .iter()
                .map(|i| Bar {
                    label: t(&format!("survey.item.{}", i.item)),
                    value: i.mean_tenths,
                    max: 50,
                    shown: tenths(i.mean_tenths),
                    color: BLUE,
                })
                .collect();
            l.bars(&bars);
            if !sv.comments.is_empty() {
                l.para(
                    &t("survey.comments").replace("{n}", &sv.comments.len().to_string()),
                    9.5,
                    INK,
                );
                for c in &sv.comments {
                    l.para(&format!("· {c}"), 9.0, MUTED);
                }
            }
        }
        _ => l.para(&t("report.missing.survey"), 9.5, MUTED),
    }

    l.heading(&t("report.l2"), 13.0);
    let lr = &report.learning;
    let tests: Vec<Vec<String>> = [&lr.pre, &lr.post]
        .into_iter()
        .flatten()
        .map(|x| {
            vec![
                format!(
                    "{} ({})",
                    t(&format!("test.phase.{}", x.phase)),
                    t(&format!("console.test_form.{}", x.form))
                ),
                x.takers.to_string(),
                percent(x.mean_percent),
            ]
        })
        .collect();
    if !tests.is_empty() {
        l.table(
            &[
                Col {
                    name: String::new(),
                    w: 250.0,
                    num: false,
                },
                col("report.col.takers", 90.0, true),
                col("report.col.mean", 90.0, true),
            ],
            &tests,
        );
    }
    if let (Some(pre), Some(post)) = (
        lr.pre.as_ref().and_then(|x| x.mean_percent),
        lr.post.as_ref().and_then(|x| x.mean_percent),
    ) {
        l.bars(&[
            Bar {
                label: t("test.phase.pre"),
                value: pre,
                max: 100,
                shown: format!("{pre}%"),
                color: GREY,
            },
            Bar {
                label: t("test.phase.post"),
                value: post,
                max: 100,
                shown: format!("{post}%"),
                color: GREEN,
            },
        ]);
    }
    match &lr.gain {
        Some(g) => l.para(
            &t("report.gain")
                .replace("{g}", g)
                .replace("{n}", &lr.paired.to_string()),
            9.5,
            INK,
        ),
        None => l.para(&t("report.no_gain"), 9.5, MUTED),
    }
    l.para(&t("report.labs"), 11.0, INK);
    let labs: Vec<Vec<String>> = lr
        .labs
        .iter()
        .map(|x| {
            vec![
                title(&x.lab),
                x.attempted.to_string(),
                x.passed.to_string(),
                dash(x.mean_best),
                dash(x.median_minutes),
                x.hints.to_string(),
            ]
        })
        .collect();
    l.table(
        &[
            col("labs.lab", 170.0, false),
            col("report.col.attempted", 55.0, true),
            col("report.col.passed", 55.0, true),
            col("report.col.mean_best", 65.0, true),
            col("report.col.median_minutes", 100.0, true),
            col("report.col.hints", 54.0, true),
        ],
        &labs,
    );
    if !lr.checks.is_empty() {
        l.para(&t("report.mistakes"), 11.0, INK);
        let checks: Vec<Vec<String>> = lr
            .checks
            .iter()
            .map(|c| {
                vec![
                    title(&c.lab),
                    format!("{} · {}", t(&format!("check.{}.where", c.kind)), c.check),
                    format!("{} / {}", c.failed, c.of),
                ]
            })
            .collect();
        l.table(
            &[
                col("labs.lab", 160.0, false),
                col("report.col.check", 259.0, false),
                col("report.col.failed", 80.0, true),
            ],
            &checks,
        );
    }
    if !lr.questions.is_empty() {
        l.para(
            &t("report.questions").replace("{n}", &lr.questions.len().to_string()),
            11.0,
            INK,
        );
        let questions: Vec<Vec<String>> = lr
            .questions
            .iter()
            .map(|q| {
                vec![
                    t(&format!("test.phase.{}", q.phase)),
                    q.question.clone(),
                    t(&format!("report.topic.{}", q.topic)),
                    q.answered.to_string(),
                    percent(q.correct_percent),
                    q.discrimination.clone().unwrap_or_default(),
                ]
            })
            .collect();
        l.table(
            &[
                col("report.col.phase", 60.0, false),
                col("report.col.question", 130.0, false),
                col("report.col.topic", 110.0, false),
                col("report.col.answered", 65.0, true),
                col("report.col.correct", 65.0, true),
                col("report.col.discrimination", 69.0, true),
            ],
            &questions,
        );
    }

    l.heading(&t("report.l3"), 13.0);
    let b = &report.behaviour;
    match &b.follow_up {
        Some(f) if f.reports > 0 => {
            let usage: Vec<String> = ["never", "monthly", "weekly", "daily"]
                .iter()
                .zip(f.usage)
                .map(|(u, n)| format!("{} {n}", t(&format!("follow_up.usage.{u}"))))
                .collect();
            l.para(
                &format!(
                    "{} · {}{}{}",
                    t("follow_up.reports").replace("{n}", &f.reports.to_string()),
                    t("follow_up.usage"),
                    t("app.colon"),
                    usage.join(" · ")
                ),
                9.5,
                INK,
            );
            let rows: Vec<Vec<String>> = f
                .confidence
                .iter()
                .map(|c| {
                    vec![
                        t(&format!("follow_up.task.{}", c.task)),
                        tenths(c.before_tenths),
                        tenths(c.now_tenths),
                    ]
                })
                .collect();
            l.table(
                &[
                    col("follow_up.task", 250.0, false),
                    col("follow_up.before", 90.0, true),
                    col("follow_up.now", 90.0, true),
                ],
                &rows,
            );
        }
        _ => l.para(&t("report.missing.follow_up"), 9.5, MUTED),
    }
    l.para(
        &t("report.retention")
            .replace("{retention}", &dash(b.retention_mean))
            .replace("{class}", &dash(b.class_mean)),
        9.5,
        INK,
    );

    l.heading(&t("report.l4"), 13.0);
    l.para(&t("report.l4_note"), 8.5, MUTED);
    let r = &report.results;
    l.para(
        &t("report.results")
            .replace("{n}", &r.filing_checks.to_string())
            .replace("{wrong}", &r.wrong_totals.to_string())
            .replace("{dup}", &r.duplicates.to_string())
            .replace("{unpaid}", &r.unpaid.to_string()),
        9.5,
        INK,
    );

    l.heading(&t("report.people"), 13.0);
    let pack = report.kind == "pack";
    let people: Vec<Vec<String>> = report
        .people
        .iter()
        .map(|p| {
            let mut row = vec![
                p.no.to_string(),
                p.name.clone(),
                percent(p.pre_percent),
                percent(p.post_percent),
                format!("{} / {}", p.labs_passed, p.labs_attempted),
                p.hints.to_string(),
            ];
            if pack {
                row.insert(1, p.class.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    let mut cols = vec![
        col("report.col.no", 45.0, true),
        col("report.col.name", 170.0, false),
        col("report.col.pre", 70.0, true),
        col("report.col.post", 70.0, true),
        col("report.col.labs_passed", 80.0, true),
        col("report.col.hints", 64.0, true),
    ];
    if pack {
        cols[1].w = 100.0;
        cols.insert(1, col("report.col.class", 70.0, false));
    }
    l.table(&cols, &people);
    l.pages
}

/// The report as a PDF. Pure: the same report gives the same bytes.
pub fn render(report: &Report, lib: &Library, lang: Lang) -> Vec<u8> {
    let cat = Catalog::embedded();
    let pages = layout(report, lib, lang);
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!(
                "{} · {}",
                cat.text(lang, "report.heading"),
                report.name
            ))
            .creator("taxlab".to_owned())
            .language(lang.code().to_owned()),
    );
    let n = pages.len();
    crate::pdf::draw_pages(&mut doc, (W, H), pages, |pen, ops, i| {
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    color,
                    text,
                } => pen.text(x, y, size, color, &text),
                Op::Bar { x, y, w, h, color } => {
                    if w > 0.0 {
                        pen.rect(x, y, w, h, Some(fill(color, 1.0)), None);
                    }
                }
                Op::Rule { x1, x2, y } => pen.line(x1, y, x2, y, stroke(RULE, 0.5)),
            }
        }
        let footer = format!(
            "{} · {} · {}/{}",
            report.name,
            report.generated_at,
            i + 1,
            n
        );
        pen.text(MARGIN, H - 30.0, 8.0, MUTED, &printable(&footer));
    });
    doc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_within_the_width_and_unprintable_characters_show_as_boxes() {
        let lines = wrap(&"培训".repeat(40), 10.0, 100.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, 10.0) <= 100.0));
        assert_eq!(lines.concat(), "培训".repeat(40));
        assert_eq!(printable("张😀\n三"), "张〓 三");
        assert!(covers('〓'), "the mark itself prints");
        assert_eq!(printable("⟨g⟩"), "〈g〉");
    }
}
