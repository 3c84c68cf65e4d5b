//! The certificate as a PDF on A4, landscape as the printed 税收完税证明 is (see
//! `../shared/PORTAL-MAP.md` §5): the frame, the QR code, the title, the number, the
//! taxpayer, the table of payments, the total in figures and in capitals, the remarks, the
//! seal (drawn, and marked 模拟 so it cannot pass for a real one) and the 实训沙箱 watermark.
//! Text is set in an embedded subset of Noto Sans CJK SC (`fixtures/fonts`, SIL OFL 1.1).

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::metadata::Metadata;
use krilla::paint::Stroke;
use krilla::text::TextDirection;

use super::{Content, ProofKind};
pub use crate::pdf::covers;
use crate::pdf::{Pen, fill, stroke};

/// A certificate's text: it is printed in Chinese, whatever the reader's language.
pub(super) fn z(key: &str) -> String {
    crate::i18n::Catalog::embedded()
        .text(crate::i18n::Lang::Zh, key)
        .to_owned()
}

pub(super) fn zf(key: &str, args: &[(&str, &str)]) -> String {
    crate::i18n::Catalog::embedded().format(crate::i18n::Lang::Zh, key, args)
}

/// The marker a PDF carries in its metadata so a file can be matched to its record even when
/// its bytes were changed: `taxlab-proof:<number>`.
pub const MARKER: &str = "taxlab-proof:";

const W: f32 = 842.0;
const H: f32 = 595.0;
const GREEN: (u8, u8, u8) = (26, 127, 55);
const RED: (u8, u8, u8) = (200, 30, 30);
const INK: (u8, u8, u8) = (30, 30, 30);
/// Rows of payments a page holds.
const ROWS_PER_PAGE: usize = 10;

impl Pen<'_, '_> {
    /// A circle of radius `r` (four cubic arcs).
    fn circle(&mut self, cx: f32, cy: f32, r: f32, st: Stroke) {
        const K: f32 = 0.552_284_8;
        let k = K * r;
        let mut pb = PathBuilder::new();
        pb.move_to(cx + r, cy);
        pb.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
        pb.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
        pb.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
        pb.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
        pb.close();
        self.path(pb.finish(), None, Some(st));
    }

    /// A five-pointed star centred at (cx, cy).
    fn star(&mut self, cx: f32, cy: f32, r: f32, c: (u8, u8, u8)) {
        let mut pb = PathBuilder::new();
        for i in 0..10 {
            let radius = if i % 2 == 0 { r } else { r * 0.4 };
            let a = std::f32::consts::PI * (i as f32) / 5.0 - std::f32::consts::FRAC_PI_2;
            let (x, y) = (cx + radius * a.cos(), cy + radius * a.sin());
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        pb.close();
        self.path(pb.finish(), Some(fill(c, 1.0)), None);
    }

    /// The QR code of `text` as dark squares, top-left at (x, y), `size` wide.
    fn qr(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
            return;
        };
        let n = code.width();
        let cell = size / n as f32;
        let mut pb = PathBuilder::new();
        for (i, c) in code.to_colors().iter().enumerate() {
            if *c == qrcode::Color::Dark {
                let (col, row) = (i % n, i / n);
                if let Some(r) =
                    Rect::from_xywh(x + col as f32 * cell, y + row as f32 * cell, cell, cell)
                {
                    pb.push_rect(r);
                }
            }
        }
        self.path(pb.finish(), Some(fill(INK, 1.0)), None);
    }

    /// The bureau's seal, drawn and marked 模拟: a red ring, a star, the authority's name
    /// and 证明专用章.
    fn seal(&mut self, cx: f32, cy: f32, authority: &str) {
        self.circle(cx, cy, 40.0, stroke(RED, 2.2));
        self.circle(cx, cy, 36.5, stroke(RED, 0.7));
        self.star(cx, cy - 6.0, 10.0, RED);
        // the district's bureau on two short lines
        let name: Vec<char> = authority
            .trim_start_matches(&z("proof.pdf.sta"))
            .chars()
            .collect();
        let (a, b) = name.split_at(name.len().min(7));
        self.centred(cx, cy - 22.0, 6.5, RED, &a.iter().collect::<String>());
        self.centred(
            cx,
            cy - 14.0,
            6.5,
            RED,
            &b.iter().take(8).collect::<String>(),
        );
        self.centred(cx, cy + 14.0, 7.5, RED, &z("proof.pdf.seal"));
        self.centred(cx, cy + 26.0, 8.0, RED, &z("proof.pdf.simulated"));
    }

    /// 实训沙箱 across the page, light and slanted.
    fn watermark(&mut self) {
        for (x, y) in [(90.0, 450.0), (420.0, 310.0)] {
            self.s
                .push_transform(&Transform::from_rotate_at(-25.0, x, y));
            self.s.set_fill(Some(fill((150, 150, 150), 0.18)));
            self.s.set_stroke(None);
            self.s.draw_text(
                Point::from_xy(x, y),
                self.font.clone(),
                46.0,
                &z("proof.pdf.watermark"),
                false,
                TextDirection::Auto,
            );
            self.s.pop();
        }
    }
}

/// The QR code's text, as the printed certificate's: `null,null,<证明号>,<纳税人识别号>,<金额>,<验证码>`.
pub fn qr_text(c: &Content, number: &str, code: &str) -> String {
    format!("null,null,{number},{},{},{code}", c.uscc, c.total)
}

/// Render a certificate. Pure: the same content, number and code give the same bytes.
pub fn render(c: &Content, number: &str, code: &str) -> Vec<u8> {
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(c.title.clone())
            .keywords(vec![format!("{MARKER}{number}")])
            .creator("taxlab".to_owned())
            .language("zh-CN".to_owned()),
    );
    let chunks: Vec<&[super::PaidLine]> = if c.lines.is_empty() {
        vec![&[]]
    } else {
        c.lines.chunks(ROWS_PER_PAGE).collect()
    };
    let pages = chunks.len();
    crate::pdf::draw_pages(&mut doc, (W, H), chunks, |pen, rows, i| {
        page_of(pen, c, number, code, rows, i + 1, pages);
    });
    doc.finish().unwrap_or_default()
}

fn page_of(
    pen: &mut Pen<'_, '_>,
    c: &Content,
    number: &str,
    code: &str,
    rows: &[super::PaidLine],
    page: usize,
    pages: usize,
) {
    pen.watermark();
    // frame
    pen.rect(
        28.0,
        28.0,
        W - 56.0,
        H - 56.0,
        None,
        Some(stroke(GREEN, 1.6)),
    );
    pen.rect(
        32.0,
        32.0,
        W - 64.0,
        H - 64.0,
        None,
        Some(stroke(GREEN, 0.5)),
    );
    pen.qr(44.0, 44.0, 64.0, &qr_text(c, number, code));
    pen.centred(W / 2.0, 62.0, 13.0, GREEN, &z("proof.pdf.country"));
    pen.centred(W / 2.0, 92.0, 24.0, GREEN, &c.title);
    pen.centred(W / 2.0, 110.0, 9.0, RED, &z("proof.pdf.not_valid"));
    pen.right(W - 46.0, 62.0, 11.0, INK, &format!("No. {number}"));
    pen.right(
        W - 46.0,
        80.0,
        9.0,
        INK,
        &zf("proof.pdf.code", &[("code", code)]),
    );
    let y = 136.0;
    pen.text(
        48.0,
        y,
        10.0,
        INK,
        &zf("proof.pdf.issued_on", &[("date", &c.issued_on_text)]),
    );
    pen.text(
        330.0,
        y,
        10.0,
        INK,
        &zf("proof.pdf.authority", &[("authority", &c.authority)]),
    );
    // taxpayer
    let y = 146.0;
    pen.rect(44.0, y, W - 88.0, 24.0, None, Some(stroke(GREEN, 0.8)));
    pen.line(150.0, y, 150.0, y + 24.0, stroke(GREEN, 0.6));
    pen.line(380.0, y, 380.0, y + 24.0, stroke(GREEN, 0.6));
    pen.line(480.0, y, 480.0, y + 24.0, stroke(GREEN, 0.6));
    pen.text(52.0, y + 16.0, 10.0, GREEN, &z("proof.pdf.uscc"));
    pen.text(158.0, y + 16.0, 10.0, INK, &c.uscc);
    pen.text(388.0, y + 16.0, 10.0, GREEN, &z("proof.pdf.company"));
    pen.text(488.0, y + 16.0, 10.0, INK, &c.company);
    match c.kind {
        ProofKind::PaymentTable | ProofKind::TaxRecord => {
            payments_table(pen, c, rows, page == pages)
        }
        ProofKind::PaymentVoucher => voucher_text(pen, c, rows, page == pages),
        ProofKind::NoArrears => no_arrears_text(pen, c),
    }
    // remarks, seal, issuer
    let y = 462.0;
    pen.text(
        48.0,
        y,
        9.0,
        INK,
        &zf("proof.pdf.remark", &[("remark", &c.remark)]),
    );
    pen.text(48.0, y + 52.0, 10.0, INK, &z("proof.pdf.stamp"));
    pen.seal(230.0, y + 48.0, &c.authority);
    pen.text(560.0, y + 52.0, 10.0, INK, &z("proof.pdf.issuer"));
    pen.text(
        48.0,
        H - 38.0,
        8.0,
        (110, 110, 110),
        &zf(
            "proof.pdf.footer",
            &[("page", &page.to_string()), ("pages", &pages.to_string())],
        ),
    );
    if c.kind != ProofKind::NoArrears {
        let copy = format!("proof.pdf.receipt_copy.{}", c.kind.as_str());
        pen.right(W - 46.0, H - 38.0, 8.0, GREEN, &z(&copy));
    }
}

/// The table's columns: catalogue keys and widths.
const COLUMNS: [(&str, f32); 6] = [
    ("proof.col.voucher", 150.0),
    ("proof.col.item", 110.0),
    ("proof.col.subject", 120.0),
    ("proof.pdf.period_column", 170.0),
    ("proof.col.paid_on", 100.0),
    ("proof.col.amount", 104.0),
];

fn payments_table(pen: &mut Pen<'_, '_>, c: &Content, rows: &[super::PaidLine], last: bool) {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.voucher.clone(),
                r.item_name.clone(),
                r.subject.clone(),
                period(r),
                r.paid_on.clone(),
                r.amount.clone(),
            ]
        })
        .collect();
    table(pen, (44.0, 180.0), &COLUMNS, &cells, last.then_some(c));
}

fn period(r: &super::PaidLine) -> String {
    zf(
        "proof.pdf.period",
        &[("from", &r.period_from), ("to", &r.period_to)],
    )
}

/// A table at (x0, y): the header row, a row per line (the last column, amounts, set to the
/// right), and with `total` the row of the total in capitals and in figures. Returns the y
/// below it.
fn table(
    pen: &mut Pen<'_, '_>,
    (x0, mut y): (f32, f32),
    columns: &[(&str, f32)],
    rows: &[Vec<String>],
    total: Option<&Content>,
) -> f32 {
    let row_h = 22.0;
    let total_w: f32 = columns.iter().map(|(_, w)| w).sum();
    let header = Some(fill((235, 245, 238), 1.0));
    pen.rect(x0, y, total_w, row_h, header, Some(stroke(GREEN, 0.8)));
    let mut x = x0;
    for (name, w) in columns {
        pen.centred(x + w / 2.0, y + 15.0, 9.5, GREEN, &z(name));
        x += w;
    }
    y += row_h;
    for cells in rows {
        pen.rect(x0, y, total_w, row_h, None, Some(stroke(GREEN, 0.4)));
        let mut x = x0;
        for (i, ((_, w), text)) in columns.iter().zip(cells).enumerate() {
            if i + 1 == columns.len() {
                pen.right(x + w - 6.0, y + 15.0, 9.0, INK, text);
            } else {
                pen.text(x + 5.0, y + 15.0, 9.0, INK, text);
            }
            x += w;
        }
        y += row_h;
    }
    if let Some(c) = total {
        pen.rect(x0, y, total_w, row_h, None, Some(stroke(GREEN, 0.8)));
        let capitals = zf(
            "proof.pdf.total_capitals",
            &[("capitals", &c.total_capitals)],
        );
        pen.text(x0 + 6.0, y + 15.0, 10.0, INK, &capitals);
        let figures = format!("¥{}", c.total);
        pen.right(x0 + total_w - 6.0, y + 15.0, 10.0, INK, &figures);
        y += row_h;
    }
    y
}

/// The 文书式's columns: one row per tax, netted.
const VOUCHER_COLUMNS: [(&str, f32); 4] = [
    ("proof.col.item", 150.0),
    ("proof.col.subject", 200.0),
    ("proof.pdf.period_column", 220.0),
    ("proof.col.amount", 150.0),
];

/// The 文书式: a sentence certifying the payments of the range, then one row per tax
/// (netted) with its 品目, 税款所属时期 and amount, and the total.
fn voucher_text(pen: &mut Pen<'_, '_>, c: &Content, rows: &[super::PaidLine], last: bool) {
    let (from, to) = (
        c.date_from.clone().unwrap_or_default(),
        c.date_to.clone().unwrap_or_default(),
    );
    let sentence = zf(
        "proof.pdf.voucher.1",
        &[("company", &c.company), ("from", &from), ("to", &to)],
    );
    pen.text(60.0, 200.0, 11.5, INK, &sentence);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.item_name.clone(),
                r.subject.clone(),
                period(r),
                r.amount.clone(),
            ]
        })
        .collect();
    let y = table(
        pen,
        (60.0, 214.0),
        &VOUCHER_COLUMNS,
        &cells,
        last.then_some(c),
    );
    if last {
        pen.text(60.0, y + 22.0, 11.0, INK, &z("proof.pdf.voucher.2"));
    }
}

fn no_arrears_text(pen: &mut Pen<'_, '_>, c: &Content) {
    let lines = [
        zf(
            "proof.pdf.no_arrears.1",
            &[
                ("date", &c.issued_on_text),
                ("company", &c.company),
                ("uscc", &c.uscc),
            ],
        ),
        z("proof.pdf.no_arrears.2"),
        z("proof.pdf.no_arrears.3"),
    ];
    let mut y = 230.0;
    for l in lines {
        pen.text(80.0, y, 13.0, INK, &l);
        y += 32.0;
    }
}
