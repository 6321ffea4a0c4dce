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

    static func across(_ line: Int) -> ColumnOrder.Box {
        ColumnOrder.Box(x1: 170, y1: 100 + 12 * Double(line), x2: 440, y2: 109 + 12 * Double(line))
    }
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
        #expect(ColumnOrder.repaired(boxes, pageWidth: Layout.width) == [0, 1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11])
    }

    @Test("the right column read first comes after the left one; a blank line travels with the line before it")
    func rightColumnFirst() {
        let boxes: [ColumnOrder.Box?] = [Layout.right(0), Layout.right(1), nil, Layout.left(0), Layout.left(1)]
        #expect(ColumnOrder.repaired(boxes, pageWidth: Layout.width) == [3, 4, 0, 1, 2])
    }

    @Test("Poppler's order stands for a page read column by column, a one-column page, and columns split by a full-width line")
    func keptOrders() {
        let columnByColumn: [ColumnOrder.Box?] = [Layout.left(0), Layout.left(1), Layout.left(2),
                                                  Layout.right(0), Layout.right(1), Layout.right(2)]
        #expect(ColumnOrder.repaired(columnByColumn, pageWidth: Layout.width) == nil)
        let oneColumn: [ColumnOrder.Box?] = (0..<6).map { ColumnOrder.Box(x1: 72, y1: 100 + 12 * Double($0), x2: 540, y2: 109 + 12 * Double($0)) }
        #expect(ColumnOrder.repaired(oneColumn, pageWidth: Layout.width) == nil)
        // Two columns, a full-width figure caption, two more columns: each band is read left then right.
        let banded: [ColumnOrder.Box?] = [Layout.left(0), Layout.left(1), Layout.right(0), Layout.right(1),
                                          Layout.across(3),
                                          Layout.left(5), Layout.left(6), Layout.right(5), Layout.right(6)]
        #expect(ColumnOrder.repaired(banded, pageWidth: Layout.width) == nil)
    }

    @Test("table cells and figure labels are not column prose: they never trigger a move and never move")
    func narrowCellsStay() {
        // A table whose right-half cells Poppler reads before its left-half ones: no prose, no change.
        let table: [ColumnOrder.Box?] = [Layout.right(0, width: 30), Layout.right(1, width: 30), Layout.right(2, width: 30),
                                         Layout.left(0, width: 40), Layout.left(1, width: 40), Layout.left(2, width: 40)]
        #expect(ColumnOrder.repaired(table, pageWidth: Layout.width) == nil)
        // Right-column prose read early moves; the figure labels read between them keep their places.
        let figure: [ColumnOrder.Box?] = [Layout.right(0), Layout.right(1),
                                          Layout.left(0, width: 20), Layout.left(1, width: 25),
                                          Layout.left(3), Layout.left(4)]
        #expect(ColumnOrder.repaired(figure, pageWidth: Layout.width) == [2, 3, 4, 5, 0, 1])
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
