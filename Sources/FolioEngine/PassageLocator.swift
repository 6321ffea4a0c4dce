import FolioPDF
import FolioText
import Foundation

/// One text line's part of a located passage: a rectangle on a page in PDF points, origin at the page's top-left
/// corner (y grows downwards), in the page as displayed (its crop box, turned by its `/Rotate`).
public struct PassageBox: Sendable, Equatable, Hashable, Codable {
    /// 1-based physical page number.
    public var page: Int
    public var x0: Double, y0: Double, x1: Double, y1: Double

    public init(page: Int, x0: Double, y0: Double, x1: Double, y1: Double) {
        self.page = page
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }
}

/// Where a passage lies on its pages, or that it could not be placed.
///
/// `placed == false` always comes with no boxes: Folio says it cannot place a passage rather than draw a wrong box.
public struct PassageLocation: Sendable, Equatable, Codable {
    /// One box per text line the passage covers, in reading order.
    public var boxes: [PassageBox]
    /// Whether the passage was found with confidence (``PassageLocator/minimumCoverage``).
    public var placed: Bool
    /// Share of the passage's words found on the pages in runs of at least ``PassageLocator/minimumRun`` words.
    public var coverage: Double

    public init(boxes: [PassageBox], placed: Bool, coverage: Double) {
        self.boxes = boxes
        self.placed = placed
        self.coverage = coverage
    }

    public static let unplaced = PassageLocation(boxes: [], placed: false, coverage: 0)
}

/// Finds a passage of stored (normalized) chunk text on the pages it came from, as line boxes.
///
/// The chunk text is not the page text: ingestion folded compatibility forms, joined words hyphenated at line
/// ends, collapsed white space and removed running headers, page numbers and headings. Both sides are therefore
/// compared as sequences of normalized words (NFKC-folded, lower-cased, split at anything that is not a letter
/// or digit, so `self-attention` is two words on both sides), and the passage's words are aligned to the pages'
/// words with a semi-global alignment (all of the passage, any stretch of the pages; Needleman–Wunsch with free
/// ends, as in Sellers 1980, "The theory and computation of evolutionary distances"): a match scores, a passage
/// word not on the page costs, a page word skipped (a running header between two pages, a heading, a footnote
/// marker) costs little. A word ingestion joined across a line break (`repre-` / `sentation`) matches the two
/// page words it came from, and a page word Poppler glued from two matches both. An exact run is tried first.
///
/// A passage is placed when at least ``minimumCoverage`` of its words match in runs of ``minimumRun`` or more
/// consecutive words (scattered matches of common words are no evidence). Matched words are mapped back to their
/// characters' rectangles, grouped by text line, and united per line.
public struct PassageLocator: Sendable {
    /// Share of a passage's words that must be matched for its boxes to be given.
    public static let minimumCoverage = 0.8
    /// Consecutive matched words that count as evidence (a shorter passage must match whole).
    public static let minimumRun = 3
    /// The alignment's work bound (passage words × page words): 25 MB of tables, ten times a chunk over three
    /// dense pages.
    static let maximumCells = 5_000_000

    /// A word of the pages: its normalized text and where its characters are.
    struct PageWord: Sendable {
        var text: String
        var page: Int
        /// Index of the text line (between `\n`s) of its page's layout.
        var line: Int
        var box: PageRect
    }

    let words: [PageWord]

    /// - Parameter pages: the layouts of the pages the passage may lie on, in page order.
    public init(pages: [PageLayout]) {
        var words: [PageWord] = []
        for layout in pages {
            var line = 0
            let boxes = layout.characterBoxes
            for token in WordTokenizer.words(in: layout.text) {
                line += token.newlinesBefore
                let box = token.scalars.compactMap { boxes[$0] }.reduce(nil as PageRect?) { $0?.union($1) ?? $1 }
                guard let box else { continue }  // a word without a layout cannot be drawn
                words.append(PageWord(text: token.text, page: layout.number, line: line, box: box))
            }
        }
        self.words = words
    }

    init(words: [PageWord]) {
        self.words = words
    }

    /// One locator over the pages of several, in the order given: pages tokenized once can be cached and joined.
    public init(combining locators: [PassageLocator]) {
        words = locators.flatMap(\.words)
    }

    /// Where `passage` lies on the pages.
    /// - Complexity: O(passage words × page words) when the passage is not one exact run of the pages' words.
    public func locate(_ passage: String) -> PassageLocation {
        let alignment = align(WordTokenizer.words(in: passage).map(\.text))
        return location(of: alignment, passageRange: 0 ..< alignment.matches.count)
    }

    /// Where some sentences of `passage` lie, found through the passage's own alignment so that a sentence is
    /// placed where its passage is (a short sentence may occur elsewhere on the page too). A sentence that is not
    /// word for word in the passage (a quotation with a word changed) is aligned on its own, within the stretch of
    /// the pages the passage covers, and only when the passage itself is placed. Placed only when every sentence
    /// is, each by the same ``minimumCoverage`` rule; then boxes of all of them, in reading order.
    public func locate(sentences: [String], of passage: String) -> PassageLocation {
        let passageWords = WordTokenizer.words(in: passage).map(\.text)
        let alignment = align(passageWords)
        let passagePlaced = location(of: alignment, passageRange: 0 ..< passageWords.count).placed
        let covered = alignment.matches.indices.filter { alignment.anchored[$0] }.flatMap { alignment.matches[$0] ?? [] }
        var indices = Set<Int>()
        var anchoredWords = 0, totalWords = 0, searchFrom = 0
        for sentence in sentences {
            let sentenceWords = WordTokenizer.words(in: sentence).map(\.text)
            guard !sentenceWords.isEmpty else { continue }
            totalWords += sentenceWords.count
            let matched: [[Int]]
            if let found = Self.firstRun(of: sentenceWords, in: passageWords, from: searchFrom)
                ?? Self.firstRun(of: sentenceWords, in: passageWords, from: 0) {
                searchFrom = found.upperBound
                matched = found.filter { alignment.anchored[$0] }.map { alignment.matches[$0] ?? [] }
            } else {
                guard passagePlaced, let low = covered.min(), let high = covered.max() else { return .unplaced }
                let own = PassageLocator(words: Array(words[low ... high])).align(sentenceWords)
                matched = sentenceWords.indices.filter { own.anchored[$0] }.map { (own.matches[$0] ?? []).map { $0 + low } }
            }
            let coverage = Double(matched.count) / Double(sentenceWords.count)
            guard coverage >= Self.minimumCoverage else { return PassageLocation(boxes: [], placed: false, coverage: coverage) }
            anchoredWords += matched.count
            indices.formUnion(matched.joined())
        }
        guard totalWords > 0 else { return .unplaced }
        return PassageLocation(boxes: lineBoxes(indices), placed: true, coverage: Double(anchoredWords) / Double(totalWords))
    }

    // MARK: - Alignment

    /// For each passage word, the page words it matched (two for a word joined across a line break), or nil.
    struct Alignment {
        var matches: [[Int]?]
        /// Whether each passage word's match belongs to a run of at least `minimumRun` consecutive matches.
        var anchored: [Bool]
    }

    func location(of alignment: Alignment, passageRange: Range<Int>) -> PassageLocation {
        guard !passageRange.isEmpty else { return .unplaced }
        let anchored = passageRange.filter { alignment.anchored[$0] }
        let coverage = Double(anchored.count) / Double(passageRange.count)
        guard coverage >= Self.minimumCoverage else { return PassageLocation(boxes: [], placed: false, coverage: coverage) }
        let indices = Set(anchored.flatMap { alignment.matches[$0] ?? [] })
        return PassageLocation(boxes: lineBoxes(indices), placed: true, coverage: coverage)
    }

    /// The first place `needle` occurs as consecutive words of `haystack` at or after `from`.
    static func firstRun(of needle: [String], in haystack: [String], from: Int) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        for start in from ... (haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start ..< start + needle.count].elementsEqual(needle) {
            return start ..< start + needle.count
        }
        return nil
    }

    /// Scores of the alignment: a matched passage word, a passage word not on the pages, a page word skipped.
    static let matchScore: Float = 2, passageGap: Float = -1, pageGap: Float = -0.25

    /// Moves of the traceback.
    private enum Move: UInt8 { case none, match, joinedPage, gluedPage, skipPassage, skipPage }

    func align(_ passage: [String]) -> Alignment {
        let m = passage.count, n = words.count
        var alignment = Alignment(matches: [[Int]?](repeating: nil, count: m), anchored: [Bool](repeating: false, count: m))
        guard m > 0, n > 0 else { return alignment }
        let pageTexts = words.map(\.text)
        if let run = Self.firstRun(of: passage, in: pageTexts, from: 0) {
            for i in 0 ..< m { alignment.matches[i] = [run.lowerBound + i] }
            alignment.anchored = [Bool](repeating: true, count: m)
            return alignment
        }
        guard m * n <= Self.maximumCells else { return alignment }

        // Words as integers: the passage's words, then the pairs of consecutive passage words that are one page
        // word (glued by Poppler); a page word outside this vocabulary never matches.
        var vocabulary: [String: Int32] = [:]
        for word in passage where vocabulary[word] == nil { vocabulary[word] = Int32(vocabulary.count) }
        let p = passage.map { vocabulary[$0] ?? -1 }
        let pageVocabulary = Set(pageTexts)
        let glued: [Int32] = (0 ..< m).map { i in
            guard i + 1 < m else { return -1 }
            let pair = passage[i] + passage[i + 1]
            guard pageVocabulary.contains(pair) else { return -1 }
            if let known = vocabulary[pair] { return known }
            vocabulary[pair] = Int32(vocabulary.count)
            return Int32(vocabulary.count - 1)
        }
        let s = pageTexts.map { vocabulary[$0] ?? -1 }
        // A passage word that is two consecutive page words (joined across a line break).
        let joined: [Int32] = (0 ..< n).map { j in j + 1 < n ? vocabulary[pageTexts[j] + pageTexts[j + 1]] ?? -1 : -1 }

        // score[i][j]: the best alignment of passage[0..<i] ending at page position j; free start on the pages.
        let width = n + 1
        var score = [Float](repeating: 0, count: (m + 1) * width)  // [m + 1, n + 1]
        var move = [Move](repeating: .none, count: (m + 1) * width)  // [m + 1, n + 1]
        score.withUnsafeMutableBufferPointer { score in
            move.withUnsafeMutableBufferPointer { move in
                for i in 1 ... m {
                    let row = i * width, above = row - width
                    let word = p[i - 1], gluedPair = i >= 2 ? glued[i - 2] : -1
                    score[row] = score[above] + Self.passageGap
                    move[row] = .skipPassage
                    for j in 1 ... n {
                        var best = score[above + j] + Self.passageGap, how = Move.skipPassage
                        let skip = score[row + j - 1] + Self.pageGap
                        if skip > best { best = skip; how = .skipPage }
                        if s[j - 1] == word {
                            let value = score[above + j - 1] + Self.matchScore
                            if value > best { best = value; how = .match }
                        }
                        if j >= 2, joined[j - 2] == word {
                            let value = score[above + j - 2] + Self.matchScore
                            if value > best { best = value; how = .joinedPage }
                        }
                        if gluedPair >= 0, s[j - 1] == gluedPair {
                            let value = score[above - width + j - 1] + 2 * Self.matchScore
                            if value > best { best = value; how = .gluedPage }
                        }
                        score[row + j] = best
                        move[row + j] = how
                    }
                }
            }
        }
        // Free end on the pages.
        var j = (0 ... n).max { score[m * width + $0] < score[m * width + $1] } ?? n
        var i = m
        // Runs of consecutive matches: (passage start, passage end) built on the way back.
        var runEnd: Int? = nil
        var lastPage: Int? = nil
        func closeRun(at start: Int) {
            if let end = runEnd, end - start >= min(Self.minimumRun, m) {
                for k in start ..< end { alignment.anchored[k] = true }
            }
            runEnd = nil
        }
        while i > 0 {
            switch move[i * width + j] {
            case .match, .joinedPage, .gluedPage:
                let how = move[i * width + j]
                let pageWords = how == .joinedPage ? [j - 2, j - 1] : [j - 1]
                // A run continues when this match ends right before the page word the later match started at.
                if runEnd == nil || lastPage != (pageWords.last! + 1) { closeRun(at: i); runEnd = i }
                lastPage = pageWords[0]
                if how == .gluedPage {
                    alignment.matches[i - 1] = pageWords; alignment.matches[i - 2] = pageWords
                    i -= 2; j -= 1
                } else {
                    alignment.matches[i - 1] = pageWords
                    i -= 1; j -= pageWords.count
                }
            case .skipPassage:
                closeRun(at: i); i -= 1
            case .skipPage:
                j -= 1
            case .none:
                closeRun(at: i); i = 0
            }
        }
        closeRun(at: i)
        return alignment
    }

    // MARK: - Boxes

    /// The boxes of these page words united per text line, and lines side by side on one baseline merged.
    func lineBoxes(_ indices: Set<Int>) -> [PassageBox] {
        var lines: [(page: Int, line: Int, box: PageRect)] = []
        for index in indices.sorted() {
            let word = words[index]
            if let last = lines.last, last.page == word.page, last.line == word.line {
                lines[lines.count - 1].box = last.box.union(word.box)
            } else {
                lines.append((word.page, word.line, word.box))
            }
        }
        var merged: [(page: Int, box: PageRect)] = []
        for line in lines {
            if let last = merged.last, last.page == line.page, Self.sameLine(last.box, line.box) {
                merged[merged.count - 1].box = last.box.union(line.box)
            } else {
                merged.append((line.page, line.box))
            }
        }
        return merged.map { PassageBox(page: $0.page, x0: $0.box.x0, y0: $0.box.y0, x1: $0.box.x1, y1: $0.box.y1) }
    }

    /// Two boxes on one baseline (their heights overlap by most of the smaller) with no more than a line's height
    /// between them: one line Poppler read as two.
    static func sameLine(_ a: PageRect, _ b: PageRect) -> Bool {
        let overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
        let height = min(a.height, b.height)
        guard height > 0, overlap >= 0.6 * height else { return false }
        let gap = max(a.x0, b.x0) - min(a.x1, b.x1)
        return gap <= max(a.height, b.height)
    }
}

/// Normalized words: NFKC-folded scalar by scalar (as ``TextNormalizer`` folds chunk text), lower-cased, cut at
/// every scalar that is not a letter, digit or combining mark.
enum WordTokenizer {
    struct Word {
        var text: String
        /// Indices of the original text's Unicode scalars the word covers on the page: its own, and the
        /// punctuation attached to it (what follows it up to white space, what precedes it after white space),
        /// so that a highlighted line ends at its comma or full stop.
        var scalars: [Int]
        /// Line breaks between the previous word and this one.
        var newlinesBefore: Int
    }

    static func words(in text: String) -> [Word] {
        var words: [Word] = []
        var current = String.UnicodeScalarView(), indices: [Int] = [], newlines = 0
        var leading: [Int] = []  // punctuation after white space, waiting for its word
        var afterWord = false    // no white space since the last word ended
        var folded: [UInt32: String] = [:]
        func flush() {
            guard !current.isEmpty else { return }
            words.append(Word(text: String(current), scalars: indices, newlinesBefore: newlines))
            current = String.UnicodeScalarView(); indices = []; newlines = 0
            afterWord = true
        }
        func letter(_ scalar: Unicode.Scalar, at index: Int) {
            if current.isEmpty, !leading.isEmpty { indices = leading; leading = [] }
            current.append(scalar)
            if indices.last != index { indices.append(index) }
        }
        func punctuation(at index: Int) {
            flush()
            if afterWord, !words.isEmpty { words[words.count - 1].scalars.append(index) } else { leading.append(index) }
        }
        func blank(newline: Bool) {
            flush()
            afterWord = false
            leading = []
            if newline { newlines += 1 }
        }
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if scalar.value < 0x80 {
                switch scalar.value {
                case 0x30 ... 0x39, 0x61 ... 0x7A: letter(scalar, at: index)
                case 0x41 ... 0x5A: letter(Unicode.Scalar(UInt8(scalar.value + 0x20)), at: index)
                case 0x0A: blank(newline: true)
                case 0 ... 0x20, 0x7F: blank(newline: false)
                default: punctuation(at: index)
                }
                continue
            }
            if scalar.properties.isWhitespace {
                // Unicode's other line breaks count as lines too.
                blank(newline: scalar == "\u{2028}" || scalar == "\u{2029}" || scalar == "\u{85}")
                continue
            }
            let form: String
            if let known = folded[scalar.value] {
                form = known
            } else {
                form = TextNormalizer.foldCompatibilityForms(String(scalar)).lowercased()
                folded[scalar.value] = form
            }
            for part in form.unicodeScalars {
                let properties = part.properties
                if properties.isAlphabetic || properties.numericType != nil || properties.generalCategory == .nonspacingMark {
                    letter(part, at: index)
                } else {
                    punctuation(at: index)
                }
            }
        }
        flush()
        return words
    }
}
