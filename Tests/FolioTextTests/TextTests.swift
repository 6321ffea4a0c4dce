import FolioTestSupport
import FolioText
import Foundation
import Testing

/// Counts one token per word, a stand-in for WordPiece that keeps the arithmetic visible.
let wordCount: @Sendable (String) -> Int = { $0.split(separator: " ").count }

@Suite("Normalization")
struct NormalizerTests {
    @Test("ligatures and full-width forms fold, accents stay")
    func compatibilityForms() {
        let normalizer = TextNormalizer()
        #expect(normalizer.normalize("ﬁne-tuning ｆｕｌｌ eﬀect café") == "fine-tuning full effect café")
    }

    @Test("line-end hyphenation is undone only for known words")
    func dehyphenation() {
        let known: Set<String> = ["representation"]
        let normalizer = TextNormalizer(isKnownWord: { known.contains($0) })
        #expect(normalizer.normalize("a repre-\nsentation of self-\nattention") == "a representation of self-attention")
    }

    @Test("white space and blank lines collapse")
    func whitespace() {
        #expect(TextNormalizer().normalize("  one\n\n two\t three \n") == "one two three")
    }
}

@Suite("Sentences")
struct SentenceTests {
    @Test("splits at sentence ends, not at abbreviations or decimals")
    func split() {
        let text = "We use Adam (Kingma et al. 2014) with β1 = 0.9. See Fig. 2 for details! Is it 3.5 or 4? Yes."
        #expect(SentenceSplitter.split(text) == [
            "We use Adam (Kingma et al. 2014) with β1 = 0.9.", "See Fig. 2 for details!", "Is it 3.5 or 4?", "Yes.",
        ])
    }

    @Test("a list bullet starts a new sentence; a bullet inside a word run does not")
    func bullets() {
        let text = "Key advantages. • A pre-trained model can be shared • LoRA makes training efficient ◦ no extra latency"
        #expect(SentenceSplitter.split(text) == [
            "Key advantages.", "• A pre-trained model can be shared", "• LoRA makes training efficient", "◦ no extra latency",
        ])
        #expect(SentenceSplitter.split("• only one item") == ["• only one item"])
        #expect(SentenceSplitter.split("a•b stays whole") == ["a•b stays whole"])
    }
}

@Suite("Chunking")
struct ChunkerTests {
    @Test("chunks respect the budget and keep page spans")
    func budgetAndSpans() {
        let sentence = "This sentence has exactly eight words in it."
        let pages = (1...4).map { (number: $0, text: Array(repeating: sentence, count: 10).joined(separator: " ")) }
        let chunker = Chunker(targetTokens: 30, maxTokens: 42, overlapSentences: 1, countTokens: wordCount)
        let chunks = chunker.chunk(pages: pages)
        #expect(chunks.count > 4)
        for chunk in chunks {
            #expect(chunk.tokenCount <= 42)
            #expect(chunk.pageStart <= chunk.pageEnd)
            #expect(chunk.text.hasSuffix("."))
        }
        #expect(chunks.map(\.ordinal) == Array(0..<chunks.count))
        #expect(chunks.first?.pageStart == 1)
        #expect(chunks.last?.pageEnd == 4)
    }

    @Test("a sentence that runs over a page break gets a two-page span")
    func twoPageSentence() {
        let pages = [(number: 1, text: "Intro words here. The quick brown fox jumps"),
                     (number: 2, text: "over the lazy dog near the river. Closing remarks follow.")]
        let chunker = Chunker(targetTokens: 6, maxTokens: 20, overlapSentences: 0, countTokens: wordCount)
        let chunks = chunker.chunk(pages: pages)
        let fox = chunks.first { $0.text.contains("quick brown fox") }
        #expect(fox?.text.contains("lazy dog") == true)
        #expect(fox?.pageStart == 1)
        #expect(fox?.pageEnd == 2)
        #expect(chunks.first { $0.text.contains("Closing") }?.pageStart == 2)
    }

    @Test("an over-long sentence is cut into windows within the budget")
    func longSentence() {
        let words = (1...100).map { "w\($0)" }.joined(separator: " ")
        let chunker = Chunker(targetTokens: 20, maxTokens: 27, overlapSentences: 1, countTokens: wordCount)
        let chunks = chunker.chunk(pages: [(number: 7, text: words)])
        #expect(chunks.count == 4)
        #expect(chunks.allSatisfy { $0.tokenCount <= 27 && $0.pageStart == 7 })
        #expect(chunks.map(\.text).joined(separator: " ") == words)
    }
}

@Suite("Chunking at page breaks")
struct PageBreakTests {
    @Test("a chunk that is already half full ends where its page ends")
    func pageBreak() {
        let page1 = Array(repeating: "One two three four five six.", count: 4).joined(separator: " ")
        let page2 = Array(repeating: "Seven eight nine ten eleven twelve.", count: 4).joined(separator: " ")
        let chunker = Chunker(targetTokens: 40, maxTokens: 64, overlapSentences: 1, countTokens: wordCount)
        let chunks = chunker.chunk(pages: [(number: 1, text: page1), (number: 2, text: page2)])
        #expect(chunks.map(\.pageStart) == [1, 2])
        #expect(chunks.map(\.pageEnd) == [1, 2])
    }
}
