//! The API token format: `cfb_` + 40 random base62 characters (238 bits) + a 6-character base62
//! CRC-32 of those 40. The prefix and the checksum let secret scanners (and our own log
//! redaction) recognise a leaked token with almost no false positives, the way GitHub's and
//! Slack's tokens are built; the checksum also lets the server refuse a mistyped token without
//! a database lookup. Only the SHA-256 of the whole token is stored: the secret has 238 bits of
//! entropy, so a slow password hash would add nothing.
//!
//! Written by hand because it is a dozen lines over `rand` and `crc32fast`; no crate defines
//! this format.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

pub use protocol::bots::API_TOKEN_PREFIX;

/// Random characters in a token.
const RANDOM_CHARS: usize = 40;
/// Checksum characters (62^6 > 2^32, so any CRC-32 fits).
const CHECKSUM_CHARS: usize = 6;
/// A token's whole length.
pub const TOKEN_LEN: usize = API_TOKEN_PREFIX.len() + RANDOM_CHARS + CHECKSUM_CHARS;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new token and the hash to store.
pub fn generate() -> (String, [u8; 32]) {
    let random: String = rand::rng().sample_iter(&Alphanumeric).take(RANDOM_CHARS).map(char::from).collect();
    let token = format!("{API_TOKEN_PREFIX}{random}{}", checksum(&random));
    let hash = hash(&token);
    (token, hash)
}

/// Whether `candidate` looks like an API token (prefix, length, alphabet and checksum), as
/// opposed to an access JWT or garbage. Says nothing about whether it is live.
pub fn is_well_formed(candidate: &str) -> bool {
    let Some(rest) = candidate.strip_prefix(API_TOKEN_PREFIX) else { return false };
    if rest.len() != RANDOM_CHARS + CHECKSUM_CHARS || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, sum) = rest.split_at(RANDOM_CHARS);
    checksum(random) == sum
}

/// Whether a bearer credential is meant as an API token (by its prefix), so a malformed one
/// is refused as a token rather than tried as a JWT.
pub fn claims_to_be_api_token(credential: &str) -> bool {
    credential.starts_with(API_TOKEN_PREFIX)
}

/// What is stored for a token: its SHA-256.
pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The CRC-32 of `random`, as six base62 digits.
fn checksum(random: &str) -> String {
    let mut value = u64::from(crc32fast::hash(random.as_bytes()));
    let mut digits = [b'0'; CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        // The index is below 62, so it is in range.
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    digits.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_well_formed_and_distinct() {
        let (a, hash_a) = generate();
        let (b, _) = generate();
        assert!(a.starts_with("cfb_") && a.len() == TOKEN_LEN, "{a}");
        assert!(is_well_formed(&a) && is_well_formed(&b));
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash_a);
    }

    #[test]
    fn a_changed_character_breaks_the_checksum() {
        let (token, _) = generate();
        let mut bytes = token.into_bytes();
        let i = API_TOKEN_PREFIX.len() + 3;
        bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
        let changed = String::from_utf8(bytes).unwrap();
        assert!(!is_well_formed(&changed));
    }

    #[test]
    fn jwts_and_garbage_are_not_tokens() {
        assert!(!is_well_formed("eyJhbGciOiJIUzI1NiJ9.e30.x"));
        assert!(!is_well_formed("cfb_"));
        assert!(!is_well_formed("cfb_ééééééééééééééééééééééééééééééééééééééééééééé"));
        assert!(!claims_to_be_api_token("eyJhbGciOiJIUzI1NiJ9.e30.x"));
    }
}
