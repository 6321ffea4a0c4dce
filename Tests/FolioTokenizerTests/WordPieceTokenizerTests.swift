import Foundation
import FolioTestSupport
@testable import FolioTokenizer
import Testing

@Suite("WordPieceTokenizer")
struct WordPieceTokenizerTests {
    let tokenizer: WordPieceTokenizer

    init() throws {
        tokenizer = try WordPieceTokenizer(vocabularyURL: TestPaths.model.appendingPathComponent("vocab.txt"))
    }

    @Test("the reference fixture holds 53 sentences")
    func fixtureLoads() throws {
        #expect(try ReferenceFixture.load().count == 53)
    }

    @Test("vocabulary has BERT's size and special tokens")
    func vocabulary() {
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.classificationID == 101)
        #expect(tokenizer.separatorID == 102)
        #expect(tokenizer.unknownID == 100)
        #expect(tokenizer.paddingID == 0)
        #expect(tokenizer.id(of: "hello") == 7592)
        #expect(tokenizer.id(of: "##ing") != nil)
        #expect(tokenizer.token(of: 2088) == "world")
        #expect(tokenizer.token(of: -1) == nil)
        #expect(tokenizer.token(of: 30522) == nil)
        #expect(tokenizer.id(of: "no-such-token") == nil)
    }

    @Test("ids and tokens match the reference", arguments: ReferenceFixture.sentences)
    func matchesReference(_ sentence: ReferenceSentence) {
        let ids = tokenizer.encode(sentence.text)
        #expect(ids == sentence.inputIDs)
        let tokens = ["[CLS]"] + tokenizer.tokenize(sentence.text).prefix(WordPieceTokenizer.defaultMaxLength - 2)
            + ["[SEP]"]
        #expect(tokens == sentence.tokens)
        #expect(tokenizer.countTokens(sentence.text) + 2 == sentence.tokensUntruncated)
    }

    @Test("countTokens agrees with tokenize", arguments: ReferenceFixture.sentences)
    func countMatchesTokenize(_ sentence: ReferenceSentence) {
        #expect(tokenizer.countTokens(sentence.text) == tokenizer.tokenize(sentence.text).count)
        #expect(tokenizer.tokenIDs(sentence.text).map { tokenizer.token(of: $0) } == tokenizer.tokenize(sentence.text))
    }

    @Test("accents are stripped after NFD, case is folded")
    func accents() {
        #expect(tokenizer.tokenize("Café NAÏVE") == ["cafe", "naive"])
        // Precomposed and decomposed input give the same pieces.
        #expect(tokenizer.tokenize("Cafe\u{301}") == tokenizer.tokenize("Caf\u{E9}"))
    }

    @Test("CJK ideographs are split one per word; kana is not")
    func cjk() {
        #expect(tokenizer.tokenize("東京") == ["東", "京"])
        #expect(tokenizer.tokenize("abc東def") == ["abc", "東", "def"])
    }

    @Test("punctuation is split and whitespace is normalized")
    func punctuationAndWhitespace() {
        #expect(tokenizer.tokenize("a,b") == ["a", ",", "b"])
        #expect(tokenizer.tokenize("  hello\u{A0}\u{3000}world\t\n") == ["hello", "world"])
        #expect(tokenizer.tokenize("soft\u{AD}ware") == tokenizer.tokenize("software"))
        #expect(tokenizer.tokenize("") == [])
        #expect(tokenizer.encode("") == [101, 102])
    }

    @Test("a word longer than 100 characters is [UNK]")
    func longWord() {
        #expect(tokenizer.tokenize(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(tokenizer.tokenize(String(repeating: "a", count: 100)) != ["[UNK]"])
        #expect(tokenizer.tokenize("x " + String(repeating: "é", count: 101) + " y") == ["x", "[UNK]", "y"])
    }

    @Test("a word that cannot be split is [UNK]; emoji and ligature-free symbols too")
    func unknown() {
        #expect(tokenizer.tokenize("😀") == ["[UNK]"])
        #expect(tokenizer.tokenize("ok 🚀🔥 ok") == ["ok", "[UNK]", "ok"])
    }

    @Test("encode truncates to maxLength including [CLS] and [SEP]")
    func truncation() {
        let text = Array(repeating: "tokenization", count: 200).joined(separator: " ")
        let pieces = tokenizer.tokenIDs(text)
        #expect(pieces.count == 400)
        let ids = tokenizer.encode(text)
        #expect(ids.count == 256)
        #expect(ids.first == tokenizer.classificationID)
        #expect(ids.last == tokenizer.separatorID)
        #expect(Array(ids[1 ..< 255]) == Array(pieces.prefix(254)))
        // A cut through the middle of a word keeps that word's first pieces.
        #expect(tokenizer.encode(text, maxLength: 3) == [101, pieces[0], 102])
        #expect(tokenizer.encode(text, maxLength: 2) == [101, 102])
        #expect(tokenizer.encode("short text", maxLength: 256) == [101] + tokenizer.tokenIDs("short text") + [102])
    }

    @Test("loading fails with a clear error on a missing or unusable vocabulary")
    func loadErrors() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("vocab.txt")
        #expect(throws: FolioTokenizerError.vocabularyUnreadable(path: missing.path, reason: "no such file")) {
            try WordPieceTokenizer(vocabularyURL: missing)
        }
        let empty = directory.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        #expect(throws: FolioTokenizerError.emptyVocabulary(path: empty.path)) {
            try WordPieceTokenizer(vocabularyURL: empty)
        }
        let noCLS = directory.appendingPathComponent("nocls.txt")
        try "[PAD]\n[UNK]\n[SEP]\nhello\n".write(to: noCLS, atomically: true, encoding: .utf8)
        #expect(throws: FolioTokenizerError.missingSpecialToken(token: "[CLS]", path: noCLS.path)) {
            try WordPieceTokenizer(vocabularyURL: noCLS)
        }
        let error = FolioTokenizerError.vocabularyUnreadable(path: "/x/vocab.txt", reason: "no such file")
        #expect(error.description.contains("Models/fetch"))
    }

    @Test("a tiny vocabulary splits greedily by longest match")
    func greedyLongestMatch() throws {
        let tokenizer = try WordPieceTokenizer(
            tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "una", "##ff", "##able", "##aff", "##a", "##ble"],
            source: "memory")
        #expect(tokenizer.tokenize("unaffable") == ["una", "##ff", "##able"])
        #expect(tokenizer.tokenize("unaffablex") == ["[UNK]"])
        #expect(tokenizer.tokenize("un una") == ["un", "una"])
    }
}
