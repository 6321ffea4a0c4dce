import Foundation

/// Turns lines of extracted PDF text into clean running text for chunking and embedding.
///
/// - Compatibility forms (`ﬁ`, `ﬂ`, full-width letters, superscripts, math alphanumerics) are folded with NFKC,
///   scalar by scalar, so the tokenizer sees ordinary letters instead of `[UNK]`. Only the chunk text is folded;
///   the stored page text stays as extracted.
/// - A word broken across a line end (`repre-` / `sentation`) is joined when `shouldJoin` says so; a real hyphen
///   (`self-` / `attention`) stays.
/// - Control characters become spaces; lines are joined with single spaces and runs of white space collapse.
public struct TextNormalizer: Sendable {
    /// Decides whether `first-` at a line end and `second` starting the next line are one word.
    public var shouldJoin: @Sendable (_ first: String, _ second: String) -> Bool

    public init(shouldJoin: @escaping @Sendable (_ first: String, _ second: String) -> Bool) {
        self.shouldJoin = shouldJoin
    }

    /// - Parameter isKnownWord: true when the joined form of a hyphenated line break is a real word.
    public init(isKnownWord: @escaping @Sendable (String) -> Bool = { _ in true }) {
        self.shouldJoin = { isKnownWord(($0 + $1).lowercased()) }
    }

    /// Normalizes one page (or any block) of text, lines separated by `\n`.
    public func normalize(_ text: String) -> String {
        normalize(lines: text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map(String.init))
    }

    /// Normalizes a block of lines.
    public func normalize(lines rawLines: [String]) -> String {
        var output = ""
        output.reserveCapacity(rawLines.reduce(0) { $0 + $1.utf8.count + 1 })
        var pendingHyphenWord: String? = nil
        for raw in rawLines {
            let line = Self.trimmingBlanks(Self.foldCompatibilityForms(raw))
            if line.isEmpty { continue }
            if let prefix = pendingHyphenWord {
                let firstWord = String(line.prefix(while: { $0.isLetter }))
                if let first = firstWord.first, first.isLowercase, shouldJoin(prefix, firstWord) {
                    output.removeLast()  // drop the hyphen
                }
                output += line
                pendingHyphenWord = nil
            } else {
                if !output.isEmpty { output += " " }
                output += line
            }
            // `line.utf8.last == "-"` is `line.last == "-"` (a hyphen never joins the character before it).
            if line.utf8.last == 0x2D, line.utf8.count >= 2, !line.dropFirst().isEmpty {
                let beforeHyphen = line.dropLast()
                let word = String(beforeHyphen.reversed().prefix(while: { $0.isLetter }).reversed())
                if let last = beforeHyphen.last, last.isLowercase, !word.isEmpty {
                    pendingHyphenWord = word
                }
            }
        }
        return Self.collapseWhitespace(output)
    }

    /// NFKC, applied to each scalar at or above U+00A0 (ASCII needs none): ligatures, full-width and other
    /// compatibility forms fold, while accented letters stay composed (`café`).
    public static func foldCompatibilityForms(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value >= 0xA0 }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value < 0xA0 {
                out.append(scalar)
            } else {
                out.append(contentsOf: fold(scalar).unicodeScalars)
            }
        }
        return String(out)
    }

    private static func fold(_ scalar: Unicode.Scalar) -> String {
        if let cached = foldCache.value(for: scalar.value) { return cached }
        let single = String(scalar)
        // Combining marks alone have no compatibility form worth a Foundation call.
        let folded = scalar.properties.generalCategory == .nonspacingMark
            ? single : single.precomposedStringWithCompatibilityMapping
        foldCache.set(folded, for: scalar.value)
        return folded
    }

    private static let foldCache = FoldCache()

    static func collapseWhitespace(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            if scalar.value > 0x20 && scalar.value < 0x7F {  // printable ASCII: most of the text
                out.append(UInt8(scalar.value))
                lastWasSpace = false
                continue
            }
            let category = scalar.properties.generalCategory
            if scalar.value <= 0x20 || scalar.properties.isWhitespace || category == .control || category == .format
                || category == .privateUse || category == .unassigned || scalar == "\u{FFFD}" {
                if !lastWasSpace { out.append(0x20) }
                lastWasSpace = true
            } else {
                UTF8.encode(scalar) { out.append($0) }
                lastWasSpace = false
            }
        }
        if out.last == 0x20 { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// `trimmingCharacters(in: .whitespaces)` (tab and the space separators) without a Foundation round trip.
    static func trimmingBlanks(_ text: String) -> String {
        func isBlank(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t" || (scalar.value >= 0x80 && scalar.properties.generalCategory == .spaceSeparator)
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, isBlank(first) || isBlank(last) else { return text }
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, isBlank(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isBlank(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    /// Share of a text's visible characters that are letters or digits: low for pages of control characters,
    /// replacement characters or glyph garbage.
    public static func readableShare(_ text: String) -> Double {
        let (visible, readable) = visibleCounts(text)
        return visible == 0 ? 1 : Double(readable) / Double(visible)
    }

    /// Visible (non-white-space) characters, and how many of them are letters or digits, in one pass.
    public static func visibleCounts(_ text: String) -> (visible: Int, readable: Int) {
        var visible = 0, readable = 0
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                if value <= 0x20 || value == 0x7F { continue }
                visible += 1
                if (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) {
                    readable += 1
                }
                continue
            }
            if scalar.properties.isWhitespace { continue }
            visible += 1
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil { readable += 1 }
        }
        return (visible, readable)
    }
}

/// NFKC results per scalar: a page has few distinct non-ASCII scalars and many occurrences of each.
/// `@unchecked Sendable`: `lock` guards `table`.
private final class FoldCache: @unchecked Sendable {
    private var table: [UInt32: String] = [:]
    private let lock = NSLock()

    func value(for key: UInt32) -> String? { lock.withLock { table[key] } }
    func set(_ value: String, for key: UInt32) { lock.withLock { table[key] = value } }
}
