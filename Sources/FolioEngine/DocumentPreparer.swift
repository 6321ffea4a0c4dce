import FolioPDF
import FolioText
import FolioTokenizer
import Foundation

/// Chunk sizes, in WordPiece tokens including `[CLS]` and `[SEP]`.
public struct ChunkingOptions: Sendable {
    public var targetTokens: Int
    public var maxTokens: Int
    public var overlapSentences: Int

    public init(targetTokens: Int = 160, maxTokens: Int = 256, overlapSentences: Int = 1) {
        self.targetTokens = targetTokens
        self.maxTokens = maxTokens
        self.overlapSentences = overlapSentences
    }
}

/// A chunk ready to embed: its display text and page span, and the text given to the encoder.
public struct PreparedChunk: Sendable {
    public var chunk: TextChunk
    public var embeddingText: String
}

/// Normalizes extracted pages and cuts them into chunks (no I/O, no model: easy to test).
public struct DocumentPreparer: Sendable {
    let tokenizer: WordPieceTokenizer
    let options: ChunkingOptions

    public init(tokenizer: WordPieceTokenizer, options: ChunkingOptions = .init()) {
        self.tokenizer = tokenizer
        self.options = options
    }

    /// The normalized pages and the chunks of one document.
    public func prepare(_ document: ExtractedDocument) -> (pages: [(number: Int, text: String)], chunks: [PreparedChunk]) {
        let tokenizer = self.tokenizer
        let normalizer = TextNormalizer(isKnownWord: { tokenizer.id(of: $0) != nil })
        let pages = document.pages.map { (number: $0.number, text: normalizer.normalize($0.text)) }
        let chunker = Chunker(targetTokens: options.targetTokens, maxTokens: options.maxTokens,
                              overlapSentences: options.overlapSentences,
                              countTokens: { tokenizer.countTokens($0) })
        let chunks = chunker.chunk(pages: pages).map { PreparedChunk(chunk: $0, embeddingText: $0.text) }
        return (pages, chunks)
    }
}
