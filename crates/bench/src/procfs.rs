//! Resident memory from /proc: the server's, and the sum over PostgreSQL server processes.

/// VmRSS of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Sum of VmRSS over every process whose executable is `postgres` (shared buffers are counted
/// once per process that touched them, so this overstates; it is for before/after deltas).
pub fn postgres_rss_kib() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let exe = std::fs::read_link(entry.path().join("exe")).ok()?;
            (exe.file_name()? == "postgres").then(|| rss_kib(pid)).flatten()
        })
        .sum()
}
