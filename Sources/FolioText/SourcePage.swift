/// One line of a page as extracted, with its typography.
public struct SourceLine: Sendable, Equatable {
    public var text: String
    /// Font size in points (the smallest on the line); 0 when unknown.
    public var fontSize: Float
    /// Every visible character is bold.
    public var isBold: Bool

    public init(text: String, fontSize: Float = 0, isBold: Bool = false) {
        self.text = text
        self.fontSize = fontSize
        self.isBold = isBold
    }
}

/// A page as a list of lines, the input of `PageCleaner` and `HeadingDetector`.
public struct SourcePage: Sendable, Equatable {
    /// 1-based physical page number.
    public var number: Int
    public var lines: [SourceLine]

    public init(number: Int, lines: [SourceLine]) {
        self.number = number
        self.lines = lines
    }

    /// Splits a page's text at `\n`, pairing each line with its style when `styles` has one per line.
    public init(number: Int, text: String, styles: [(fontSize: Float, isBold: Bool)] = []) {
        // Split on the byte (fast) unless a "\r\n", one Character, must stay unsplit as in `split(separator:)`.
        let parts: [Substring] = text.utf8.contains(0x0D)
            ? text.split(separator: "\n", omittingEmptySubsequences: false)
            : text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { Substring($0) }
        let styled = styles.count == parts.count
        self.number = number
        self.lines = parts.enumerated().map { index, part in
            styled ? SourceLine(text: String(part), fontSize: styles[index].fontSize, isBold: styles[index].isBold)
                   : SourceLine(text: String(part))
        }
    }

    /// The lines joined with `\n`.
    public var text: String { lines.map(\.text).joined(separator: "\n") }
}
