//! A small process-wide pool of the buffers reads fill from segment files.
//!
//! Reads are zero-copy: the records they return are slices of the buffer the file was read
//! into, so a buffer can only be reused once every record from it is dropped. Allocating a fresh
//! megabyte per read made the allocator map and fault in new pages every time (a fifth of the CPU
//! time of reading small records, measured with perf), so the pool keeps a handle on recent
//! buffers and hands one out again once it is the only handle left.

use std::sync::{Mutex, MutexGuard};

use bytes::{Bytes, BytesMut};

/// Buffers larger than this are not kept.
pub const POOLED_BUFFER_MAX_BYTES: usize = 4 * 1024 * 1024;
/// How many buffers the pool keeps at most (so at most 32 MiB).
pub const POOLED_BUFFERS: usize = 8;

static POOL: Mutex<Vec<Bytes>> = Mutex::new(Vec::new());

fn pool() -> MutexGuard<'static, Vec<Bytes>> {
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A buffer of exactly `len` initialised bytes (their content is unspecified).
pub fn take(len: usize) -> BytesMut {
    if len <= POOLED_BUFFER_MAX_BYTES {
        let mut pool = pool();
        let mut i = 0;
        while i < pool.len() {
            if pool[i].is_unique() {
                match pool.swap_remove(i).try_into_mut() {
                    Ok(mut buf) => {
                        // Stale bytes are fine: the caller overwrites them all.
                        if buf.len() >= len {
                            buf.truncate(len);
                        } else {
                            buf.resize(len, 0);
                        }
                        return buf;
                    }
                    Err(still_shared) => pool.push(still_shared),
                }
            }
            i += 1;
        }
    }
    BytesMut::zeroed(len)
}

/// Freezes a filled buffer, keeping a handle so it can be reused once its readers drop it.
pub fn give_back(buf: BytesMut) -> Bytes {
    let bytes = buf.freeze();
    if bytes.len() <= POOLED_BUFFER_MAX_BYTES {
        let mut pool = pool();
        if pool.len() >= POOLED_BUFFERS {
            // Forget the oldest handle; its buffer is freed when its readers are done.
            pool.remove(0);
        }
        pool.push(bytes.clone());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_in_use_is_never_handed_out() {
        let mut buf = take(1000);
        buf[0] = 42;
        let bytes = give_back(buf);
        let slice = bytes.slice(0..10);
        drop(bytes);
        // `slice` still uses the buffer, so whatever comes out of the pool is another one.
        let mut other = take(1000);
        assert_ne!(other.as_ptr(), slice.as_ptr());
        other[0] = 7;
        assert_eq!(slice[0], 42);
        assert_eq!(take(500).len(), 500);
    }
}
