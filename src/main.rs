fn main() {
    std::process::exit(ecsim::cli::main());
}
