//! Clock jumps of one broker, through libfaketime (Debian's `faketime` package): every broker
//! of a run that may jump starts with the library preloaded, reading its wall-clock offset from
//! a file of its own, and a jump rewrites that file. Only the wall clock moves
//! (`DONT_FAKE_MONOTONIC`): a real clock step (NTP, an operator, a restored VM) leaves the
//! monotonic clock alone too.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where Debian and Ubuntu put the multithreaded preload library, per architecture.
const LIBRARY_DIRS: [&str; 2] = [
    "/usr/lib/x86_64-linux-gnu/faketime",
    "/usr/lib/aarch64-linux-gnu/faketime",
];
const LIBRARY_NAME: &str = "libfaketimeMT.so.1";
/// How often (seconds) a broker rereads its offset: a jump takes effect within this.
const REREAD_SECONDS: &str = "1";

/// The preload library, or why clock jumps cannot run here.
pub fn library() -> Result<PathBuf, String> {
    LIBRARY_DIRS
        .iter()
        .map(|dir| Path::new(dir).join(LIBRARY_NAME))
        .find(|path| path.exists())
        .ok_or_else(|| {
            format!("clock jumps need libfaketime ({LIBRARY_NAME}; apt-get install faketime)")
        })
}

/// The offset files of a run's brokers.
pub struct ClockControl {
    library: PathBuf,
    dir: PathBuf,
}

impl ClockControl {
    /// Offsets kept under `dir`; every broker starts at its true time.
    pub fn new(library: PathBuf, dir: &Path, brokers: &[u64]) -> ClockControl {
        let control = ClockControl {
            library,
            dir: dir.to_path_buf(),
        };
        for &id in brokers {
            control.shift(id, 0);
        }
        control
    }

    /// The environment broker `id` starts with.
    pub fn env_for(&self, id: u64) -> Vec<(&'static str, OsString)> {
        vec![
            ("LD_PRELOAD", self.library.clone().into_os_string()),
            ("FAKETIME_TIMESTAMP_FILE", self.file(id).into_os_string()),
            ("FAKETIME_CACHE_DURATION", REREAD_SECONDS.into()),
            ("DONT_FAKE_MONOTONIC", "1".into()),
        ]
    }

    /// Sets broker `id`'s wall clock `seconds` away from the true time (0: back to it). The
    /// file is replaced whole, so the broker never reads half an offset.
    pub fn shift(&self, id: u64, seconds: i64) {
        let file = self.file(id);
        let temp = file.with_extension("tmp");
        std::fs::write(&temp, format!("{seconds:+}\n")).expect("write a clock offset");
        std::fs::rename(&temp, &file).expect("replace a clock offset");
    }

    fn file(&self, id: u64) -> PathBuf {
        self.dir.join(format!("n{id}.clock"))
    }
}
