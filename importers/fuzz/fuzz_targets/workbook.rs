//! Fuzzes the workbook import path: format detection, sheet reading,
//! header detection, row parsing and the write transaction (as a dry run,
//! so the store does not grow). Any input must give a report or an error,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

#[path = "common.rs"]
mod common;
use common::kb;


fuzz_target!(|data: &[u8]| {
    let (kb, _) = kb();
    let opts = importers::KbImportOptions {
        dry_run: true,
        ..Default::default()
    };
    let _ = importers::import_kb_bytes(
        kb,
        &kb::Actor::system(),
        Path::new("fuzz.xlsx"),
        data.to_vec(),
        &opts,
        &mut |_| {},
    );
    let _ = importers::import_org_bytes(
        kb,
        &kb::Actor::system(),
        Path::new("fuzz.xlsx"),
        data.to_vec(),
        &importers::OrgImportOptions {
            dry_run: true,
            ..Default::default()
        },
        &mut |_| {},
    );
});
