import FolioEngine
import FolioPDF
import FolioTestSupport
import Foundation
import Testing

@Suite("Passage locator: chunk text back to line boxes on generated PDFs")
struct PassageLocatorTests {
    let directory: URL

    init() throws {
        directory = try TestPaths.temporaryDirectory("folio-locate")
    }

    typealias Line = TestPDF.PlacedLine

    /// Lines 11 pt apart by 16.5 pt from `top`, at `x`.
    static func column(_ texts: [String], x: Double, top: Double = 100, fontSize: Double = 11) -> [Line] {
        texts.enumerated().map { Line($1, x: x, baseline: top + Double($0) * fontSize * 1.5, fontSize: fontSize) }
    }

    /// Writes the pages and returns a locator over all of them with the drawn boxes.
    func locator(_ pages: [[Line]], name: String) throws -> (PassageLocator, [[TestPDF.DrawnBox]]) {
        let url = directory.appendingPathComponent(name)
        let drawn = try TestPDF.writePlaced(pages: pages, to: url)
        let document = try PDFDocument(url: url)
        let layouts = try (1 ... document.pageCount).map { try document.layout(ofPage: $0) }
        return (PassageLocator(pages: layouts), drawn)
    }

    /// Whether `box` is where `drawn` was drawn on `page`, within `tolerance` points on every side.
    static func lies(_ box: PassageBox, on page: Int, at drawn: TestPDF.DrawnBox, tolerance: Double = 2) -> Bool {
        box.page == page && abs(box.x0 - drawn.x0) <= tolerance && abs(box.x1 - drawn.x1) <= tolerance
            && abs(box.y0 - drawn.y0) <= tolerance && abs(box.y1 - drawn.y1) <= tolerance
    }

    static let prose = [
        "Transformers replace recurrence with attention over all positions,",
        "which lets every token look at every other token in one step.",
        "The encoder maps an input sequence of symbols to continuous values,",
        "and the decoder then generates an output sequence one at a time.",
        "Each layer has a multi-head self-attention mechanism and a simple,",
        "position-wise fully connected feed-forward network after it.",
        "Residual connections surround each of the two sub-layers here.",
    ]

    @Test("one column: one box per line, where the lines were drawn")
    func oneColumn() throws {
        let (locator, drawn) = try locator([Self.column(Self.prose, x: 72)], name: "one-column.pdf")
        let location = locator.locate(Self.prose[2...4].joined(separator: " "))
        #expect(location.placed && location.coverage == 1)
        try #require(location.boxes.count == 3)
        for (box, line) in zip(location.boxes, drawn[0][2...4]) {
            #expect(Self.lies(box, on: 1, at: line), "\(box) vs \(line)")
        }
    }

    @Test("a passage starting and ending mid-line covers only its words")
    func midLine() throws {
        let (locator, drawn) = try locator([Self.column(Self.prose, x: 72)], name: "mid-line.pdf")
        let location = locator.locate("every token look at every other token in one step. The encoder maps an input")
        #expect(location.placed)
        try #require(location.boxes.count == 2)
        let (first, second) = (location.boxes[0], location.boxes[1])
        #expect(first.x0 > drawn[0][1].x0 + 40 && abs(first.x1 - drawn[0][1].x1) < 2)
        #expect(abs(second.x0 - drawn[0][2].x0) < 2 && second.x1 < drawn[0][2].x1 - 40)
        #expect(abs(first.y0 - drawn[0][1].y0) < 2 && abs(second.y0 - drawn[0][2].y0) < 2)
    }

    @Test("two columns: a passage from the left column's end into the right column's top has boxes in both")
    func twoColumns() throws {
        let left = ["Left column prose starts the page and talks", "about recurrent networks and their long",
                    "training times on large corpora of text,", "which motivates a model without recurrence"]
        let right = ["that relies entirely on attention instead", "and trains in a fraction of the time on",
                     "eight graphics processors for three days.", "The right column ends the page here."]
        let (locator, drawn) = try locator([Self.column(left, x: 50, fontSize: 10) + Self.column(right, x: 310, fontSize: 10)],
                                           name: "two-columns.pdf")
        let passage = (left[2...3] + right[0...1]).joined(separator: " ")
        let location = locator.locate(passage)
        #expect(location.placed)
        try #require(location.boxes.count == 4)
        let expected = [drawn[0][2], drawn[0][3], drawn[0][4], drawn[0][5]]
        for (box, line) in zip(location.boxes, expected) {
            #expect(Self.lies(box, on: 1, at: line), "\(box) vs \(line)")
        }
        #expect(location.boxes[1].x1 < 297.5 && location.boxes[2].x0 > 297.5, "no box crosses the gutter")
    }

    @Test("over a page break: boxes on both pages, the running header and page number between them skipped")
    func pageBreak() throws {
        let first = Self.column(Self.prose[0...3].map { $0 }, x: 72, top: 700) + [Line("12", x: 290, baseline: 800, fontSize: 9)]
        let second = [Line("Attention Is All You Need — Preprint", x: 72, baseline: 50, fontSize: 9)]
            + Self.column(Self.prose[4...6].map { $0 }, x: 72, top: 100)
        let (locator, drawn) = try locator([first, second], name: "page-break.pdf")
        let location = locator.locate(Self.prose[2...5].joined(separator: " "))
        #expect(location.placed)
        try #require(location.boxes.count == 4, "\(location.boxes)")
        #expect(Self.lies(location.boxes[0], on: 1, at: drawn[0][2]) && Self.lies(location.boxes[1], on: 1, at: drawn[0][3]))
        #expect(Self.lies(location.boxes[2], on: 2, at: drawn[1][1]), "\(location.boxes) \(drawn)")
        #expect(Self.lies(location.boxes[2], on: 2, at: drawn[1][1]) && Self.lies(location.boxes[3], on: 2, at: drawn[1][2]))
    }

    @Test("a word hyphenated at a line end and joined in the chunk is found on both lines")
    func hyphenation() throws {
        let lines = ["The network learns a distributed repre-", "sentation of each input word and uses", "it downstream."]
        let (locator, drawn) = try locator([Self.column(lines, x: 72)], name: "hyphen.pdf")
        let location = locator.locate("The network learns a distributed representation of each input word and uses it downstream.")
        #expect(location.placed && location.coverage == 1)
        try #require(location.boxes.count == 3)
        for (box, line) in zip(location.boxes, drawn[0]) { #expect(Self.lies(box, on: 1, at: line), "\(box) vs \(line)") }
    }

    @Test("ligatures on the page, folded letters in the chunk (NFKC)")
    func ligatures() throws {
        let (locator, drawn) = try locator([Self.column(["An eﬃcient and ﬁnite ﬂow of words."], x: 72)], name: "ligature.pdf")
        let location = locator.locate("An efficient and finite flow of words.")
        #expect(location.placed)
        try #require(location.boxes.count == 1)
        #expect(Self.lies(location.boxes[0], on: 1, at: drawn[0][0]))
    }

    @Test("one page word the chunk has as two (a glued compound) still matches both")
    func glued() throws {
        let (locator, drawn) = try locator([Self.column(["Every token of the dataset was seen twice", "during the whole pretraining run."], x: 72)],
                                           name: "glued.pdf")
        let location = locator.locate("Every token of the data set was seen twice during the whole pre training run.")
        #expect(location.placed && location.coverage == 1)
        try #require(location.boxes.count == 2)
        for (box, line) in zip(location.boxes, drawn[0]) { #expect(Self.lies(box, on: 1, at: line), "\(box) vs \(line)") }
    }

    @Test("a passage that is not on the pages is not placed: no boxes", arguments: [
        "Quantum chromodynamics describes the strong interaction between quarks and gluons in hadrons.",
        // Half the words are the page's, in order, but not the rest: still no box.
        "Transformers replace recurrence with attention over all positions, quarks and gluons bind hadrons inside nuclei strongly today.",
        // Common words of the page, scattered.
        "the with of an and the a to",
    ])
    func notOnPage(passage: String) throws {
        let (locator, _) = try locator([Self.column(Self.prose, x: 72)], name: "absent.pdf")
        let location = locator.locate(passage)
        #expect(!location.placed)
        #expect(location.boxes.isEmpty)
        #expect(location.coverage < PassageLocator.minimumCoverage)
    }

    @Test("cited sentences are placed within their chunk, not where the same words occur elsewhere")
    func sentences() throws {
        let lines = ["Results are reported below.", "The model is fast. It was trained for three days.",
                     "Results are reported below.", "A final remark ends the page."]
        let (locator, drawn) = try locator([Self.column(lines, x: 72)], name: "sentences.pdf")
        let chunk = lines[1...3].joined(separator: " ")
        let location = locator.locate(sentences: ["Results are reported below."], of: chunk)
        #expect(location.placed)
        try #require(location.boxes.count == 1)
        #expect(Self.lies(location.boxes[0], on: 1, at: drawn[0][2]), "the second occurrence, inside the chunk")
        let partial = locator.locate(sentences: ["It was trained for three days."], of: chunk)
        try #require(partial.boxes.count == 1)
        #expect(partial.boxes[0].x0 > drawn[0][1].x0 + 40 && abs(partial.boxes[0].x1 - drawn[0][1].x1) < 2)
        let foreign = locator.locate(sentences: ["It was trained for three days.", "A sentence from elsewhere."], of: chunk)
        #expect(!foreign.placed && foreign.boxes.isEmpty)
    }

    @Test("a cited sentence with one word changed is still placed within its chunk; a paraphrase is not")
    func quotedSentence() throws {
        let (locator, drawn) = try locator([Self.column(Self.prose, x: 72)], name: "quoted.pdf")
        let chunk = Self.prose[2...6].joined(separator: " ")
        let changed = "Each layer has a multi-head self-attention mechanism and a basic, position-wise fully connected "
            + "feed-forward network after it."
        let location = locator.locate(sentences: [changed], of: chunk)
        #expect(location.placed && location.coverage > 0.9 && location.coverage < 1)
        try #require(location.boxes.count == 2)
        // The changed word ("simple," on the page) ends the first line: that line's box stops before it.
        let first = location.boxes[0], line = drawn[0][4]
        #expect(abs(first.x0 - line.x0) < 2 && abs(first.y0 - line.y0) < 2 && first.x1 < line.x1 - 20 && first.x1 > line.x1 - 60)
        #expect(Self.lies(location.boxes[1], on: 1, at: drawn[0][5]))
        let paraphrase = locator.locate(sentences: ["Every layer combines attention with a small feed-forward network."], of: chunk)
        #expect(!paraphrase.placed && paraphrase.boxes.isEmpty)
    }
}
