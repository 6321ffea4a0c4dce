import FolioText
import Foundation

extension Answerer {
    /// The part of the answer's sentences that answers: for a question that asks for a quantity, the first new
    /// number with its unit (`340M`, `3.5 days`, `d = 768`, `10,000×`) in the best sentence, else in the next
    /// chosen sentence that has one; for a "why" question, the clause after `because`, `so that`, `in order to`,
    /// `due to` …; otherwise the clause (between commas, semicolons or colons) that best covers the question.
    /// Always a substring of one of `sentences` (the best first), or nil when none stands out.
    /// - Parameters:
    ///   - sentences: the best sentence first, then the other chosen sentences.
    ///   - extra: words counting as present in each sentence (the chunk's context words).
    static func answerSpan(question: String, sentences: [String], scorer: LexicalScorer,
                           extra: Set<String> = []) -> String? {
        guard let best = sentences.first else { return nil }
        let questionWords = Set(TextMatch.words(question))
        if asksForQuantity(question) || countedNoun(in: question) != nil {
            for sentence in sentences {
                if let quantity = quantitySpan(in: sentence, besides: questionWords) { return quantity }
            }
        }
        if questionWords.contains("why"), let reason = reasonSpan(in: best) { return reason }
        return bestClause(in: best, scorer: scorer, extra: extra)
    }

    /// The first number of `sentence` that is not among `questionWords` (nor a reference, nor a citation's year),
    /// with what qualifies it: a symbol before `=` (`h = 8`), a preceding `about`, `over`, `up to` …, and the unit
    /// or noun after it (`3.5 days`, `2,500M words`, `25% speedup`).
    static func quantitySpan(in sentence: String, besides questionWords: Set<String>) -> String? {
        let range = NSRange(sentence.startIndex..., in: sentence)
        guard let pattern = quantityPattern else { return nil }
        for match in pattern.matches(in: sentence, range: range) {
            guard let whole = Range(match.range, in: sentence), let number = Range(match.range(at: 2), in: sentence)
            else { continue }
            let value = String(sentence[number])
            // A number the question gives, a reference (`Table 2`, `[21]`) or a citation's year is not the answer.
            if !hasNumber(value, besides: questionWords) { continue }
            let before = sentence[..<number.lowerBound].suffix(12).lowercased()
            if before.hasSuffix("table ") || before.hasSuffix("section ") || before.hasSuffix("figure ")
                || before.hasSuffix("fig. ") || before.hasSuffix("[") || before.hasSuffix("eq. (") { continue }
            return String(sentence[whole]).trimmingCharacters(in: .whitespaces.union(.punctuationCharacters.subtracting(["%"])))
        }
        return nil
    }

    /// `(symbol =)? (about|over|…)? NUMBER (unit)?`; group 2 is the number.
    private static let quantityPattern = try? NSRegularExpression(pattern:
        #"((?:[A-Za-zα-ωΑ-Ω][\w]{0,6}\s?=\s?)|(?:(?:about|around|approximately|roughly|over|under|up to|less than|more than|at most|at least|nearly)\s))?"#
        + #"([-−]?\d[\d,]*(?:\.\d+)?(?:[eE][-−]?\d+)?(?:[%×x]|[KMBT](?![a-z])|GB|MB|TB|ms)?)"#
        + #"(\s?(?:[-–]\s?\d[\d,]*(?:\.\d+)?[%×x]?))?"#
        + #"(\s(?!(?:and|or|of|the|a|an|to|in|on|for|with|by|is|are|was|were|as|at|from|that|which)\b)[A-Za-z][A-Za-z-]{1,20})?"#)

    /// The clause after the sentence's first `because`, `since`, `so that`, `in order to`, `due to`, `as a result
    /// of` or `to avoid`, from that word to the end of the clause.
    static func reasonSpan(in sentence: String) -> String? {
        let lower = sentence.lowercased()
        let markers = ["because ", "so that ", "in order to ", "due to ", "as a result of ", " since ", "to avoid ",
                       "to preserve ", "to prevent ", "to reduce "]
        let found = markers.compactMap { marker -> Range<String.Index>? in lower.range(of: marker) }
            .min { $0.lowerBound < $1.lowerBound }
        guard let found else { return nil }
        let start = sentence.index(sentence.startIndex, offsetBy: lower.distance(from: lower.startIndex, to: found.lowerBound))
        var span = String(sentence[start...])
        if let stop = span.dropFirst().firstIndex(where: { $0 == ";" || $0 == "." && span.last != $0 }) {
            span = String(span[..<stop])
        }
        span = span.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ".,;")))
        return span.count >= 8 ? span : nil
    }

    /// The clause of `sentence` (cut at `,`, `;` and `:` outside parentheses, so a citation such as
    /// "(Johnson et al., 2017)" stays whole) with the best window score against the question; nil when the sentence
    /// is one clause or no clause covers any of the question.
    static func bestClause(in sentence: String, scorer: LexicalScorer, extra: Set<String>) -> String? {
        var clauses: [Substring] = []
        var start = sentence.startIndex
        var depth = 0
        for index in sentence.indices {
            switch sentence[index] {
            case "(", "[": depth += 1
            case ")", "]": depth = max(0, depth - 1)
            case ",", ";", ":":
                guard depth == 0 else { break }
                clauses.append(sentence[start ..< index])
                start = sentence.index(after: index)
            default: break
            }
        }
        clauses.append(sentence[start...])
        let trimmed = clauses.map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ".,;:"))) }
            .filter { $0.split(separator: " ").count >= 3 }
        guard trimmed.count > 1 else { return nil }
        let scored = trimmed.map { ($0, scorer.windowScore(TextMatch.stems($0), extra: extra)) }
        guard let best = scored.max(by: { $0.1 < $1.1 }), best.1 > 0 else { return nil }
        return best.0
    }
}
