/// Removes what repeats on every page and is not content: running headers and footers, page numbers, and the
/// arXiv side stamp (`arXiv:1706.03762v7 [cs.CL] 2 Aug 2023`).
///
/// A running header or footer is a line near the top or bottom of a page whose text, with digits masked, recurs
/// at the top or bottom of at least `minimumRepeats` pages and a quarter of them. A page number is a bare number
/// near the top or bottom whose difference from the physical page number is shared by several pages, so a
/// section number such as the `1` above "Introduction" stays.
///
/// A table of contents or list of figures is navigation, not content, and a page of it matches every question a
/// little (`4.3 Activation functions . . . . . . 70`): a page where five lines or more, and a fifth of its lines, end
/// in a dot leader keeps none of its lines.
public struct PageCleaner: Sendable {
    /// How many non-empty lines at the top and at the bottom of a page are examined.
    public var edgeLines: Int
    public var minimumRepeats: Int

    public init(edgeLines: Int = 3, minimumRepeats: Int = 3) {
        self.edgeLines = edgeLines
        self.minimumRepeats = minimumRepeats
    }

    /// What was removed, for tests and `--verbose` output.
    public struct Removed: Sendable, Equatable {
        public var runningLines = 0
        public var pageNumbers = 0
        public var stamps = 0
        public var contentsPages = 0
    }

    /// The pages without their running headers, footers, page numbers and arXiv stamps.
    public func clean(_ pages: [SourcePage]) -> [SourcePage] { cleanReporting(pages).pages }

    /// `clean(_:)` with counts of what was removed.
    public func cleanReporting(_ pages: [SourcePage]) -> (pages: [SourcePage], removed: Removed) {
        var removed = Removed()
        let edges = pages.map(edgeIndices(of:))

        // Running lines: masked text counted once per page.
        var counts: [String: Int] = [:]
        for (page, indices) in zip(pages, edges) {
            var seen = Set<String>()
            for index in indices {
                let key = Self.mask(page.lines[index].text)
                if key.count >= 4, seen.insert(key).inserted { counts[key, default: 0] += 1 }
            }
        }
        let threshold = max(minimumRepeats, (pages.count + 3) / 4)
        let running = Set(counts.filter { $0.value >= threshold }.keys)

        // Page numbers: bare numbers at the edges whose offset from the physical page number recurs.
        var offsets: [Int: Int] = [:]
        var numberAt: [[Int: Int]] = []  // per page: line index -> number
        for (page, indices) in zip(pages, edges) {
            var found: [Int: Int] = [:]
            var seenOffsets = Set<Int>()
            for index in indices {
                if let value = Self.pageNumber(page.lines[index].text) {
                    found[index] = value
                    if seenOffsets.insert(value - page.number).inserted { offsets[value - page.number, default: 0] += 1 }
                }
            }
            numberAt.append(found)
        }
        let pageNumberOffsets = Set(offsets.filter { $0.value >= max(2, min(minimumRepeats, pages.count / 3)) }.keys)

        var output: [SourcePage] = []
        for (pageIndex, page) in pages.enumerated() {
            if Self.isContentsPage(page) {
                removed.contentsPages += 1
                output.append(SourcePage(number: page.number, lines: []))
                continue
            }
            var lines: [SourceLine] = []
            let edgeSet = Set(edges[pageIndex])
            for (index, line) in page.lines.enumerated() {
                if Self.isArXivStamp(line.text) {
                    removed.stamps += 1
                    continue
                }
                if edgeSet.contains(index) {
                    if let value = numberAt[pageIndex][index], pageNumberOffsets.contains(value - page.number) {
                        removed.pageNumbers += 1
                        continue
                    }
                    if running.contains(Self.mask(line.text)) {
                        removed.runningLines += 1
                        continue
                    }
                }
                lines.append(line)
            }
            output.append(SourcePage(number: page.number, lines: lines))
        }
        return (output, removed)
    }

    func edgeIndices(of page: SourcePage) -> [Int] {
        let nonEmpty = page.lines.indices.filter { !page.lines[$0].text.allSatisfy(\.isWhitespace) }
        if nonEmpty.count <= 2 * edgeLines { return nonEmpty }
        return Array(nonEmpty.prefix(edgeLines)) + Array(nonEmpty.suffix(edgeLines))
    }

    /// Whether a page is a table of contents or a list of figures: five or more of its lines, and at least a fifth
    /// of its non-empty ones, hold a dot leader.
    static func isContentsPage(_ page: SourcePage) -> Bool {
        var leaders = 0, nonEmpty = 0
        for line in page.lines where !line.text.allSatisfy(\.isWhitespace) {
            nonEmpty += 1
            if hasDotLeader(line.text) { leaders += 1 }
        }
        return leaders >= 5 && leaders * 5 >= nonEmpty
    }

    /// Whether a line holds a dot leader: four or more dots in a row, spaced or not (`. . . .`, `.....`).
    static func hasDotLeader(_ line: String) -> Bool {
        var dots = 0
        for byte in line.utf8 {
            if byte == UInt8(ascii: ".") {
                dots += 1
                if dots >= 4 { return true }
            } else if byte != UInt8(ascii: " ") {
                dots = 0
            }
        }
        return false
    }

    /// Lowercased, digits masked as `#`, white space collapsed.
    static func mask(_ line: String) -> String {
        var out = ""
        var lastSpace = true
        for ch in line.lowercased() {
            if ch.isWhitespace {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(ch.isNumber ? "#" : ch)
                lastSpace = false
            }
        }
        if out.last == " " { out.removeLast() }
        return out
    }

    /// The number of a line that is only a page number (`12`, `- 12 -`, `Page 12`, `12 of 30`).
    static func pageNumber(_ line: String) -> Int? {
        guard line.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return nil }  // Int() needs a digit
        var words = line.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "-" || $0 == "–" || $0 == "—" })
        if words.first == "page" { words.removeFirst() }
        if words.count == 3, words[1] == "of", Int(words[2]) != nil { words.removeLast(2) }
        guard words.count == 1, words[0].count <= 4, let value = Int(words[0]) else { return nil }
        return value
    }

    /// A line that is only an arXiv identifier stamp: `arXiv:1706.03762v7 [cs.CL] 2 Aug 2023`.
    static func isArXivStamp(_ line: String) -> Bool {
        // Most lines have no "arXiv:" at all: a byte search spares them the trimming and the regex.
        guard line.utf8.count >= 20, Self.containsArXivMarker(line.utf8) else { return false }
        let trimmed = TextNormalizer.trimmingBlanks(line)
        guard trimmed.hasPrefix("arXiv:"), trimmed.count < 60 else { return false }
        return trimmed.wholeMatch(of: arXivStamp) != nil
    }

    /// Built once: a regex literal is parsed again each time its expression is evaluated.
    nonisolated(unsafe) private static let arXivStamp =
        #/arXiv:\d{4}\.\d{4,5}(v\d+)?\s*\[[^\]]{2,20}\]\s*\d{1,2}\s*[A-Za-z]{3,9}\.?\s*\d{4}/#

    private static func containsArXivMarker(_ bytes: String.UTF8View) -> Bool {
        let marker = Array("arXiv:".utf8)
        var matched = 0
        for byte in bytes {
            if byte == marker[matched] {
                matched += 1
                if matched == marker.count { return true }
            } else {
                matched = byte == marker[0] ? 1 : 0
            }
        }
        return false
    }
}

import Foundation
