//! Supporting files a taxpayer sends with an application, an explanation or a dispute: a
//! PDF, PNG or JPEG (known by its first bytes, never by its name), not empty, not larger
//! than `refunds.toml`'s `max_file_bytes`, kept under its own name without any path.

use crate::domain::tax::Policy;

/// A file that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// A file's type from its first bytes: PDF, PNG or JPEG.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Check a file sent as `name`; a refusal is its code (`empty_file`, `file_too_large`,
/// `file_type`).
pub fn check(name: &str, bytes: Vec<u8>) -> Result<Attachment, &'static str> {
    if bytes.is_empty() {
        return Err("empty_file");
    }
    if bytes.len() > Policy::embedded().refunds.max_file_bytes {
        return Err("file_too_large");
    }
    let mime = sniff(&bytes).ok_or("file_type")?;
    let name: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect();
    Ok(Attachment {
        name: if name.is_empty() { "file".into() } else { name },
        mime,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_first_bytes_not_their_names() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b"PK\x03\x04"), None, "a zip (xlsx, docx) is refused");
        let ok = check("../../etc/说明.pdf", b"%PDF-1.4".to_vec()).unwrap();
        assert_eq!((ok.name.as_str(), ok.mime), ("说明.pdf", "application/pdf"));
        assert_eq!(check("a.pdf", Vec::new()), Err("empty_file"));
        assert_eq!(check("a.pdf", b"hello".to_vec()), Err("file_type"));
        let mut big = vec![b'%'; Policy::embedded().refunds.max_file_bytes + 1];
        big[..5].copy_from_slice(b"%PDF-");
        assert_eq!(check("a.pdf", big), Err("file_too_large"));
    }
}
