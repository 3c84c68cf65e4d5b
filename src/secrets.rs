//! Password hashing (argon2id), at the strength each secret deserves, and never more of it
//! at once than the machine has cores.
//!
//! - [`Strength::Person`]: staff and course learners, real people whose passwords may be
//!   reused elsewhere: argon2's recommended setting (19 MiB, 2 passes). Hashed and checked on
//!   the blocking pool outside any transaction ([`hash_async`], [`verify_async`]), one per
//!   core at most, so a flood of logins queues instead of exhausting memory.
//! - [`Strength::Synthetic`]: the simulated bureau's taxpayers, certificate keys and PINs,
//!   generated people whose passwords protect nothing real: 256 KiB and one pass, about a
//!   quarter of a millisecond, cheap enough to check inside the bureau's login transaction
//!   (where the lockout counts the attempt atomically).
//!
//! A hash names its own parameters, so [`verify`] checks either kind (and hashes made
//! before this split).

use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngExt;

use crate::store::StoreError;

/// What a password protects, and so how hard it is made to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    Person,
    Synthetic,
}

/// argon2id for synthetic taxpayers: 256 KiB, one pass, one lane.
const SYNTHETIC_KIB: u32 = 256;

fn hasher(strength: Strength) -> Argon2<'static> {
    match strength {
        Strength::Person => Argon2::default(),
        Strength::Synthetic => {
            let params = Params::new(SYNTHETIC_KIB, 1, 1, None).unwrap_or_default();
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        }
    }
}

/// Hash `plain` on the calling thread.
pub fn hash(plain: &str, strength: Strength) -> Result<String, StoreError> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| StoreError::Other(e.to_string()))?;
    hasher(strength)
        .hash_password(plain.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Other(e.to_string()))
}

/// Whether `plain` matches `hash` (with the parameters the hash names), on the calling thread.
pub fn verify(plain: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        hasher(Strength::Person)
            .verify_password(plain.as_bytes(), &h)
            .is_ok()
    })
}

/// One slot per core for the expensive hashes.
static SLOTS: LazyLock<Arc<tokio::sync::Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    Arc::new(tokio::sync::Semaphore::new(cores))
});

/// Run `f` on the blocking pool once a slot is free.
async fn in_slot<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let permit = SLOTS.clone().acquire_owned().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .ok()
}

/// [`hash`] off the async runtime, at most one per core at a time.
pub async fn hash_async(plain: String, strength: Strength) -> Result<String, StoreError> {
    in_slot(move || hash(&plain, strength))
        .await
        .unwrap_or_else(|| Err(StoreError::Other("hashing was cancelled".into())))
}

/// [`verify`] off the async runtime, at most one per core at a time.
pub async fn verify_async(plain: String, hash: String) -> bool {
    in_slot(move || verify(&plain, &hash))
        .await
        .unwrap_or(false)
}

/// Keep large allocations (an argon2 buffer) out of the heap arenas: glibc's dynamic mmap
/// threshold would otherwise rise to their size after the first is freed, and every
/// blocking thread's arena would keep one. Called once at start-up.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's thresholds.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_strengths_verify_and_name_their_parameters() {
        let person = hash("Abc12345!", Strength::Person).unwrap();
        let synthetic = hash("Abc12345!", Strength::Synthetic).unwrap();
        assert!(person.contains("m=19456,t=2"), "{person}");
        assert!(synthetic.contains("m=256,t=1"), "{synthetic}");
        for h in [&person, &synthetic] {
            assert!(verify("Abc12345!", h));
            assert!(!verify("Abc12345?", h));
        }
        assert!(!verify("x", "not a hash"));
    }
}
