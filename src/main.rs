fn main() -> std::process::ExitCode {
    taxlab::cli::main()
}
