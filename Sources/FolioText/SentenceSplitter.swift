/// Splits running text into sentences.
///
/// A sentence ends at `.`, `!` or `?` (optionally followed by closing quotes or brackets) when white space and
/// then an uppercase letter, digit, bracket or quote follow, except after common abbreviations (`e.g.`, `et al.`,
/// `Fig.`, `Eq.`, single initials) and inside numbers (`3.5`). A list bullet after white space (`• item`) also
/// starts a new sentence.
public enum SentenceSplitter {
    static let abbreviations: Set<String> = [
        "e.g", "i.e", "al", "fig", "figs", "eq", "eqs", "sec", "vs", "cf", "etc", "resp", "approx", "no",
        "tab", "ref", "refs", "dr", "mr", "ms", "prof", "st", "vol", "pp", "ch", "dept", "univ", "inc", "jr",
    ]

    /// List bullets (`•`, `◦`, `▪`, `‣`, `●`) that start an item.
    static let bullets: Set<Character> = ["•", "◦", "▪", "‣", "●"]

    /// Character ranges (UTF-16 offsets would be fragile; these are `String.Index` ranges) of each sentence.
    public static func sentenceRanges(in text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let ch = text[i]
            if bullets.contains(ch), i > start, text[text.index(before: i)].isWhitespace {
                // A list item starts a new sentence: a bulleted list has no full stops between its items.
                var end = i
                while end > start, text[text.index(before: end)].isWhitespace { end = text.index(before: end) }
                if end > start { ranges.append(start..<end) }
                start = i
                i = text.index(after: i)
                continue
            }
            if ch == "." || ch == "!" || ch == "?" {
                var end = text.index(after: i)
                while end < text.endIndex, "\"'”’)]".contains(text[end]) { end = text.index(after: end) }
                if end < text.endIndex, text[end] == " " {
                    let next = text.index(after: end)
                    if next < text.endIndex, isSentenceStart(text[next]), !(ch == "." && isAbbreviation(text, before: i)) {
                        ranges.append(start..<end)
                        start = next
                        i = next
                        continue
                    }
                }
            }
            i = text.index(after: i)
        }
        if start < text.endIndex { ranges.append(start..<text.endIndex) }
        return ranges.filter { !text[$0].allSatisfy(\.isWhitespace) }
    }

    /// The sentences of `text`.
    public static func split(_ text: String) -> [String] {
        sentenceRanges(in: text).map { String(text[$0]) }
    }

    private static func isSentenceStart(_ ch: Character) -> Bool {
        ch.isUppercase || ch.isNumber || "([\"'“‘".contains(ch)
    }

    private static func isAbbreviation(_ text: String, before dot: String.Index) -> Bool {
        var wordStart = dot
        while wordStart > text.startIndex {
            let prev = text.index(before: wordStart)
            if text[prev].isLetter || text[prev] == "." { wordStart = prev } else { break }
        }
        let word = text[wordStart..<dot].lowercased()
        if word.isEmpty { return false }
        if word.count == 1, let c = word.first, c.isLetter { return true }  // initials: "A. Vaswani"
        return abbreviations.contains(word)
    }
}
