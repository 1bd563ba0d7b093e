//! Shared by the fuzz targets: one knowledge base per process.

use std::sync::OnceLock;

/// A knowledge base in a temporary directory, opened once.
pub fn kb() -> &'static (kb::Kb, tempfile::TempDir) {
    static KB: OnceLock<(kb::Kb, tempfile::TempDir)> = OnceLock::new();
    KB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let kb = kb::Kb::open(dir.path(), kb::KbConfig::default()).expect("open");
        (kb, dir)
    })
}
