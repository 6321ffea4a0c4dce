import Foundation

/// Turns a page of extracted PDF text into clean running text.
///
/// - Compatibility forms (`ﬁ`, `ﬂ`, full-width letters) are folded with NFKC so the tokenizer sees ordinary
///   letters instead of `[UNK]`.
/// - A word broken across a line end (`repre-` / `sentation`) is joined; a hyphen between two lowercase
///   word parts is kept when the joined word is not known (`self-` / `attention` stays `self-attention`).
/// - Lines are joined with single spaces and runs of white space collapse.
public struct TextNormalizer: Sendable {
    /// Decides whether a line-end hyphenation should be undone: called with the joined lowercase word.
    public var isKnownWord: @Sendable (String) -> Bool

    /// - Parameter isKnownWord: true when the joined form of a hyphenated line break is a real word
    ///   (for example, present in the tokenizer vocabulary or elsewhere in the document).
    public init(isKnownWord: @escaping @Sendable (String) -> Bool = { _ in true }) {
        self.isKnownWord = isKnownWord
    }

    /// Normalizes one page (or any block) of text.
    public func normalize(_ text: String) -> String {
        let folded = Self.foldCompatibilityForms(text)
        let lines = folded.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var output = ""
        output.reserveCapacity(folded.utf8.count)
        var pendingHyphenWord: Substring? = nil
        for line in lines where !line.isEmpty {
            if let prefix = pendingHyphenWord {
                // Previous line ended in "word-": decide how to join with this line's first word.
                let firstWord = line.prefix(while: { $0.isLetter })
                let joined = (prefix + firstWord).lowercased()
                if let first = firstWord.first, first.isLowercase, isKnownWord(joined) {
                    output.removeLast()  // drop the hyphen
                } 
                output += line
                pendingHyphenWord = nil
            } else {
                if !output.isEmpty { output += " " }
                output += line
            }
            if line.count >= 2, line.last == "-" {
                let beforeHyphen = line.dropLast()
                let word = beforeHyphen.reversed().prefix(while: { $0.isLetter })
                if let last = beforeHyphen.last, last.isLowercase, !word.isEmpty {
                    pendingHyphenWord = Substring(String(word.reversed()))
                }
            }
        }
        return Self.collapseWhitespace(output)
    }

    /// NFKC for the characters that need it (ligatures, full-width and other compatibility forms); other
    /// text is left as is so that accents and symbols survive for display.
    public static func foldCompatibilityForms(_ text: String) -> String {
        var needsFolding = false
        for scalar in text.unicodeScalars where scalar.value >= 0xA0 && Self.isCompatibilityForm(scalar) {
            needsFolding = true
            break
        }
        guard needsFolding else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if Self.isCompatibilityForm(scalar) {
                out.append(contentsOf: String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isCompatibilityForm(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0xA0: return true                     // no-break space
        case 0x2000...0x200A: return true          // typographic spaces
        case 0xFB00...0xFB06: return true          // Latin ligatures ff fi fl ffi ffl st
        case 0xFF01...0xFF5E: return true          // full-width ASCII
        case 0x2024...0x2026: return true          // one-dot leader, ellipsis
        default: return false
        }
    }

    static func collapseWhitespace(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var lastWasSpace = true
        for ch in text {
            if ch.isWhitespace || ch.unicodeScalars.allSatisfy({ $0.properties.generalCategory == .control }) {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(ch)
                lastWasSpace = false
            }
        }
        if out.last == " " { out.removeLast() }
        return out
    }
}
