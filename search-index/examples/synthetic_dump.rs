//! Prints the seeded synthetic data set (`search_index::synthetic`) as JSON lines on
//! standard output, one `{"firm": …}`, `{"compound": …}` or `{"tender": …}` per line, for
//! `scripts/load_national.py`, which loads it into the services through their API.
//!
//!   target/debug/examples/synthetic_dump national 20260501 > national.jsonl
//!
//! Arguments: the size (`chengdu` or `national`, default national) and the seed (default
//! 20260501, the benchmarks' seed).

use std::io::{BufWriter, Write};

use search_index::synthetic::{self, Scale};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let scale = match args.next().as_deref() {
        None | Some("national") => Scale::NATIONAL,
        Some("chengdu") => Scale::CHENGDU,
        Some(other) => return Err(format!("unknown size {other:?}: chengdu or national").into()),
    };
    let seed: u64 = match args.next() {
        Some(s) => s.parse()?,
        None => 20_260_501,
    };
    let data = synthetic::generate(scale, seed);
    let mut out = BufWriter::new(std::io::stdout().lock());
    for f in &data.firms {
        writeln!(out, "{}", serde_json::json!({ "firm": f }))?;
    }
    for c in &data.compounds {
        writeln!(out, "{}", serde_json::json!({ "compound": c }))?;
    }
    for t in &data.tenders {
        writeln!(out, "{}", serde_json::json!({ "tender": t }))?;
    }
    out.flush()?;
    Ok(())
}
