//! Fuzzing without cargo-fuzz (it needs a nightly toolchain, which this project does not use):
//! proptest properties over arbitrary bytes and over mutations of valid inputs, for the readers
//! of untrusted bytes: the batch decoder and the check of producer-encoded batches (bytes from
//! the wire), partition recovery and inspect-log.
//!
//! Each property checks three things: no panic; nothing wrong is ever returned (a record that
//! comes out is exactly a record that went in, at its offset); no allocation much larger than
//! the input (a counting allocator records each test thread's largest single allocation).
//!
//! CI runs a modest number of cases. `FLASHQ_FUZZ_CASES=N` runs N cases per property: the long
//! run, documented with its figures in docs/reliability.md.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use flashq::storage::batch::{self, BATCH_HEADER_BYTES, CheckedBatch};
use flashq::storage::inspect::{self, Target};
use flashq::storage::partition_log::FilePartitionLog;
use flashq::storage::{
    FsyncPolicy, Header, LogConfig, PartitionLog, Record, RecordLimits, StoredRecord,
};
use proptest::prelude::*;
use proptest::sample::Index;

/// Counts the largest single allocation per thread, so a property can check that decoding `n`
/// bytes never asks for gigabytes because a length field said so.
struct LargestAllocation;

thread_local! {
    static LARGEST_BYTES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the bookkeeping only reads
// the requested size and touches a const-initialized thread-local (which never allocates).
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn note(bytes: usize) {
    let _ = LARGEST_BYTES.try_with(|largest| largest.set(largest.get().max(bytes)));
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Runs `f` and returns its result with the largest single allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST_BYTES.with(|largest| largest.set(0));
    let out = f();
    (out, LARGEST_BYTES.with(Cell::get))
}

/// Cases per property: `FLASHQ_FUZZ_CASES` for the long run, else `ci`.
fn cases(ci: u32) -> u32 {
    std::env::var("FLASHQ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ci)
}

fn fuzz_config(ci: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(ci),
        ..ProptestConfig::default()
    }
}

fn arb_record() -> impl Strategy<Value = Record> {
    (
        any::<i64>(),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..24)),
        proptest::collection::vec(any::<u8>(), 0..120),
        proptest::collection::vec(
            ("[a-z]{0,6}", proptest::collection::vec(any::<u8>(), 0..8)),
            0..3,
        ),
    )
        .prop_map(|(timestamp_ms, key, value, headers)| Record {
            timestamp_ms,
            key: key.map(Bytes::from),
            value: Bytes::from(value),
            headers: headers
                .into_iter()
                .map(|(key, value)| Header {
                    key,
                    value: Bytes::from(value),
                })
                .collect(),
        })
}

/// A change to a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Remove(Index, u8),
    Truncate(Index),
    /// Writes a 10-byte varint of the largest magnitude: a declared length or count of ~2^63.
    HugeVarint(Index, bool),
    /// Writes a big-endian u32 (a length or count field).
    U32(Index, u32),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), 1u8..=255).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        2 => (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        2 => (any::<Index>(), 1u8..16).prop_map(|(at, n)| Mutation::Remove(at, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), any::<bool>()).prop_map(|(at, negative)| Mutation::HugeVarint(at, negative)),
        2 => (any::<Index>(), prop_oneof![Just(u32::MAX), Just(1 << 31), Just(0), any::<u32>()])
            .prop_map(|(at, value)| Mutation::U32(at, value)),
    ]
}

/// Applies `mutation` to `bytes[from..]` (bytes before `from` are left alone).
fn mutate(bytes: &mut Vec<u8>, from: usize, mutation: &Mutation) {
    if bytes.len() <= from {
        if let Mutation::Insert(_, extra) = mutation {
            bytes.extend_from_slice(extra);
        }
        return;
    }
    let span = bytes.len() - from;
    match mutation {
        Mutation::Flip(at, bits) => bytes[from + at.index(span)] ^= bits,
        Mutation::Insert(at, extra) => {
            let at = from + at.index(span + 1);
            bytes.splice(at..at, extra.iter().copied());
        }
        Mutation::Remove(at, n) => {
            let at = from + at.index(span);
            let end = (at + *n as usize).min(bytes.len());
            bytes.drain(at..end);
        }
        Mutation::Truncate(at) => bytes.truncate(from + at.index(span)),
        Mutation::HugeVarint(at, negative) => {
            let at = from + at.index(span);
            // Zigzag of i64::MIN (all ones) or of i64::MAX (all ones but the lowest bit).
            let mut varint = vec![0xffu8; 9];
            varint.push(0x01);
            if !negative {
                varint[0] = 0xfe;
            }
            let end = (at + varint.len()).min(bytes.len());
            bytes.splice(at..end, varint);
        }
        Mutation::U32(at, value) => {
            let at = from + at.index(span);
            let end = (at + 4).min(bytes.len());
            bytes.splice(at..end, value.to_be_bytes());
        }
    }
}

/// Byte positions of the header fields the CRC does not cover (docs/storage.md).
const POS_BATCH_LENGTH: usize = 8;
const POS_CRC: usize = 13;
const POS_CRC_START: usize = 17;

/// Makes `bytes` frame and checksum correctly again, so a decoder gets past the CRC and has to
/// cope with whatever the records say.
fn reframe(bytes: &mut [u8]) {
    if bytes.len() < BATCH_HEADER_BYTES {
        return;
    }
    let length = (bytes.len() - 12) as u32;
    bytes[POS_BATCH_LENGTH..POS_BATCH_LENGTH + 4].copy_from_slice(&length.to_be_bytes());
    let crc = crc32c::crc32c(&bytes[POS_CRC_START..]);
    bytes[POS_CRC..POS_CRC + 4].copy_from_slice(&crc.to_be_bytes());
}

/// What a decoded batch must satisfy however odd its input: the header's count of records at
/// consecutive offsets, the header's max timestamp, and records that survive a re-encode.
fn check_decoded(decoded: &batch::RecordBatch) -> Result<(), TestCaseError> {
    let header = decoded.header;
    prop_assert_eq!(decoded.records.len(), header.record_count as usize);
    for (i, r) in decoded.records.iter().enumerate() {
        prop_assert_eq!(r.offset, header.base_offset + i as u64);
    }
    let max = decoded.records.iter().map(|r| r.record.timestamp_ms).max();
    prop_assert_eq!(max, Some(header.max_timestamp_ms));
    let records: Vec<Record> = decoded.records.iter().map(|r| r.record.clone()).collect();
    let again = batch::decode(Bytes::from(batch::encode(header.base_offset, &records)))
        .map_err(|e| TestCaseError::fail(format!("re-encoded batch does not decode: {e}")))?;
    prop_assert_eq!(&again.records, &decoded.records);
    Ok(())
}

/// Limits no fuzzed batch reaches, so [`CheckedBatch::check`] judges only the bytes.
const NO_LIMITS: RecordLimits = RecordLimits {
    max_record_bytes: usize::MAX / 4,
    max_batch_bytes: usize::MAX / 4,
    max_headers_per_record: usize::MAX / 4,
};

/// Decodes `bytes` both ways the broker reads untrusted batches: [`batch::decode`] (stored
/// batches) and [`CheckedBatch::check`] (batches a producer sent). Both must agree on whether the
/// bytes are a batch, stay within the allocation bound, and return well-formed batches.
fn decode_both_ways(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let len = bytes.len();
    let bytes = Bytes::from(bytes);
    let (decoded, largest) = largest_allocation(|| batch::decode(bytes.clone()));
    prop_assert!(
        largest <= allocation_bound(len),
        "decode allocated {largest} for {len} bytes"
    );
    let (checked, largest) = largest_allocation(|| CheckedBatch::check(bytes.clone(), &NO_LIMITS));
    prop_assert!(
        largest <= allocation_bound(len),
        "check allocated {largest} for {len} bytes"
    );
    match (&decoded, &checked) {
        (Ok(decoded), Ok(checked)) => {
            check_decoded(decoded)?;
            prop_assert_eq!(checked.record_count(), decoded.records.len() as u64);
            prop_assert_eq!(checked.bytes(), &bytes);
        }
        (Err(_), Err(_)) => {}
        (decoded, checked) => {
            return Err(TestCaseError::fail(format!(
                "decode and check disagree: decode {:?}, check {:?}",
                decoded.as_ref().map(|b| b.records.len()),
                checked.as_ref().map(|c| c.record_count()),
            )));
        }
    }
    Ok(())
}

/// The largest allocation decoding `input_bytes` may make: the records vector is bounded by
/// the input (each record takes at least 7 bytes), and a little more for small buffers.
fn allocation_bound(input_bytes: usize) -> usize {
    64 * input_bytes + 64 * 1024
}

proptest! {
    #![proptest_config(fuzz_config(512))]

    /// Arbitrary bytes: an error or a well-formed batch, never a panic or a huge allocation.
    #[test]
    fn decoder_takes_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        decode_both_ways(bytes)?;
    }

    /// Valid batches, mutated anywhere in the CRC-covered part and then re-checksummed, so the
    /// damage reaches the record parser: an error or a well-formed batch, within bounds.
    #[test]
    fn decoder_takes_mutated_batches_behind_a_valid_crc(
        base in 0u64..u64::MAX / 2,
        records in proptest::collection::vec(arb_record(), 1..8),
        mutations in proptest::collection::vec(arb_mutation(), 1..5),
        keep_length in any::<bool>(),
    ) {
        let mut bytes = batch::encode(base, &records);
        for mutation in &mutations {
            mutate(&mut bytes, POS_CRC_START, mutation);
        }
        if keep_length && bytes.len() >= BATCH_HEADER_BYTES {
            // Only the CRC is fixed: the length field may now lie about the bytes.
            let crc = crc32c::crc32c(&bytes[POS_CRC_START..]);
            bytes[POS_CRC..POS_CRC + 4].copy_from_slice(&crc.to_be_bytes());
        } else {
            reframe(&mut bytes);
        }
        decode_both_ways(bytes)?;
    }

    /// Garbage records behind a well-formed header and CRC (any record count the length allows).
    #[test]
    fn decoder_takes_garbage_records_behind_a_valid_header(
        count in 1u32..64,
        first_timestamp in any::<i64>(),
        max_timestamp in any::<i64>(),
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = Vec::with_capacity(BATCH_HEADER_BYTES + body.len());
        bytes.extend_from_slice(&0u64.to_be_bytes());
        bytes.extend_from_slice(&0u32.to_be_bytes());
        bytes.push(batch::FORMAT_VERSION);
        bytes.extend_from_slice(&0u32.to_be_bytes());
        bytes.extend_from_slice(&0u16.to_be_bytes());
        bytes.extend_from_slice(&(count - 1).to_be_bytes());
        bytes.extend_from_slice(&first_timestamp.to_be_bytes());
        bytes.extend_from_slice(&max_timestamp.to_be_bytes());
        bytes.extend_from_slice(&count.to_be_bytes());
        bytes.extend_from_slice(&body);
        reframe(&mut bytes);
        decode_both_ways(bytes)?;
    }
}

// ---- partition dirs: recovery and inspect-log ----

/// Which file of a partition dir a damage hits.
#[derive(Debug, Clone, Copy)]
enum FileKind {
    Log,
    Index,
    TimeIndex,
    RecoveryPoint,
    CleanShutdown,
    /// A file with a segment-like name that recovery did not write.
    Stray,
}

#[derive(Debug, Clone)]
enum FileDamage {
    Mutate(Vec<Mutation>),
    Replace(Vec<u8>),
    Append(Vec<u8>),
    Delete,
}

#[derive(Debug, Clone)]
struct DirDamage {
    kind: FileKind,
    segment: Index,
    damage: FileDamage,
}

fn arb_dir_damage() -> impl Strategy<Value = DirDamage> {
    let kind = prop_oneof![
        4 => Just(FileKind::Log),
        2 => Just(FileKind::Index),
        2 => Just(FileKind::TimeIndex),
        1 => Just(FileKind::RecoveryPoint),
        1 => Just(FileKind::CleanShutdown),
        1 => Just(FileKind::Stray),
    ];
    let damage = prop_oneof![
        5 => proptest::collection::vec(arb_mutation(), 1..4).prop_map(FileDamage::Mutate),
        2 => proptest::collection::vec(any::<u8>(), 0..600).prop_map(FileDamage::Replace),
        2 => proptest::collection::vec(any::<u8>(), 1..300).prop_map(FileDamage::Append),
        1 => Just(FileDamage::Delete),
    ];
    (kind, any::<Index>(), damage).prop_map(|(kind, segment, damage)| DirDamage {
        kind,
        segment,
        damage,
    })
}

/// Segments small enough that a few batches make several of them.
const SEGMENT_BYTES: u64 = 1500;

fn open_log(dir: &Path) -> flashq::storage::Result<FilePartitionLog> {
    FilePartitionLog::open(
        dir,
        LogConfig {
            segment_bytes: SEGMENT_BYTES,
            ..LogConfig::default()
        },
        RecordLimits::default(),
        FsyncPolicy::Never,
    )
}

fn segment_bases(dir: &Path) -> Vec<u64> {
    let mut bases: Vec<u64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            flashq::storage::segment::parse_file_name(&name, "log")
        })
        .collect();
    bases.sort_unstable();
    bases
}

fn damaged_path(dir: &Path, bases: &[u64], damage: &DirDamage) -> PathBuf {
    let base = bases[damage.segment.index(bases.len())];
    let name = |ext| flashq::storage::segment::file_name(base, ext);
    match damage.kind {
        FileKind::Log => dir.join(name("log")),
        FileKind::Index => dir.join(name("index")),
        FileKind::TimeIndex => dir.join(name("timeindex")),
        FileKind::RecoveryPoint => dir.join("recovery-point"),
        FileKind::CleanShutdown => dir.join("clean-shutdown"),
        FileKind::Stray => dir.join(flashq::storage::segment::file_name(base + 1, "log")),
    }
}

fn apply(path: &Path, damage: &FileDamage) {
    let mut bytes = std::fs::read(path).unwrap_or_default();
    match damage {
        FileDamage::Mutate(mutations) => {
            for mutation in mutations {
                mutate(&mut bytes, 0, mutation);
            }
        }
        FileDamage::Replace(new) => bytes = new.clone(),
        FileDamage::Append(extra) => bytes.extend_from_slice(extra),
        FileDamage::Delete => {
            let _ = std::fs::remove_file(path);
            return;
        }
    }
    std::fs::write(path, bytes).unwrap();
}

fn batch_of(n: usize, records: usize) -> Vec<Record> {
    (0..records)
        .map(|i| Record {
            timestamp_ms: 1_000 + (n * 7 + i) as i64,
            key: Some(Bytes::from(format!("k{n}-{i}"))),
            value: Bytes::from(format!("v{n}-{i}-{}", "x".repeat(60))),
            headers: vec![],
        })
        .collect()
}

/// A partition dir of several segments, closed cleanly or not; returns every record written.
fn write_partition(dir: &Path, sizes: &[usize], clean: bool) -> Vec<Record> {
    let log = open_log(dir).unwrap();
    let mut written = Vec::new();
    for (n, size) in sizes.iter().enumerate() {
        let records = batch_of(n, *size);
        log.append(&records).unwrap();
        written.extend(records);
    }
    if clean {
        log.close().unwrap();
    }
    written
}

/// Every record `records` holds is the one written at its offset.
fn check_records(records: &[StoredRecord], written: &[Record]) -> Result<(), TestCaseError> {
    for r in records {
        let want = written.get(r.offset as usize);
        prop_assert_eq!(Some(&r.record), want, "offset {}", r.offset);
    }
    Ok(())
}

/// Reads the whole log in small steps; stops at the first error (damage reads report).
fn read_all(log: &FilePartitionLog) -> Vec<StoredRecord> {
    let mut out = Vec::new();
    let mut next = log.start_offset();
    while next < log.end_offset() {
        match log.read(next, 700) {
            Ok(records) if !records.is_empty() => {
                next = records.last().map_or(next, |r| r.offset + 1);
                out.extend(records);
            }
            _ => break,
        }
    }
    out
}

proptest! {
    #![proptest_config(fuzz_config(96))]

    /// Any damage to any file of a partition dir: opening never panics, recovery never
    /// invents or alters a record, and appends continue at the end it settled on.
    #[test]
    fn recovery_takes_any_damage_to_a_partition_dir(
        sizes in proptest::collection::vec(1usize..5, 1..14),
        clean in any::<bool>(),
        damages in proptest::collection::vec(arb_dir_damage(), 1..4),
    ) {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let written = write_partition(dir, &sizes, clean);
        let bases = segment_bases(dir);
        for damage in &damages {
            apply(&damaged_path(dir, &bases, damage), &damage.damage);
        }
        let input_bytes: u64 = std::fs::read_dir(dir).unwrap()
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        let (opened, largest) = largest_allocation(|| open_log(dir));
        // Recovery reads in chunks of at most 1 MiB, and index files whole.
        prop_assert!(largest as u64 <= 2 * input_bytes + (2 << 20), "allocated {largest}");
        let log = match opened {
            Ok(log) => log,
            // Segments that no longer chain are refused with a clear error: fine.
            Err(_) => return Ok(()),
        };
        prop_assert!(log.end_offset() <= written.len() as u64);
        check_records(&read_all(&log), &written)?;
        let end = log.end_offset();
        let appended = batch_of(999, 2);
        let outcome = log.append(&appended).expect("appends continue after recovery");
        prop_assert_eq!(outcome.base_offset, end);
        if let Ok(read) = log.read(end, usize::MAX) {
            let got: Vec<&Record> = read.iter().map(|r| &r.record).collect();
            prop_assert_eq!(got, appended.iter().collect::<Vec<_>>());
        }
        log.close().unwrap();
        drop(log);
        let log = open_log(dir).expect("a log this broker closed reopens");
        prop_assert_eq!(log.end_offset(), end + 2);
    }

    /// inspect-log over any damaged partition dir or segment file: a report or an error, every
    /// batch it shows is one that was written, and memory stays bounded.
    #[test]
    fn inspect_takes_any_damage_to_a_partition_dir(
        sizes in proptest::collection::vec(1usize..5, 1..14),
        clean in any::<bool>(),
        damages in proptest::collection::vec(arb_dir_damage(), 1..4),
        check_indexes in any::<bool>(),
        one_file in any::<bool>(),
    ) {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let written = write_partition(dir, &sizes, clean);
        let bases = segment_bases(dir);
        for damage in &damages {
            apply(&damaged_path(dir, &bases, damage), &damage.damage);
        }
        let path = if one_file {
            dir.join(flashq::storage::segment::file_name(bases[0], "log"))
        } else {
            dir.to_path_buf()
        };
        let Ok(target) = Target::resolve(&path) else {
            return Ok(());
        };
        let mut shown: Vec<StoredRecord> = Vec::new();
        let (report, largest) = largest_allocation(|| {
            inspect::inspect(&target, check_indexes, &mut |_, batch| {
                shown.extend(batch.records.iter().cloned());
                Ok(())
            })
        });
        prop_assert!(largest <= (4 << 20), "allocated {largest}");
        if report.is_ok() {
            check_records(&shown, &written)?;
        }
    }

    /// inspect-log on a segment file of arbitrary bytes.
    #[test]
    fn inspect_takes_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("00000000000000000000.log");
        std::fs::write(&path, &bytes).unwrap();
        let target = Target::resolve(&path).unwrap();
        let (report, largest) = largest_allocation(|| {
            inspect::inspect(&target, true, &mut |_, batch| {
                // Whatever passes the CRC is shown exactly as decoded again.
                check_decoded(batch).map_err(|e| std::io::Error::other(e.to_string()))
            })
        });
        prop_assert!(largest <= (2 << 20), "allocated {largest}");
        prop_assert!(report.is_ok(), "{:?}", report.err());
    }
}
