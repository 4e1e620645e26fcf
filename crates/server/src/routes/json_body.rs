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
            parse(raw.get()).map(JsonBody).map_err(Into::into)
        })
    }
}

/// Parses a body as the OpenAPI document describes it (JSON Schema's rules, not only serde's):
/// a body is an object, never an array (which serde would read as a struct's fields in order),
/// and a number like `3.0` is an integer (JSON Schema says so; serde refuses it for an `i64`).
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, crate::error::ApiError> {
    if text.trim_start().starts_with('[') {
        return Err(crate::error::ApiError::new(protocol::ErrorCode::MalformedJson, "the body must be a JSON object"));
    }
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        // Rare: only then is the body read a second time, with whole floats made integers.
        Err(e) if e.to_string().contains("floating point") => {
            let mut value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| crate::error::malformed_body(&e))?;
            integral_floats_to_integers(&mut value);
            serde_json::from_value(value).map_err(|e| crate::error::malformed_body(&e))
        }
        Err(e) => Err(crate::error::malformed_body(&e)),
    }
}

/// Writes `3.0` as `3` wherever it appears, so that it reads as the integer it is.
fn integral_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|f| f.fract() == 0.0 && number.is_f64()) {
                // Whole and in range, checked above: the casts keep the value exactly.
                if float >= i64::MIN as f64 && float < i64::MAX as f64 {
                    *number = (float as i64).into();
                } else if float >= 0.0 && float < u64::MAX as f64 {
                    *number = (float as u64).into();
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(object) => object.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Read {
        seq: i64,
        #[serde(default)]
        note: Option<String>,
    }

    #[test]
    fn whole_floats_read_as_integers_and_fractions_do_not() {
        assert_eq!(parse::<Read>(r#"{"seq": 144.0}"#).unwrap(), Read { seq: 144, note: None });
        assert_eq!(parse::<Read>(r#"{"seq": 144.5}"#).unwrap_err().code(), protocol::ErrorCode::MalformedJson);
    }

    #[test]
    fn an_array_is_not_a_body() {
        assert_eq!(parse::<Read>("[1]").unwrap_err().code(), protocol::ErrorCode::MalformedJson);
    }
}
