@testable import FolioText
import FolioTestSupport
import Foundation
import Testing

/// A page of body lines (10 pt) with optional header/footer lines around them.
func page(_ number: Int, header: String? = nil, body: [String], footer: String? = nil) -> SourcePage {
    var lines: [SourceLine] = []
    if let header { lines.append(SourceLine(text: header, fontSize: 8)) }
    lines += body.map { SourceLine(text: $0, fontSize: 10) }
    if let footer { lines.append(SourceLine(text: footer, fontSize: 8)) }
    return SourcePage(number: number, lines: lines)
}

@Suite("Running headers, footers, page numbers, arXiv stamps")
struct PageCleanerTests {
    @Test("repeating header and page numbers go; a section number at the top of a page stays")
    func runningLines() {
        var pages: [SourcePage] = []
        for n in 1...6 {
            let body = (0..<8).map { TestPDF.distinctSentence(n * 100 + $0) }
            pages.append(page(n, header: "Proceedings of the Workshop on Careful Reading \(2020 + n % 2)",
                              body: n == 2 ? ["1", "Introduction"] + body : body, footer: "\(n)"))
        }
        pages[0].lines.insert(SourceLine(text: "arXiv:1706.03762v7 [cs.CL] 2 Aug 2023", fontSize: 20), at: 0)
        let (cleaned, removed) = PageCleaner().cleanReporting(pages)
        let texts = cleaned.map { $0.lines.map(\.text) }
        #expect(removed.stamps == 1)
        #expect(removed.pageNumbers == 6)
        #expect(removed.runningLines == 6)
        #expect(texts[1] == ["1", "Introduction"] + (0..<8).map { TestPDF.distinctSentence(200 + $0) })
        #expect(texts[0] == (0..<8).map { TestPDF.distinctSentence(100 + $0) })
        #expect(!texts.joined().contains { $0.contains("Proceedings") })
    }

    @Test("a short document keeps lines that merely repeat twice, and in-text arXiv citations stay")
    func conservative() {
        let pages = [page(1, body: ["Results", "See arXiv:1810.04805 for details."]), page(2, body: ["Results", "x"])]
        #expect(PageCleaner().clean(pages) == pages)
    }

    @Test("a table of contents page keeps no lines; a page with a few ellipses keeps them all")
    func contentsPages() {
        let contents = page(4, body: ["Contents", "3.4", "3.5", "Backpropagation . . . . . . . .", "The value of depth . . . . . . .",
                                      "40", "45", "4 Model components", "4.1 The notion of layer . . . . . . .",
                                      "4.2 Linear layers . . . . . . . . . . .", "4.3 Activation functions . . . . . .",
                                      "5.8 GPT model ........................................ 111", "57", "58"])
        let prose = page(5, body: ["The Celtic Sea. . . . It borders", "Stavanger in south-western Norway. . . .",
                                   "The passage continues as ordinary prose about the coast and its harbours."])
        let (cleaned, removed) = PageCleaner().cleanReporting([contents, prose])
        #expect(cleaned[0].lines.isEmpty)
        #expect(cleaned[0].number == 4)
        #expect(cleaned[1] == prose)
        #expect(removed.contentsPages == 1)
        #expect(PageCleaner.hasDotLeader("Pooling . . . . 75") && PageCleaner.hasDotLeader("Pooling.......75"))
        #expect(!PageCleaner.hasDotLeader("e.g. the 1. 2. 3. 4. list...") )
    }

    @Test("arXiv stamp variants")
    func stamps() {
        #expect(PageCleaner.isArXivStamp("arXiv:1706.03762v7 [cs.CL] 2 Aug 2023"))
        #expect(PageCleaner.isArXivStamp("arXiv:2005.11401v4  [cs.CL]  12 Apr 2021"))
        #expect(!PageCleaner.isArXivStamp("arXiv:1706.03762 shows that attention suffices"))
    }
}

@Suite("Section headings")
struct HeadingTests {
    func styled(_ text: String, size: Float = 10, bold: Bool = false) -> SourceLine {
        SourceLine(text: text, fontSize: size, isBold: bold)
    }

    @Test("numbered bold headings (split over two lines or glued) and same-size unnumbered ones are found")
    func headings() {
        let body = (1...8).map { styled("Plain body line number \($0) of running prose.") }
        let pages = [
            SourcePage(number: 1, lines: [styled("A Study of Things", size: 17, bold: true), styled("Abstract", size: 12, bold: true)]
                       + body + [styled("1", size: 12, bold: true), styled("Introduction", size: 12, bold: true)] + body),
            SourcePage(number: 2, lines: body + [styled("3.1", bold: true), styled("Encoder and Decoder Stacks", bold: true)]
                       + body + [styled("6Results", size: 12, bold: true)] + body
                       + [styled("Encoder: the encoder is bold only here", bold: true), styled("28.4", bold: true)]
                       + body + [styled("Input-Input Layer5", size: 19, bold: true)]),
        ]
        let structure = HeadingDetector().detect(pages)
        #expect(structure.title == "A Study of Things")
        #expect(structure.headings.map(\.text) == ["Abstract", "1 Introduction", "3.1 Encoder and Decoder Stacks", "6 Results"])
        #expect(structure.headings.map(\.page) == [1, 1, 2, 2])
        let sections = structure.blocks.map(\.section)
        #expect(sections.first == .some(nil) || sections.first == "Abstract")
        #expect(structure.blocks.last?.section == "6 Results")
        // Heading lines leave the text flow.
        #expect(!structure.blocks.flatMap(\.lines).contains("Encoder and Decoder Stacks"))
    }

    @Test("appendix headings with a letter count when set like the numbered headings; bold lettered labels do not")
    func appendixHeadings() {
        // Headings a little larger than the body (11 vs 10, under `largeRatio`), as in ACL papers.
        let body = (1...8).map { styled("Plain body line number \($0) of running prose.") }
        let pages = [
            SourcePage(number: 1, lines: [styled("1 Introduction", size: 11, bold: true)] + body
                       + [styled("5.3", bold: true), styled("Qualitative Analysis", bold: true)] + body),
            SourcePage(number: 2, lines: [styled("C", size: 11, bold: true), styled("Qualitative Analysis", size: 11, bold: true)]
                       + body + [styled("A Simple Baseline", bold: true)] + body
                       + [styled("B Results", size: 11, bold: true)] + body),
        ]
        let structure = HeadingDetector().detect(pages)
        #expect(structure.headings.map(\.text) == ["1 Introduction", "5.3 Qualitative Analysis", "C Qualitative Analysis"])
        #expect(structure.headings.map(\.page) == [1, 1, 2])
        #expect(structure.blocks.last?.section == "C Qualitative Analysis")
        // A lettered bold label in body size, and a letter with a one-word title, stay in the text.
        let lines = structure.blocks.flatMap(\.lines)
        #expect(lines.contains("A Simple Baseline") && lines.contains("B Results"))
        #expect(!lines.contains("Qualitative Analysis"))
    }

    @Test("two numbered headings on consecutive lines stay two headings")
    func consecutiveHeadings() {
        let body = (1...8).map { styled("Plain body line number \($0) of running prose.") }
        let pages = [SourcePage(number: 1, lines: [styled("1 Introduction", size: 12, bold: true)] + body
                                + [styled("8.3. Diversity", size: 12, bold: true), styled("8.1. Model capacity", size: 12, bold: true)]
                                + body)]
        let structure = HeadingDetector().detect(pages)
        #expect(structure.headings.map(\.text) == ["1 Introduction", "8.3. Diversity", "8.1. Model capacity"])
        #expect(structure.blocks.last?.section == "8.1. Model capacity")
    }

    @Test("no styles, no headings: the text is one block per page")
    func unstyled() {
        let pages = [SourcePage(number: 1, text: "1 Introduction\nSome text."), SourcePage(number: 2, text: "More text.")]
        let structure = HeadingDetector().detect(pages)
        #expect(structure.headings.isEmpty)
        #expect(structure.blocks == [TextBlock(page: 1, section: nil, lines: ["1 Introduction", "Some text."]),
                                     TextBlock(page: 2, section: nil, lines: ["More text."])])
    }
}

@Suite("De-hyphenation and NFKC")
struct HyphenationTests {
    @Test("the document's own usage and the vocabulary decide; real hyphens stay")
    func decisions() {
        let vocabulary: Set<String> = ["representation", "self", "attention", "objective", "fine", "tuning", "to", "english"]
        let lines = ["we use pre-training and a fine-tuning recipe", "this models text"]
        let dictionary = HyphenationDictionary(lines: lines, isVocabularyWord: { vocabulary.contains($0) })
        let normalizer = TextNormalizer(shouldJoin: { dictionary.shouldJoin($0, $1) })
        #expect(normalizer.normalize("a repre-\nsentation of self-\nattention") == "a representation of self-attention")
        #expect(normalizer.normalize("the pre-\ntraining stage and mod-\nels") == "the pre-training stage and models")
        #expect(normalizer.normalize("the ob-\njective and unidirec-\ntional and English-\nto-German")
                == "the objective and unidirectional and English-to-German")
        #expect(normalizer.normalize("fine-\ntuning") == "fine-tuning")
    }

    @Test("NFKC folds ligatures, full-width and superscripts; accents stay composed; control characters go")
    func nfkc() {
        let normalizer = TextNormalizer()
        #expect(normalizer.normalize("ﬁne ﬂow eﬃcient ｆｕｌｌ x² café\u{01}\u{7}end") == "fine flow efficient full x2 café end")
        #expect(TextNormalizer.readableShare("§¶†‡•◊∆ \u{01}\u{02} ¤¤") < 0.5)
        #expect(TextNormalizer.readableShare("Table 3: 28.4 41.8 BLEU") > 0.5)
    }
}

@Suite("Chunks with sections")
struct SectionChunkTests {
    let counter: @Sendable (String) -> Int = { $0.split(separator: " ").count }

    @Test("chunks carry their section, close at a section start, and overlap never crosses sections")
    func sections() {
        let sentence = "This sentence has exactly eight words in it."
        let para = Array(repeating: sentence, count: 6).joined(separator: " ")
        let sources = [ChunkSource(page: 1, section: "1 Introduction", text: para),
                       ChunkSource(page: 1, section: "2 Method", text: "Method starts here now. " + para),
                       ChunkSource(page: 2, section: "2 Method", text: para)]
        let chunks = Chunker(targetTokens: 30, maxTokens: 60, overlapSentences: 1, countTokens: counter).chunk(sources: sources)
        let intro = chunks.filter { $0.section == "1 Introduction" }
        let method = chunks.filter { $0.section == "2 Method" }
        #expect(!intro.isEmpty && !method.isEmpty)
        #expect(intro.allSatisfy { !$0.text.contains("Method starts") })
        #expect(method.first?.text.hasPrefix("Method starts here now.") == true)
        #expect(chunks.allSatisfy { $0.text.hasSuffix(".") && $0.tokenCount <= 60 })
        #expect(chunks.last?.pageEnd == 2)
    }
}
