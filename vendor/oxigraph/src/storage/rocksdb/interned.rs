//! Bulk load of interned quads (centralino patch, see PATCHES.md).
//!
//! The caller gives a table of terms and its quads as four indices into
//! that table. Each term used is encoded once; quads become tuples of the
//! terms' ranks in the order of their encoded bytes. As the term encodings
//! are prefix-free (the type byte fixes the length), sorting rank tuples
//! sorts the keys the same way their concatenated bytes would sort, so each
//! index is one sort of 16-byte integers instead of a sort of heap-allocated
//! byte strings, and each index becomes a single SST file whose keys do not
//! overlap each other.

use super::{RocksDbStorage, StorageError};
use crate::model::Term;
use crate::storage::binary_encoder::{WRITTEN_TERM_MAX_SIZE, write_term};
use crate::storage::numeric_encoder::{EncodedTerm, insert_term};
use crate::storage::rocksdb_wrapper::ColumnFamily;
use crate::storage::{INTERNED_DEFAULT_GRAPH, interned_quad};
use std::fs::remove_file;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The order of the slots `[subject, predicate, object, graph]` in each
/// quad index, and of `[subject, predicate, object]` in each triple index.
const GSPO: [usize; 4] = [3, 0, 1, 2];
const GPOS: [usize; 4] = [3, 1, 2, 0];
const GOSP: [usize; 4] = [3, 2, 0, 1];
const SPOG: [usize; 4] = [0, 1, 2, 3];
const POSG: [usize; 4] = [1, 2, 0, 3];
const OSPG: [usize; 4] = [2, 0, 1, 3];
const SPO: [usize; 3] = [0, 1, 2];
const POS: [usize; 3] = [1, 2, 0];
const OSP: [usize; 3] = [2, 0, 1];

/// One SST file to write.
enum Task {
    Id2Str,
    Graphs,
    /// A quad index: the order of its slots.
    Quads(ColumnFamily, [usize; 4]),
    /// A default-graph index.
    Triples(ColumnFamily, [usize; 3]),
}

/// Bytes per term in [`Encoded::slots`]: the length, then the encoding.
const SLOT: usize = 1 + WRITTEN_TERM_MAX_SIZE;

/// The encoded terms of a load, by rank (the order of their bytes).
struct Encoded {
    /// Each rank's encoding in a slot of `SLOT` bytes, in rank order: a
    /// term is one load away (no table of offsets to read first), and the
    /// leading term of an index's keys is read in order.
    slots: Vec<u8>,
    /// The strings to store in `id2str`: their hash and span in `text`.
    strings: Vec<([u8; 16], usize, usize)>,
    text: String,
}

impl Encoded {
    fn term(&self, rank: u32) -> &[u8] {
        let slot = &self.slots[rank as usize * SLOT..][..SLOT];
        &slot[1..=usize::from(slot[0])]
    }
}

/// The strings of some terms for `id2str`: hash and span in `text`.
#[derive(Default)]
struct Strings {
    strings: Vec<([u8; 16], usize, usize)>,
    text: String,
}

/// Encodes the terms marked used into their slots (length, then bytes).
fn encode_terms(terms: &[Term], used: &[bool], slots: &mut [u8]) -> Result<Strings, StorageError> {
    let mut out = Strings::default();
    let mut bytes = Vec::with_capacity(SLOT);
    for (i, term) in terms.iter().enumerate() {
        if !used[i] {
            continue;
        }
        let encoded = EncodedTerm::from(term.as_ref());
        insert_term(term.as_ref(), &encoded, &mut |hash, value| {
            out.strings.push((hash.to_be_bytes(), out.text.len(), out.text.len() + value.len()));
            out.text.push_str(value);
        });
        bytes.clear();
        write_term(&mut bytes, &encoded);
        let len = u8::try_from(bytes.len())
            .ok()
            .filter(|&l| usize::from(l) < SLOT)
            .ok_or_else(|| invalid(format!("interned load: {term} encodes to {} bytes", bytes.len())))?;
        let slot = &mut slots[i * SLOT..][..SLOT];
        slot[0] = len;
        slot[1..=bytes.len()].copy_from_slice(&bytes);
    }
    Ok(out)
}

fn invalid(message: String) -> StorageError {
    StorageError::Other(message.into())
}

/// Writes the SST files of `quads` (see [`crate::store::BulkLoader::load_interned`])
/// with up to `threads` threads; the files are ingested by the caller.
pub fn build_sst_files(
    storage: &RocksDbStorage,
    terms: &[Term],
    quads: &[[u32; 4]],
    threads: usize,
) -> Result<Vec<(ColumnFamily, PathBuf)>, StorageError> {
    // Check the quads and mark the terms they use.
    let mut used = vec![false; terms.len()];
    let mut defaults = 0;
    for &quad in quads {
        interned_quad(terms, quad)?;
        let [s, p, o, g] = quad;
        for id in [s, p, o] {
            used[id as usize] = true;
        }
        if g == INTERNED_DEFAULT_GRAPH {
            defaults += 1;
        } else {
            used[g as usize] = true;
        }
    }
    if quads.is_empty() {
        return Ok(Vec::new());
    }

    // Encode each term used once (the table shared out among the threads,
    // each term in its slot), then rank the encodings.
    let mut by_id = vec![0_u8; terms.len() * SLOT];
    let chunk = terms.len().div_ceil(threads.max(1)).max(1);
    let parts: Vec<Result<Strings, StorageError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = by_id
            .chunks_mut(chunk * SLOT)
            .zip(terms.chunks(chunk).zip(used.chunks(chunk)))
            .map(|(slots, (terms, used))| scope.spawn(move || encode_terms(terms, used, slots)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err(invalid("interned load: a thread encoding terms panicked".into()))))
            .collect()
    });
    let mut strings = Vec::new();
    let mut text = String::new();
    for part in parts {
        let part = part?;
        let base = text.len();
        strings.extend(part.strings.into_iter().map(|(hash, start, end)| (hash, base + start, base + end)));
        text.push_str(&part.text);
    }
    let slot = |id: u32| &by_id[id as usize * SLOT..][..SLOT];
    let of = |id: u32| {
        let slot = slot(id);
        &slot[1..=usize::from(slot[0])]
    };
    // Sorted by the first 16 bytes as an integer (zero-padded, which orders
    // a shorter encoding before a longer one it begins), then by the rest.
    let prefix = |id: u32| {
        let term = of(id);
        let mut head = [0_u8; 16];
        let n = term.len().min(16);
        head[..n].copy_from_slice(&term[..n]);
        u128::from_be_bytes(head)
    };
    let mut order: Vec<(u128, u32)> = (0..terms.len()).filter(|&id| used[id]).map(|id| (prefix(id as u32), id as u32)).collect();
    drop(used);
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| of(a.1).cmp(of(b.1))));
    // Distinct terms with the same encoding (as "01" and "1" typed
    // xsd:integer) share a rank, so their quads share a key.
    let mut rank = vec![0_u32; terms.len()];
    let mut slots = Vec::with_capacity(order.len() * SLOT);
    let mut ranks = 0_u32;
    for (i, &(_, id)) in order.iter().enumerate() {
        if i == 0 || of(order[i - 1].1) != of(id) {
            slots.extend_from_slice(slot(id));
            ranks += 1;
        }
        rank[id as usize] = ranks - 1;
    }
    drop(order);
    drop(by_id);
    let encoded = Encoded { slots, strings, text };

    let mut named = Vec::with_capacity(quads.len() - defaults);
    let mut default = Vec::with_capacity(defaults);
    for &[s, p, o, g] in quads {
        let r = |id: u32| rank[id as usize];
        if g == INTERNED_DEFAULT_GRAPH {
            default.push([r(s), r(p), r(o)]);
        } else {
            named.push([r(s), r(p), r(o), r(g)]);
        }
    }
    drop(rank);

    let mut tasks = vec![Task::Id2Str];
    if !named.is_empty() {
        tasks.push(Task::Graphs);
        for (cf, order) in [
            (&storage.gspo_cf, GSPO),
            (&storage.gpos_cf, GPOS),
            (&storage.gosp_cf, GOSP),
            (&storage.spog_cf, SPOG),
            (&storage.posg_cf, POSG),
            (&storage.ospg_cf, OSPG),
        ] {
            tasks.push(Task::Quads(cf.clone(), order));
        }
    }
    if !default.is_empty() {
        for (cf, order) in [(&storage.dspo_cf, SPO), (&storage.dpos_cf, POS), (&storage.dosp_cf, OSP)] {
            tasks.push(Task::Triples(cf.clone(), order));
        }
    }

    // The files are shared out among the threads as each finishes one.
    let next = AtomicUsize::new(0);
    let files = Mutex::new(Vec::new());
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, tasks.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(task) = tasks.get(i) else { break };
                    if failure.lock().is_ok_and(|f| f.is_some()) {
                        break;
                    }
                    match write_task(storage, task, &encoded, &named, &default) {
                        Ok(Some(file)) => files.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(file),
                        Ok(None) => (),
                        Err(e) => {
                            *failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    let files = files.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(e) = failure.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        for (_, file) in files {
            #[expect(unused_must_use)] // We already have an error to report
            remove_file(file);
        }
        return Err(e);
    }
    Ok(files)
}

fn write_task(
    storage: &RocksDbStorage,
    task: &Task,
    encoded: &Encoded,
    named: &[[u32; 4]],
    default: &[[u32; 3]],
) -> Result<Option<(ColumnFamily, PathBuf)>, StorageError> {
    match task {
        Task::Id2Str => {
            let mut strings = encoded.strings.clone();
            if strings.is_empty() {
                return Ok(None);
            }
            strings.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            strings.dedup_by(|a, b| a.0 == b.0);
            let mut sst = storage.db.new_sst_file()?;
            for (key, start, end) in strings {
                sst.insert(&key, &encoded.text.as_bytes()[start..end])?;
            }
            Ok(Some((storage.id2str_cf.clone(), sst.finish()?)))
        }
        Task::Graphs => {
            let mut graphs: Vec<u32> = named.iter().map(|q| q[3]).collect();
            graphs.sort_unstable();
            graphs.dedup();
            let mut sst = storage.db.new_sst_file()?;
            for g in graphs {
                sst.insert_empty(encoded.term(g))?;
            }
            Ok(Some((storage.graphs_cf.clone(), sst.finish()?)))
        }
        Task::Quads(cf, order) => Ok(Some((cf.clone(), write_index(storage, named, *order, encoded)?))),
        Task::Triples(cf, order) => Ok(Some((cf.clone(), write_index(storage, default, *order, encoded)?))),
    }
}

/// Writes one index: its rows' ranks in the index's slot order, packed
/// into one integer each, sorted, deduplicated, and written as keys.
fn write_index<const N: usize>(
    storage: &RocksDbStorage,
    rows: &[[u32; N]],
    order: [usize; N],
    encoded: &Encoded,
) -> Result<PathBuf, StorageError> {
    let mut keys: Vec<u128> = rows.iter().map(|row| order.iter().fold(0_u128, |key, &slot| (key << 32) | u128::from(row[slot]))).collect();
    keys.sort_unstable();
    keys.dedup();
    write_keys(storage, &keys, N as u32, encoded)
}

/// Writes sorted keys of `width` ranks as the concatenation of their terms'
/// encodings. The keys are put together a few thousand at a time before
/// they go to the writer: the terms' loads then overlap each other instead
/// of waiting on one cache miss per key between two calls into RocksDB.
fn write_keys(storage: &RocksDbStorage, keys: &[u128], width: u32, encoded: &Encoded) -> Result<PathBuf, StorageError> {
    const CHUNK: usize = 4096;
    let mut sst = storage.db.new_sst_file()?;
    let mut bytes = Vec::with_capacity(CHUNK * 4 * WRITTEN_TERM_MAX_SIZE);
    let mut ends = Vec::with_capacity(CHUNK);
    for chunk in keys.chunks(CHUNK) {
        bytes.clear();
        ends.clear();
        for &packed in chunk {
            for i in (0..width).rev() {
                bytes.extend_from_slice(encoded.term((packed >> (32 * i)) as u32));
            }
            ends.push(bytes.len());
        }
        let mut start = 0;
        for &end in &ends {
            sst.insert_empty(&bytes[start..end])?;
            start = end;
        }
    }
    sst.finish()
}
