//! Fuzzes the RDF import path in every input syntax (chosen by the first
//! byte): parsing with error positions, item extraction, reference
//! resolution and the draft writes (as a dry run).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

#[path = "common.rs"]
mod common;
use common::kb;


fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let syntax = importers::RdfSyntax::ALL[usize::from(first) % importers::RdfSyntax::ALL.len()];
    let (kb, _) = kb();
    let opts = importers::RdfImportOptions {
        dry_run: true,
        syntax: Some(syntax),
        ..Default::default()
    };
    let _ = importers::import_rdf_bytes(kb, &kb::Actor::system(), Path::new("fuzz.rdf"), rest, &opts);
});
