//! Checks a zip-based workbook (xlsx, ods) before any parser sees it: that the directory reads,
//! that the uncompressed sizes and ratios are sane (zip bombs), that ods content is not
//! encrypted, and that the shared-strings count an xlsx declares is believable (calamine reserves
//! memory for it up front).
//!
//! An xlsx of ordinary size is also *repacked* here ([`xlsx_package`]): the parts that carry
//! values are inflated once, which verifies their checksums, and stored uncompressed in a new
//! in-memory package for calamine. Read from the file itself, each sheet would be inflated three
//! times (the checksum pass, calamine's cell stream, and calamine's second pass for merged
//! regions) and the theme parsed for colours nobody reads.

use std::io::{Cursor, Read, Write as _};

use mamori_core::Code;

use crate::{DiagnosticSeed, Limits};

/// Runs every archive check; the first failure is returned.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), DiagnosticSeed> {
    let mut archive = open_checked(bytes, limits)?;
    check_checksums(&mut archive)?;
    check_shared_strings(&mut archive)?;
    Ok(())
}

/// Inflates the parts that carry values to compare their checksums (see [`Package::Original`]).
pub fn verify_checksums(bytes: &[u8]) -> Result<(), DiagnosticSeed> {
    check_checksums(&mut open(bytes)?)
}

/// What calamine reads an xlsx from.
#[derive(Debug)]
pub enum Package<'a> {
    /// The file itself: a workbook too large to hold inflated (a long ledger), streamed from its
    /// compressed parts. Every check has passed but the checksums: the caller runs
    /// [`verify_checksums`] (alongside the read, on another thread) before using what it read.
    Original(&'a [u8]),
    /// A zip of the parts that carry values, inflated and stored uncompressed, every check
    /// passed on the way.
    Repacked(Vec<u8>),
}

/// Runs every archive check on an xlsx and returns what calamine should read: the parts that
/// carry values inflated once when they fit in [`Limits::max_repacked_bytes`], else the file.
pub fn xlsx_package<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Package<'a>, DiagnosticSeed> {
    let mut archive = open_checked(bytes, limits)?;
    let mut kept: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| entry_error(&error))?;
        if is_value_part(&entry.name().unwrap_or_default()) {
            kept = kept.saturating_add(entry.size());
        }
    }
    if kept > limits.max_repacked_bytes {
        check_shared_strings(&mut archive)?;
        return Ok(Package::Original(bytes));
    }
    let capacity = usize::try_from(kept).unwrap_or(0).saturating_add(4096);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(capacity)));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut part = Vec::new();
    for index in 0..archive.len() {
        let (mut entry, name) = entry_at(&mut archive, index)?;
        if !is_value_part(&name) {
            continue;
        }
        part.clear();
        // Reading to the end compares the checksum: a damaged part fails here.
        entry
            .read_to_end(&mut part)
            .map_err(|error| damaged_part(&name, &error))?;
        if name == "xl/sharedStrings.xml" {
            check_shared_strings_head(&part, part.len() as u64)?;
        }
        writer
            .start_file(name.as_str(), stored)
            .and_then(|()| writer.write_all(&part).map_err(Into::into))
            .map_err(|error| damaged_part(&name, &error))?;
    }
    let repacked = writer
        .finish()
        .map_err(|error| damaged_part("", &error))?
        .into_inner();
    Ok(Package::Repacked(repacked))
}

/// The parts calamine reads for values: the package's XML and relationships, except the theme
/// (colours), the document properties and the content-type list (calamine follows the
/// relationships instead).
fn is_value_part(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    (name.ends_with(".xml") || name.ends_with(".rels"))
        && !name.starts_with("docprops/")
        && !name.contains("/theme/")
        && name != "[content_types].xml"
}

/// An entry of an archive in memory, open for reading.
type Entry<'a, 'b> = zip::read::ZipFile<'a, Cursor<&'b [u8]>>;

/// An entry opened for reading, with its name.
fn entry_at<'a, 'b>(
    archive: &'a mut zip::ZipArchive<Cursor<&'b [u8]>>,
    index: usize,
) -> Result<(Entry<'a, 'b>, String), DiagnosticSeed> {
    let entry = archive
        .by_index(index)
        .map_err(|error| entry_error(&error))?;
    let name = entry
        .name()
        .map(|name| name.into_owned())
        .unwrap_or_default();
    Ok((entry, name))
}

fn entry_error(error: &zip::result::ZipError) -> DiagnosticSeed {
    DiagnosticSeed::file(
        Code::CorruptFile,
        format!("zip 形式の項目を読めません（{error}）"),
    )
}

fn damaged_part(name: &str, error: &dyn std::fmt::Display) -> DiagnosticSeed {
    DiagnosticSeed::file(
        Code::CorruptFile,
        format!(
            "項目「{name}」の内容が壊れています（{error}）。元のファイルを保存し直してから取り込んでください"
        ),
    )
}

/// Opens the archive: its directory must read.
fn open(bytes: &[u8]) -> Result<zip::ZipArchive<Cursor<&[u8]>>, DiagnosticSeed> {
    zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| {
        DiagnosticSeed::file(
            Code::CorruptFile,
            format!("zip 形式の構造を読めません（{error}）。ファイルが途中で切れているか壊れています。元のファイルを保存し直してください"),
        )
    })
}

/// Opens the archive and checks its directory: entry count, sizes and ratios, encryption.
fn open_checked<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<zip::ZipArchive<Cursor<&'a [u8]>>, DiagnosticSeed> {
    let mut archive = open(bytes)?;
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
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| entry_error(&error))?;
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
    Ok(archive)
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
    check_shared_strings_head(&head, uncompressed)
}

/// The declared string count against the part's size, from the part's first bytes.
fn check_shared_strings_head(head: &[u8], uncompressed: u64) -> Result<(), DiagnosticSeed> {
    let head = String::from_utf8_lossy(&head[..head.len().min(2048)]);
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
        let (mut entry, name) = entry_at(archive, index)?;
        // Only the parts that carry cells, labels or sheet names matter to the figures; styles,
        // themes and properties are left to the parser.
        let carries_data = name.starts_with("xl/worksheets/")
            || name == "xl/sharedStrings.xml"
            || name == "xl/workbook.xml"
            || name == "content.xml";
        if !carries_data {
            continue;
        }
        std::io::copy(&mut entry, &mut std::io::sink())
            .map_err(|error| damaged_part(&name, &error))?;
    }
    Ok(())
}
