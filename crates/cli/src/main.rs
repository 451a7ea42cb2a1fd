//! `secure-login`: HOTP (RFC 4226), TOTP (RFC 6238) and OCRA (RFC 6287) codes from the command line.
//!
//! Prints the code and a newline on stdout and exits 0. On bad input it prints one line on stderr,
//! which never contains a key, PIN or code, and exits 2.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    cli::main();
}

/// clap is a native-only dependency; the wasm32 build of this bin does nothing.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::Write;
    use std::process::exit;

    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use clap::{Args, Parser, Subcommand};
    use secure_login_otp::{
        hex_decode, Challenge, Digits, Error, HashAlgorithm, Hotp, Ocra, OcraInput, OcraSuite,
        OcraTime, Pin, Secret, TimeStep, Totp,
    };
    use zeroize::Zeroizing;

    /// One-time codes: HOTP (RFC 4226), TOTP (RFC 6238) and OCRA (RFC 6287).
    #[derive(Parser)]
    #[command(name = "secure-login", version)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// The HOTP code for a counter (RFC 4226).
        Hotp {
            #[command(flatten)]
            key: KeyArgs,
            /// The 8-byte counter C.
            #[arg(long, value_name = "N")]
            counter: u64,
            #[command(flatten)]
            code: CodeArgs,
        },
        /// The TOTP code at a given time (RFC 6238).
        Totp {
            #[command(flatten)]
            key: KeyArgs,
            /// The time, in Unix seconds.
            #[arg(long, value_name = "UNIX_SECONDS")]
            time: u64,
            /// The time step X, in seconds.
            #[arg(long, default_value_t = 30)]
            step: u64,
            /// The start time T0, in Unix seconds.
            #[arg(long, default_value_t = 0)]
            t0: u64,
            #[command(flatten)]
            code: CodeArgs,
        },
        /// The OCRA response for a suite and its data input (RFC 6287).
        Ocra(OcraArgs),
    }

    #[derive(Args)]
    #[group(required = true, multiple = false)]
    struct KeyArgs {
        /// The secret key in hex.
        #[arg(long, value_name = "HEX")]
        key: Option<String>,
        /// The secret key in Base32 (RFC 4648), as authenticator apps show it.
        #[arg(long, value_name = "B32")]
        base32: Option<String>,
    }

    #[derive(Args)]
    struct CodeArgs {
        /// Digits of the code, 6 to 10.
        #[arg(long, default_value_t = 6)]
        digits: u32,
        /// The HMAC hash: sha1, sha256 or sha512.
        #[arg(long, default_value = "sha1")]
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
        #[arg(long, value_name = "N")]
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
            Ok(code) => {
                if writeln!(std::io::stdout(), "{code}").is_err() {
                    exit(1);
                }
            }
            Err(err) => fail(&err.to_string()),
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

    fn run(command: Command) -> Result<String, Error> {
        match command {
            Command::Hotp { key, counter, code } => {
                let hotp = Hotp::new(key.secret()?.expose_secret(), code.hash()?, code.digits()?)?;
                Ok(hotp.generate(counter).to_string())
            }
            Command::Totp {
                key,
                time,
                step,
                t0,
                code,
            } => {
                let clock = TimeStep::new(step, t0)?;
                let totp = Totp::new(
                    key.secret()?.expose_secret(),
                    code.hash()?,
                    code.digits()?,
                    clock,
                )?;
                Ok(totp.generate(time)?.to_string())
            }
            Command::Ocra(args) => ocra(&args),
        }
    }

    impl KeyArgs {
        fn secret(&self) -> Result<Secret, Error> {
            match (&self.key, &self.base32) {
                (Some(hex), _) => Secret::from_hex(hex),
                (None, Some(base32)) => Secret::from_base32(base32),
                // clap's group makes one of the two required.
                (None, None) => Err(Error::InvalidSecretLength(0)),
            }
        }
    }

    impl CodeArgs {
        fn hash(&self) -> Result<HashAlgorithm, Error> {
            self.hash.parse()
        }

        fn digits(&self) -> Result<Digits, Error> {
            Digits::new(self.digits)
        }
    }

    fn ocra(args: &OcraArgs) -> Result<String, Error> {
        let suite: OcraSuite = args.suite.parse()?;
        let challenge = match args.challenge.as_slice() {
            [one] => Challenge::new(suite.challenge(), one)?,
            [first, second] => Challenge::mutual(suite.challenge(), first, second)?,
            _ => {
                return Err(Error::InvalidChallenge(
                    "give --challenge once, or twice for mutual mode",
                ))
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
        Ocra::new(suite, args.key.secret()?.expose_secret())?.respond(&input)
    }

    /// The number of time steps from hex, as RFC 6287 Appendix C writes T (`132d0b6`).
    fn parse_steps(hex: &str) -> Result<u64, Error> {
        u64::from_str_radix(hex, 16)
            .map_err(|_| Error::InvalidTime("--timestep must be 1 to 16 hex digits"))
    }
}
