use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: under load a request's many small allocations (rows,
/// JSON, the ranking's vectors) spent a sixth of the CPU in glibc's allocator and its locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Whatever umask the service was started with, what it writes is its own.
    heartland::private_files::restrict_umask();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    heartland::cli::run(heartland::cli::Cli::parse()).await
}
