//! Web Push: a browser that asked for notifications is woken through its push service when a
//! message arrives while none of its user's apps is connected. `vapid` identifies this
//! deployment to push services (RFC 8292); `notifier` decides whom a committed message wakes
//! and sends the encrypted notifications (RFC 8291, `web-push-native`) through the egress guard;
//! `subscriptions` checks and stores what browsers register.

pub mod notifier;
pub mod subscriptions;
pub mod vapid;
