//! Placeholder; the command-line tool is written next.
fn main() {}
