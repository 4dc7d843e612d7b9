//! Files in a folder, as jobs see them: recursive, in name order, without hidden files, Office
//! lock files (`~$…`) or folders reached through links.

use std::path::{Path, PathBuf};

/// The files under `folder` whose extension (case-insensitive) is one of `extensions`.
pub fn files_in(folder: &Path, extensions: &[&str]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    walk(folder, extensions, &mut files)?;
    Ok(files)
}

fn walk(folder: &Path, extensions: &[&str], files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut paths = std::fs::read_dir(folder)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()?;
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        let metadata = std::fs::symlink_metadata(&path)?;
        if metadata.is_dir() {
            walk(&path, extensions, files)?;
        } else if path.is_file() {
            let extension = path
                .extension()
                .map(|extension| extension.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if extensions.contains(&extension.as_str()) {
                files.push(path);
            }
        }
    }
    Ok(())
}
