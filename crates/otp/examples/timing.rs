//! Does a wrong code take as long to refuse when it is wrong in its first digit as when it is
//! wrong in its last? A dudect-style measurement (Reparaz, Balasch, Verbauwhede, "Dude, is my
//! code constant time?", 2017) of `Hotp::verify` and `Ocra::verify`: many samples, the class of
//! each (early or late mismatch) drawn at random so that drift and noise fall on both alike; the
//! slowest tenth of all samples dropped (interrupts, preemption); then the medians and Welch's t
//! statistic of the two classes. |t| below about 4.5 is "no difference found"; a leak that an
//! attacker could use over the network would show as a t in the tens or hundreds.
//!
//! Run it in release (`scripts/timing.sh` does):
//!
//! ```text
//! cargo run --release --example timing -- [SAMPLES_PER_RUN] [RUNS]
//! ```
//!
//! It prints one line per comparison and run, and exits 1 only on a gross leak: |t| > 10 in every
//! run of one comparison.

use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use secure_login_otp::{
    Challenge, Digits, HashAlgorithm, Hotp, Ocra, OcraInput, OcraSuite, OcraWindow, Window,
};

/// A |t| this large in every run is a leak, not noise.
const GROSS: f64 = 10.0;

/// Calls per timed sample: enough to lift a sample well above the clock's resolution.
const BATCH: usize = 8;

/// xorshift64*: the class of each sample (no need for a CSPRNG, only for no pattern).
struct Coin(u64);

impl Coin {
    fn new() -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64);
        Self(seed | 1)
    }

    fn flip(&mut self) -> bool {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 63 == 1
    }
}

/// Median, mean and variance of some samples.
struct Summary {
    median: f64,
    mean: f64,
    variance: f64,
    n: f64,
}

fn summary(samples: &[f64]) -> Summary {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let variance = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Summary {
        median: sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN),
        mean,
        variance,
        n,
    }
}

/// Welch's t statistic of two samples.
fn welch_t(a: &Summary, b: &Summary) -> f64 {
    (a.mean - b.mean) / (a.variance / a.n + b.variance / b.n).sqrt()
}

/// The value below which `fraction` of `samples` lie.
fn percentile(samples: &[f64], fraction: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((sorted.len() as f64 - 1.0) * fraction) as usize;
    sorted.get(at).copied().unwrap_or(f64::INFINITY)
}

/// `samples` timed samples of `BATCH` calls each, on the code of class early or late at random;
/// nanoseconds per call, with the slowest tenth of all samples dropped. Returns (early, late).
///
/// The code of the sample is copied into one buffer before the clock starts, so both classes are
/// read from the same address through the same path: only their contents differ.
fn measure(
    samples: usize,
    early: &str,
    late: &str,
    mut call: impl FnMut(&str),
) -> (Vec<f64>, Vec<f64>) {
    let mut coin = Coin::new();
    let mut buffer = String::with_capacity(early.len().max(late.len()));
    let mut timed: Vec<(bool, f64)> = Vec::with_capacity(samples);
    // Warm up caches and the branch predictor on both classes.
    for i in 0..samples / 10 {
        call(if i % 2 == 0 { early } else { late });
    }
    for _ in 0..samples {
        let class = coin.flip();
        buffer.clear();
        buffer.push_str(if class { late } else { early });
        let code = black_box(buffer.as_str());
        let start = Instant::now();
        for _ in 0..BATCH {
            call(code);
        }
        timed.push((class, start.elapsed().as_nanos() as f64 / BATCH as f64));
    }
    let all: Vec<f64> = timed.iter().map(|(_, t)| *t).collect();
    let cut = percentile(&all, 0.9);
    let pick = |class: bool| {
        timed
            .iter()
            .filter(|(late, t)| *late == class && *t <= cut)
            .map(|(_, t)| *t)
            .collect::<Vec<f64>>()
    };
    (pick(false), pick(true))
}

/// A code wrong in its first digit and one wrong in its last, from the right one.
fn mismatches(right: &str) -> (String, String) {
    let flip = |c: char| {
        if c == '9' {
            '0'
        } else {
            char::from(c as u8 + 1)
        }
    };
    let mut chars: Vec<char> = right.chars().collect();
    let mut early = chars.clone();
    if let Some(first) = early.first_mut() {
        *first = flip(*first);
    }
    if let Some(last) = chars.last_mut() {
        *last = flip(*last);
    }
    (early.into_iter().collect(), chars.into_iter().collect())
}

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let samples: usize = args.next().map_or(Ok(200_000), |a| a.parse())?;
    let runs: usize = args.next().map_or(Ok(3), |a| a.parse())?;

    // HOTP: SHA-1, 6 digits, counter 0, look-ahead 10 (11 codes computed and compared per call).
    let hotp = Hotp::new(b"12345678901234567890", HashAlgorithm::Sha1, Digits::SIX)?;
    let window = Window::new(10)?;
    let right = hotp.generate(0).to_string();
    let (hotp_early, hotp_late) = mismatches(&right);
    for wrong in [&hotp_early, &hotp_late] {
        if hotp.verify(wrong, 0, window)?.is_some() {
            return Err(format!("{wrong} matches somewhere in the window").into());
        }
    }

    // OCRA: the soft token's suite, 8-digit response to an 8-digit challenge.
    let suite: OcraSuite = "OCRA-1:HOTP-SHA256-8:QN08".parse()?;
    let ocra = Ocra::new(suite.clone(), b"12345678901234567890123456789012")?;
    let challenge = Challenge::new(suite.challenge(), "31415926")?;
    let input = OcraInput::challenge(&challenge);
    let response = ocra.respond(&input)?;
    let (ocra_early, ocra_late) = mismatches(&response);
    let ocra_window = OcraWindow::default();

    println!(
        "samples per run: {samples} ({BATCH} calls each, slowest 10% dropped), runs: {runs}; \
         times in ns per call"
    );
    let mut leaks = Vec::new();
    type Call<'a> = Box<dyn FnMut(&str) + 'a>;
    let hotp_call = || -> Call<'_> {
        Box::new(|code: &str| {
            let _ = black_box(hotp.verify(black_box(code), 0, window));
        })
    };
    let ocra_call = || -> Call<'_> {
        Box::new(|code: &str| {
            let _ = black_box(ocra.verify(black_box(code), &input, ocra_window));
        })
    };
    // (name, first class, second class, the call, whether a gross difference is a leak). The
    // controls time one class against itself: their |t| is the noise floor of this machine.
    let cases = [
        (
            "Hotp::verify (SHA-1, 6 digits, look-ahead 10): first- vs last-digit mismatch",
            hotp_early.as_str(),
            hotp_late.as_str(),
            hotp_call(),
            true,
        ),
        (
            "Ocra::verify (OCRA-1:HOTP-SHA256-8:QN08): first- vs last-digit mismatch",
            ocra_early.as_str(),
            ocra_late.as_str(),
            ocra_call(),
            true,
        ),
        (
            "control, Ocra::verify: first-digit mismatch vs itself",
            ocra_early.as_str(),
            ocra_early.as_str(),
            ocra_call(),
            false,
        ),
    ];
    for (name, first, second, mut call, gating) in cases {
        let mut all_gross = true;
        for run in 1..=runs {
            let (a, b) = measure(samples, first, second, &mut call);
            let (a, b) = (summary(&a), summary(&b));
            let t = welch_t(&a, &b);
            all_gross &= t.abs() > GROSS;
            println!(
                "{name}, run {run}: medians {:.1} / {:.1} ns (difference {:+.1} ns), \
                 Welch t = {t:+.2} (n = {} / {})",
                a.median,
                b.median,
                b.median - a.median,
                a.n,
                b.n,
            );
        }
        if all_gross && gating {
            leaks.push(name);
        }
    }
    if leaks.is_empty() {
        println!("no gross leak: |t| <= {GROSS} in at least one run of each comparison");
        Ok(())
    } else {
        Err(format!(
            "timing leak (|t| > {GROSS} in every run): {}",
            leaks.join(", ")
        )
        .into())
    }
}
