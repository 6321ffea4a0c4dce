import FolioEncoder
import FolioText
import Foundation

/// One sentence of a generated answer and how well the sources it cites support it.
public struct CheckedSentence: Sendable {
    public enum Verdict: String, Sendable {
        /// A cited source supports the sentence.
        case supported
        /// No cited source is close enough: the sentence may not come from the documents.
        case unsupported
        /// The sentence cites nothing.
        case uncited
    }

    /// The sentence without its markers.
    public var text: String
    /// The valid markers it cites.
    public var markers: [Int]
    /// Best cosine similarity between the sentence and a sentence (or the whole) of a cited source.
    public var similarity: Float
    /// Best share of the sentence's content words found in a cited source.
    public var overlap: Float
    /// `(similarity + overlap) / 2` for the best cited source: what the threshold applies to.
    public var support: Float
    public var verdict: Verdict
}

/// The result of checking a generated answer against the sources it was given.
public struct CitationReport: Sendable {
    /// The answer with markers that point to no source removed.
    public var text: String
    /// Markers in the answer that point to no source (removed from `text`), in order of appearance.
    public var invalidMarkers: [Int]
    /// The valid markers cited, ascending.
    public var citedMarkers: [Int]
    public var sentences: [CheckedSentence]

    /// True when no sentence cites a source that exists: the answer is not grounded at all.
    public var hasNoValidCitation: Bool { citedMarkers.isEmpty }
    public var unsupported: [CheckedSentence] { sentences.filter { $0.verdict == .unsupported } }
    /// True when at least one sentence is supported by the source it cites.
    public var isGrounded: Bool { sentences.contains { $0.verdict == .supported } }
}

/// Checks a generated answer against its numbered sources: removes markers that point to no source, and scores
/// each sentence against the sources it cites by embedding similarity (the same MiniLM encoder as retrieval) and
/// lexical overlap of content words.
///
/// The threshold was calibrated on `Tests/Fixtures/citation-calibration.jsonl`: answer-like sentences written
/// against real corpus passages, each paired with the passage that states it and with a passage that does not
/// (see `CitationCalibrationTests`).
public struct CitationChecker: Sendable {
    /// A sentence is supported when `(similarity + overlap) / 2` reaches this for one of its cited sources.
    public var threshold: Float

    public init(threshold: Float = CitationChecker.calibratedThreshold) {
        self.threshold = threshold
    }

    /// Calibrated on the fixture (47 pairs): supported sentences score at least 0.69 (median 0.84), unsupported ones
    /// at most 0.54 (median 0.21).
    /// The threshold sits just above the highest unsupported score, leaving the most room for looser paraphrases.
    public static let calibratedThreshold: Float = 0.55

    /// Checks `answer`, whose marker `n` refers to `sources[n - 1]`.
    public func check(_ answer: String, sources: [String], encoder: SentenceEncoder) -> CitationReport {
        let (text, invalid) = Self.removeInvalidMarkers(answer, sourceCount: sources.count)
        let pieces = Self.sentences(of: text)
        var sentences: [CheckedSentence] = []
        let cited = Set(pieces.flatMap(\.markers))
        // Embed every sentence of every cited source once, with the answer sentences, in one batch.
        var sourceSentences: [Int: [String]] = [:]
        for marker in cited {
            let source = sources[marker - 1]
            sourceSentences[marker] = Self.units(of: source)
        }
        let sourceTexts = cited.sorted().flatMap { sourceSentences[$0] ?? [] }
        let vectors = encoder.embed(pieces.map(\.text) + sourceTexts)
        var offset = pieces.count
        var sourceVectors: [Int: [[Float]]] = [:]
        for marker in cited.sorted() {
            let count = sourceSentences[marker]?.count ?? 0
            sourceVectors[marker] = Array(vectors[offset..<offset + count])
            offset += count
        }
        for (index, piece) in pieces.enumerated() {
            guard !piece.markers.isEmpty else {
                sentences.append(CheckedSentence(text: piece.text, markers: [], similarity: 0, overlap: 0, support: 0,
                                                 verdict: .uncited))
                continue
            }
            var best = (similarity: Float(0), overlap: Float(0), support: Float(-1))
            for marker in piece.markers {
                let score = Self.score(piece.text, vector: vectors[index], against: sources[marker - 1],
                                       sourceVectors: sourceVectors[marker] ?? [])
                if score.support > best.support { best = score }
            }
            sentences.append(CheckedSentence(text: piece.text, markers: piece.markers, similarity: best.similarity,
                                             overlap: best.overlap, support: best.support,
                                             verdict: best.support >= threshold ? .supported : .unsupported))
        }
        return CitationReport(text: text, invalidMarkers: invalid, citedMarkers: cited.sorted(), sentences: sentences)
    }

    // MARK: markers

    /// `[1]`, `[2, 3]`, `[1-3]`, `[1][2]`.
    static let markerPattern = try? NSRegularExpression(pattern: #"\[\s*(\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*)\s*\]"#)

    /// The numbers in one marker's inside, ranges expanded (at most 50 per range).
    static func numbers(in inside: String) -> [Int] {
        var numbers: [Int] = []
        for part in inside.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let bounds = part.split(whereSeparator: { $0 == "-" || $0 == "–" })
                .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 2, bounds[0] <= bounds[1], bounds[1] - bounds[0] < 50 {
                numbers += Array(bounds[0]...bounds[1])
            } else {
                numbers += bounds
            }
        }
        return numbers
    }

    /// The answer with each marker reduced to its valid numbers (dropped when none is valid), and the invalid
    /// numbers in order of appearance.
    static func removeInvalidMarkers(_ answer: String, sourceCount: Int) -> (String, [Int]) {
        guard let pattern = markerPattern else { return (answer, []) }
        let ns = answer as NSString
        var result = ""
        var invalid: [Int] = []
        var last = 0
        for match in pattern.matches(in: answer, range: NSRange(location: 0, length: ns.length)) {
            result += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            let numbers = numbers(in: ns.substring(with: match.range(at: 1)))
            let valid = numbers.filter { (1...max(1, sourceCount)).contains($0) && sourceCount > 0 }
            invalid += numbers.filter { !valid.contains($0) }
            var seen = Set<Int>()
            let kept = valid.filter { seen.insert($0).inserted }
            if !kept.isEmpty {
                result += "[" + kept.map(String.init).joined(separator: ", ") + "]"
            } else {
                while result.last == " " { result.removeLast() }  // no stray space before the next punctuation
            }
            last = match.range.location + match.range.length
        }
        result += ns.substring(from: last)
        return (result, invalid)
    }

    // MARK: sentences

    /// The answer's sentences with their markers; markers that open a sentence ("… end. [2] Next") belong to the
    /// sentence before.
    static func sentences(of text: String) -> [(text: String, markers: [Int])] {
        guard let pattern = markerPattern else { return [] }
        var pieces: [(text: String, markers: [Int])] = []
        for line in text.split(whereSeparator: \.isNewline) {
            for sentence in SentenceSplitter.split(String(line)) {
                let ns = sentence as NSString
                var markers: [Int] = []
                var leading: [Int] = []
                var plain = ""
                var last = 0
                for match in pattern.matches(in: sentence, range: NSRange(location: 0, length: ns.length)) {
                    let before = ns.substring(with: NSRange(location: last, length: match.range.location - last))
                    plain += before
                    let numbers = numbers(in: ns.substring(with: match.range(at: 1)))
                    if plain.trimmingCharacters(in: .whitespaces).isEmpty { leading += numbers } else { markers += numbers }
                    last = match.range.location + match.range.length
                }
                plain += ns.substring(from: last)
                if !leading.isEmpty, !pieces.isEmpty { pieces[pieces.count - 1].markers += leading } else { markers = leading + markers }
                let cleaned = plain.replacingOccurrences(of: " +([.,;:!?])", with: "$1", options: .regularExpression)
                    .replacingOccurrences(of: "  +", with: " ", options: .regularExpression)
                    .trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "-*•")))
                    .trimmingCharacters(in: .whitespaces)
                if contentWords(cleaned).isEmpty {
                    if !markers.isEmpty, !pieces.isEmpty { pieces[pieces.count - 1].markers += markers }
                    continue
                }
                pieces.append((cleaned, markers))
            }
        }
        return pieces.map { piece in
            var seen = Set<Int>()
            return (piece.text, piece.markers.filter { seen.insert($0).inserted })
        }
    }

    // MARK: scores

    /// What of a source is embedded: the whole (up to the encoder's length) and each sentence of 12+ characters.
    static func units(of source: String) -> [String] {
        [source] + SentenceSplitter.split(source).filter { $0.count >= 12 }
    }

    /// How well `source` supports `sentence`, given the embedding of the sentence and of the source's `units`.
    static func score(_ sentence: String, vector: [Float], against source: String,
                      sourceVectors: [[Float]]) -> (similarity: Float, overlap: Float, support: Float) {
        let similarity = sourceVectors.map { dot(vector, $0) }.max() ?? 0
        let overlap = overlap(of: sentence, in: source)
        return (similarity, overlap, (similarity + overlap) / 2)
    }

    static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "is",
        "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "which", "who",
        "what", "when", "where", "how", "than", "then", "there", "their", "they", "them", "he", "she", "we", "our",
        "you", "your", "i", "not", "no", "so", "such", "can", "could", "may", "might", "will", "would", "should",
        "has", "have", "had", "do", "does", "did", "also", "into", "about", "over", "under", "more", "most", "each",
        "other", "some", "any", "all", "both", "only", "very", "used", "use", "uses", "using", "source", "sources",
    ]

    /// Lowercased words of two or more letters (or any number) that are not stop words, crudely stemmed.
    static func contentWords(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).compactMap { word in
            let word = String(word)
            guard word.first?.isNumber == true || (word.count >= 2 && !stopWords.contains(word)) else { return nil }
            return stem(word)
        }
    }

    /// Plural and common suffixes off, so "layers" matches "layer" and "trained" matches "training".
    static func stem(_ word: String) -> String {
        guard word.count > 4, word.first?.isLetter == true else { return word }
        for suffix in ["ing", "ed", "es", "s"] where word.hasSuffix(suffix) && word.count - suffix.count >= 3 {
            return String(word.dropLast(suffix.count))
        }
        return word
    }

    /// The share of `sentence`'s content words that occur in `source`.
    static func overlap(of sentence: String, in source: String) -> Float {
        let words = contentWords(sentence)
        guard !words.isEmpty else { return 0 }
        let vocabulary = Set(contentWords(source))
        return Float(words.filter(vocabulary.contains).count) / Float(words.count)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
        return sum
    }
}
