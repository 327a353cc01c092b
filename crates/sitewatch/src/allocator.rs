//! How the process's memory allocator hands memory back to the system.
//!
//! The change network allocates and frees buffers of tens of megabytes for every layer of every
//! tile. glibc's `malloc` serves an allocation that large with a fresh `mmap` and returns it
//! with `munmap` when it is freed, so each layer first takes a page fault on every page of its
//! buffers and then interrupts the other threads to flush their address translations. On 2
//! cores that was a third of the network's time on a 1024 x 1024 pair (`sitewatch bench`:
//! 2.31-2.37 Mpx/s, 3.42-3.74 Mpx/s with the settings below; system time of the whole bench
//! 42 s, 12 s). Served from the heap and kept there, a freed buffer is the next layer's,
//! already mapped. The price is memory kept after a peak: on the 10,000 x 10,000 pair the peak
//! resident set rises from 643 to 726 MB (iMAD: 630 to 714 MB), and up to [`KEPT_FREE`] stays
//! with the process after the work that needed it (the server keeps it until it stops).

/// Free memory at the top of the heap beyond which glibc gives it back to the system. Measured
/// by the environment's equivalents (`MALLOC_TRIM_THRESHOLD_`) on a 1024 x 1024 pair, 256 MiB
/// runs the network as fast as keeping everything: 3.34-3.61 Mpx/s against 3.45-3.51 at 1 GiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const KEPT_FREE: libc::c_int = 256 << 20;

/// Serve every allocation from the heap (no `mmap` per large buffer) and keep up to
/// [`KEPT_FREE`] bytes of freed memory for the next allocation. Call it first thing in `main`,
/// before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn reuse_freed_memory() {
    // SAFETY: mallopt only changes glibc's allocator parameters; it is called before any other
    // thread exists and before this process allocates anything large.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, KEPT_FREE);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn reuse_freed_memory() {}
