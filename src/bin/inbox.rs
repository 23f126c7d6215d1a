//! `inbox`: the command line.

fn main() -> std::process::ExitCode {
    inbox::restrict_new_files();
    inbox::cli::main()
}
