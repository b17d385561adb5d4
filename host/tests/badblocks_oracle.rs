//! Differential test of the bad-block list against the kernel's own
//! block/badblocks.c: `host/scripts/badblocks-oracle.sh` compiles it for the host
//! (`host/scripts/bb-oracle/`) and runs this test with `RUST_MD_BB_ORACLE` naming
//! the program. Random operation sequences (overlapping ranges of both states,
//! ranges longer than an entry, lists filled to the limit, clears that split) must
//! give the same answers and leave the same entries, count, `changed` and
//! `unacked_exist` after every step. Without the variable the test does nothing.

use std::io::Write;
use std::process::{Command, Stdio};

use rust_md_host::badblocks::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Set(u64, u64, bool),
    Clear(u64, u64),
    Check(u64, u64),
    AckAll,
    Written,
}

fn gen_case(rng: &mut Rng) -> Vec<Op> {
    let mut ops = Vec::new();
    match rng.below(3) {
        0 => {
            // Dense: overlapping ranges in a small space.
            let space = 500 + rng.below(4000);
            for _ in 0..20 + rng.below(100) {
                let s = rng.below(space);
                let n = 1 + if rng.below(4) == 0 {
                    rng.below(1200)
                } else {
                    rng.below(40)
                };
                ops.push(match rng.below(10) {
                    0..=5 => Op::Set(s, n, rng.below(2) == 0),
                    6 | 7 => Op::Clear(s, n),
                    8 => Op::Check(s, n),
                    _ => {
                        if rng.below(2) == 0 {
                            Op::AckAll
                        } else {
                            Op::Written
                        }
                    }
                });
            }
        }
        _ => {
            // Toward a full list: many short ranges, gaps between most of them.
            let stride = 3 + rng.below(3);
            for _ in 0..500 + rng.below(900) {
                let s = rng.below(700) * stride + rng.below(2);
                let n = 1 + rng.below(stride);
                ops.push(match rng.below(20) {
                    0..=15 => Op::Set(s, n, rng.below(3) != 0),
                    16 | 17 => Op::Clear(s, 1 + rng.below(3)),
                    18 => Op::Check(s, n * 4),
                    _ => {
                        if rng.below(2) == 0 {
                            Op::AckAll
                        } else {
                            Op::Written
                        }
                    }
                });
            }
        }
    }
    ops
}

fn state(bb: &BadBlocks) -> Vec<String> {
    let mut v = vec![format!(
        "l {} {} {}",
        bb.count(),
        u8::from(bb.changed()),
        u8::from(bb.unacked_exist())
    )];
    v.extend(
        bb.ranges()
            .map(|r| format!("e {} {} {}", r.start, r.sectors, u8::from(r.acked))),
    );
    v
}

/// Runs `ops` on a fresh list here and in the oracle; compares every answer and the
/// list after every `every`-th operation and the last.
fn run_case(oracle: &std::ffi::OsStr, case: u64, ops: &[Op], every: usize) -> bool {
    let mut bb = BadBlocks::new();
    let mut input = String::new();
    let mut expect: Vec<(usize, Vec<String>)> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        let (cmd, ours) = match *op {
            Op::Set(s, n, a) => (
                format!("s {s} {n} {}", u8::from(a)),
                Some(format!("r {}", u8::from(!bb.set(s, n, a)))),
            ),
            Op::Clear(s, n) => (
                format!("c {s} {n}"),
                Some(format!("r {}", u8::from(!bb.clear(s, n)))),
            ),
            Op::Check(s, n) => (
                format!("k {s} {n}"),
                Some(match bb.check(s, n) {
                    Check::Good => "k 0 0 0".to_string(),
                    Check::Bad {
                        first,
                        sectors,
                        acked,
                    } => format!("k {} {first} {sectors}", if acked { 1 } else { -1 }),
                }),
            ),
            Op::AckAll => {
                bb.ack_all();
                ("a".to_string(), None)
            }
            Op::Written => {
                bb.set_changed(false);
                ("x".to_string(), None)
            }
        };
        input.push_str(&cmd);
        input.push('\n');
        if let Some(o) = ours {
            expect.push((k, vec![o]));
        }
        if k % every == 0 || k + 1 == ops.len() {
            input.push_str("p\n");
            expect.push((k, state(&bb)));
        }
    }
    let mut child = Command::new(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("oracle");
    let mut to = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || to.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    for (k, want) in expect {
        let got: Vec<String> = if want[0].starts_with("l ") {
            let head = lines.next().unwrap_or("").to_string();
            let n: usize = head
                .split(' ')
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let mut v = vec![head];
            v.extend(lines.by_ref().take(n).map(str::to_string));
            v
        } else {
            vec![lines.next().unwrap_or("").to_string()]
        };
        if got != want {
            panic!(
                "case {case} op {k} {:?}: differs\nours:   {:?}\nkernel: {:?}\nops: {:?}",
                ops[k],
                want,
                got,
                &ops[..=k]
            );
        }
    }
    bb.full()
}

#[test]
fn same_as_kernel_badblocks_c() {
    let Some(oracle) = std::env::var_os("RUST_MD_BB_ORACLE") else {
        eprintln!("RUST_MD_BB_ORACLE not set: skipped (host/scripts/badblocks-oracle.sh runs it)");
        return;
    };
    let cases: u64 = std::env::var("RUST_MD_BB_ORACLE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let seed = std::env::var("RUST_MD_BB_ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15u64);
    let mut rng = Rng(seed | 1);
    let mut full_seen = 0;
    for case in 0..cases {
        let ops = gen_case(&mut rng);
        let every = if ops.len() > 200 { 7 } else { 1 };
        full_seen += usize::from(run_case(&oracle, case, &ops, every));
    }
    eprintln!("badblocks oracle: {cases} sequences agree ({full_seen} ended with a full list)");
}
