import FolioEncoder
import FolioStore
import FolioText
import Foundation

/// A source cited by an answer: marker `n` stands for `[n]` in the answer text.
public struct Citation: Sendable {
    public var marker: Int
    public var chunk: ChunkRecord
}

/// An answer to a question, with its citations and the results it was drawn from.
public struct Answer: Sendable {
    public var question: String
    /// The answer sentences with `[n]` markers, or a plain message when `abstained`.
    public var text: String
    /// True when the documents do not answer the question closely enough.
    public var abstained: Bool
    public var citations: [Citation]
    /// The retrieved chunks; marker `n` is `results[n - 1]`.
    public var results: [RetrievedChunk]
}

/// Builds extractive answers: the sentences of the top chunks closest to the question, with `[n]` markers.
public struct Answerer: Sendable {
    /// Below this cosine between question and best chunk, Folio says the documents do not answer.
    public var abstainBelow: Float
    /// How many of the top results sentences are drawn from.
    public var candidateChunks: Int
    /// At most this many sentences in an answer.
    public var maxSentences: Int
    /// Further sentences join the best one only when this close to its score.
    public var sentenceMargin: Float

    public init(abstainBelow: Float = 0.30, candidateChunks: Int = 3, maxSentences: Int = 2, sentenceMargin: Float = 0.05) {
        self.abstainBelow = abstainBelow
        self.candidateChunks = candidateChunks
        self.maxSentences = maxSentences
        self.sentenceMargin = sentenceMargin
    }

    static let abstainMessage = "The documents do not answer this question. The closest passages are listed below."

    /// Answers `question` from `results` (best first).
    public func answer(_ question: String, results: [RetrievedChunk], encoder: SentenceEncoder) -> Answer {
        guard let best = results.first, best.score >= abstainBelow else {
            return Answer(question: question, text: Self.abstainMessage, abstained: true, citations: [], results: results)
        }
        struct Candidate {
            var resultIndex: Int
            var position: Int
            var text: String
            var score: Float = 0
        }
        var candidates: [Candidate] = []
        for (resultIndex, result) in results.prefix(candidateChunks).enumerated() {
            for (position, sentence) in SentenceSplitter.split(result.chunk.text).enumerated()
            where sentence.count >= 12 {
                candidates.append(Candidate(resultIndex: resultIndex, position: position, text: sentence))
            }
        }
        guard !candidates.isEmpty else {
            return Answer(question: question, text: Self.abstainMessage, abstained: true, citations: [], results: results)
        }
        let vectors = encoder.embed([question] + candidates.map(\.text))
        let q = vectors[0]
        for i in candidates.indices {
            let s = vectors[i + 1]
            var dot: Float = 0
            for j in 0..<q.count { dot += q[j] * s[j] }
            // Sentences of higher-ranked chunks get a small prior: the chunk as a whole matched the question.
            candidates[i].score = dot + 0.5 * results[candidates[i].resultIndex].score
        }
        let ranked = candidates.sorted { $0.score > $1.score }
        let top = ranked[0]
        var chosen = [top]
        for candidate in ranked.dropFirst() where chosen.count < maxSentences {
            if candidate.score >= top.score - sentenceMargin { chosen.append(candidate) }
        }
        // Reading order: by source, then by position in the source.
        chosen.sort { ($0.resultIndex, $0.position) < ($1.resultIndex, $1.position) }
        var results = results
        for candidate in chosen where results[candidate.resultIndex].bestSentence == nil {
            results[candidate.resultIndex].bestSentence = candidate.text
        }
        let text = chosen.map { "\($0.text) [\($0.resultIndex + 1)]" }.joined(separator: " ")
        let markers = Array(Set(chosen.map(\.resultIndex))).sorted()
        let citations = markers.map { Citation(marker: $0 + 1, chunk: results[$0].chunk) }
        return Answer(question: question, text: text, abstained: false, citations: citations, results: results)
    }
}
