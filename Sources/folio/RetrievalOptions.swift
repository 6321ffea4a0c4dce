import ArgumentParser
import FolioEngine

extension RetrievalMode: ExpressibleByArgument {}

/// Retrieval options shared by `search`, `ask` and `eval`.
struct RetrievalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("hybrid (dense + BM25, re-scored; the default), dense, lexical, or fusion (hybrid without re-scoring).",
                               valueName: "mode"))
    var mode: RetrievalMode = .hybrid

    @Option(help: ArgumentHelp("Weight of the dense score in the fusion (0...1).", visibility: .hidden))
    var denseWeight: Double?

    @Option(help: ArgumentHelp("Weight of the best sentence window in re-scoring.", visibility: .hidden))
    var windowWeight: Double?

    @Option(help: ArgumentHelp("Weight of a document-name match in re-scoring.", visibility: .hidden))
    var nameWeight: Double?

    @Option(help: ArgumentHelp("Weight of the chunk's coverage of the question in re-scoring.", visibility: .hidden))
    var coverageWeight: Double?

    @Option(help: ArgumentHelp("Abstain below this confidence (0...1).", visibility: .hidden))
    var minConfidence: Double?

    func validate() throws {
        for (name, value) in [("--dense-weight", denseWeight), ("--min-confidence", minConfidence)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(name) must be between 0 and 1") }
        }
        for (name, value) in [("--window-weight", windowWeight), ("--name-weight", nameWeight),
                              ("--coverage-weight", coverageWeight)] {
            if let value, value < 0 { throw ValidationError("\(name) must not be negative") }
        }
    }

    /// The settings these options describe, with `mode` replaced when given.
    func settings(mode override: RetrievalMode? = nil) -> RetrievalSettings {
        var settings = RetrievalSettings(mode: override ?? mode)
        if let denseWeight { settings.denseWeight = denseWeight }
        if let windowWeight { settings.windowWeight = windowWeight }
        if let nameWeight { settings.nameWeight = nameWeight }
        if let coverageWeight { settings.coverageWeight = coverageWeight }
        return settings
    }

    /// Applies the options to an opened Folio.
    func apply(to folio: Folio) {
        folio.retrieval = settings()
        if let minConfidence { folio.answerer.minimumConfidence = minConfidence }
    }
}
