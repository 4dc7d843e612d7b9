//! Plain text (.txt, .md) bytes to a string: UTF-8 with or without a BOM, UTF-16 with a BOM,
//! or CP932 (Windows Shift_JIS, which encoding_rs's `SHIFT_JIS` decoder implements).

use crate::error::AuditError;

/// Decodes text bytes, or fails when they are neither UTF-8 nor CP932.
pub(crate) fn decode(file: &str, bytes: &[u8]) -> Result<String, AuditError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest).map(str::to_owned).map_err(|_| {
            AuditError::UndecodableText {
                file: file.to_owned(),
            }
        });
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let encoding = if bytes[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[2..]);
        if had_errors {
            return Err(AuditError::UndecodableText {
                file: file.to_owned(),
            });
        }
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(AuditError::UndecodableText {
            file: file.to_owned(),
        });
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_cp932_decode_alike() {
        let text = "第1条（秘密の保持）乙は";
        let (cp932, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode("a.txt", text.as_bytes()).expect("utf-8"), text);
        assert_eq!(decode("a.txt", &with_bom).expect("bom"), text);
        assert_eq!(decode("a.txt", &cp932).expect("cp932"), text);
    }

    #[test]
    fn invalid_bytes_are_an_error_with_the_file_name() {
        let error = decode("壊れた.txt", &[0x82, 0xFF, 0xFF, 0x82]).expect_err("not text");
        assert_eq!(error.code(), "E-AUDIT-010");
        assert!(error.to_string().contains("壊れた.txt"));
    }
}
