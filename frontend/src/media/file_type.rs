//! The short type shown on a file card: the name's extension when it has a plausible one
//! ("PDF", "ZIP"), since that is what people recognise, otherwise the sniffed type's subtype.

use crate::locale::{Locale, td_string};

/// "PDF" for `report.pdf`; "OCTET-STREAM" for `README` sent as `application/octet-stream`;
/// "File" (in `language`) when neither says anything.
pub fn type_label(name: &str, content_type: &str, language: Locale) -> String {
    let extension = name.rsplit_once('.').filter(|(stem, ext)| {
        !stem.is_empty() && (1..=5).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric())
    });
    match extension {
        Some((_, ext)) => ext.to_ascii_uppercase(),
        None => {
            let subtype = content_type.split(';').next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
            if subtype.trim().is_empty() {
                td_string!(language, composer.file_type_unknown).to_owned()
            } else {
                subtype.trim().to_ascii_uppercase()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_names_the_type_and_the_sniffed_type_fills_in() {
        let english = Locale::en;
        assert_eq!(type_label("report.pdf", "application/pdf", english), "PDF");
        assert_eq!(type_label("archive.tar.gz", "application/gzip", english), "GZ");
        assert_eq!(type_label("README", "text/plain; charset=utf-8", english), "PLAIN");
        assert_eq!(type_label(".bashrc", "application/octet-stream", english), "OCTET-STREAM");
        assert_eq!(type_label("notes.averylongext", "", english), "File");
        assert_eq!(type_label("notes.averylongext", "", Locale::de), "Datei");
    }
}
