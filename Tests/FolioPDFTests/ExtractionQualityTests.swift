import FolioPDF
import FolioTestSupport
import Foundation
import Testing

/// Runs a tool and returns its standard output (nil when it is not installed or fails).
func runTool(_ path: String, _ arguments: [String]) -> (status: Int32, stdout: Data, stderr: String)? {
    guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data, String(decoding: errors, as: UTF8.self))
}

func words(_ text: String) -> [Substring] {
    text.split(whereSeparator: { $0.isWhitespace })
}

/// Letters and digits only, lowercased: pdftotext joins line-end hyphenations (`left-to-` / `right` becomes
/// `left-toright`) and spaces some symbols differently, which says nothing about reading order.
func letters(_ text: String) -> String {
    String(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }
        .map(Character.init))
}

/// Share of `reference`'s prose lines (8 words or more) found in `candidate`, in order: each is searched for after
/// the previous match, so text read in another order (columns interleaved, blocks swapped) is not counted.
func proseLinesInOrder(_ candidate: String, reference: String) -> (share: Double, lines: Int) {
    let haystack = letters(candidate)
    let lines = reference.split(separator: "\n").filter { words(String($0)).count >= 8 }.map { letters(String($0)) }
    guard !lines.isEmpty else { return (1, 0) }
    var cursor = haystack.startIndex
    var found = 0
    for line in lines where !line.isEmpty {
        if let range = haystack.range(of: line, range: cursor..<haystack.endIndex) {
            found += 1
            cursor = range.upperBound
        }
    }
    return (Double(found) / Double(lines.count), lines.count)
}

/// The text blocks of each page of `pdftotext -bbox-layout` output, each block's lines joined by newlines.
func blocksByPage(_ xhtml: String) -> [[String]] {
    func decoded(_ word: Substring) -> String {
        word.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
    return xhtml.components(separatedBy: "<page ").dropFirst().map { page in
        page.components(separatedBy: "<block ").dropFirst().map { block in
            block.components(separatedBy: "<line ").dropFirst().map { line in
                line.components(separatedBy: "<word ").dropFirst().compactMap { word -> String? in
                    guard let open = word.firstIndex(of: ">"), let close = word.range(of: "</word>") else { return nil }
                    return decoded(word[word.index(after: open) ..< close.lowerBound])
                }.joined(separator: " ")
            }.joined(separator: "\n")
        }
    }
}

@Suite("Extraction quality")
struct ExtractionQualityTests {
    let directory: URL

    init() throws {
        directory = try TestPaths.temporaryDirectory("folio-pdf-quality")
    }

    @Test("line styles: a bold, larger heading line is told apart from body lines")
    func lineStyles() throws {
        let url = directory.appendingPathComponent("styled.pdf")
        try TestPDF.write(pages: [["# 2 Related Work", "Plain body text follows the heading."]], to: url)
        let page = try PDFDocument(url: url).page(1)
        let lines = page.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(page.lineStyles.count == lines.count)
        let heading = try #require(lines.firstIndex { $0.contains("Related Work") })
        let body = try #require(lines.firstIndex { $0.contains("Plain body") })
        #expect(page.lineStyles[heading].isBold)
        #expect(!page.lineStyles[body].isBold)
        #expect(abs(page.lineStyles[heading].fontSize - 15.4) < 0.2)
        #expect(abs(page.lineStyles[body].fontSize - 11) < 0.2)
    }

    @Test("two columns drawn interleaved come out column by column")
    func twoColumns() throws {
        let url = directory.appendingPathComponent("columns.pdf")
        let left = TestPDF.wrap("The left column explains how the glacier carved the fjord over many thousands of "
                                + "years while the ice slowly retreated toward the mountains in the north.", width: 40)
        let right = TestPDF.wrap("The right column describes the harbor town that grew on the shore after the ice "
                                 + "had gone and fishing boats could finally reach the open sea.", width: 40)
        try TestPDF.writeTwoColumns(left: left, right: right, to: url)
        let text = try PDFDocument(url: url).text(ofPage: 1)
        let flat = words(text).joined(separator: " ")
        #expect(flat.contains(words(left.joined(separator: " ")).joined(separator: " ")), "\(text)")
        #expect(flat.contains(words(right.joined(separator: " ")).joined(separator: " ")), "\(text)")
    }

    @Test("words are not glued: a column gap or a jump to another line starts a new line, a word gap adds a space")
    func flowsOnOneBaseline() throws {
        // Words of one line stay on it.
        let url = directory.appendingPathComponent("baseline.pdf")
        try TestPDF.writeTwoColumns(left: ["Words of one ordinary line stay together"], right: [], to: url)
        #expect(try PDFDocument(url: url).text(ofPage: 1).contains("Words of one ordinary line stay together"))
        // GPT-2's page 8: Poppler puts the left column's section heading and the right column's last footnote
        // words on one line ("Memorizationgave away the answer."); cairo's simple layouts do not reproduce it.
        guard let corpus = TestPaths.corpus else { return }
        let paper = corpus.appendingPathComponent("gpt2.pdf")
        guard FileManager.default.fileExists(atPath: paper.path) else { return }
        let page = try PDFDocument(url: paper).page(8)
        let lines = page.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(page.lineStyles.count == lines.count)
        let heading = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "4. Generalization vs Memorization" },
                                   "\(page.text.prefix(600))")
        #expect(page.lineStyles[heading].isBold)
        #expect(!page.text.contains("Memorizationgave"))
        // Two flows on different lines glue the same way: a paragraph's last word and the first of a block placed
        // after it ("data.For CoQA"), a table's cells one below the other ("1542M35.13").
        #expect(page.text.contains("the Korean War.\nFor CoQA") && !page.text.contains("data.For"), "\(page.text)")
        #expect(try PDFDocument(url: paper).text(ofPage: 8) == page.text)
        // A section number set apart by a wide gap keeps its space (BERT's appendix, p. 16).
        let bert = try PDFDocument(url: corpus.appendingPathComponent("bert.pdf")).page(16)
        #expect(bert.text.contains("\nC.1 Effect of Number of Training Steps\n"), "\(bert.text.prefix(300))")
        #expect(bert.lineStyles.count == bert.text.split(separator: "\n", omittingEmptySubsequences: false).count)
        let table = try PDFDocument(url: paper).text(ofPage: 5)
        #expect(table.contains("1542M\n35.13") && !table.contains("1542M35.13"), "\(table)")
    }

    @Test("corpus papers keep the line order of every text block pdftotext finds")
    func corpusReadingOrder() throws {
        guard let corpus = TestPaths.corpus else { return }
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".pdf") }.sorted()
        #expect(files.count >= 11)
        var pagesCompared = 0
        for name in files where name != "little-book-of-deep-learning.pdf" {  // a one-column book; papers are the test
            let url = corpus.appendingPathComponent(name)
            guard let reference = runTool("/usr/bin/pdftotext", ["-enc", "UTF-8", "-bbox-layout", url.path, "-"]) else {
                Issue.record("pdftotext is not installed (poppler-utils; scripts/setup installs it)")
                return
            }
            let referencePages = blocksByPage(String(decoding: reference.stdout, as: UTF8.self))
            let document = try PDFDocument(url: url)
            #expect(referencePages.count == document.pageCount, "\(name)")
            for number in 1...min(document.pageCount, referencePages.count) {
                // Blocks may move (Folio puts interleaved columns back in order), but no block's lines may be
                // scattered or reordered.
                let text = try document.text(ofPage: number)
                var found = 0.0, lines = 0
                for block in referencePages[number - 1] {
                    let (share, count) = proseLinesInOrder(text, reference: block)
                    found += share * Double(count)
                    lines += count
                }
                if lines < 5 { continue }  // figures, references in tiny print: nothing to order
                #expect(found / Double(lines) >= 0.98, "\(name) page \(number): \(found) of \(lines) prose lines in order")
                pagesCompared += 1
            }
        }
        #expect(pagesCompared > 150)
    }

    @Test("two-column corpus pages come out column by column, sentences unbroken by floats")
    func interleavedColumns() throws {
        guard let corpus = TestPaths.corpus else { return }
        func flat(_ file: String, _ page: Int) throws -> String {
            words(try PDFDocument(url: corpus.appendingPathComponent(file)).text(ofPage: page)).joined(separator: " ")
        }
        // GPT-2 p. 8: Poppler reads the right column's CoQA paragraph between the left column's first two.
        #expect(try flat("gpt2.pdf", 8).contains("also shows up in the training data. To study this we created Bloom filters"))
        // ResNet p. 2: Poppler reads the top of the right column before the whole left one.
        #expect(try flat("resnet.pdf", 2).contains("Our ensemble has 3.57% top-5 error on the ImageNet test set, and won the 1st place"))
        // A sentence that the left column leaves unfinished goes on after the tables floated to the top of the right
        // column, not after them (DPR p. 12, ResNet p. 8).
        #expect(try flat("dpr.pdf", 12).contains("DPR is able to return the correct answer, presumably by matching"))
        #expect(try flat("resnet.pdf", 8).contains("although both have similar training error. We argue that this is because of overfitting."))
    }

    @Test("a sentence of a two-column corpus page reads contiguously across its column's lines")
    func bertColumn() throws {
        guard let corpus = TestPaths.corpus else { return }
        let text = try PDFDocument(url: corpus.appendingPathComponent("bert.pdf")).text(ofPage: 2)
        let flat = words(text).joined(separator: " ")
        #expect(flat.contains("Unlike left-to- right language model pre-training, the MLM ob- jective enables the representation to fuse the left and the right context"))
    }
}

@Suite("Bad PDFs made by the tests", .serialized)
struct BadPDFTests {
    let directory: URL
    let good: URL

    init() throws {
        directory = try TestPaths.temporaryDirectory("folio-pdf-bad")
        good = directory.appendingPathComponent("good.pdf")
        try TestPDF.write(pages: [TestPDF.wrap(String(repeating: "Quokkas live on Rottnest Island near Perth. ", count: 12)),
                                  ["Second page about wombats."]], to: good, title: "Marsupials")
    }

    @Test("encrypted: refused without a password, with a message that says so; opened with the right one")
    func encrypted() throws {
        let locked = directory.appendingPathComponent("locked.pdf")
        let qpdf = try #require(runTool("/usr/bin/qpdf", ["--encrypt", "sesame", "owner-pw", "256", "--", good.path, locked.path]),
                                "qpdf is not installed (scripts/setup installs it)")
        #expect(qpdf.status == 0, "\(qpdf.stderr)")
        #expect(throws: FolioPDFError.encrypted(path: locked.path, passwordGiven: false)) { try PDFDocument(url: locked) }
        #expect(FolioPDFError.encrypted(path: locked.path, passwordGiven: false).description.contains("--password"))
        #expect(throws: FolioPDFError.encrypted(path: locked.path, passwordGiven: true)) {
            try PDFDocument(url: locked, password: "wrong")
        }
        let opened = try PDFDocument(url: locked, password: "sesame")
        #expect(try opened.text(ofPage: 1).contains("Quokkas"))
    }

    @Test("a corrupt cross-reference table is repaired by Poppler and the text is read")
    func corruptXref() throws {
        // qpdf writes a classic xref table we can find and break.
        let plain = directory.appendingPathComponent("plain.pdf")
        let qpdf = try #require(runTool("/usr/bin/qpdf", ["--object-streams=disable", "--compress-streams=n", good.path, plain.path]),
                                "qpdf is not installed")
        #expect(qpdf.status == 0)
        // Scribble over the offsets of every entry: Poppler must rebuild the table by scanning the file.
        let bytes = try #require(TestPDF.breakingXrefEntries([UInt8](try Data(contentsOf: plain))))
        let broken = directory.appendingPathComponent("broken-xref.pdf")
        try Data(bytes).write(to: broken)
        let checked = try #require(runTool("/usr/bin/qpdf", ["--check", broken.path]))
        #expect((String(decoding: checked.stdout, as: UTF8.self) + checked.stderr).contains("damaged"), "the xref should really be broken")
        let document = try ExtractedDocument.extract(from: broken)
        #expect(document.pages.count == 2)
        #expect(document.pages[0].text.contains("Rottnest"))
    }

    @Test("truncated, random bytes, a PNG renamed .pdf: clear errors naming the file, never a crash")
    func garbageFiles() throws {
        let data = try Data(contentsOf: good)
        let truncated = directory.appendingPathComponent("truncated.pdf")
        try data.prefix(data.count / 3).write(to: truncated)
        do {
            let document = try ExtractedDocument.extract(from: truncated)
            // Poppler may rebuild what survived; then it must not invent text it could not have read.
            #expect(document.pages.allSatisfy { !$0.text.contains("wombats") })
        } catch let error as FolioPDFError {
            #expect(error.description.hasPrefix(truncated.path))
        }

        var generator = SystemRandomNumberGenerator()
        let random = directory.appendingPathComponent("random.pdf")
        try Data((0..<50_000).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: random)
        #expect(throws: FolioPDFError.notAPDF(path: random.path)) { try PDFDocument(url: random) }

        let png = directory.appendingPathComponent("picture.pdf")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 64)).write(to: png)
        #expect(throws: FolioPDFError.notAPDF(path: png.path)) { try PDFDocument(url: png) }

        // A PDF header followed by garbage: Poppler finds nothing to repair.
        let fake = directory.appendingPathComponent("fake.pdf")
        try Data("%PDF-1.7\n".utf8 + (0..<4000).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: fake)
        do {
            _ = try PDFDocument(url: fake)
            Issue.record("a header followed by noise opened as a PDF")
        } catch let error as FolioPDFError {
            guard case .damaged = error else { Issue.record("expected .damaged, got \(error)"); return }
            #expect(error.description.hasPrefix(fake.path))
            #expect(error.description.contains("re-download or re-export"))
        }
    }

    @Test("a thousand-page document opens and every page is read")
    func manyPages() throws {
        let url = directory.appendingPathComponent("long.pdf")
        try TestPDF.write(pages: (1...1000).map { [TestPDF.distinctSentence($0)] }, to: url)
        let document = try ExtractedDocument.extract(from: url)
        #expect(document.pages.count == 1000)
        #expect(document.pages[999].text.contains("page 1000"))
    }
}
