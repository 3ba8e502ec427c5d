//! `wuye`: see `wuye --help`.

fn main() -> std::process::ExitCode {
    wuye::cli::main()
}
