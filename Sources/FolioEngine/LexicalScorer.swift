import FolioStore
import FolioText
import Foundation

/// Scores passages, sentences and document names against one question by how much of the question's
/// IDF-weighted content they contain: the precise second look that BM25 over a whole chunk cannot give.
///
/// Each question term counts once, with the inverse document frequency (over stored chunks) of its rarest
/// variant, so `amplification` outweighs `model`; a term written as a compound (`BERT-large`) counts as present
/// when its joined form is, else by the share of its parts that are.
public struct LexicalScorer: Sendable {
    struct WeightedTerm: Sendable {
        var parts: [String]      // stemmed
        var joined: String?      // stemmed, when it differs from the single part
        var variants: [String]   // stemmed other spellings of the whole term (`β2` for `beta2`)
        var weight: Double
    }

    public let query: LexicalQuery
    let terms: [WeightedTerm]
    let bigrams: [(String, String, Double)]
    /// Named things of the question that no stored chunk and no document name mentions.
    public let unknownNames: [String]
    /// What matching the question against a document's names needs, worked out once per question rather than
    /// once per document (a library of 2,000 documents matched them 2,000 times).
    let names: NameProbe

    struct NameProbe: Sendable {
        /// The question's stemmed parts and joined forms, with their weights.
        var words: Set<String> = []
        var weights: [String: Double] = [:]
        /// The weight of the question's rarest term: what a name word the question does not use weighs.
        var unmatchedWeight = 1.0
        /// The question's capitalized runs of two or more words (stop words aside), folded and stemmed.
        var runs: [(words: [String], stems: [String])] = []
        /// The folded acronyms in capitals (three letters or more) among the question's terms.
        var acronyms: [String] = []
    }

    /// Weighs `query`'s terms by their document frequency in `store`.
    /// - Parameter documentNames: file names and titles, so a name like `gpt1.pdf` counts as known.
    public init(query: LexicalQuery, store: FolioStore, documentNames: [String]) throws {
        self.query = query
        let total = Double(max(try store.chunkCount(), 1))
        var cache: [String: Double] = [:]
        func idf(_ phrase: String) throws -> Double {
            if let known = cache[phrase] { return known }
            let df = Double(try store.lexicalMatchCount(matchExpression: FolioStore.matchExpression(terms: [phrase])))
            let value = log(1 + (total - df + 0.5) / (df + 0.5))
            cache[phrase] = value
            return value
        }
        var terms: [WeightedTerm] = []
        for term in query.terms {
            var weight = 0.0
            for part in term.parts { weight = max(weight, try idf(part)) }
            let hasJoined = term.joined != term.parts[0] || term.parts.count > 1
            if hasJoined { weight = max(weight, try idf(term.joined)) }
            for variant in term.variants { weight = max(weight, try idf(variant)) }
            terms.append(WeightedTerm(parts: term.parts.map(TextMatch.stem),
                                      joined: hasJoined ? TextMatch.stem(term.joined) : nil,
                                      variants: term.variants.map(TextMatch.stem), weight: weight))
        }
        self.terms = terms
        var bigrams: [(String, String, Double)] = []
        for (a, b) in query.bigrams {
            bigrams.append((TextMatch.stem(a), TextMatch.stem(b), (try idf(a) + idf(b)) / 2))
        }
        self.bigrams = bigrams
        let joinedNames = Set(documentNames.map { TextMatch.words($0).joined() })
        func known(_ name: String) throws -> Bool {
            let words = TextMatch.words(name)
            guard !words.isEmpty else { return true }
            let phrase = words.joined(separator: " "), joined = words.joined()
            if joinedNames.contains(where: { $0.contains(joined) }) { return true }
            return try store.lexicalMatchCount(matchExpression: FolioStore.matchExpression(terms: [phrase, joined])) > 0
        }
        // Names side by side ("the GPT-2 WebText dataset", "ResNet-101 Faster R-CNN", "CNN/Daily Mail") are known
        // when the run splits into known names: identifiers (`GPT-2`, `CNN`) or known runs of two or more words
        // (`Faster R-CNN`, `Daily Mail`). Ordinary capitalized words alone ("Stable" and "Diffusion") do not count:
        // any text has them.
        func splitsIntoKnownNames(_ name: String) throws -> Bool {
            let parts = name.split(whereSeparator: { $0 == " " || $0 == "/" }).map(String.init)
            guard parts.count > 1 else { return false }
            var reachable = [true] + Array(repeating: false, count: parts.count)
            for end in 1 ... parts.count {
                for start in 0 ..< end where reachable[start] && end - start < parts.count {
                    let segment = parts[start ..< end]
                    guard segment.count > 1 || Self.isIdentifier(segment[segment.startIndex]) else { continue }
                    if try known(segment.joined(separator: " ")) { reachable[end] = true; break }
                }
            }
            return reachable[parts.count]
        }
        var unknown: [String] = []
        for name in query.names where !(try known(name)) {
            if try splitsIntoKnownNames(name) { continue }
            unknown.append(name)
        }
        unknownNames = unknown
        var probe = NameProbe()
        for term in terms {
            for part in term.parts { probe.words.insert(part); probe.weights[part] = max(probe.weights[part] ?? 0, term.weight) }
            if let joined = term.joined { probe.words.insert(joined); probe.weights[joined] = term.weight }
        }
        probe.unmatchedWeight = probe.weights.values.max() ?? 1
        probe.runs = query.names.compactMap { name in
            let words = TextMatch.words(name).filter { !LexicalQuery.stopWords.contains($0) }
            return words.count >= 2 ? (words, words.map(TextMatch.stem)) : nil
        }
        probe.acronyms = query.terms.filter(Self.isAcronymShaped).map { TextMatch.fold($0.surface) }
        names = probe
    }

    /// Whether `word` is written as an identifier rather than a capitalized word: a capital after its first
    /// letter or a digit (`WebText`, `GPT-2`, `SBERT`; not `Stable`).
    static func isIdentifier(_ word: String) -> Bool {
        word.dropFirst().contains(where: \.isUppercase) || word.contains(where: \.isNumber)
    }

    /// The share (0...1) of the question's weighted terms present in `stems`, with `extra` (e.g. the words of the
    /// document's name) counting as present too.
    func coverage(_ stems: Set<String>, extra: Set<String> = []) -> Double {
        let total = terms.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return 0 }
        var found = 0.0
        for term in terms {
            if let joined = term.joined, stems.contains(joined) || extra.contains(joined) {
                found += term.weight
                continue
            }
            if term.variants.contains(where: stems.contains) {
                found += term.weight
                continue
            }
            let present = term.parts.filter { stems.contains($0) || extra.contains($0) }.count
            found += term.weight * Double(present) / Double(term.parts.count)
        }
        return found / total
    }

    /// Term coverage and adjacent-pair coverage of a token sequence, averaged (0...1); `extra` as in ``coverage``.
    func windowScore(_ stems: [String], extra: Set<String> = []) -> Double {
        let unigrams = coverage(Set(stems), extra: extra)
        let total = bigrams.reduce(0) { $0 + $1.2 }
        guard total > 0 else { return unigrams / 2 }
        var pairs = Set<String>()
        for (a, b) in zip(stems, stems.dropFirst()) { pairs.insert(a + " " + b) }
        let found = bigrams.filter { pairs.contains($0.0 + " " + $0.1) || (extra.contains($0.0) && extra.contains($0.1)) }
            .reduce(0) { $0 + $1.2 }
        return (unigrams + found / total) / 2
    }

    /// A chunk's sentences with their stems, for window and sentence scoring.
    struct Passage {
        var sentences: [String]
        var stems: [[String]]

        init(_ text: String) {
            sentences = SentenceSplitter.split(text)
            stems = sentences.map(TextMatch.stems)
        }

        var allStems: Set<String> { Set(stems.joined()) }
    }

    /// The best score of any `width` consecutive sentences, and the index of the best single sentence.
    func bestWindow(in passage: Passage, width: Int, extra: Set<String> = []) -> (score: Double, sentence: Int?) {
        var best = 0.0
        for start in passage.stems.indices {
            let window = Array(passage.stems[start ..< min(start + width, passage.stems.count)].joined())
            best = max(best, windowScore(window, extra: extra))
        }
        var bestSentence: Int? = nil
        var bestSentenceScore = -1.0
        for (index, stems) in passage.stems.enumerated() where passage.sentences[index].count >= 12 {
            let score = windowScore(stems, extra: extra)
            if score > bestSentenceScore { bestSentenceScore = score; bestSentence = index }
        }
        return (best, bestSentence)
    }

    /// How strongly the question names this document (0...1): 1 when a question word is the document's whole
    /// name (`LoRA` for `lora.pdf`, `GPT-1` for `gpt1.pdf`) or a capitalized run is part of its title, else the
    /// weighted share of the name's words it uses.
    func nameMatch(_ nameWords: [[String]]) -> Double {
        // A run of two or more capitalized words that is part of the title names the document by its short title
        // ("the Little Book" for "The Little Book of Deep Learning").
        if !titleRuns(in: nameWords).isEmpty { return 1 }
        // An acronym in capitals names the document it abbreviates (`SBERT` for "Sentence-BERT", `RAG` for
        // "Retrieval-Augmented Generation").
        if names.acronyms.contains(where: { acronym in nameWords.contains { Self.abbreviates(acronym, $0) } }) { return 1 }
        var best = 0.0
        for words in nameWords where !words.isEmpty {
            if names.words.contains(words.joined()) { return 1 }
            // Name words the question does not use weigh as much as its rarest term: an unmatched name word
            // must not look unimportant just because its weight is unknown.
            let matched = words.filter(names.words.contains).reduce(0.0) { $0 + (names.weights[$1] ?? 0) }
            let total = words.reduce(0.0) { $0 + (names.weights[$1] ?? names.unmatchedWeight) }
            if total > 0 { best = max(best, matched / total) }
        }
        return best
    }

    /// The question's terms (their `joined` forms) that name a document, as ``nameMatch(_:)`` counts names: a term
    /// that is a document's whole name (`GPT-2`, `Transformer`), an acronym of its title (`SBERT`), or a word of a
    /// capitalized run that runs as in its title (`Little`, `Book`).
    /// - Parameter names: each document's names, as ``nameWords(fileName:title:)`` and introduced names give them.
    func documentNameTerms(_ names: [[[String]]]) -> Set<String> {
        let all = names.joined().filter { !$0.isEmpty }
        let whole = Set(all.map { $0.joined() })
        var found = Set<String>()
        for term in query.terms {
            if whole.contains(TextMatch.stem(term.joined)) || whole.contains(term.joined) || Self.isAcronym(term, of: all) {
                found.insert(term.joined)
            }
        }
        for words in titleRuns(in: all) {
            for term in query.terms where words.contains(term.joined) { found.insert(term.joined) }
        }
        return found
    }

    /// The question's runs of two or more capitalized words (stop words aside) that run, stemmed, as in one of
    /// `names`, each as its folded words: "the Little Book" in "The Little Book of Deep Learning".
    func titleRuns(in names: [[String]]) -> [[String]] {
        self.names.runs.compactMap { run in
            let stems = run.stems
            guard names.contains(where: { name in
                name.count >= stems.count && (0 ... name.count - stems.count).contains { Array(name[$0 ..< $0 + stems.count]) == stems }
            }) else { return nil }
            return run.words
        }
    }

    /// Whether `term` is an acronym in capitals (three letters or more) that abbreviates one of `names`.
    static func isAcronym(_ term: LexicalQuery.Term, of names: [[String]]) -> Bool {
        isAcronymShaped(term) && names.contains { abbreviates(TextMatch.fold(term.surface), $0) }
    }

    /// Whether `term` is written as an acronym: three or more letters, all capitals.
    static func isAcronymShaped(_ term: LexicalQuery.Term) -> Bool {
        term.surface.count >= 3 && term.surface.allSatisfy({ $0.isUppercase })
    }

    /// Whether `acronym` is spelled by two or more consecutive `words`, each giving its first letter or itself
    /// (`sbert`: "sentence", "bert"; `dpr`: "dense", "passage", "retrieval").
    static func abbreviates(_ acronym: String, _ words: [String]) -> Bool {
        let letters = Array(acronym)
        let spelled = words.map(Array.init)
        func match(_ word: Int, _ at: Int, _ used: Int) -> Bool {
            if at == letters.count { return used >= 2 }
            guard word < spelled.count, let first = spelled[word].first else { return false }
            if first == letters[at], match(word + 1, at + 1, used + 1) { return true }
            let whole = spelled[word]
            return whole.count > 1 && at + whole.count <= letters.count
                && Array(letters[at ..< at + whole.count]) == whole && match(word + 1, at + whole.count, used + 1)
        }
        return spelled.indices.contains { match($0, 0, 0) }
    }

    /// The stemmed content words of a document's file name (without `.pdf`) and of its title.
    static func nameWords(fileName: String, title: String) -> [[String]] {
        var base = fileName
        if base.lowercased().hasSuffix(".pdf") { base.removeLast(4) }
        return [base, title].map { name in
            TextMatch.words(name).filter { !LexicalQuery.stopWords.contains($0) }.map(TextMatch.stem)
        }
    }
}
