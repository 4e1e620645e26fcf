//! `JsonBody<T>`: the JSON request body extractor every route uses. It is actix's `Json` (with
//! the app's size limit, content-type check and error mapping), plus one rule actix cannot
//! know: no NUL character anywhere in the body, since PostgreSQL cannot store one
//! ([`validate::json_without_nul`]).

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::validate;

/// A JSON request body, parsed into `T` once it is known to hold no NUL character.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    /// The parsed body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The raw text first (syntax checked, limits and content type applied by actix), so
        // the NUL rule sees exactly what was sent.
        let raw = web::Json::<Box<RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let raw = raw.await?.into_inner();
            validate::json_without_nul(raw.get())?;
            serde_json::from_str(raw.get()).map(JsonBody).map_err(|e| crate::error::malformed_body(&e).into())
        })
    }
}
