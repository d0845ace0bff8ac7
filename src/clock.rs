//! The sources of "now" and of chance, injected wherever the core needs
//! them, so that the domain only computes. Production uses the system
//! clock; tests inject a [`ManualClock`] they can move forward, so expiry
//! is tested without sleeping. New ids and tokens come from a [`Mint`]: a
//! clock for the ids' time part and an [`Entropy`] source for their random
//! part, the operating system's in production, a [`SeededEntropy`] where a
//! test wants the same ids every run.

use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, SubsecRound, Utc};

use crate::domain::{DeliveryId, ID_RANDOM_BYTES, LeaseId, PauseId, TOKEN_BYTES, Token};

/// Tells the current time. Everything that compares against expiry or records
/// a timestamp asks this, never the system or the database directly.
pub trait Clock: Send + Sync + 'static {
    /// The current time, truncated to milliseconds (what the store keeps).
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(3)
    }
}

/// A clock that stands still until told to move; shared by clones.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start.trunc_subsecs(3))),
        }
    }

    /// A clock stopped at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(Utc::now())
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().expect("clock lock poisoned");
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().expect("clock lock poisoned")
    }
}

/// Where unpredictable bytes come from.
pub trait Entropy: Send + Sync + 'static {
    /// Fills `bytes` with random bytes.
    fn fill(&self, bytes: &mut [u8]);
}

/// The operating system's random source (a CSPRNG): what tokens need.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn fill(&self, bytes: &mut [u8]) {
        getrandom::fill(bytes).expect("the OS random source failed");
    }
}

/// The same bytes for the same seed, every run (SplitMix64). Anyone who
/// knows the seed knows every byte: for tests only, never for tokens a
/// person is given.
#[derive(Debug)]
pub struct SeededEntropy {
    state: Mutex<u64>,
}

impl SeededEntropy {
    /// A source that starts from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: Mutex::new(seed),
        }
    }
}

impl Entropy for SeededEntropy {
    fn fill(&self, bytes: &mut [u8]) {
        let mut state = self.state.lock().expect("entropy lock poisoned");
        for chunk in bytes.chunks_mut(8) {
            *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// Makes new ids and tokens from a clock (the ids' time part) and an
/// entropy source (their random part, and tokens); shared by clones.
#[derive(Clone)]
pub struct Mint {
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
}

impl Mint {
    /// Ids timed by `clock`, random from `entropy`.
    pub fn new(clock: Arc<dyn Clock>, entropy: Arc<dyn Entropy>) -> Self {
        Self { clock, entropy }
    }

    /// The wall clock and the operating system's random source. The
    /// server's ids are timed by the wall clock even when a test stops
    /// the server's own clock: then each new id still sorts after the last.
    pub fn system() -> Self {
        Self::new(Arc::new(SystemClock), Arc::new(SystemEntropy))
    }

    /// A new pause id.
    pub fn pause_id(&self) -> PauseId {
        PauseId::from_parts(self.millis(), &self.bytes::<ID_RANDOM_BYTES>())
    }

    /// A new delivery id.
    pub fn delivery_id(&self) -> DeliveryId {
        DeliveryId::from_parts(self.millis(), &self.bytes::<ID_RANDOM_BYTES>())
    }

    /// A new delegation id.
    pub fn delegation_id(&self) -> crate::domain::DelegationId {
        crate::domain::DelegationId::from_parts(self.millis(), &self.bytes::<ID_RANDOM_BYTES>())
    }

    /// A new lease id.
    pub fn lease_id(&self) -> LeaseId {
        LeaseId::from_parts(self.millis(), &self.bytes::<ID_RANDOM_BYTES>())
    }

    /// A new review-link token.
    pub fn token(&self) -> Token {
        Token::from_random(&self.bytes::<TOKEN_BYTES>())
    }

    /// Milliseconds since the epoch; 0 before it.
    fn millis(&self) -> u64 {
        u64::try_from(self.clock.now().timestamp_millis()).unwrap_or(0)
    }

    fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut bytes = [0u8; N];
        self.entropy.fill(&mut bytes);
        bytes
    }
}

impl fmt::Debug for Mint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mint")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::starting_now();
        let before = clock.now();
        assert_eq!(clock.now(), before);
        clock.advance(Duration::hours(2));
        assert_eq!(clock.now() - before, Duration::hours(2));
    }

    fn seeded(seed: u64, clock: &ManualClock) -> Mint {
        Mint::new(Arc::new(clock.clone()), Arc::new(SeededEntropy::new(seed)))
    }

    #[test]
    fn a_seeded_mint_makes_the_same_ids_and_tokens_every_time() {
        let clock = ManualClock::new(DateTime::from_timestamp_millis(1_700_000_000_000).unwrap());
        let (one, two) = (seeded(7, &clock), seeded(7, &clock));
        for _ in 0..3 {
            assert_eq!(one.pause_id(), two.pause_id());
            assert_eq!(one.delivery_id(), two.delivery_id());
            assert_eq!(one.lease_id(), two.lease_id());
            assert_eq!(one.token(), two.token());
        }
        let id = seeded(7, &clock).pause_id();
        assert_eq!(id.as_str().len(), 28);
        // 1,700,000,000,000 ms in Crockford's base32, then 14 random characters.
        assert!(id.as_str().starts_with("pau_01hf7yat00"), "{id}");
        assert_ne!(id, seeded(8, &clock).pause_id(), "another seed, other ids");
        let mint = seeded(7, &clock);
        assert_ne!(mint.pause_id(), mint.pause_id(), "each id is new");
    }

    #[test]
    fn ids_from_a_seeded_mint_sort_by_the_time_they_were_made() {
        let clock = ManualClock::new(DateTime::from_timestamp_millis(1_700_000_000_000).unwrap());
        let mint = seeded(1, &clock);
        let mut made = Vec::new();
        for _ in 0..50 {
            made.push(mint.pause_id());
            clock.advance(Duration::milliseconds(1));
        }
        let mut sorted = made.clone();
        sorted.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        assert_eq!(sorted, made);
    }
}
