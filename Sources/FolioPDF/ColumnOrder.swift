import Foundation

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
/// last left run. And where the left column then ends mid-sentence while the right column's first paragraph after
/// its floated tables and captions starts in lower case, that paragraph moves up to follow it (DPR's page 12:
/// "DPR is able to return" + two tables + "the correct answer"). Nothing else moves: table cells, figure labels and
/// headings keep Poppler's places, and a page Poppler reads column by column, sentences whole, comes out unchanged.
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

    /// Whether the page has a column-wide line on each side of its middle: the only pages `repaired` can change.
    static func hasTwoColumns(_ boxes: [Box?], pageWidth: Double) -> Bool {
        var left = false, right = false
        for case let box? in boxes where isWide(box, pageWidth: pageWidth) {
            switch side(of: box, pageWidth: pageWidth) {
            case .left: left = true
            case .right: right = true
            case .across: continue
            }
            if left && right { return true }
        }
        return false
    }

    /// The new order of the page's lines (indices into `boxes`), or nil when Poppler's order stands.
    /// - Parameters:
    ///   - boxes: one per line in Poppler's order; nil for a line with nothing visible, which stays with the line
    ///     before it.
    ///   - texts: the lines' texts, in the same order.
    static func repaired(_ boxes: [Box?], texts: [Substring], pageWidth: Double) -> [Int]? {
        guard pageWidth > 0, texts.count == boxes.count else { return nil }
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
        let unitBoxes = units.map(\.box)
        var order = Array(units.indices)
        for (_, members) in bands.sorted(by: { $0.key < $1.key }) {
            let runs = columnRuns(members, sides: sides, boxes: unitBoxes, pageWidth: pageWidth)
            guard let lastLeft = runs.last(where: { $0.side == .left }), let anchor = lastLeft.units.last else { continue }
            // Right-column prose read before the left column's end goes after it.
            let early = runs.filter { $0.side == .right && $0.units[0] < lastLeft.units[0] }.flatMap(\.units)
            if !early.isEmpty {
                order.removeAll { early.contains($0) }
                order.insert(contentsOf: early, at: (order.firstIndex(of: anchor) ?? order.count - 1) + 1)
            }
            // A sentence the left column leaves unfinished goes on where the right column's prose starts in lower
            // case, after the tables and captions floated to the column's top: that paragraph comes first.
            let line = { (unit: Int) in texts[units[unit].lines[0]] }
            guard !endsSentence(line(anchor)), let at = order.firstIndex(of: anchor) else { continue }
            let rightRuns = paragraphs(members, sides: sides, boxes: unitBoxes, pageWidth: pageWidth).filter { $0.side == .right }
                .sorted { (order.firstIndex(of: $0.units[0]) ?? 0) < (order.firstIndex(of: $1.units[0]) ?? 0) }
            for run in rightRuns where (order.firstIndex(of: run.units[0]) ?? 0) > at {
                if startsLowercase(line(run.units[0])) {
                    order.removeAll { run.units.contains($0) }
                    order.insert(contentsOf: run.units, at: at + 1)
                    break
                }
                if !isCaption(line(run.units[0])) { break }
            }
        }
        guard order != Array(units.indices) else { return nil }
        return order.flatMap { units[$0].lines }
    }

    /// Whether a line ends a sentence: its last visible character is `.`, `?`, `!` or `:`, possibly followed by
    /// closing quotes or brackets.
    static func endsSentence(_ line: Substring) -> Bool {
        let trimmed = line.reversed().drop { $0.isWhitespace || "\"'”’)]".contains($0) }
        return trimmed.first.map { ".?!:".contains($0) } ?? true
    }

    static func startsLowercase(_ line: Substring) -> Bool {
        line.first { $0.isLetter || $0.isNumber }?.isLowercase ?? false
    }

    /// `Table 5: …`, `Figure 2. …`, `Fig. 7 …`: a capitalized word and a number.
    static func isCaption(_ line: Substring) -> Bool {
        line.trimmingCharacters(in: .whitespaces).range(of: #"^\p{Lu}\p{L}*\.?\s*\d+"#, options: .regularExpression) != nil
    }

    /// The runs of column prose in a band's column units (Poppler's order): consecutive units of one side, two lines
    /// or more, at least half of them a column's width (table cells and figure labels are narrower).
    static func columnRuns(_ members: [Int], sides: [Side], boxes: [Box?],
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
            let wide = run.units.filter { isWide(boxes[$0], pageWidth: pageWidth) }
            return run.units.count >= 2 && 2 * wide.count >= run.units.count
        }
    }

    /// A band's paragraphs (Poppler's order): consecutive column-wide lines of one side, each just below the one
    /// before, closed by a narrower line (the paragraph's last, which belongs to it), a gap of more than a line, or
    /// a change of side. A narrow line on its own (a table cell, a figure label, a heading) is no paragraph.
    static func paragraphs(_ members: [Int], sides: [Side], boxes: [Box?],
                           pageWidth: Double) -> [(side: Side, units: [Int])] {
        var runs: [(side: Side, units: [Int])] = []
        var open = false
        var previous: Box? = nil
        for u in members {
            guard let box = boxes[u] else { continue }
            defer { previous = box }
            let wide = isWide(box, pageWidth: pageWidth)
            let below = previous.map { box.y1 > $0.y1 && box.y1 - $0.y2 < $0.y2 - $0.y1 } ?? false
            if open, below, let last = runs.last, last.side == sides[u] {
                runs[runs.count - 1].units.append(u)
            } else if wide {
                runs.append((sides[u], [u]))
            }
            open = wide
        }
        return runs.filter { $0.units.count >= 2 }
    }

    static func isWide(_ box: Box?, pageWidth: Double) -> Bool {
        box.map { $0.x2 - $0.x1 >= proseWidth * pageWidth } ?? false
    }
}
