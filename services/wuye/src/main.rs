//! `wuye`: see `wuye --help`.

/// With the `mimalloc` feature, the process allocates through mimalloc instead of the system's
/// malloc (issue 16: measured in BENCHMARKS.md §7 before it was made the default or not).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    wuye::cli::main()
}
