/// A piece of a document small enough to embed, with the pages it covers.
public struct TextChunk: Sendable, Equatable {
    /// Position of the chunk within its document, from 0.
    public var ordinal: Int
    /// First and last 1-based page the chunk's text comes from.
    public var pageStart: Int
    public var pageEnd: Int
    /// The chunk's text.
    public var text: String
    /// WordPiece tokens of `text` including `[CLS]` and `[SEP]`.
    public var tokenCount: Int
    /// The section heading in force where the chunk starts, when one was detected.
    public var section: String?

    public init(ordinal: Int, pageStart: Int, pageEnd: Int, text: String, tokenCount: Int, section: String? = nil) {
        self.ordinal = ordinal
        self.pageStart = pageStart
        self.pageEnd = pageEnd
        self.text = text
        self.tokenCount = tokenCount
        self.section = section
    }
}

/// Packs a document's sentences into chunks of at most `maxTokens` WordPiece tokens (specials included),
/// ending each chunk at a sentence boundary and repeating the last `overlapSentences` sentences at the start
/// of the next. A sentence longer than the budget alone is cut into word windows.
public struct Chunker: Sendable {
    public var targetTokens: Int
    public var maxTokens: Int
    public var overlapSentences: Int
    /// Counts WordPiece tokens of a text, without specials.
    public var countTokens: @Sendable (String) -> Int

    public init(targetTokens: Int = 200, maxTokens: Int = 256, overlapSentences: Int = 1,
                countTokens: @escaping @Sendable (String) -> Int) {
        precondition(maxTokens > 8 && targetTokens <= maxTokens, "chunk budget must be sane")
        self.targetTokens = targetTokens
        self.maxTokens = maxTokens
        self.overlapSentences = overlapSentences
        self.countTokens = countTokens
    }

    struct Sentence {
        var text: String
        var pageStart: Int
        var pageEnd: Int
        var tokens: Int
    }

    /// Chunks normalized page texts.
    /// - Parameter pages: `(page number, normalized text)` in order.
    public func chunk(pages: [(number: Int, text: String)]) -> [TextChunk] {
        let sentences = splitSentences(pages: pages)
        var chunks: [TextChunk] = []
        var current: [Sentence] = []
        var currentTokens = 0
        var carried = 0  // sentences at the start of `current` repeated from the previous chunk
        let budget = maxTokens - 2

        func flush(overlap: Bool) {
            defer {
                if !overlap || overlapSentences == 0 { current = []; currentTokens = 0; carried = 0 }
            }
            guard current.count > carried else { return }  // nothing new since the last chunk
            let text = current.map(\.text).joined(separator: " ")
            // WordPiece splits within white-space-separated words, so counts add up over joined sentences.
            let tokens = min(currentTokens, budget) + 2
            chunks.append(TextChunk(ordinal: chunks.count, pageStart: current.map(\.pageStart).min()!,
                                    pageEnd: current.map(\.pageEnd).max()!, text: text, tokenCount: tokens))
            guard overlap && overlapSentences > 0 else { return }
            let kept = Array(current.suffix(overlapSentences))
            let keptTokens = kept.reduce(0) { $0 + $1.tokens }
            // Overlap only when it leaves room for new text.
            if keptTokens < targetTokens / 2 {
                current = kept
                currentTokens = keptTokens
                carried = kept.count
            } else {
                current = []
                currentTokens = 0
                carried = 0
            }
        }

        var previousPage = sentences.first?.pageStart ?? 0
        for sentence in sentences {
            if sentence.pageStart != previousPage && currentTokens >= targetTokens / 2 {
                // Prefer to end a chunk where a page ends, so citations stay on one page; no overlap across it.
                flush(overlap: false)
            } else if currentTokens + sentence.tokens > budget || currentTokens >= targetTokens {
                flush(overlap: true)
                if currentTokens + sentence.tokens > budget { current = []; currentTokens = 0; carried = 0 }
            }
            current.append(sentence)
            currentTokens += sentence.tokens
            previousPage = sentence.pageEnd
        }
        flush(overlap: false)
        return chunks
    }

    func splitSentences(pages: [(number: Int, text: String)]) -> [Sentence] {
        // Join the pages into one stream, remembering where each page starts, so that a sentence running over
        // a page break gets both pages.
        var stream = ""
        var pageStarts: [(offset: Int, page: Int)] = []
        for page in pages where !page.text.isEmpty {
            if !stream.isEmpty { stream += " " }
            pageStarts.append((stream.utf8.count, page.number))
            stream += page.text
        }
        guard !stream.isEmpty else { return [] }
        func page(at offset: Int) -> Int {
            var lo = 0, hi = pageStarts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if pageStarts[mid].offset <= offset { lo = mid } else { hi = mid - 1 }
            }
            return pageStarts[lo].page
        }
        let budget = maxTokens - 2
        var sentences: [Sentence] = []
        for range in SentenceSplitter.sentenceRanges(in: stream) {
            let startOffset = stream.utf8.distance(from: stream.startIndex, to: range.lowerBound)
            let text = String(stream[range])
            let tokens = countTokens(text)
            if tokens <= budget {
                let endOffset = startOffset + max(text.utf8.count - 1, 0)
                sentences.append(Sentence(text: text, pageStart: page(at: startOffset), pageEnd: page(at: endOffset),
                                          tokens: tokens))
                continue
            }
            // An over-long "sentence" (tables, lists, reference sections): cut into word windows.
            var window: [Substring] = []
            var windowTokens = 0
            var windowStart = startOffset
            var offset = startOffset
            let words = text.split(separator: " ", omittingEmptySubsequences: true)
            var cursor = text.startIndex
            for word in words {
                let wordOffset = startOffset + text.utf8.distance(from: text.startIndex, to: word.startIndex)
                cursor = word.endIndex
                let wordTokens = max(countTokens(String(word)), 1)
                if windowTokens + wordTokens > budget, !window.isEmpty {
                    sentences.append(Sentence(text: window.joined(separator: " "), pageStart: page(at: windowStart),
                                              pageEnd: page(at: offset), tokens: windowTokens))
                    window = []
                    windowTokens = 0
                    windowStart = wordOffset
                }
                if window.isEmpty { windowStart = wordOffset }
                // A single word beyond the budget is truncated by the encoder; keep it whole for display.
                window.append(word)
                windowTokens += wordTokens
                offset = wordOffset + word.utf8.count - 1
            }
            _ = cursor
            if !window.isEmpty {
                sentences.append(Sentence(text: window.joined(separator: " "), pageStart: page(at: windowStart),
                                          pageEnd: page(at: offset), tokens: windowTokens))
            }
        }
        return sentences
    }
}
