use std::fmt::Write;
use std::path::Path;

fn main() {
    minijinja_embed::embed_templates!("web/templates");
    embed_scenarios();
}

/// `scenarios/{labs,packs,quizzes}/*.toml` as `(path, text)` pairs in
/// `OUT_DIR/scenarios.rs`, so the binary carries the shipped labs.
fn embed_scenarios() {
    println!("cargo:rerun-if-changed=scenarios");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = String::from("&[\n");
    for sub in ["labs", "packs", "quizzes"] {
        let dir = root.join("scenarios").join(sub);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|x| x == "toml"));
        files.sort();
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let _ = writeln!(
                out,
                "    ({:?}, include_str!({:?})),",
                format!("{sub}/{name}"),
                f.display().to_string()
            );
        }
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("scenarios.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("writing scenarios.rs: {e}"));
}
