import FolioStore
import Foundation

/// A question prepared for lexical matching: its content terms (stop words dropped), each with the variants a
/// PDF may spell it as, the adjacent-term pairs, and the capitalized names it mentions.
///
/// `BERT-large` becomes the phrase `"bert large"`, the joined form `bertlarge` (small caps often extract that way)
/// and its parts; `d_model` becomes `"d model"` and `dmodel`; `10^-9` the phrase `"10 9"`; `β2` stays `β2`.
/// The FTS5 side (Porter over unicode61) splits text the same way, so a phrase matches whatever separator the
/// PDF used.
public struct LexicalQuery: Sendable {
    /// One whitespace-separated word of the question.
    public struct Term: Sendable, Equatable {
        /// The word as written, without surrounding punctuation or a possessive `'s`.
        public var surface: String
        /// Its folded alphanumeric runs that are not stop words (`["bert", "large"]`).
        public var parts: [String]
        /// All its runs concatenated (`"bertlarge"`).
        public var joined: String
        /// Every folded run, stop words included, for the phrase (`["state", "of", "the", "art"]`).
        public var runs: [String]
        /// Other spellings of the whole word: a Greek letter's name written as the letter (`beta2` → `β2`).
        public var variants: [String] = []
    }

    public var text: String
    public var terms: [Term]
    /// Adjacent content words (`("amplification", "factor")`), scored as phrases: a cheap form of proximity.
    public var bigrams: [(String, String)]
    /// Runs of capitalized words after the first word (`"Stable Diffusion"`, `"ELECTRA-Large"`): the named things a
    /// question is about, checked against the corpus before answering.
    public var names: [String]

    public init(_ text: String) {
        self.text = text
        var terms: [Term] = []
        var names: [String] = []
        var run: [String] = []
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        for (index, raw) in words.enumerated() {
            let parenthesized = raw.hasPrefix("(") || raw.hasSuffix(")")
            let surface = Self.strip(raw)
            let capitalized = index > 0 && surface.first?.isUppercase == true
                && !Self.stopWords.contains(surface.lowercased())
            // A possessive closes the name: "RAG's Jeopardy question generation" names RAG, then Jeopardy.
            let possessive = ["'s", "’s"].contains { Self.trimmed(raw).hasSuffix($0) }
            if capitalized && !parenthesized {
                run.append(surface)
                if possessive { names.append(run.joined(separator: " ")); run = [] }
            } else {
                if !run.isEmpty { names.append(run.joined(separator: " ")) }
                run = []
                if capitalized { names.append(surface) }
            }
            let runs = TextMatch.words(surface)
            let parts = runs.filter { !Self.stopWords.contains($0) }
            guard !parts.isEmpty else { continue }
            if parts.count == 1, parts[0].count < 2, !parts[0].allSatisfy(\.isNumber) { continue }
            var term = Term(surface: surface, parts: parts, joined: runs.joined(), runs: runs)
            term.variants = Self.greekSpellings(of: term.joined)
            if !terms.contains(where: { $0.parts == term.parts }) { terms.append(term) }
        }
        if !run.isEmpty { names.append(run.joined(separator: " ")) }
        self.terms = terms
        self.names = names
        bigrams = zip(terms, terms.dropFirst()).compactMap { a, b in
            guard let x = a.parts.last, let y = b.parts.first else { return nil }
            return (x, y)
        }
    }

    /// The FTS5 expression: every term's variants and every bigram phrase, OR-ed, each quoted (so any user
    /// text is safe). Empty when the question has no content words.
    public var matchExpression: String { matchExpression(excluding: []) }

    /// ``matchExpression`` without the terms whose `joined` form is in `excluded`, nor the bigrams they are part of.
    public func matchExpression(excluding excluded: Set<String>) -> String {
        var alternatives: [String] = []
        func add(_ phrase: String) {
            if !phrase.isEmpty, !alternatives.contains(phrase) { alternatives.append(phrase) }
        }
        var dropped = Set<String>()
        for term in terms where excluded.contains(term.joined) { dropped.formUnion(term.parts) }
        for term in terms where !excluded.contains(term.joined) {
            if term.parts.count > 1 || term.joined != term.parts[0] {
                add(term.runs.joined(separator: " "))
                add(term.joined)
                for part in term.parts where part.count >= 2 { add(part) }
            } else {
                add(term.parts[0])
            }
            for variant in term.variants { add(variant) }
        }
        for (a, b) in bigrams where !dropped.contains(a) && !dropped.contains(b) { add(a + " " + b) }
        return FolioStore.matchExpression(terms: alternatives)
    }

    /// The ranges of the words of `text` that match a question term (for highlighting).
    public func matchingWordRanges(in text: String) -> [Range<String.Index>] {
        var wanted = Set<String>()
        for term in terms {
            for part in term.parts { wanted.insert(TextMatch.stem(part)) }
            wanted.insert(TextMatch.stem(term.joined))
            for variant in term.variants { wanted.insert(TextMatch.stem(variant)) }
        }
        var ranges: [Range<String.Index>] = []
        var start: String.Index? = nil
        var index = text.startIndex
        while true {
            let atEnd = index == text.endIndex
            let isWordCharacter = !atEnd && (text[index].isLetter || text[index].isNumber)
            if isWordCharacter, start == nil { start = index }
            if !isWordCharacter, let begin = start {
                let word = String(text[begin ..< index])
                if TextMatch.words(word).contains(where: { wanted.contains(TextMatch.stem($0)) }) {
                    ranges.append(begin ..< index)
                }
                start = nil
            }
            if atEnd { break }
            index = text.index(after: index)
        }
        return ranges
    }

    /// The letters papers write where a question spells out the name (`beta2`, `epsilon`), with both forms of
    /// epsilon, theta and phi.
    static let greekLetters: [String: [String]] = [
        "alpha": ["α"], "beta": ["β"], "gamma": ["γ"], "delta": ["δ"], "epsilon": ["ε", "ϵ"], "zeta": ["ζ"],
        "eta": ["η"], "theta": ["θ", "ϑ"], "kappa": ["κ"], "lambda": ["λ"], "mu": ["μ"], "nu": ["ν"], "xi": ["ξ"],
        "pi": ["π"], "rho": ["ρ"], "sigma": ["σ"], "tau": ["τ"], "phi": ["φ", "ϕ"], "chi": ["χ"], "psi": ["ψ"],
        "omega": ["ω"],
    ]

    /// `word` with a Greek letter's name (and any digits after it) written as the letter: `beta2` → `β2`.
    static func greekSpellings(of word: String) -> [String] {
        let name = String(word.prefix { $0.isLetter }), rest = word.dropFirst(name.count)
        guard let letters = greekLetters[name], rest.allSatisfy(\.isNumber) else { return [] }
        return letters.map { $0 + rest }
    }

    /// Strips surrounding punctuation and a possessive `'s`.
    static func strip(_ word: String) -> String {
        var w = Substring(trimmed(word))
        for suffix in ["'s", "’s"] where w.hasSuffix(suffix) { w = w.dropLast(2) }
        return String(w)
    }

    /// `word` without surrounding quotes, brackets and punctuation.
    static func trimmed(_ word: String) -> String {
        var w = Substring(word)
        let edge: Set<Character> = ["\"", "'", "“", "”", "‘", "’", "(", ")", "[", "]", "{", "}", ",", ";", ":", "!", "?", "."]
        while let first = w.first, edge.contains(first) { w = w.dropFirst() }
        while let last = w.last, edge.contains(last) { w = w.dropLast() }
        return String(w)
    }

    /// English function words and question words that carry no topic.
    static let stopWords: Set<String> = Set("""
        a about above after again against all also am an and any are as at be because been before being below \
        between both but by can could did do does doing down during each few for from further had has have having \
        he her here hers herself him himself his how i if in into is it its itself just me more most my myself no \
        nor not now of off on once only or other our ours ourselves out over own same she should so some such than \
        that the their theirs them themselves then there these they this those through to too under until up very \
        was we were what when where which while who whom why will with would you your yours yourself yourselves \
        get got many much use used using one two three according paper authors described describe say says said \
        kind type like s t
        """.split(separator: " ").map(String.init))
}

/// Folding, word splitting and light stemming shared by query and passage matching.
enum TextMatch {
    /// Lowercased, diacritics removed.
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
    }

    /// The folded runs of letters and digits (`_`, `-`, `^` and all other symbols separate).
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for ch in fold(text) {
            if ch.isLetter || ch.isNumber {
                current.append(ch)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// A light suffix stripper (plural, `-ing`, `-ed`): enough to match `layers` with `layer` inside a passage;
    /// applied to both sides, so it only has to be consistent.
    static func stem(_ word: String) -> String {
        guard word.count > 3, !word.allSatisfy(\.isNumber) else { return word }
        var w = word
        if w.hasSuffix("ies"), w.count > 4 { return String(w.dropLast(3)) + "y" }
        if w.hasSuffix("sses") { return String(w.dropLast(2)) }
        if w.hasSuffix("s"), !w.hasSuffix("ss"), !w.hasSuffix("us"), !w.hasSuffix("is") { w.removeLast() }
        if w.hasSuffix("ing"), w.count > 5 { return String(w.dropLast(3)) }
        if w.hasSuffix("ed"), w.count > 4 { return String(w.dropLast(2)) }
        return w
    }

    /// Stemmed words of `text`, in order.
    static func stems(_ text: String) -> [String] { words(text).map(stem) }
}
