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

    @Option(help: ArgumentHelp("Weight of a sentence's MiniLM cosine with the question when the answer is chosen.",
                               visibility: .hidden))
    var semanticWeight: Double?

    @Option(help: ArgumentHelp("How many candidate sentences are compared with the question in meaning.",
                               visibility: .hidden))
    var semanticCandidates: Int?

    @Option(help: ArgumentHelp("Further sentences join the best one when this close to its score.", visibility: .hidden))
    var sentenceMargin: Double?

    @Option(help: ArgumentHelp("How many of the top results the answer's sentences are drawn from.", visibility: .hidden))
    var answerChunks: Int?

    func validate() throws {
        for (name, value) in [("--dense-weight", denseWeight), ("--min-confidence", minConfidence)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(name) must be between 0 and 1") }
        }
        for (name, value) in [("--window-weight", windowWeight), ("--name-weight", nameWeight),
                              ("--coverage-weight", coverageWeight), ("--semantic-weight", semanticWeight),
                              ("--sentence-margin", sentenceMargin)] {
            if let value, value < 0 { throw ValidationError("\(name) must not be negative") }
        }
        if let semanticCandidates, !(1...200).contains(semanticCandidates) {
            throw ValidationError("--semantic-candidates must be between 1 and 200")
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
        if let semanticWeight { folio.answerer.semanticWeight = semanticWeight }
        if let semanticCandidates { folio.answerer.semanticCandidates = semanticCandidates }
        if let sentenceMargin { folio.answerer.sentenceMargin = sentenceMargin }
        if let answerChunks { folio.answerer.candidateChunks = max(1, answerChunks) }
    }
}
