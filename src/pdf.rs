//! Drawing PDFs with krilla: the embedded CJK font (a subset of Noto Sans CJK SC in
//! `fixtures/fonts`, SIL OFL 1.1), colours, and a pen that sets text and draws rules and
//! boxes — shared by the certificates (`bureau::proofs::pdf`) and the evaluation report
//! (`evaluation::pdf`).

use std::sync::OnceLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

static FONT_BYTES: &[u8] = include_bytes!("../fixtures/fonts/TaxlabSansSC-Regular.otf");

/// The embedded font, read once.
pub fn font() -> Font {
    static FONT: OnceLock<Font> = OnceLock::new();
    FONT.get_or_init(|| {
        Font::new(FONT_BYTES.into(), 0).expect("fixtures/fonts: the embedded font reads")
    })
    .clone()
}

/// Whether the embedded font has a glyph for the character (a test keeps every character the
/// sandbox can print covered).
pub fn covers(c: char) -> bool {
    use skrifa::MetadataProvider;
    skrifa::FontRef::new(FONT_BYTES)
        .ok()
        .is_some_and(|f| f.charmap().map(c).is_some())
}

pub fn color(c: (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

pub fn fill(c: (u8, u8, u8), opacity: f32) -> Fill {
    Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE),
        rule: Default::default(),
    }
}

pub fn stroke(c: (u8, u8, u8), width: f32) -> Stroke {
    Stroke {
        paint: color(c).into(),
        width,
        ..Default::default()
    }
}

/// The width of a text: a hanzi or full-width sign is 1 em, the rest about half.
pub fn width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 1.0 } else { 0.55 })
        .sum::<f32>()
        * size
}

/// Draws on one page's surface with the embedded font.
pub struct Pen<'a, 'b> {
    pub s: &'a mut Surface<'b>,
    pub font: Font,
}

impl Pen<'_, '_> {
    pub fn text(&mut self, x: f32, y: f32, size: f32, c: (u8, u8, u8), text: &str) {
        self.s.set_fill(Some(fill(c, 1.0)));
        self.s.set_stroke(None);
        self.s.draw_text(
            Point::from_xy(x, y),
            self.font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    pub fn centred(&mut self, cx: f32, y: f32, size: f32, c: (u8, u8, u8), text: &str) {
        self.text(cx - width(text, size) / 2.0, y, size, c, text);
    }

    pub fn right(&mut self, rx: f32, y: f32, size: f32, c: (u8, u8, u8), text: &str) {
        self.text(rx - width(text, size), y, size, c, text);
    }

    pub fn path(&mut self, p: Option<Path>, f: Option<Fill>, st: Option<Stroke>) {
        if let Some(p) = p {
            self.s.set_fill(f);
            self.s.set_stroke(st);
            self.s.draw_path(&p);
        }
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, f: Option<Fill>, st: Option<Stroke>) {
        let mut pb = PathBuilder::new();
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            pb.push_rect(r);
        }
        self.path(pb.finish(), f, st);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, st: Stroke) {
        let mut pb = PathBuilder::new();
        pb.move_to(x1, y1);
        pb.line_to(x2, y2);
        self.path(pb.finish(), None, Some(st));
    }
}

/// Add a page of `w` × `h` points to `doc` for each of `pages`, drawn by `draw` with the
/// page's index.
pub fn draw_pages<T>(
    doc: &mut Document,
    (w, h): (f32, f32),
    pages: impl IntoIterator<Item = T>,
    mut draw: impl FnMut(&mut Pen<'_, '_>, T, usize),
) {
    for (i, content) in pages.into_iter().enumerate() {
        let Some(settings) = PageSettings::from_wh(w, h) else {
            break;
        };
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let mut pen = Pen {
            s: &mut surface,
            font: font(),
        };
        draw(&mut pen, content, i);
        surface.finish();
        page.finish();
    }
}
