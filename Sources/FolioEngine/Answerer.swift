import FolioEncoder
import FolioStore
import FolioText
import Foundation

/// A source cited by an answer: marker `n` stands for `[n]` in the answer text.
public struct Citation: Sendable {
    public var marker: Int
    public var chunk: ChunkRecord
    /// The answer's sentences taken from this chunk, in answer order (what a page view highlights).
    public var sentences: [String] = []
}

/// An answer to a question, with its citations and the results it was drawn from.
public struct Answer: Sendable {
    public var question: String
    /// The answer sentences with `[n]` markers, or a plain message when `abstained`.
    public var text: String
    /// True when the documents do not answer the question closely enough.
    public var abstained: Bool
    public var citations: [Citation]
    /// The retrieved chunks, best first (citations may also name a chunk next to the first).
    public var results: [RetrievedChunk]
    /// The evidence the abstention rule judged (0...1, higher is more confident).
    public var confidence: Double
    /// The part of one answer sentence that answers (a number with its unit, the clause after "because", the
    /// clause that best covers the question), word for word as in `text`; nil when abstained or none stands out.
    public var answerSpan: String? = nil
    /// MiniLM cosine between the question and the best answer sentence, when sentences were compared in meaning.
    public var sentenceSimilarity: Double? = nil
}

/// Builds extractive answers: the one to three sentences of the top chunks that best match the question, in
/// reading order, each with its `[n]` marker; or an abstention when the best passage does not cover the question.
public struct Answerer: Sendable {
    /// Abstain when the confidence (the best result's term coverage, less the penalty below) is under this.
    public var minimumConfidence: Double
    /// Taken off the confidence when the question names something (`Stable Diffusion`) no stored text mentions:
    /// the passages can at best answer the same question about something else.
    public var unknownNamePenalty: Double
    /// How many of the top results sentences are drawn from.
    public var candidateChunks: Int
    /// At most this many sentences in an answer.
    public var maxSentences: Int
    /// Further sentences join the best one only when this close to its score.
    public var sentenceMargin: Double
    /// Taken off a sentence's score per rank its chunk is below the first.
    public var rankPenalty: Double
    /// Taken off the score of a sentence from a chunk next to the first result (0: read as part of it; on the
    /// dev set and four sets of my own questions 0 answers 4 more questions and 1 fewer than 0.15).
    public var neighbourPenalty: Double
    /// Added to a sentence with a number the question does not contain, when the question asks for a quantity.
    public var numberBonus: Double
    /// Sentences after the best one (same chunk) that join the answer.
    public var followingSentences: Int
    /// A partial term coverage (at least `partialConfidence`) still answers when one of the top three chunks is
    /// this close in meaning (MiniLM cosine): the passage says it in other words ("migrate" / "covers ... km").
    public var semanticRescue: Double
    public var partialConfidence: Double
    /// Weight of a candidate sentence's MiniLM cosine with the question in its score (0: words only). MiniLM was
    /// trained on question–answer pairs, so the cosine finds the sentence that says it in other words.
    public var semanticWeight: Double = 0.5
    /// How many of the lexically best candidate sentences are embedded, in one encoder call; the others count as
    /// the least close of those.
    public var semanticCandidates: Int = 4
    /// A candidate sentence is embedded from at most this many tokens (`[CLS]` and `[SEP]` included).
    public var semanticTokens: Int = 40

    public init(minimumConfidence: Double = 0.6, unknownNamePenalty: Double = 0.5, candidateChunks: Int = 3,
                maxSentences: Int = 3, sentenceMargin: Double = 0.2, rankPenalty: Double = 0.15,
                neighbourPenalty: Double = 0,
                numberBonus: Double = 0.15, followingSentences: Int = 2, semanticRescue: Double = 0.55,
                partialConfidence: Double = 0.35) {
        self.minimumConfidence = minimumConfidence
        self.unknownNamePenalty = unknownNamePenalty
        self.candidateChunks = candidateChunks
        self.maxSentences = maxSentences
        self.sentenceMargin = sentenceMargin
        self.rankPenalty = rankPenalty
        self.neighbourPenalty = neighbourPenalty
        self.numberBonus = numberBonus
        self.followingSentences = followingSentences
        self.semanticRescue = semanticRescue
        self.partialConfidence = partialConfidence
    }

    /// Whether the documents answer: full enough term coverage, or partial coverage with a close meaning.
    func answers(_ retrieval: Retrieval, confidence: Double) -> Bool {
        if confidence >= minimumConfidence { return true }
        guard confidence >= partialConfidence else { return false }
        let closest = retrieval.results.prefix(3).compactMap { $0.parts?.dense }.max() ?? 0
        return Double(closest) >= semanticRescue
    }

    static let abstainMessage = "The documents do not answer this question. The closest passages are listed below."

    /// The abstention's message, naming what the question asks about that no stored text mentions.
    static func abstainMessage(unknownNames: [String]) -> String {
        guard !unknownNames.isEmpty else { return abstainMessage }
        let names = unknownNames.map { "“\($0)”" }.joined(separator: ", ")
        return "The documents do not answer this question: none of them mentions \(names). "
            + "The closest passages are listed below."
    }

    /// How sure the documents answer: the best result's coverage of the question, less the unknown-name penalty.
    public func confidence(_ retrieval: Retrieval) -> Double {
        guard let best = retrieval.results.first else { return 0 }
        return Double(best.coverage) - (retrieval.scorer.unknownNames.isEmpty ? 0 : unknownNamePenalty)
    }

    /// Answers `question` from `retrieval` (results best first).
    /// - Parameter encoder: compares candidate sentences with `retrieval.queryVector` in meaning; nil (or no query
    ///   vector): words only.
    public func answer(_ question: String, retrieval: Retrieval, encoder: SentenceEncoder? = nil) -> Answer {
        let results = retrieval.results
        let confidence = confidence(retrieval)
        func abstain() -> Answer {
            Answer(question: question, text: Self.abstainMessage(unknownNames: retrieval.scorer.unknownNames),
                   abstained: true, citations: [], results: results, confidence: confidence)
        }
        guard !results.isEmpty else { return abstain() }
        // Partial coverage with no close chunk can still answer when the best sentence is close in meaning (the
        // sentence, not its chunk, says it in other words); decided once the sentences are compared below.
        let needsCloseSentence = !answers(retrieval, confidence: confidence)
        if needsCloseSentence, encoder == nil || retrieval.queryVector == nil || semanticWeight <= 0
            || confidence < partialConfidence { return abstain() }
        let questionWords = Set(TextMatch.words(question))
        let passages = results.prefix(candidateChunks).map { LexicalScorer.Passage($0.chunk.text) }
        // Sentences come from the top results and from the chunks on either side of the first, read as part of it
        // (the right page often ranks first with the chunk beside the one that states the fact). `order` is
        // reading order: a source's place in its document relative to the result it belongs to.
        struct Source {
            var chunk: RetrievedChunk
            var passage: LexicalScorer.Passage
            var penalty: Double
            var order: (result: Int, offset: Int)
            /// The result's index when the source is a result itself (not a chunk beside one).
            var resultIndex: Int? { order.offset == 0 ? order.result : nil }
            /// The result this source is read with: its own index for a result, the result it is beside for a
            /// neighbour (a lower result that is also the first's neighbour is read with the first).
            var group: Int
        }
        var sources: [Source] = zip(results, passages).enumerated().map { index, pair in
            Source(chunk: pair.0, passage: pair.1, penalty: rankPenalty * Double(index), order: (index, 0),
                   group: index)
        }
        func addNeighbour(_ chunk: RetrievedChunk?, of result: Int, offset: Int) -> Int? {
            guard let chunk else { return nil }
            if let existing = sources.firstIndex(where: { $0.chunk.chunk.rowID == chunk.chunk.rowID }) {
                if result < sources[existing].group {
                    sources[existing].group = result
                    sources[existing].penalty = min(sources[existing].penalty, neighbourPenalty)
                }
                return existing
            }
            sources.append(Source(chunk: chunk, passage: LexicalScorer.Passage(chunk.chunk.text),
                                  penalty: neighbourPenalty, order: (result, offset), group: result))
            return sources.count - 1
        }
        if let first = results.first {
            _ = addNeighbour(retrieval.previous[first.chunk.rowID], of: 0, offset: -1)
            _ = addNeighbour(retrieval.following[first.chunk.rowID], of: 0, offset: 1)
        }

        // "How many encoder layers …?" is answered by a sentence that counts layers: when none of the passages the
        // answer is drawn from has a number next to the counted thing anywhere in one sentence, the documents
        // mention the topic but not the count (BART-large and RAG are there; how many layers BART has is not).
        if let counted = Self.countedNoun(in: question) {
            let counts = sources.map(\.passage).contains { passage in
                passage.sentences.indices.contains { index in
                    passage.stems[index].contains(counted)
                        && Self.hasNumber(passage.sentences[index], besides: questionWords)
                }
            }
            if !counts { return abstain() }
        }

        struct Candidate {
            var source: Int
            var position: Int
            var text: String
            var score: Double
            /// MiniLM cosine with the question, when compared.
            var cosine: Double? = nil
        }
        let scorer = retrieval.scorer
        let wantsNumber = Self.asksForQuantity(question)
        var candidates: [Candidate] = []
        var seen = Set<String>()
        for (index, source) in sources.enumerated() {
            let passage = source.passage
            for (position, sentence) in passage.sentences.enumerated() where sentence.count >= 12 {
                // Overlapping chunks repeat their edge sentences; each is a candidate once, from the better source.
                guard seen.insert(sentence).inserted else { continue }
                // The document's name and the section heading are over every sentence of the chunk: a sentence
                // that repeats them ("The Little Book of Deep Learning …" on its title page) gains nothing by it.
                var score = scorer.windowScore(passage.stems[position], extra: source.chunk.contextWords) - source.penalty
                // A chart's labels only answer when nothing else can.
                if Self.holdsAxisTicks(sentence) { score -= 1 }
                if wantsNumber, Self.hasNumber(sentence, besides: questionWords) { score += numberBonus }
                candidates.append(Candidate(source: index, position: position, text: sentence, score: score))
            }
        }
        if let encoder, let query = retrieval.queryVector, semanticWeight > 0 {
            addMeaning(to: &candidates, query: query, encoder: encoder, text: \.text, score: \.score, cosine: \.cosine)
        }
        guard let top = candidates.max(by: { $0.score < $1.score }) else { return abstain() }
        if needsCloseSentence, (top.cosine ?? 0) < semanticRescue { return abstain() }
        var chosen = [top]
        // The sentence that best restates the question is often followed by the one that answers it
        // ("We observe X. The reason is Y."), so the next sentences of the same chunk come along (two: with
        // short chunks the fact is often one sentence further on).
        let topSource = sources[top.source]
        // When the best sentence ends its chunk, the sentences that follow it are in the next chunk (after the
        // sentences the two chunks share); they are cited as that chunk, come after it in reading order, and
        // only fill places that close matches elsewhere leave free.
        var nextSource: Int? = nil
        if let resultIndex = topSource.resultIndex {
            nextSource = addNeighbour(retrieval.following[topSource.chunk.chunk.rowID], of: resultIndex, offset: 1)
        } else if topSource.order.offset < 0 {
            nextSource = 0
        }
        var continued: [(position: Int, text: String)] = []
        if let nextSource {
            let shared = Set(topSource.passage.sentences)
            continued = sources[nextSource].passage.sentences.enumerated()
                .filter { !shared.contains($0.element) }.map { ($0.offset, $0.element) }
        }
        var continuation: [Candidate] = []
        // A best sentence that points back ("To avoid this, we prevent BPE from merging …") answers with the
        // sentence it points to ("This results in a sub-optimal allocation …"): the one before it comes along.
        if top.position > 0, Self.pointsBack(top.text) {
            let text = topSource.passage.sentences[top.position - 1]
            if text.count >= 12, !Self.holdsAxisTicks(text) {
                chosen.append(Candidate(source: top.source, position: top.position - 1, text: text, score: top.score))
            }
        }
        for offset in 0 ..< followingSentences where chosen.count < maxSentences {
            let position = top.position + 1 + offset
            let sentences = topSource.passage.sentences
            if position < sentences.count {
                let text = sentences[position]
                if text.count >= 12, !Self.holdsAxisTicks(text), !chosen.contains(where: { $0.text == text }) {
                    chosen.append(Candidate(source: top.source, position: position, text: text, score: top.score))
                }
            } else if let nextSource, position - sentences.count < continued.count {
                let next = continued[position - sentences.count]
                continuation.append(Candidate(source: nextSource, position: next.position, text: next.text,
                                              score: top.score))
            }
        }
        for candidate in candidates.sorted(by: { $0.score > $1.score }) where chosen.count < maxSentences {
            if chosen.contains(where: { $0.text == candidate.text }) { continue }
            if candidate.score >= top.score - sentenceMargin { chosen.append(candidate) }
        }
        // Sentences from the next chunk only fill what close matches left free.
        for candidate in continuation where chosen.count < maxSentences
            && !chosen.contains(where: { $0.text == candidate.text }) {
            chosen.append(candidate)
        }
        // A question that asks for a quantity is answered by a number: when no chosen sentence has one the question
        // does not, the best sentence that does of the best one's chunk (with the chunks read as part of it) takes
        // the last place ("we simply mask some percentage of the input tokens" is followed two sentences later by
        // "we mask 15% of all WordPiece tokens").
        let newNumber = { (text: String) in Self.hasNumber(text, besides: questionWords) }
        let topGroup = Set(sources.indices.filter { sources[$0].group == topSource.group })
        if wantsNumber, !chosen.contains(where: { newNumber($0.text) }),
           let numbered = candidates.filter({ topGroup.contains($0.source) && newNumber($0.text)
                                              && !Self.holdsAxisTicks($0.text) }).max(by: { $0.score < $1.score }) {
            if chosen.count >= maxSentences { chosen.removeLast() }
            chosen.append(numbered)
        }
        // Reading order: by source (a neighbour beside its result), then by position in the source; the sources
        // are numbered in that order.
        func order(_ candidate: Candidate) -> (Int, Int, Int) {
            let o = sources[candidate.source].order
            return (o.result, o.offset, candidate.position)
        }
        chosen.sort { order($0) < order($1) }
        var markers: [Int: Int] = [:]
        var citations: [Citation] = []
        for candidate in chosen where markers[candidate.source] == nil {
            markers[candidate.source] = citations.count + 1
            citations.append(Citation(marker: citations.count + 1, chunk: sources[candidate.source].chunk.chunk))
        }
        for candidate in chosen {
            if let marker = markers[candidate.source] { citations[marker - 1].sentences.append(candidate.text) }
        }
        var annotated = results
        if let resultIndex = topSource.resultIndex { annotated[resultIndex].bestSentence = top.text }
        let text = chosen.map { "\($0.text) [\(markers[$0.source] ?? 0)]" }.joined(separator: " ")
        var answer = Answer(question: question, text: text, abstained: false, citations: citations,
                            results: annotated, confidence: confidence)
        answer.sentenceSimilarity = top.cosine
        answer.answerSpan = Self.answerSpan(question: question,
                                            sentences: [top.text] + chosen.map(\.text).filter { $0 != top.text },
                                            scorer: scorer, extra: topSource.chunk.contextWords)
        return answer
    }

    /// Adds `semanticWeight ×` the MiniLM cosine with the question to the lexically best `semanticCandidates`
    /// candidates, embedded in one encoder call (a call per sentence pays a pass over the weights each); the
    /// others gain the least cosine among those.
    func addMeaning<C>(to candidates: inout [C], query: [Float], encoder: SentenceEncoder,
                       text: KeyPath<C, String>, score: WritableKeyPath<C, Double>,
                       cosine: WritableKeyPath<C, Double?>) {
        let ranked = candidates.indices.sorted { candidates[$0][keyPath: score] > candidates[$1][keyPath: score] }
        guard let first = ranked.first else { return }
        // A sentence further behind the best than the weight times a high cosine (0.8) cannot overtake it.
        let reach = candidates[first][keyPath: score] - semanticWeight * 0.8
        let compared = ranked.prefix(semanticCandidates).filter { candidates[$0][keyPath: score] >= reach }
        guard !compared.isEmpty else { return }
        let tokens = compared.map { encoder.tokenizer.encode(candidates[$0][keyPath: text], maxLength: semanticTokens) }
        let vectors = encoder.embed(tokenIDs: tokens, batchSize: max(1, (tokens.count + 1) / 2))
        var cosines: [Int: Double] = [:]
        for (index, vector) in zip(compared, vectors) { cosines[index] = Double(Retriever.dot(query, vector)) }
        let least = cosines.values.min() ?? 0
        for index in candidates.indices {
            let value = cosines[index] ?? least
            candidates[index][keyPath: cosine] = value
            candidates[index][keyPath: score] += semanticWeight * value
        }
    }

    /// Whether `sentence` opens by pointing back at the one before it: "This …", "To avoid this, …", "Therefore …".
    static func pointsBack(_ sentence: String) -> Bool {
        let words = TextMatch.words(String(sentence.prefix(40)))
        guard let first = words.first else { return false }
        if ["this", "these", "therefore", "thus", "hence", "consequently"].contains(first) { return true }
        return words.prefix(4).contains("this") && ["to", "for", "because", "due", "as"].contains(first)
    }

    /// Whether `sentence` holds a chart's axis labels: four or more bare numbers in a row, evenly spaced
    /// (`200 400 600 800 1,000`, `3 2 1 0`). Poppler reads a figure's text into the page like prose; such a
    /// "sentence" matches many question words (axis titles, legend) but answers nothing. A table row's numbers
    /// are not evenly spaced, so tables stay candidates.
    static func holdsAxisTicks(_ sentence: String) -> Bool {
        var run: [Double] = []
        for token in sentence.split(whereSeparator: \.isWhitespace) {
            guard let value = Double(token.replacingOccurrences(of: ",", with: "")), value.isFinite else {
                run = []
                continue
            }
            run.append(value)
            if run.count > 4 { run.removeFirst() }
            if run.count == 4 {
                let step = run[1] - run[0]
                if step != 0, zip(run.dropFirst(), run.dropFirst(2)).allSatisfy({ abs(($1 - $0) - step) <= 1e-9 * max(1, abs(step)) }) {
                    return true
                }
            }
        }
        return false
    }

    /// Whether `sentence` has a number that is not among `questionWords`. A year (1900–2099) counts only when the
    /// question asks when or for a year: otherwise it is a citation's, `(Taylor, 1953)`.
    static func hasNumber(_ sentence: String, besides questionWords: Set<String>) -> Bool {
        let wantsYear = questionWords.contains("year") || questionWords.contains("when")
        let range = NSRange(sentence.startIndex..., in: sentence)
        let quantities = referencePattern?.stringByReplacingMatches(in: sentence, range: range, withTemplate: " ") ?? sentence
        return TextMatch.words(quantities).contains { word in
            guard word.contains(where: \.isNumber), !questionWords.contains(word) else { return false }
            if !wantsYear, word.count == 4, let value = Int(word), (1900...2099).contains(value) { return false }
            return true
        }
    }

    /// A number that points somewhere rather than counts: `§ 5.3`, `Section 4`, `Table 2`, `Figure 3`, `Eq. (4)`,
    /// `Appendix B.1`, `Algorithm 1`, a bracketed citation `[21, 23]`.
    private static let referencePattern = try? NSRegularExpression(pattern:
        #"(?:§+|\b(?:sections?|sect\.|tables?|fig(?:ure)?s?\.?|eqs?\.|equations?|appendix|algorithm|chapter))\s*\(?(?:[A-Z](?:\.\d+)+|[A-Z]?\d+(?:\.\d+)*)\)?"#
        + #"|\[\d+(?:\s*[,–-]\s*\d+)*\]"#, options: [.caseInsensitive])

    /// The stem of the thing a "how many" question counts: the last content word after "how many" (`layer` for
    /// "How many encoder layers does …", `word` for "how many of the most frequent words were kept"); nil for
    /// other questions and for "how many times", which counts events any verb can state.
    static func countedNoun(in question: String) -> String? {
        let words = TextMatch.words(question)
        guard let at = words.indices.dropLast().first(where: { words[$0] == "how" && words[$0 + 1] == "many" }) else {
            return nil
        }
        var last: String? = nil
        for word in words[(at + 2)...] {
            if LexicalQuery.stopWords.contains(word) {
                if last != nil { break }
                continue
            }
            last = word
        }
        guard let noun = last, !["times", "time"].contains(noun) else { return nil }
        return TextMatch.stem(noun)
    }

    /// Whether the question asks for a quantity ("how many …", "what accuracy …"), so sentences with numbers
    /// are the likelier answers.
    static func asksForQuantity(_ question: String) -> Bool {
        let words = TextMatch.words(question)
        let how: Set<String> = ["many", "much", "large", "long", "big", "fast", "often", "far", "small", "high"]
        let quantities: Set<String> = ["number", "accuracy", "score", "percentage", "rate", "size", "length", "count",
                                       "value", "error", "factor", "year", "dimension", "dimensionality"]
        for (index, word) in words.enumerated() {
            if word == "how", index + 1 < words.count, how.contains(words[index + 1]) { return true }
            if word == "what" || word == "which" {
                if words[(index + 1) ..< min(index + 4, words.count)].contains(where: quantities.contains) { return true }
            }
        }
        return false
    }
}
