/// Reading order for a two-column page whose columns Poppler interleaves.
///
/// Poppler orders a page by its own text flows, and on some two-column pages it reads a paragraph of the right
/// column between two paragraphs of the left one: GPT-2's page 8 reads "…how much test data also shows up in the
/// training data." then the right column's "For CoQA, about 15% of documents…", then goes back to the left
/// column's "To study this we created Bloom filters containing 8-grams…". A sentence's context is then split
/// across chunks that belong together, and joined to one that does not.
///
/// The repair is deliberately narrow. The page is cut into bands at every line that crosses the middle (a title,
/// a full-width caption, a table row, a centred page number); within a band a line belongs to the left or the
/// right column. Column prose is a run of two or more consecutive lines of one column, at least half of them a
/// column's width (table cells and figure labels are narrower). Where Poppler reads right-column prose before the
/// band's last run of left-column prose, those right-column runs move, in Poppler's order, to just after that
/// last left run. Nothing else moves: table cells, figure labels and headings keep Poppler's places, and a page
/// Poppler reads column by column comes out unchanged.
enum ColumnOrder {
    /// A line's bounding box in page points (y grows downwards).
    struct Box: Equatable {
        var x1: Double, y1: Double, x2: Double, y2: Double
    }

    enum Side { case left, right, across }

    /// How far from the middle (share of the page width) a column's edge may come.
    static let gutterTolerance = 0.02
    /// The narrowest line (share of the page width) that counts as a line of column prose.
    static let proseWidth = 0.3

    static func side(of box: Box, pageWidth: Double) -> Side {
        let middle = pageWidth / 2, tolerance = pageWidth * gutterTolerance
        if box.x2 <= middle + tolerance && box.x1 < middle - tolerance { return .left }
        if box.x1 >= middle - tolerance && box.x2 > middle + tolerance { return .right }
        return .across
    }

    /// The new order of the page's lines (indices into `boxes`), or nil when Poppler's order stands.
    /// - Parameter boxes: one per line in Poppler's order; nil for a line with nothing visible, which stays with
    ///   the line before it.
    static func repaired(_ boxes: [Box?], pageWidth: Double) -> [Int]? {
        guard pageWidth > 0 else { return nil }
        // Units: a line with a box and the blank lines after it.
        var units: [(lines: [Int], box: Box?)] = []
        for (index, box) in boxes.enumerated() {
            if box == nil, !units.isEmpty { units[units.count - 1].lines.append(index) } else { units.append(([index], box)) }
        }
        let sides = units.map { unit in unit.box.map { side(of: $0, pageWidth: pageWidth) } ?? .across }
        let crossingTops = units.indices.filter { sides[$0] == .across }.compactMap { units[$0].box?.y1 }
        var bands: [Int: [Int]] = [:]  // band → column units, in Poppler's order
        for (u, unit) in units.enumerated() where sides[u] != .across {
            guard let box = unit.box else { continue }
            bands[crossingTops.filter { $0 <= box.y1 }.count, default: []].append(u)
        }
        var deferred: [Int: [Int]] = [:]  // unit → right-column prose units that go after it
        var moved = Set<Int>()
        for (_, members) in bands {
            let runs = proseRuns(members, sides: sides, boxes: units.map(\.box), pageWidth: pageWidth)
            guard let lastLeft = runs.last(where: { $0.side == .left }) else { continue }
            let early = runs.filter { $0.side == .right && $0.units[0] < lastLeft.units[0] }.flatMap(\.units)
            guard !early.isEmpty, let anchor = lastLeft.units.last else { continue }
            deferred[anchor, default: []] += early
            moved.formUnion(early)
        }
        guard !moved.isEmpty else { return nil }
        var order: [Int] = []
        for u in units.indices where !moved.contains(u) {
            order += units[u].lines
            for early in deferred[u] ?? [] { order += units[early].lines }
        }
        return order
    }

    /// The runs of column prose in a band's column units (Poppler's order): consecutive units of one side, two lines
    /// or more, at least half of them a column's width (table cells and figure labels are narrower).
    static func proseRuns(_ members: [Int], sides: [Side], boxes: [Box?],
                          pageWidth: Double) -> [(side: Side, units: [Int])] {
        var runs: [(side: Side, units: [Int])] = []
        for u in members where boxes[u] != nil {
            if let last = runs.last, last.side == sides[u] {
                runs[runs.count - 1].units.append(u)
            } else {
                runs.append((sides[u], [u]))
            }
        }
        return runs.filter { run in
            let wide = run.units.filter { u in boxes[u].map { $0.x2 - $0.x1 >= proseWidth * pageWidth } ?? false }
            return run.units.count >= 2 && 2 * wide.count >= run.units.count
        }
    }
}
