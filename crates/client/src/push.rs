//! Web Push registration from Rust: the server's VAPID key and a push subscription stored or
//! forgotten (a signed-in person's session only; API tokens are refused).

use protocol::push::{PushSubscription, PushUnsubscribe, VapidPublicKey};
use reqwest::Method;

use crate::{Client, ClientError};

impl Client {
    /// `GET /push/vapid-key`.
    pub async fn vapid_key(&self) -> Result<VapidPublicKey, ClientError> {
        self.get_json("api/v1/push/vapid-key").await
    }

    /// `POST /push/subscriptions`.
    pub async fn subscribe_push(&self, subscription: &PushSubscription) -> Result<(), ClientError> {
        self.send_empty(Method::POST, "api/v1/push/subscriptions", Some(subscription)).await
    }

    /// `DELETE /push/subscriptions`.
    pub async fn unsubscribe_push(&self, endpoint: &str) -> Result<(), ClientError> {
        let body = PushUnsubscribe { endpoint: endpoint.to_owned() };
        self.send_empty(Method::DELETE, "api/v1/push/subscriptions", Some(&body)).await
    }
}
