@testable import FolioPDF
import Testing

/// Line boxes of a US-letter page (612 points wide) laid out like the corpus papers: a left column from x 55 to
/// 290, a right column from 307 to 541, 12 points per line.
private enum Layout {
    static let width = 612.0

    static func left(_ line: Int, width: Double = 235) -> ColumnOrder.Box {
        ColumnOrder.Box(x1: 55, y1: 100 + 12 * Double(line), x2: 55 + width, y2: 109 + 12 * Double(line))
    }

    static func right(_ line: Int, width: Double = 234) -> ColumnOrder.Box {
        ColumnOrder.Box(x1: 307, y1: 100 + 12 * Double(line), x2: 307 + width, y2: 109 + 12 * Double(line))
    }

    /// Lines that each end a sentence, so that no sentence runs on into the other column.
    static func sentences(_ count: Int) -> [Substring] {
        (0..<count).map { "Line \($0) ends here." }
    }

    static func across(_ line: Int) -> ColumnOrder.Box {
        ColumnOrder.Box(x1: 170, y1: 100 + 12 * Double(line), x2: 440, y2: 109 + 12 * Double(line))
    }
}

private extension ColumnOrder.Box {
    func shifted(by dx: Double) -> ColumnOrder.Box { ColumnOrder.Box(x1: x1 + dx, y1: y1, x2: x2 + dx, y2: y2) }
}

@Suite("Column order")
struct ColumnOrderTests {
    @Test("a right-column paragraph read between two left-column paragraphs moves after the left column")
    func interleavedParagraphs() {
        // Poppler's order on GPT-2's page 8: the title, left paragraph 1, right paragraph 1, left paragraph 2,
        // right paragraph 2.
        let boxes: [ColumnOrder.Box?] = [Layout.across(-4),
                                         Layout.left(0), Layout.left(1), Layout.left(2, width: 60),
                                         Layout.right(0), Layout.right(1), Layout.right(2, width: 120),
                                         Layout.left(4), Layout.left(5), Layout.left(6),
                                         Layout.right(3), Layout.right(4)]
        #expect(ColumnOrder.repaired(boxes, texts: Layout.sentences(boxes.count), pageWidth: Layout.width) == [0, 1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11])
    }

    @Test("the right column read first comes after the left one; a blank line travels with the line before it")
    func rightColumnFirst() {
        let boxes: [ColumnOrder.Box?] = [Layout.right(0), Layout.right(1), nil, Layout.left(0), Layout.left(1)]
        #expect(ColumnOrder.repaired(boxes, texts: Layout.sentences(boxes.count), pageWidth: Layout.width) == [3, 4, 0, 1, 2])
    }

    @Test("Poppler's order stands for a page read column by column, a one-column page, and columns split by a full-width line")
    func keptOrders() {
        let columnByColumn: [ColumnOrder.Box?] = [Layout.left(0), Layout.left(1), Layout.left(2),
                                                  Layout.right(0), Layout.right(1), Layout.right(2)]
        #expect(ColumnOrder.repaired(columnByColumn, texts: Layout.sentences(columnByColumn.count), pageWidth: Layout.width) == nil)
        let oneColumn: [ColumnOrder.Box?] = (0..<6).map { ColumnOrder.Box(x1: 72, y1: 100 + 12 * Double($0), x2: 540, y2: 109 + 12 * Double($0)) }
        #expect(ColumnOrder.repaired(oneColumn, texts: Layout.sentences(oneColumn.count), pageWidth: Layout.width) == nil)
        // Two columns, a full-width figure caption, two more columns: each band is read left then right.
        let banded: [ColumnOrder.Box?] = [Layout.left(0), Layout.left(1), Layout.right(0), Layout.right(1),
                                          Layout.across(3),
                                          Layout.left(5), Layout.left(6), Layout.right(5), Layout.right(6)]
        #expect(ColumnOrder.repaired(banded, texts: Layout.sentences(banded.count), pageWidth: Layout.width) == nil)
    }

    @Test("table cells and figure labels are not column prose: they never trigger a move and never move")
    func narrowCellsStay() {
        // A table whose right-half cells Poppler reads before its left-half ones: no prose, no change.
        let table: [ColumnOrder.Box?] = [Layout.right(0, width: 30), Layout.right(1, width: 30), Layout.right(2, width: 30),
                                         Layout.left(0, width: 40), Layout.left(1, width: 40), Layout.left(2, width: 40)]
        #expect(ColumnOrder.repaired(table, texts: Layout.sentences(table.count), pageWidth: Layout.width) == nil)
        // Right-column prose read early moves; the figure labels read between them keep their places.
        let figure: [ColumnOrder.Box?] = [Layout.right(0), Layout.right(1),
                                          Layout.left(0, width: 20), Layout.left(1, width: 25),
                                          Layout.left(3), Layout.left(4)]
        #expect(ColumnOrder.repaired(figure, texts: Layout.sentences(figure.count), pageWidth: Layout.width) == [2, 3, 4, 5, 0, 1])
    }

    @Test("a sentence the left column leaves unfinished goes on with the right column's lower-case paragraph, before the tables floated above it")
    func sentenceAcrossFloats() {
        // DPR's page 12: the left column ends "DPR is able to return"; the right column holds two tables with
        // captions, then "the correct answer, presumably …".
        let boxes: [ColumnOrder.Box?] = [Layout.left(0), Layout.left(1), Layout.left(2),
                                         Layout.right(0, width: 30), Layout.right(0, width: 30).shifted(by: 60),
                                         Layout.right(1), Layout.right(2, width: 100),
                                         Layout.right(4), Layout.right(5), Layout.right(6, width: 100)]
        let texts: [Substring] = ["Although DPR performs better than BM25 in", "general, the first example shows that",
                                  "in comparison, DPR is able to return",
                                  "Top-1", "44.9",
                                  "Table 5: Retrieval accuracy on the development", "set of Natural Questions.",
                                  "the correct answer, presumably by matching", "body of water with semantic neighbors",
                                  "such as sea."]
        #expect(ColumnOrder.repaired(boxes, texts: texts, pageWidth: Layout.width) == [0, 1, 2, 7, 8, 9, 3, 4, 5, 6])
        // A left column that ends its sentence, or a right column whose first paragraph after the floats starts a
        // new sentence, keeps Poppler's order.
        var finished = texts
        finished[2] = "in comparison, DPR returns the right one."
        #expect(ColumnOrder.repaired(boxes, texts: finished, pageWidth: Layout.width) == nil)
        var capitalized = texts
        capitalized[7] = "The correct answer, presumably by matching"
        #expect(ColumnOrder.repaired(boxes, texts: capitalized, pageWidth: Layout.width) == nil)
    }

    @Test("sentence ends, lower-case starts and captions are told by their text")
    func lineTexts() {
        #expect(ColumnOrder.endsSentence("as Table 6 highlights.") && ColumnOrder.endsSentence("(see below).”"))
        #expect(!ColumnOrder.endsSentence("although both") && !ColumnOrder.endsSentence("the reg-"))
        #expect(ColumnOrder.startsLowercase("have similar training error.") && !ColumnOrder.startsLowercase("Table 7."))
        #expect(ColumnOrder.isCaption("Table 5: Retrieval accuracy") && ColumnOrder.isCaption("Fig. 7. Standard deviations"))
        #expect(!ColumnOrder.isCaption("The second example is one where BM25 does better."))
    }

    @Test("a line is in a column by which side of the middle it keeps to")
    func sides() {
        #expect(ColumnOrder.side(of: Layout.left(0), pageWidth: Layout.width) == .left)
        #expect(ColumnOrder.side(of: Layout.right(0), pageWidth: Layout.width) == .right)
        #expect(ColumnOrder.side(of: Layout.across(0), pageWidth: Layout.width) == .across)
        // A centred page number sits in the gutter: it belongs to neither column.
        let pageNumber = ColumnOrder.Box(x1: 303, y1: 740, x2: 309, y2: 749)
        #expect(ColumnOrder.side(of: pageNumber, pageWidth: Layout.width) == .across)
    }
}
