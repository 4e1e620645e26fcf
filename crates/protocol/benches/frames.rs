//! Criterion benchmarks of the wire format: parsing a client's `send_message` frame and
//! serializing the `event` frame every recipient of a message receives.

#![allow(clippy::unwrap_used, reason = "benchmark fixtures")]

use criterion::{Criterion, criterion_group, criterion_main};
use protocol::conversations::{Event, EventKind, Message};
use protocol::ws::{ClientFrame, ServerFrame};
use protocol::{ConversationId, MessageId, UserId};
use std::hint::black_box;
use uuid::Uuid;

fn event() -> ServerFrame {
    let message = Message {
        id: MessageId(Uuid::from_u128(1)),
        conversation_id: ConversationId(Uuid::from_u128(2)),
        seq: 123_456,
        sender_id: UserId(Uuid::from_u128(3)),
        client_msg_id: Uuid::from_u128(4),
        body: "Hello there! Are we still on for lunch at noon? I'll bring the 🍕.".repeat(2),
        reply_to: None,
        created_at: chrono::Utc::now(),
        edited_at: None,
        deleted_at: None,
        moderated: false,
        mentions: Vec::new(),
        forwarded: false,
        reactions: Vec::new(),
        pin: None,
        attachments: Vec::new(),
        location: None,
        display_name: None,
    };
    ServerFrame::Event {
        event: Event {
            conversation_id: message.conversation_id,
            seq: message.seq,
            at: message.created_at,
            kind: EventKind::MessageCreated { message },
        },
    }
}

fn frames(c: &mut Criterion) {
    let send = r#"{"type":"send_message","req_id":42,"conversation_id":"00000000-0000-0000-0000-000000000002","client_msg_id":"7f1c2f44-8a57-4c7a-9d0e-3c6f1a2b9e10","body":"Hello there! Are we still on for lunch at noon?"}"#;
    c.bench_function("decode send_message frame", |b| {
        b.iter(|| serde_json::from_str::<ClientFrame>(black_box(send)).unwrap())
    });
    let event = event();
    c.bench_function("encode message event frame", |b| b.iter(|| serde_json::to_string(black_box(&event)).unwrap()));
    let encoded = serde_json::to_string(&event).unwrap();
    c.bench_function("decode message event frame", |b| {
        b.iter(|| serde_json::from_str::<ServerFrame>(black_box(&encoded)).unwrap())
    });
}

criterion_group!(benches, frames);
criterion_main!(benches);
