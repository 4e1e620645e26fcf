//! Delivery acknowledgements: the highest seq of others' messages that reached this device, per
//! conversation, gathered as events are applied and sent coalesced by the gateway every few
//! seconds (`delivered` frames), which is what the sender's "Read by" lists as "Delivered to".

use std::collections::HashMap;

use protocol::ConversationId;
use protocol::ws::{DeliveredUpTo, MAX_DELIVERED_PER_FRAME};

/// What is waiting to be acknowledged.
#[derive(Clone, Debug, Default)]
pub struct DeliveryAcks {
    pending: HashMap<ConversationId, i64>,
}

impl DeliveryAcks {
    /// A message from someone else at `seq` reached this device.
    pub fn note(&mut self, conversation: ConversationId, seq: i64) {
        let known = self.pending.entry(conversation).or_insert(seq);
        *known = (*known).max(seq);
    }

    /// Up to one frame's worth of acknowledgements, taken out (the rest wait for the next).
    pub fn take(&mut self) -> Vec<DeliveredUpTo> {
        let ids: Vec<ConversationId> = self.pending.keys().copied().take(MAX_DELIVERED_PER_FRAME).collect();
        ids.into_iter()
            .filter_map(|id| self.pending.remove(&id).map(|seq| DeliveredUpTo { conversation_id: id, seq }))
            .collect()
    }

    /// Puts back what could not be sent (a newer seq noted meanwhile wins).
    pub fn give_back(&mut self, unsent: Vec<DeliveredUpTo>) {
        for ack in unsent {
            self.note(ack.conversation_id, ack.seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn id(n: u128) -> ConversationId {
        ConversationId(Uuid::from_u128(n))
    }

    #[test]
    fn acknowledgements_are_coalesced_per_conversation_and_bounded_per_frame() {
        let mut acks = DeliveryAcks::default();
        acks.note(id(1), 5);
        acks.note(id(1), 3);
        acks.note(id(1), 7);
        let sent = acks.take();
        assert_eq!(sent, [DeliveredUpTo { conversation_id: id(1), seq: 7 }]);
        assert!(acks.take().is_empty(), "nothing is sent twice");

        for n in 0..(MAX_DELIVERED_PER_FRAME as u128 + 5) {
            acks.note(id(n), 1);
        }
        assert_eq!(acks.take().len(), MAX_DELIVERED_PER_FRAME);
        assert_eq!(acks.take().len(), 5);

        acks.note(id(9), 10);
        acks.give_back(vec![DeliveredUpTo { conversation_id: id(9), seq: 4 }]);
        assert_eq!(acks.take(), [DeliveredUpTo { conversation_id: id(9), seq: 10 }]);
    }
}
