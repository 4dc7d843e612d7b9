//! Checks a zip-based workbook (xlsx, ods) before any parser sees it: that the directory reads,
//! that the uncompressed sizes and ratios are sane (zip bombs), that ods content is not
//! encrypted, and that the shared-strings count an xlsx declares is believable (calamine reserves
//! memory for it up front).

use std::io::{Cursor, Read};

use mamori_core::Code;

use crate::{DiagnosticSeed, Limits};

/// Runs every archive check; the first failure is returned.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), DiagnosticSeed> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| {
        DiagnosticSeed::file(
            Code::CorruptFile,
            format!("zip 形式の構造を読めません（{error}）。ファイルが途中で切れているか壊れています。元のファイルを保存し直してください"),
        )
    })?;
    if archive.len() > limits.max_archive_entries {
        return Err(DiagnosticSeed::file(
            Code::ArchiveTooLarge,
            format!(
                "ファイル内の項目数（{}）が上限（{}）を超えます",
                archive.len(),
                limits.max_archive_entries
            ),
        ));
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|error| {
            DiagnosticSeed::file(
                Code::CorruptFile,
                format!("zip 形式の項目を読めません（{error}）"),
            )
        })?;
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if size > limits.max_uncompressed_entry_bytes
            || (size > limits.ratio_check_from_bytes
                && size / compressed > limits.max_compression_ratio)
        {
            return Err(DiagnosticSeed::file(
                Code::ArchiveTooLarge,
                format!(
                    "項目「{}」の展開後の大きさ（{} バイト、圧縮率 {} 倍）が上限を超えます。通常の表計算ファイルではありえない大きさのため取り込みません",
                    entry.name().unwrap_or_default(),
                    size,
                    size / compressed
                ),
            ));
        }
        if entry.encrypted() {
            return Err(password_protected());
        }
    }
    if total > limits.max_uncompressed_total_bytes {
        return Err(DiagnosticSeed::file(
            Code::ArchiveTooLarge,
            format!(
                "展開後の合計の大きさ（{total} バイト）が上限（{} バイト）を超えます",
                limits.max_uncompressed_total_bytes
            ),
        ));
    }
    check_ods_encryption(&mut archive)?;
    check_checksums(&mut archive)?;
    check_shared_strings(&mut archive)?;
    Ok(())
}

/// The message for every password-protected format.
pub fn password_protected() -> DiagnosticSeed {
    DiagnosticSeed::file(
        Code::PasswordProtected,
        "パスワードで保護されているため読めません。ファイルを開いてパスワードを解除し（「ファイル」→「情報」→「ブックの保護」→「パスワードを使用して暗号化」を空にする）、保存し直してから取り込んでください",
    )
}

fn check_ods_encryption(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
) -> Result<(), DiagnosticSeed> {
    let Ok(manifest) = archive.by_name("META-INF/manifest.xml") else {
        return Ok(());
    };
    let mut content = String::new();
    manifest
        .take(1 << 20)
        .read_to_string(&mut content)
        .map_err(|error| {
            DiagnosticSeed::file(
                Code::CorruptFile,
                format!("manifest.xml を読めません（{error}）"),
            )
        })?;
    if content.contains("encryption-data") {
        return Err(password_protected());
    }
    Ok(())
}

fn check_shared_strings(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
) -> Result<(), DiagnosticSeed> {
    let Ok(entry) = archive.by_name("xl/sharedStrings.xml") else {
        return Ok(());
    };
    let uncompressed = entry.size();
    let mut head = Vec::with_capacity(2048);
    entry.take(2048).read_to_end(&mut head).map_err(|error| {
        DiagnosticSeed::file(
            Code::CorruptFile,
            format!("sharedStrings.xml を読めません（{error}）"),
        )
    })?;
    let head = String::from_utf8_lossy(&head);
    for attribute in ["uniqueCount=\"", "count=\""] {
        let Some(start) = head.find(attribute) else {
            continue;
        };
        let digits: String = head[start + attribute.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let Ok(declared) = digits.parse::<u64>() else {
            return Err(DiagnosticSeed::file(
                Code::CorruptFile,
                "sharedStrings.xml の件数の宣言が読めません",
            ));
        };
        // Every string needs at least `<si><t/></si>` (13 bytes); a larger claim is a lie.
        if attribute == "uniqueCount=\"" && declared > uncompressed / 13 + 1 {
            return Err(DiagnosticSeed::file(
                Code::CorruptFile,
                format!(
                    "共有文字列の件数の宣言（{declared}）が内容の大きさと合いません。ファイルが壊れています"
                ),
            ));
        }
    }
    Ok(())
}

/// Decompresses every entry once so that the zip checksums are verified: calamine stops reading
/// a sheet at `</sheetData>` (and its merged regions at `</mergeCells>`), before the end where the
/// checksum is compared, so a damaged deflate stream could otherwise read as different numbers
/// without any error. The sizes were bounded above, so this is bounded too.
fn check_checksums(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), DiagnosticSeed> {
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|error| {
            DiagnosticSeed::file(
                Code::CorruptFile,
                format!("zip 形式の項目を読めません（{error}）"),
            )
        })?;
        let name = entry
            .name()
            .map(|name| name.into_owned())
            .unwrap_or_default();
        // Only the parts that carry cells, labels or sheet names matter to the figures; styles,
        // themes and properties are left to the parser.
        let carries_data = name.starts_with("xl/worksheets/")
            || name == "xl/sharedStrings.xml"
            || name == "xl/workbook.xml"
            || name == "content.xml";
        if !carries_data {
            continue;
        }
        std::io::copy(&mut entry, &mut std::io::sink()).map_err(|error| {
            DiagnosticSeed::file(
                Code::CorruptFile,
                format!(
                    "項目「{name}」の内容が壊れています（{error}）。元のファイルを保存し直してから取り込んでください"
                ),
            )
        })?;
    }
    Ok(())
}
