//! Writes to a store in a loop until killed, printing `ACK <change id>` after each commit
//! returns and `RESIDENT <id>` after each registration. Used by `tests/crash.rs`.
//!
//! With a third argument, the file may not grow past that many bytes (`RLIMIT_FSIZE`, as a
//! full disk or a quota would stop it): the writer then prints `FULL <message>` when the store
//! refuses a write and exits with status 3. Used by `tests/disk_full.rs`.

use std::io::Write;

use storage::model::{Body, HouseholdLink, Relation};
use storage::{NewResident, Store};
use tests::{doctor, encounter};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("store path");
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    if let Some(limit) = args.next().and_then(|s| s.parse::<u64>().ok()) {
        limit_file_size(limit);
    }
    let store = Store::open(&path, tests::test_options()).unwrap_or_else(|e| full(e));
    let actor = doctor();
    let mut out = std::io::stdout().lock();
    let mut residents = Vec::new();
    let mut n = seed.wrapping_mul(6364136223846793005);
    for i in 0.. {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if residents.is_empty() || n % 7 == 0 {
            let form = NewResident {
                name: format!("测试{}", seed * 100_000 + i),
                birth_date: Some("1980-01-01".parse().expect("date")),
                ..Default::default()
            };
            let id = store.register(&actor, form).unwrap_or_else(|e| full(e));
            residents.push(id);
            writeln!(out, "RESIDENT {id}").expect("stdout");
        } else {
            let who = residents[(n >> 33) as usize % residents.len()];
            let mut bodies: Vec<Body> = (0..1 + n % 4)
                .map(|k| {
                    Body::Record(encounter(
                        who,
                        1_700_000_000_000 + (i * 1000 + k) as i64,
                        n + k,
                    ))
                })
                .collect();
            if residents.len() > 1 && n % 5 == 0 {
                let other = residents[(n >> 40) as usize % residents.len()];
                if other != who {
                    bodies.push(Body::Household(HouseholdLink {
                        from: who,
                        to: other,
                        relation: Relation::Spouse,
                        active: true,
                    }));
                }
            }
            for id in store.commit(&actor, bodies).unwrap_or_else(|e| full(e)) {
                writeln!(out, "ACK {id}").expect("stdout");
            }
        }
        out.flush().expect("flush");
    }
}

/// A store that refuses a write for lack of space ends the run cleanly; anything else is a bug.
fn full<T>(e: storage::Error) -> T {
    if matches!(e, storage::Error::DiskFull) {
        println!("FULL {e}");
        std::process::exit(3);
    }
    panic!("unexpected error: {e}");
}

fn limit_file_size(bytes: u64) {
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: plain system calls on this process; a write past the limit then fails with
    // EFBIG instead of the process being killed by SIGXFSZ.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0, "setrlimit");
    }
}
