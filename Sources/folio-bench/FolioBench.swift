import ArgumentParser

/// `folio-bench`: Folio's benchmarks. Timings are medians over repeated runs, with a reference measured in the
/// same run, because the machines are shared and noisy.
@main
struct FolioBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio-bench",
        abstract: "Benchmarks for Folio's pipeline stages.",
        subcommands: [ExtractBenchmark.self, EmbedBenchmark.self, IndexBenchmark.self, LibraryBenchmark.self, OCRBenchmark.self,
                      OCRWorkerCommand.self]
    )
}
