//! Criterion benchmark of the hub's fan-out: one event to every subscribed connection of a
//! conversation (serialized once, the same bytes queued to each), for 10, 100 and 1,000
//! members.

#![allow(clippy::unwrap_used, reason = "benchmark fixtures")]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use protocol::{ConversationId, UserId};
use server::bus::BusMessage;
use server::ws::hub::{ConnectionQueues, Hub};
use uuid::Uuid;

fn fanout(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut group = c.benchmark_group("hub fan-out of one event");
    for members in [10usize, 100, 1_000] {
        let (hub, conversation, mut queues) = runtime.block_on(async {
            let hub = Hub::start(Uuid::now_v7(), None, 1_024);
            let conversation = ConversationId(Uuid::now_v7());
            let mut queues: Vec<ConnectionQueues> = Vec::new();
            for _ in 0..members {
                let (_, q, _) =
                    hub.register(UserId(Uuid::now_v7()), Uuid::now_v7(), Vec::new(), vec![conversation]).await.unwrap();
                queues.push(q);
            }
            (hub, conversation, queues)
        });
        group.throughput(criterion::Throughput::Elements(members as u64));
        group.bench_with_input(BenchmarkId::from_parameter(members), &members, |b, _| {
            b.iter(|| {
                runtime.block_on(async {
                    hub.deliver(BusMessage::Typing { conversation_id: conversation, user_id: UserId(Uuid::nil()) })
                        .await;
                    // A round trip through the hub: the event has been queued to everyone.
                    hub.stats().await;
                });
                for q in &mut queues {
                    while q.frames.try_recv().is_ok() {}
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
