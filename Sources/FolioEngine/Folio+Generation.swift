import FolioLLM
import Foundation

/// A generated answer: the model's text checked against its sources, with the extractive answer beside it.
public struct GeneratedAnswer: Sendable {
    /// The extractive answer from the same retrieval: shown when generation fails or cites nothing valid.
    public var extractive: Answer
    /// What was sent: the sources numbered `[1]..[n]`, and how many were dropped to fit the context.
    public var prompt: GroundingPrompt
    /// The server's answer; nil when generation failed.
    public var completion: ChatCompletion?
    /// Why generation failed; nil when it succeeded.
    public var failure: FolioLLMError?
    /// The citation check of `completion`; nil when generation failed.
    public var check: CitationReport?

    /// The sources the checked answer cites, as `Citation`s (marker `n` is `prompt.sources[n - 1]`).
    public var citations: [Citation] {
        (check?.citedMarkers ?? []).map { Citation(marker: $0, chunk: prompt.sources[$0 - 1].chunk) }
    }
}

extension Folio {
    /// Retrieves the top `k` chunks for `question`, asks the model behind `client` to answer from them, and checks
    /// the citations of what it wrote.
    ///
    /// Generation failures do not throw: they come back in `failure`, beside the extractive answer, so the caller
    /// can still show an answer.
    /// - Parameters:
    ///   - contextTokens: the model's context window; lower-ranked sources are dropped to fit it.
    ///   - stream: stream the answer; `onText` receives each piece as it arrives (on a background thread).
    /// - Throws: retrieval errors (empty store, unknown document), and `FolioEngineError.contextTooSmall`.
    public func generate(_ question: String, k: Int = 5, documents: [String] = [], client: ChatClient,
                         contextTokens: Int = 4096, stream: Bool = true,
                         onText: ((String) -> Void)? = nil) throws -> GeneratedAnswer {
        try generate(question, k: k, documentIDs: try documentIDs(named: documents), client: client,
                     contextTokens: contextTokens, stream: stream, onText: onText)
    }

    /// ``generate(_:k:documents:client:contextTokens:stream:onText:)`` by document id (nil: every document).
    /// - Parameters:
    ///   - onRetrieved: called with the extractive answer (and so the sources) before the model is asked.
    ///   - isCancelled: asked as the answer streams in; true cuts the LLM request off.
    ///   - carry: what a follow-up carries from its conversation (``FollowUpReading/carry``).
    public func generate(_ question: String, k: Int = 5, documentIDs: [Int64]?, client: ChatClient,
                         contextTokens: Int = 4096, stream: Bool = true,
                         onText: ((String) -> Void)? = nil, onRetrieved: ((Answer) -> Void)? = nil,
                         isCancelled: (@Sendable () -> Bool)? = nil, carry: QueryCarry? = nil) throws -> GeneratedAnswer {
        try requireDocuments()
        let extractive = try answer(question, retrieval: try retriever().retrieve(question, k: k, documentIDs: documentIDs,
                                                                                     carry: carry))
        onRetrieved?(extractive)
        let prompt = try GroundingPromptBuilder(contextTokens: contextTokens)
            .build(question: question, results: extractive.results)
        var generated = GeneratedAnswer(extractive: extractive, prompt: prompt)
        do {
            let completion = try client.complete(prompt.messages, maxTokens: prompt.answerTokens, temperature: 0.1,
                                                 stream: stream, onText: onText, isCancelled: isCancelled)
            generated.completion = completion
            generated.check = CitationChecker().check(completion.text, sources: prompt.sources.map(\.chunk.text),
                                                      encoder: try encoder())
        } catch let error as FolioLLMError {
            generated.failure = error
        }
        return generated
    }
}

extension GeneratedAnswer {
    init(extractive: Answer, prompt: GroundingPrompt) {
        self.extractive = extractive
        self.prompt = prompt
    }
}

extension Citation {
    /// A search result as a source: marker `[rank]`.
    public init(_ result: RetrievedChunk) {
        self.init(marker: result.rank, chunk: result.chunk)
    }
}
