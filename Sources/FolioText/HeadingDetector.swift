/// A run of lines of one page under one section heading: the input of normalization and chunking.
public struct TextBlock: Sendable, Equatable {
    /// 1-based page number.
    public var page: Int
    /// The section heading in force, e.g. `3.1 Encoder and Decoder Stacks`; nil before the first heading.
    public var section: String?
    public var lines: [String]

    public init(page: Int, section: String?, lines: [String]) {
        self.page = page
        self.section = section
        self.lines = lines
    }
}

/// A document's pages split at its section headings, and a title read from the first page's typography.
public struct DocumentStructure: Sendable, Equatable {
    /// The first page's largest text when it stands out from the body text (the typeset title).
    public var title: String?
    /// Every heading found, in order, with its page.
    public var headings: [(page: Int, text: String)]
    public var blocks: [TextBlock]

    public static func == (a: DocumentStructure, b: DocumentStructure) -> Bool {
        a.title == b.title && a.blocks == b.blocks && a.headings.map(\.page) == b.headings.map(\.page)
            && a.headings.map(\.text) == b.headings.map(\.text)
    }
}

/// Finds section headings where the typography makes them evident.
///
/// The body size is the font size carrying most characters. A heading is a group of up to three consecutive
/// lines set larger than the body (by `largeRatio`) or in bold, that is short and
/// - starts with a section number (`3`, `3.1`, `A.2`) followed by a capitalized title, or
/// - is unnumbered (`Abstract`, `References`) but set in the same size as the document's numbered headings, or
/// - carries an appendix letter (`C Qualitative Analysis`) and is set larger than the body, in the size of the
///   numbered headings.
/// Bold text alone without a number (table cells, run-in paragraph labels) is not a heading. A lone letter is not
/// a number on its own (`A Simple Baseline` may be a bold label in body size), so it needs the headings' larger
/// typography too.
public struct HeadingDetector: Sendable {
    public var largeRatio: Float
    public var maximumWords: Int

    public init(largeRatio: Float = 1.15, maximumWords: Int = 14) {
        self.largeRatio = largeRatio
        self.maximumWords = maximumWords
    }

    /// The font size that carries the most characters; 0 when no line has a size.
    public func bodySize(_ pages: [SourcePage]) -> Float {
        var weight: [Float: Int] = [:]
        for page in pages {
            for line in page.lines where line.fontSize > 0 {
                weight[(line.fontSize * 10).rounded() / 10, default: 0] += line.text.count
            }
        }
        return weight.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
    }

    struct Group {
        var page: Int
        var range: Range<Int>  // line indices
        var text: String
        var size: Float
        var numbered: Bool
    }

    public func detect(_ pages: [SourcePage]) -> DocumentStructure {
        let body = bodySize(pages)
        var groups: [Group] = []
        if body > 0 {
            for (pageIndex, page) in pages.enumerated() {
                var index = 0
                while index < page.lines.count {
                    guard isCandidate(page.lines[index], body: body) else { index += 1; continue }
                    let size = page.lines[index].fontSize
                    var end = index + 1
                    // A line that carries its own section number starts the next heading (two columns' headings
                    // can follow each other in reading order: `8.3. Diversity`, `8.1. Model capacity`).
                    while end < page.lines.count, end - index < 3, isCandidate(page.lines[end], body: body),
                          abs(page.lines[end].fontSize - size) <= 0.3,
                          !Self.isNumberedHeading(Self.tidy(page.lines[end].text)) {
                        end += 1
                    }
                    let text = Self.tidy(page.lines[index..<end].map(\.text).joined(separator: " "))
                    groups.append(Group(page: pageIndex, range: index..<end, text: text, size: size,
                                        numbered: Self.isNumberedHeading(text)))
                    index = end
                }
            }
        }
        let numberedSizes = groups.filter { $0.numbered && isHeadingShaped($0.text) }.map(\.size)
        func accepted(_ group: Group) -> Bool {
            guard isHeadingShaped(group.text) else { return false }
            if group.numbered { return true }
            if Self.isLetteredHeading(group.text) {
                return group.size > body + 0.25 && numberedSizes.contains { abs($0 - group.size) <= 0.25 }
            }
            guard group.size >= body * largeRatio, let first = group.text.first, first.isUppercase,
                  group.text.split(separator: " ").count <= 6 else { return false }
            return numberedSizes.contains { abs($0 - group.size) <= 0.25 }
        }
        let headings = groups.filter(accepted)

        // Title: the first page's largest text, when clearly larger than the body, before any heading.
        var title: String? = nil
        if body > 0, let first = pages.first {
            let firstHeadingLine = headings.first { $0.page == 0 }?.range.lowerBound ?? first.lines.count
            let candidates = first.lines.prefix(firstHeadingLine).enumerated().filter {
                $0.element.fontSize >= body * 1.3 && $0.element.text.contains(where: \.isLetter)
            }
            if let largest = candidates.map(\.element.fontSize).max() {
                let lines = candidates.filter { abs($0.element.fontSize - largest) <= 0.3 }
                // Contiguous lines of that size only: the title, not a big figure label further down.
                var picked: [String] = []
                var previous: Int? = nil
                for (offset, line) in lines {
                    if let previous, offset - previous > 2 { break }
                    picked.append(line.text)
                    previous = offset
                }
                let joined = Self.tidy(picked.joined(separator: " "))
                if joined.split(separator: " ").count <= 30 && !joined.isEmpty { title = joined }
            }
        }

        var blocks: [TextBlock] = []
        var section: String? = nil
        var headingIndex = 0
        for (pageIndex, page) in pages.enumerated() {
            var lines: [String] = []
            var index = 0
            while index < page.lines.count {
                if headingIndex < headings.count, headings[headingIndex].page == pageIndex,
                   headings[headingIndex].range.lowerBound == index {
                    if !lines.isEmpty { blocks.append(TextBlock(page: page.number, section: section, lines: lines)) }
                    lines = []
                    section = headings[headingIndex].text
                    index = headings[headingIndex].range.upperBound
                    headingIndex += 1
                    continue
                }
                lines.append(page.lines[index].text)
                index += 1
            }
            if !lines.isEmpty { blocks.append(TextBlock(page: page.number, section: section, lines: lines)) }
        }
        return DocumentStructure(title: title,
                                 headings: headings.map { (pages[$0.page].number, $0.text) }, blocks: blocks)
    }

    func isCandidate(_ line: SourceLine, body: Float) -> Bool {
        guard line.fontSize > 0, line.text.contains(where: { !$0.isWhitespace }) else { return false }
        return line.fontSize >= body * largeRatio || (line.isBold && line.fontSize >= body * 0.95)
    }

    func isHeadingShaped(_ text: String) -> Bool {
        let words = text.split(separator: " ")
        guard words.count <= maximumWords, text.filter(\.isLetter).count >= 3, let last = text.last else { return false }
        return !".,;:".contains(last)
    }

    /// `3.1 Encoder`, `A.2 Proofs`, `4. Results` (a number, then a capitalized word); Poppler sometimes glues
    /// the number to the word (`6Results`), which `tidy` has already split.
    static func isNumberedHeading(_ text: String) -> Bool {
        // Only a digit, or a capital letter and a dot, can start a match: spare the regex everything else.
        var bytes = text.utf8.makeIterator()
        guard let first = bytes.next() else { return false }
        let second = bytes.next()
        guard isDigit(first) || (first >= 0x41 && first <= 0x5A && second == 0x2E) else { return false }
        return text.prefixMatch(of: numberedHeading) != nil
    }

    // Built once: a regex literal is parsed again each time its expression is evaluated.
    nonisolated(unsafe) private static let numberedHeading =
        #/(\d{1,2}(\.\d{1,2}){0,3}\.?|[A-Z](\.\d{1,2}){1,3}\.?) \p{Lu}\p{L}/#
    nonisolated(unsafe) private static let letteredHeading = #/[A-Z]\.? \p{Lu}\p{L}*( \S+)+/#
    nonisolated(unsafe) private static let gluedNumber = #/(\d{1,2}(\.\d{1,2}){0,3})(\p{Lu}\p{Ll})/#

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// `C Qualitative Analysis`: an appendix letter, then a capitalized title of at least two words (one word
    /// after a lone `A` is too often an article and a name).
    static func isLetteredHeading(_ text: String) -> Bool {
        guard let first = text.utf8.first, first >= 0x41 && first <= 0x5A else { return false }
        return text.wholeMatch(of: letteredHeading) != nil
    }

    /// Collapses white space and separates a section number glued to its title (`6Results` → `6 Results`).
    static func tidy(_ text: String) -> String {
        var collapsed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        if let first = collapsed.utf8.first, isDigit(first), let match = collapsed.prefixMatch(of: gluedNumber) {
            let numberEnd = match.output.1.endIndex
            collapsed.insert(" ", at: numberEnd)
        }
        return collapsed
    }
}
