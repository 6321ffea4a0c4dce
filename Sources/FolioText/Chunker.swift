/// A piece of a document small enough to embed, with the pages it covers.
public struct TextChunk: Sendable, Equatable, Codable {
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

/// A run of normalized text from one page under one section: what `Chunker` packs.
public struct ChunkSource: Sendable, Equatable {
    public var page: Int
    public var section: String?
    public var text: String

    public init(page: Int, section: String?, text: String) {
        self.page = page
        self.section = section
        self.text = text
    }
}

/// Packs a document's sentences into chunks of at most `maxTokens` WordPiece tokens (specials included),
/// ending each chunk at a sentence boundary and repeating the last `overlapSentences` sentences at the start
/// of the next. A sentence longer than the budget alone is cut into word windows.
///
/// A chunk closes once it reaches `targetTokens`, when the next sentence would exceed `maxTokens`, and where a
/// page ends or a section starts if it is already half full (so citations stay on one page and a chunk stays in
/// one section). It never crosses documents: one call chunks one document.
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
        var section: String?
    }

    /// Chunks normalized page texts (no sections).
    /// - Parameter pages: `(page number, normalized text)` in order.
    public func chunk(pages: [(number: Int, text: String)]) -> [TextChunk] {
        chunk(sources: pages.map { ChunkSource(page: $0.number, section: nil, text: $0.text) })
    }

    /// Chunks a document given as runs of normalized text, each with its page and section.
    public func chunk(sources: [ChunkSource]) -> [TextChunk] {
        // Consecutive sources under one section form one stream in which sentences may cross pages.
        var sentences: [Sentence] = []
        var start = 0
        while start < sources.count {
            var end = start + 1
            while end < sources.count, sources[end].section == sources[start].section { end += 1 }
            let section = sources[start].section
            sentences += splitSentences(pages: sources[start..<end].map { (number: $0.page, text: $0.text) })
                .map { var s = $0; s.section = section; return s }
            start = end
        }
        return pack(sentences)
    }

    func pack(_ sentences: [Sentence]) -> [TextChunk] {
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
                                    pageEnd: current.map(\.pageEnd).max()!, text: text, tokenCount: tokens,
                                    section: Self.dominantSection(current[carried...])))
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
        var previousSection = sentences.first?.section
        for sentence in sentences {
            let newText = currentTokens - current.prefix(carried).reduce(0) { $0 + $1.tokens }
            if sentence.section != previousSection && current.count > carried {
                // A new section: close the chunk unless it holds only a scrap, which rides along.
                if newText >= targetTokens / 4 { flush(overlap: false) }
            } else if sentence.pageStart != previousPage && currentTokens >= targetTokens / 2 {
                // Prefer to end a chunk where a page ends, so citations stay on one page; no overlap across it.
                flush(overlap: false)
            } else if currentTokens + sentence.tokens > budget || currentTokens >= targetTokens {
                flush(overlap: true)
                if currentTokens + sentence.tokens > budget { current = []; currentTokens = 0; carried = 0 }
            }
            if sentence.section != previousSection && current.count == carried {
                // Overlap never carries one section's sentence into the next.
                current = []; currentTokens = 0; carried = 0
            }
            current.append(sentence)
            currentTokens += sentence.tokens
            previousPage = sentence.pageEnd
            previousSection = sentence.section
        }
        flush(overlap: false)
        return chunks
    }

    /// The section carrying most of the tokens (ties: the earliest).
    static func dominantSection(_ sentences: ArraySlice<Sentence>) -> String? {
        var weights: [(section: String?, tokens: Int)] = []
        for sentence in sentences {
            if let index = weights.firstIndex(where: { $0.section == sentence.section }) {
                weights[index].tokens += sentence.tokens
            } else {
                weights.append((sentence.section, sentence.tokens))
            }
        }
        var best = weights.first
        for weight in weights.dropFirst() where weight.tokens > best!.tokens { best = weight }
        return best?.section ?? nil
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
                                          tokens: tokens, section: nil))
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
                                              pageEnd: page(at: offset), tokens: windowTokens, section: nil))
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
                                          pageEnd: page(at: offset), tokens: windowTokens, section: nil))
            }
        }
        return sentences
    }
}
