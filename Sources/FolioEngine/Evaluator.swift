import FolioText
import Foundation

/// One evaluation question, shaped like the lines of `shared/eval/dev.jsonl`.
public struct EvalQuestion: Sendable, Codable {
    public var id: String?
    public var question: String
    /// Gold document file name; nil for an unanswerable question.
    public var document: String?
    /// Gold 1-based pages.
    public var pages: [Int]
    public var answer: String?
    public var aliases: [String]?

    public var isAnswerable: Bool { document != nil && !pages.isEmpty }

    /// Reads a JSON-lines file of questions.
    /// - Throws: `FolioEngineError.unreadableQuestions` naming the line.
    public static func load(_ url: URL) throws -> [EvalQuestion] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw FolioEngineError.unreadableQuestions(path: url.path, line: 0, reason: "cannot read the file")
        }
        var questions: [EvalQuestion] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                questions.append(try JSONDecoder().decode(EvalQuestion.self, from: Data(trimmed.utf8)))
            } catch {
                throw FolioEngineError.unreadableQuestions(path: url.path, line: number + 1, reason: "not a question object")
            }
        }
        return questions
    }
}

/// The outcome of one question.
public struct EvalItem: Sendable, Codable {
    public var id: String?
    public var question: String
    public var answerable: Bool
    /// 1-based rank of the first result from the gold document spanning a gold page; nil when none in the top k.
    public var firstHitRank: Int?
    public var abstained: Bool
    /// Whether the answer text contains the gold answer or an alias (answerable questions only).
    public var answerContainsGold: Bool?
    public var answer: String
    /// What the abstention rule judged (see ``Answerer/confidence(_:)``).
    public var confidence: Double
}

/// Retrieval and answer metrics over a question set.
public struct EvalReport: Sendable, Codable {
    /// The retrieval configuration evaluated.
    public var settings: RetrievalSettings
    public var k: Int
    public var questions: Int
    public var answerable: Int
    public var unanswerable: Int
    public var hitAt1: Double
    public var hitAt3: Double
    public var hitAt5: Double
    public var hitAt10: Double
    public var mrrAt10: Double
    /// Share of answerable questions whose answer contains the gold answer or an alias.
    public var answerContainment: Double
    /// Share of answerable questions that were answered (not abstained).
    public var answeredWhenAnswerable: Double
    /// Unanswerable questions that were abstained.
    public var abstainedWhenUnanswerable: Int
    public var items: [EvalItem]
}

extension Folio {
    /// Runs every question through search and ask and scores the results.
    /// - Parameter settings: the retrieval configuration to evaluate; the current one when nil.
    public func evaluate(_ questions: [EvalQuestion], k: Int = 10, settings: RetrievalSettings? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> EvalReport {
        var items: [EvalItem] = []
        let saved = retrieval
        if let settings { retrieval = settings }
        defer { retrieval = saved }
        for (index, question) in questions.enumerated() {
            progress?(index, questions.count)
            var retrieved = try retrieve(question.question, k: max(k, 10))
            let results = retrieved.results
            retrieved.results = Array(results.prefix(5))  // what `folio ask` sees with its default --k
            let answer = try self.answer(question.question, retrieval: retrieved)
            items.append(score(question, answer: answer, results: results, k: k))
        }
        progress?(questions.count, questions.count)
        // The same figures as a group of conversation turns (no answer documents to compare here).
        let figures = EvalSummary(items, answerDocuments: [], golds: [])
        return EvalReport(
            settings: settings ?? saved, k: k, questions: figures.questions, answerable: figures.answerable,
            unanswerable: figures.unanswerable, hitAt1: figures.hitAt1, hitAt3: figures.hitAt3, hitAt5: figures.hitAt5,
            hitAt10: figures.hitAt10, mrrAt10: figures.mrrAt10, answerContainment: figures.answerContainment,
            answeredWhenAnswerable: figures.answeredWhenAnswerable,
            abstainedWhenUnanswerable: figures.abstainedWhenUnanswerable, items: items)
    }

    /// One question's outcome: the first hit's rank in `results` (top `k`) and whether `answer` contains the gold.
    func score(_ question: EvalQuestion, answer: Answer, results: [RetrievedChunk], k: Int) -> EvalItem {
        var firstHit: Int? = nil
        if let document = question.document, question.isAnswerable {
            let gold = Set(question.pages)
            firstHit = results.prefix(k).first { result in
                result.chunk.fileName == document && !gold.isDisjoint(with: result.chunk.pages)
            }?.rank
        }
        var contains: Bool? = nil
        if question.isAnswerable, let gold = question.answer {
            let haystack = Self.normalizeForMatch(answer.text)
            contains = !answer.abstained && ([gold] + (question.aliases ?? [])).contains {
                let needle = Self.normalizeForMatch($0)
                return !needle.isEmpty && haystack.contains(needle)
            }
        }
        return EvalItem(id: question.id, question: question.question, answerable: question.isAnswerable,
                        firstHitRank: firstHit, abstained: answer.abstained, answerContainsGold: contains,
                        answer: answer.text, confidence: answer.confidence)
    }

    /// Lowercased, with runs of white space folded and compatibility forms folded as ingestion folds them (a gold
    /// answer copied from `pdftotext` may write `ϵ` or `ﬁ` where the stored text has `ε` and `fi`), for answer
    /// containment.
    static func normalizeForMatch(_ text: String) -> String {
        TextNormalizer.foldCompatibilityForms(text).lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
