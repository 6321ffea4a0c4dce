import FolioPDF
import FolioText
import FolioTokenizer
import Foundation

/// Chunk sizes, in WordPiece tokens including `[CLS]` and `[SEP]`.
public struct ChunkingOptions: Sendable, Codable, Equatable {
    /// A chunk closes once its text reaches this many tokens (at the next sentence end).
    public var targetTokens: Int
    /// The most tokens the encoder sees for a chunk: context header plus chunk text. 256 is the model's window.
    public var maxTokens: Int
    /// Sentences repeated at the start of the next chunk.
    public var overlapSentences: Int

    /// Defaults measured on `shared/eval/dev.jsonl` over the corpus; see the README's ingestion section.
    public init(targetTokens: Int = 112, maxTokens: Int = 256, overlapSentences: Int = 1) {
        self.targetTokens = targetTokens
        self.maxTokens = maxTokens
        self.overlapSentences = overlapSentences
    }

    /// Tokens reserved in `maxTokens` for the context header (document title, section).
    public var headerTokens: Int { min(32, maxTokens / 4) }

    /// A one-line reason when the sizes cannot work, else nil.
    public var problem: String? {
        if maxTokens < 32 || maxTokens > 512 { return "--chunk-max must be between 32 and 512 tokens" }
        if targetTokens < 8 || targetTokens > maxTokens - headerTokens {
            return "--chunk-target must be between 8 and \(maxTokens - headerTokens) (--chunk-max minus the header)"
        }
        if overlapSentences < 0 || overlapSentences > 5 { return "--chunk-overlap must be between 0 and 5 sentences" }
        return nil
    }

    /// The version of extraction, cleaning and chunking: raised whenever they make other pages or chunks from the
    /// same PDF, so stores made before are extracted again (2: column order repaired, contents pages dropped;
    /// 3: pages without a usable text layer read with OCR).
    public static let extractionVersion = 3

    /// What a stored document records about how it was made; a document whose record differs is extracted again.
    public var pipeline: String {
        "extraction \(Self.extractionVersion); chunks \(targetTokens)/\(maxTokens)/\(overlapSentences)"
    }
}

/// A chunk ready to embed: its display text, page span and section, and the text given to the encoder.
public struct PreparedChunk: Sendable, Codable {
    public var chunk: TextChunk
    /// `Title. Section. text`: what the encoder sees, so a chunk about "the model" still says which model.
    public var embeddingText: String
}

/// A page's text as extracted, kept for display, with where it came from.
public struct RawPage: Sendable, Codable, Equatable {
    public var number: Int
    public var text: String
    /// Set when the text is OCR's (the page had no usable text layer, or `--ocr always`); nil for the text layer.
    public var ocr: PageOCRResult?

    public init(number: Int, text: String, ocr: PageOCRResult? = nil) {
        self.number = number
        self.text = text
        self.ocr = ocr
    }
}

/// One document, extracted and chunked, waiting to be embedded and stored.
public struct PreparedDocument: Sendable, Codable {
    public var path: String
    public var title: String
    public var author: String?
    /// Every page's raw text (the display text; chunks are normalized).
    public var pages: [RawPage]
    public var chunks: [PreparedChunk]
    /// One-line warnings naming the file (pages left out, …).
    public var warnings: [String]
}

/// Turns an extracted document into chunks: drop unreadable pages → remove running headers, footers, page
/// numbers, arXiv stamps → find section headings → normalize (NFKC, de-hyphenation) → sentence-aware chunks with
/// a context header. No I/O and no model: easy to test.
public struct DocumentPreparer: Sendable {
    let tokenizer: WordPieceTokenizer
    let options: ChunkingOptions

    public init(tokenizer: WordPieceTokenizer, options: ChunkingOptions = .init()) {
        self.tokenizer = tokenizer
        self.options = options
    }

    /// Pages whose visible characters are less than this share letters or digits are garbage.
    static let minimumReadableShare = 0.5

    /// - Parameters:
    ///   - ocr: the pages whose text OCR read (already in `document`), by page number.
    ///   - warnings: warnings from extraction and OCR, reported with the preparer's own.
    public func prepare(_ document: ExtractedDocument, ocr: [Int: PageOCRResult] = [:],
                        warnings extractionWarnings: [String] = []) -> PreparedDocument {
        let tokenizer = self.tokenizer
        var warnings = extractionWarnings
        var unreadable: [Int] = []
        let sourcePages = document.pages.map { page -> SourcePage in
            let (visible, readable) = TextNormalizer.visibleCounts(page.text)
            if visible >= 20, Double(readable) / Double(visible) < Self.minimumReadableShare {
                unreadable.append(page.number)
                return SourcePage(number: page.number, lines: [])
            }
            return SourcePage(number: page.number, text: page.text,
                              styles: page.lineStyles.map { ($0.fontSize, $0.isBold) })
        }
        if !unreadable.isEmpty {
            let list = unreadable.count > 6 ? "\(unreadable.count) pages" : "page " + unreadable.map(String.init).joined(separator: ", ")
            warnings.append("\(document.path): \(list): unreadable text (control characters or a broken font encoding); left out")
        }
        let cleaned = PageCleaner().clean(sourcePages)
        let structure = HeadingDetector().detect(cleaned)
        let title = Self.title(metadata: document.metadataTitle, typeset: structure.title, path: document.path)

        let dictionary = HyphenationDictionary(lines: structure.blocks.flatMap(\.lines),
                                               isVocabularyWord: { tokenizer.id(of: $0) != nil })
        let normalizer = TextNormalizer(shouldJoin: { dictionary.shouldJoin($0, $1) })
        let sources = structure.blocks.map {
            ChunkSource(page: $0.page, section: $0.section, text: normalizer.normalize(lines: $0.lines))
        }
        let textBudget = options.maxTokens - options.headerTokens
        let chunker = Chunker(targetTokens: min(options.targetTokens, textBudget), maxTokens: textBudget,
                              overlapSentences: options.overlapSentences,
                              countTokens: { tokenizer.countTokens($0) })
        let chunks = chunker.chunk(sources: sources).map { chunk in
            PreparedChunk(chunk: chunk, embeddingText: contextHeader(title: title, section: chunk.section) + " " + chunk.text)
        }
        return PreparedDocument(path: document.path, title: title, author: document.author,
                                pages: document.pages.map { RawPage(number: $0.number, text: $0.text, ocr: ocr[$0.number]) },
                                chunks: chunks, warnings: warnings)
    }

    /// `Title. Section.`, cut to `headerTokens` tokens.
    func contextHeader(title: String, section: String?) -> String {
        var header = TextNormalizer.foldCompatibilityForms(title)
        if let section { header += ". " + section }
        header += "."
        var words = header.split(separator: " ")
        while words.count > 1, tokenizer.countTokens(words.joined(separator: " ")) > options.headerTokens {
            words.removeLast()
        }
        return words.joined(separator: " ")
    }

    /// The metadata title unless it is a tool's placeholder, else the typeset title, else the file name.
    static func title(metadata: String?, typeset: String?, path: String) -> String {
        if let metadata, isUsableTitle(metadata) { return metadata }
        if let typeset, isUsableTitle(typeset) { return typeset }
        return URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    static func isUsableTitle(_ title: String) -> Bool {
        let lower = title.lowercased()
        guard title.filter(\.isLetter).count >= 3 else { return false }
        for placeholder in ["untitled", "microsoft word", ".dvi", ".tex", ".doc", ".pdf", "powerpoint"]
        where lower.contains(placeholder) {
            return false
        }
        return true
    }
}
