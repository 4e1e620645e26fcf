//! `uploads`: upload throughput (MiB/s) and latency of clients uploading files in a loop, and
//! the chat's fan-out latency while they do, compared with a round without uploads. Files are
//! random bytes (stored as they come; pictures are measured by the `images` criterion bench).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::fanout::{self, Fanout, FanoutReport};
use crate::population;

/// What a run measured.
#[derive(Debug, Serialize)]
pub struct UploadReport {
    /// Uploads stored.
    pub uploads: u64,
    /// Uploads refused or failed.
    pub failed: u64,
    /// Bytes per upload.
    pub file_bytes: usize,
    /// Stored bytes per second, in MiB/s.
    pub mib_per_second: f64,
    /// Upload latency p50, ms.
    pub upload_p50_ms: f64,
    /// Upload latency p99, ms.
    pub upload_p99_ms: f64,
    /// The fan-out round alone.
    pub chat_alone: FanoutReport,
    /// The fan-out round with uploads alongside.
    pub chat_with_uploads: FanoutReport,
}

/// Runs a fan-out round alone, then again with `concurrency` clients uploading `file` in a loop.
pub async fn run(
    urls: &[String],
    api: &client::Client,
    config: Fanout,
    concurrency: usize,
    file: Vec<u8>,
) -> anyhow::Result<UploadReport> {
    let mut prepared = fanout::prepare(api, config.rooms, config.members).await?;
    let uploaders = population::users(api, &population::fresh_prefix("u"), concurrency.max(1)).await?;
    let chat_alone = fanout::run(urls, &mut prepared, config).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let file = Arc::new(file);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for uploader in uploaders {
        let (stop, file) = (stop.clone(), file.clone());
        tasks.push(tokio::spawn(async move {
            #[expect(clippy::unwrap_used, reason = "constant, valid histogram bounds")]
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
            let mut failed = 0u64;
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // Each upload's bytes differ (the last 8), so none is stored as a duplicate.
                let mut bytes = (*file).clone();
                let (len, tail) = (bytes.len(), bytes.len().saturating_sub(8));
                bytes[tail..].copy_from_slice(&n.to_le_bytes()[..len - tail]);
                n += 1;
                let begun = Instant::now();
                match uploader.client.upload("bench.bin", bytes, None).await {
                    Ok(_) => histogram.saturating_record(begun.elapsed().as_micros() as u64),
                    Err(_) => failed += 1,
                }
            }
            (histogram, failed)
        }));
    }
    let chat_with_uploads = fanout::run(urls, &mut prepared, config).await?;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64().max(0.001);
    #[expect(clippy::unwrap_used, reason = "constant, valid histogram bounds")]
    let mut total = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
    let mut failed = 0;
    for task in tasks {
        let (histogram, task_failed) = task.await?;
        total.add(&histogram)?;
        failed += task_failed;
    }
    Ok(UploadReport {
        uploads: total.len(),
        failed,
        file_bytes: file.len(),
        mib_per_second: total.len() as f64 * file.len() as f64 / (1024.0 * 1024.0) / elapsed,
        upload_p50_ms: total.value_at_quantile(0.5) as f64 / 1000.0,
        upload_p99_ms: total.value_at_quantile(0.99) as f64 / 1000.0,
        chat_alone,
        chat_with_uploads,
    })
}

/// `bytes` of noise (incompressible, like photos and videos), from a fixed seed.
pub fn random_file(bytes: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..bytes)
        .map(|_| {
            // xorshift64: fast, and good enough to defeat compression.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}
