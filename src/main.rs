//! Entry point: everything lives in the library; see `pausegate::cli`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    pausegate::cli::main()
}
