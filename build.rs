//! Rebuild when migrations, static files or templates change: `embed_migrations!` and
//! `include_dir!` would otherwise miss files added since the last build.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=static");
    println!("cargo:rerun-if-changed=templates");
}
