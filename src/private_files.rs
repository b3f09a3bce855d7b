//! Secrets and personal data on disk are for the service's own user only: files 0600 and
//! directories 0700, whatever the umask the process was started with (the link key, the
//! SQLite database and its WAL, written mail, the search index).

use std::io::Write;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Files and directories the process creates from now on get no group or other permissions.
pub fn restrict_umask() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates `dir` (and its parents) as 0700 when missing.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)
}

/// Writes `bytes` to a new file at `path`, readable and writable by the owner only.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Creates an empty file at `path` as 0600 if there is none (SQLite then opens it, and gives
/// its `-wal` and `-shm` files the same permissions).
pub fn touch(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).map(drop)
}

/// Makes an existing file readable and writable by its owner only.
pub fn tighten(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Takes group and other permissions off `dir` and everything under it (a data directory
/// written by an earlier version, or copied in with a loose umask). Symbolic links are left.
pub fn secure_tree(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let meta = std::fs::symlink_metadata(dir)?;
        if meta.file_type().is_symlink() {
            return Ok(());
        }
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(dir)? {
                secure_tree(&entry?.path())?;
            }
        }
    }
    Ok(())
}

/// What the service keeps in its data directory, made private: the directory itself (not what
/// else someone put in it), the SQLite files, the link key, written mail and the index.
pub fn secure_data_dir(dir: &Path) -> std::io::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("heartland.db") || matches!(name, "link.key" | "mail" | "index") {
            secure_tree(&path)?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn a_loose_tree_is_tightened_and_new_files_are_private() {
        let dir = tempfile::tempdir().expect("dir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("mail")).expect("mkdir");
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let eml = data.join("mail").join("a.eml");
        std::fs::write(&eml, "x").expect("write");
        std::fs::set_permissions(&eml, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let other = data.join("notes.txt");
        std::fs::write(&other, "x").expect("write");
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        secure_data_dir(&data).expect("secure");
        assert_eq!(
            mode(&other),
            0o644,
            "what the service does not keep is left alone"
        );
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("mail")) & 0o077, 0);
        assert_eq!(mode(&eml), 0o600);
        let key = data.join("link.key");
        write(&key, b"secret").expect("write");
        assert_eq!(mode(&key), 0o600);
    }
}
