//! `secure-login`: HOTP (RFC 4226), TOTP (RFC 6238) and OCRA (RFC 6287) codes from the command line.
//!
//! Prints the code (or, with `-w`, the codes) and a newline on stdout and exits 0. `--verify`
//! prints what matched and exits 0, or exits 1 when nothing matched. On bad input it prints one
//! line on stderr, which never contains a key, PIN or code, and exits 2.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    cli::main();
}

/// clap is a native-only dependency; the wasm32 build of this bin does nothing.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::fs::File;
    use std::io::{Read, Write};
    use std::process::exit;

    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use clap::{Args, Parser, Subcommand};
    use secure_login_otp::{
        base32_decode, hex_decode, Challenge, Digits, Error, HashAlgorithm, Hotp, Ocra, OcraInput,
        OcraSuite, OcraTime, Pin, Secret, SystemClock, TimeSource, TimeStep, Totp, Window,
    };
    use zeroize::Zeroizing;

    const EXAMPLES: &str = "\
Examples:
  secure-login totp -b JBSWY3DPEHPK3PXP             the TOTP code now (SHA-1, 6 digits, 30 s)
  secure-login totp -b - < key.txt                  the key from stdin, never in argv
  secure-login totp --key-file key.hex -d 8 -H sha256 -w 2
                                                    now and the next 2 steps' codes
  secure-login totp -b - --verify 123456            exit 0 and the step offset if it matches
                                                    now or 1 step either side, else exit 1
  secure-login hotp -k 3132333435363738393031323334353637383930 -c 1
                                                    287082 (RFC 4226 Appendix D)
  secure-login ocra --suite OCRA-1:HOTP-SHA1-6:QN08 --key-file key.hex --challenge 11111111

Keys: -k/--key HEX, -b/--base32 B32 ('-' reads the key from stdin), --key-file PATH (hex) or
--base32-file PATH; surrounding white space and the trailing newline are dropped. Keys shorter
than 16 bytes (legacy 80-bit ones) are taken, as oathtool takes them.
Exit status: 0 done (or matched), 1 no match (--verify), 2 bad input.";

    /// One-time codes: HOTP (RFC 4226), TOTP (RFC 6238) and OCRA (RFC 6287).
    #[derive(Parser)]
    #[command(name = "secure-login", version, after_help = EXAMPLES)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// The HOTP code for a counter (RFC 4226), or check one with --verify.
        #[command(after_help = EXAMPLES)]
        Hotp(HotpArgs),
        /// The TOTP code now or at --time (RFC 6238), or check one with --verify.
        #[command(after_help = EXAMPLES)]
        Totp(TotpArgs),
        /// The OCRA response for a suite and its data input (RFC 6287).
        #[command(after_help = EXAMPLES)]
        Ocra(OcraArgs),
    }

    #[derive(Args)]
    struct HotpArgs {
        #[command(flatten)]
        key: KeyArgs,
        /// The 8-byte counter C.
        #[arg(short, long, value_name = "N", default_value_t = 0)]
        counter: u64,
        /// Also print the codes of the next N counters; with --verify, look N counters ahead.
        #[arg(short, long, value_name = "N")]
        window: Option<u32>,
        /// Check CODE instead of printing codes: prints the counter that matched (exit 0), or
        /// exits 1 when none did.
        #[arg(long, value_name = "CODE")]
        verify: Option<String>,
        #[command(flatten)]
        code: CodeArgs,
    }

    #[derive(Args)]
    struct TotpArgs {
        #[command(flatten)]
        key: KeyArgs,
        /// The time, in Unix seconds [default: now].
        #[arg(short, long, value_name = "UNIX_SECONDS")]
        time: Option<u64>,
        /// The time step X, in seconds.
        #[arg(short, long, value_name = "SECONDS", default_value_t = 30)]
        step: u64,
        /// The start time T0, in Unix seconds.
        #[arg(short = 'S', long, value_name = "UNIX_SECONDS", default_value_t = 0)]
        t0: u64,
        /// Also print the codes of the next N steps; with --verify, accept N steps either side
        /// [default with --verify: 1].
        #[arg(short, long, value_name = "N")]
        window: Option<u32>,
        /// Check CODE instead of printing codes: prints the offset in steps of the step that
        /// matched (0 now, -1 the step before, ...) and exits 0, or exits 1 when none did.
        #[arg(long, value_name = "CODE")]
        verify: Option<String>,
        #[command(flatten)]
        code: CodeArgs,
    }

    #[derive(Args)]
    #[group(required = true, multiple = false)]
    struct KeyArgs {
        /// The secret key in hex; '-' reads it from stdin.
        #[arg(short, long, value_name = "HEX")]
        key: Option<String>,
        /// The secret key in Base32 (RFC 4648), as authenticator apps show it; '-' reads it from
        /// stdin.
        #[arg(short, long, value_name = "B32")]
        base32: Option<String>,
        /// A file holding the key in hex.
        #[arg(long, value_name = "PATH")]
        key_file: Option<std::path::PathBuf>,
        /// A file holding the key in Base32.
        #[arg(long, value_name = "PATH")]
        base32_file: Option<std::path::PathBuf>,
    }

    #[derive(Args)]
    struct CodeArgs {
        /// Digits of the code, 6 to 10.
        #[arg(short, long, default_value_t = 6)]
        digits: u32,
        /// The HMAC hash: sha1, sha256 or sha512.
        #[arg(short = 'H', long, default_value = "sha1")]
        hash: String,
    }

    #[derive(Args)]
    struct OcraArgs {
        /// The OCRA suite, e.g. OCRA-1:HOTP-SHA1-6:QN08 (RFC 6287 section 6).
        #[arg(long)]
        suite: String,
        #[command(flatten)]
        key: KeyArgs,
        /// The challenge Q; twice for mutual challenge/response (first, then second).
        #[arg(long, value_name = "Q", required = true)]
        challenge: Vec<String>,
        /// The counter C, for suites with C.
        #[arg(short, long, value_name = "N")]
        counter: Option<u64>,
        /// The PIN, for suites with P; hashed with the suite's P hash.
        #[arg(long, conflicts_with = "pin_hash")]
        pin: Option<String>,
        /// The PIN already hashed, in hex, for suites with P.
        #[arg(long, value_name = "HEX")]
        pin_hash: Option<String>,
        /// The session information S in hex, for suites with S (zero-padded on the left).
        #[arg(long, value_name = "HEX")]
        session: Option<String>,
        /// The time in Unix seconds, for suites with T.
        #[arg(long, value_name = "UNIX_SECONDS", conflicts_with = "timestep")]
        time: Option<u64>,
        /// The number of time steps in hex (as RFC 6287's vectors give T), for suites with T.
        #[arg(long, value_name = "HEX")]
        timestep: Option<String>,
    }

    /// How a run ends when it does not print codes.
    enum Failure {
        /// Bad input: one line on stderr, exit 2.
        Usage(String),
        /// `--verify` found no match: one line on stderr, exit 1.
        NoMatch(String),
    }

    impl From<Error> for Failure {
        fn from(err: Error) -> Self {
            Self::Usage(err.to_string())
        }
    }

    pub(super) fn main() {
        let cli = match Cli::try_parse() {
            Ok(cli) => cli,
            Err(err) if !err.use_stderr() => {
                // --help and --version.
                let _ = err.print();
                exit(0);
            }
            Err(err) => fail(&usage_message(&err)),
        };
        match run(cli.command) {
            Ok(lines) => {
                let mut out = std::io::stdout().lock();
                for line in lines {
                    if writeln!(out, "{line}").is_err() {
                        exit(1);
                    }
                }
            }
            Err(Failure::Usage(message)) => fail(&message),
            Err(Failure::NoMatch(message)) => {
                let _ = writeln!(std::io::stderr(), "{message}");
                exit(1);
            }
        }
    }

    /// Prints `message` as the one line on stderr and exits 2.
    fn fail(message: &str) -> ! {
        let _ = writeln!(std::io::stderr(), "error: {message}");
        exit(2);
    }

    /// One line for a usage error. clap quotes what was typed, and a stray or misplaced word may
    /// be a secret, so only option names are repeated.
    fn usage_message(err: &clap::Error) -> String {
        match err.kind() {
            ErrorKind::InvalidSubcommand | ErrorKind::MissingSubcommand => {
                "expected a subcommand: hotp, totp or ocra (see --help)".into()
            }
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                "expected a subcommand and its options (see --help)".into()
            }
            ErrorKind::UnknownArgument => match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::String(arg)) if arg.starts_with("--") => {
                    let name = arg.split('=').next().unwrap_or_default();
                    format!("unexpected argument '{name}' (see --help)")
                }
                _ => "unexpected argument (see --help)".into(),
            },
            ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
                match (
                    err.get(ContextKind::InvalidArg),
                    std::error::Error::source(err),
                ) {
                    (Some(arg), Some(why)) => format!("invalid value for '{arg}': {why}"),
                    (Some(arg), None) => format!("invalid value for '{arg}'"),
                    _ => "invalid value (see --help)".into(),
                }
            }
            ErrorKind::MissingRequiredArgument => match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(args)) => {
                    format!("missing {} (see --help)", args.join(", "))
                }
                _ => "a required argument is missing (see --help)".into(),
            },
            _ => {
                let rendered = err.render().to_string();
                let line = rendered.lines().next().unwrap_or_default();
                line.strip_prefix("error: ").unwrap_or(line).to_owned()
            }
        }
    }

    fn run(command: Command) -> Result<Vec<String>, Failure> {
        match command {
            Command::Hotp(args) => hotp(&args),
            Command::Totp(args) => totp(&args),
            Command::Ocra(args) => Ok(vec![ocra(&args)?]),
        }
    }

    fn hotp(args: &HotpArgs) -> Result<Vec<String>, Failure> {
        let hotp = Hotp::from_secret(&args.key.secret()?, args.code.hash()?, args.code.digits()?)?;
        let window = Window::new(args.window.unwrap_or(0))?;
        if let Some(code) = &args.verify {
            return match hotp.verify(code, args.counter, window)? {
                Some(found) => Ok(vec![found.counter.to_string()]),
                None => Err(Failure::NoMatch(format!(
                    "no match: counters {} to {}",
                    args.counter,
                    args.counter.saturating_add(u64::from(window.get()))
                ))),
            };
        }
        let last = args.counter.saturating_add(u64::from(window.get()));
        Ok((args.counter..=last)
            .map(|c| hotp.generate(c).to_string())
            .collect())
    }

    fn totp(args: &TotpArgs) -> Result<Vec<String>, Failure> {
        let clock = TimeStep::new(args.step, args.t0)?;
        let totp = Totp::from_secret(
            &args.key.secret()?,
            args.code.hash()?,
            args.code.digits()?,
            clock,
        )?;
        // The one clock read of the tool: the core reads none.
        let time = match args.time {
            Some(time) => time,
            None => SystemClock.unix_secs()?,
        };
        if let Some(code) = &args.verify {
            let window = Window::new(args.window.unwrap_or(1))?;
            return match totp.verify(code, time, window)? {
                Some(found) => Ok(vec![found.offset.to_string()]),
                None => Err(Failure::NoMatch(format!(
                    "no match: {} step(s) either side of the time",
                    window.get()
                ))),
            };
        }
        let now = clock.counter_at(time)?;
        let window = Window::new(args.window.unwrap_or(0))?;
        let last = now.saturating_add(u64::from(window.get()));
        Ok((now..=last)
            .map(|step| totp.generate_step(step).to_string())
            .collect())
    }

    /// The longest key text read from stdin or a file (a 1024-byte key is 2048 hex digits).
    const MAX_KEY_TEXT: u64 = 16 * 1024;

    impl KeyArgs {
        fn secret(&self) -> Result<Secret, Failure> {
            let (text, base32) = match (&self.key, &self.base32, &self.key_file, &self.base32_file)
            {
                (Some(hex), ..) => (given(hex)?, false),
                (None, Some(b32), ..) => (given(b32)?, true),
                (None, None, Some(path), _) => (read_key(File::open(path), "--key-file")?, false),
                (None, None, None, Some(path)) => {
                    (read_key(File::open(path), "--base32-file")?, true)
                }
                // clap's group makes one of them required.
                (None, None, None, None) => return Err(Failure::Usage("no key given".into())),
            };
            let bytes = if base32 {
                base32_decode(&text)?
            } else {
                hex_decode(&text)?
            };
            // The tool computes codes for keys that exist, short legacy ones too, as oathtool.
            Ok(Secret::from_bytes_allow_short(bytes)?)
        }
    }

    /// The key as typed, or read from stdin for `-`.
    fn given(value: &str) -> Result<Zeroizing<String>, Failure> {
        if value == "-" {
            read_key(Ok(std::io::stdin().lock()), "stdin")
        } else {
            Ok(Zeroizing::new(value.to_owned()))
        }
    }

    /// Reads a key from `source` (named `what` in errors), without its surrounding white space
    /// and trailing newline. Never echoes what it read.
    fn read_key<R: Read>(
        source: std::io::Result<R>,
        what: &str,
    ) -> Result<Zeroizing<String>, Failure> {
        let cannot =
            |e: std::io::Error| Failure::Usage(format!("cannot read the key from {what}: {e}"));
        let mut bytes = Zeroizing::new(Vec::new());
        source
            .map_err(cannot)?
            .take(MAX_KEY_TEXT + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        if bytes.len() as u64 > MAX_KEY_TEXT {
            return Err(Failure::Usage(format!(
                "the key from {what} is longer than {MAX_KEY_TEXT} bytes"
            )));
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Failure::Usage(format!("the key from {what} is not UTF-8 text")))?
            .trim();
        if text.is_empty() {
            return Err(Failure::Usage(format!("the key from {what} is empty")));
        }
        Ok(Zeroizing::new(text.to_owned()))
    }

    impl CodeArgs {
        fn hash(&self) -> Result<HashAlgorithm, Error> {
            self.hash.parse()
        }

        fn digits(&self) -> Result<Digits, Error> {
            Digits::new(self.digits)
        }
    }

    fn ocra(args: &OcraArgs) -> Result<String, Failure> {
        let suite: OcraSuite = args.suite.parse()?;
        let challenge = match args.challenge.as_slice() {
            [one] => Challenge::new(suite.challenge(), one)?,
            [first, second] => Challenge::mutual(suite.challenge(), first, second)?,
            _ => {
                return Err(Error::InvalidChallenge(
                    "give --challenge once, or twice for mutual mode",
                )
                .into())
            }
        };
        let pin_hash = args
            .pin_hash
            .as_deref()
            .map(hex_decode)
            .transpose()?
            .map(Zeroizing::new);
        let session = args.session.as_deref().map(hex_decode).transpose()?;
        let time = match (args.time, &args.timestep) {
            (Some(secs), _) => Some(OcraTime::UnixSeconds(secs)),
            (None, Some(hex)) => Some(OcraTime::Steps(parse_steps(hex)?)),
            (None, None) => None,
        };
        let pin = match (&args.pin, &pin_hash) {
            (Some(pin), _) => Some(Pin::Plain(pin)),
            (None, Some(hash)) => Some(Pin::Hash(hash)),
            (None, None) => None,
        };
        let input = OcraInput {
            challenge: &challenge,
            counter: args.counter,
            pin,
            session: session.as_deref(),
            time,
        };
        Ok(Ocra::from_secret(suite, &args.key.secret()?)?.respond(&input)?)
    }

    /// The number of time steps from hex, as RFC 6287 Appendix C writes T (`132d0b6`).
    fn parse_steps(hex: &str) -> Result<u64, Error> {
        u64::from_str_radix(hex, 16)
            .map_err(|_| Error::InvalidTime("--timestep must be 1 to 16 hex digits"))
    }
}
