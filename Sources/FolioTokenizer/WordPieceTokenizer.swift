import Foundation

/// BERT's uncased WordPiece tokenizer, as the reference (`BertTokenizer` backed by Hugging Face tokenizers) runs it
/// for all-MiniLM-L6-v2.
///
/// Text goes through three stages:
/// 1. **Normalization** (`BertNormalizer`): control characters are removed, whitespace becomes a space, CJK
///    ideographs get a space on each side, accents are stripped (NFD, then nonspacing marks dropped) and the text is
///    lowercased. There is no NFKC, so ligatures, full-width forms and emoji stay as they are.
/// 2. **Pre-tokenization** (`BertPreTokenizer`): split on whitespace, and every punctuation character (ASCII
///    punctuation or Unicode category P*) becomes a word of its own.
/// 3. **WordPiece** (Wu et al. 2016, "Google's Neural Machine Translation System"): each word is split greedily into
///    the longest vocabulary pieces from the left, continuation pieces prefixed with `##`; a word longer than
///    ``maxInputCharactersPerWord`` characters, or one that cannot be split, becomes `[UNK]`.
public struct WordPieceTokenizer: Sendable {
    /// The sequence length all-MiniLM-L6-v2 was trained for, including `[CLS]` and `[SEP]`.
    public static let defaultMaxLength = 256
    /// Words with more Unicode scalars than this become a single `[UNK]`.
    public static let maxInputCharactersPerWord = 100

    let vocabulary: Vocabulary
    /// The id of `[CLS]`, which starts every encoded sequence.
    public let classificationID: Int32
    /// The id of `[SEP]`, which ends every encoded sequence.
    public let separatorID: Int32
    /// The id of `[UNK]`.
    public let unknownID: Int32
    /// The id of `[PAD]`.
    public let paddingID: Int32

    /// Loads a `vocab.txt`: one token per line, the line number (from 0) being the token id.
    ///
    /// - Parameter vocabularyURL: the model's `vocab.txt`.
    /// - Throws: ``FolioTokenizerError`` when the file is unreadable, empty or lacks BERT's special tokens.
    public init(vocabularyURL: URL) throws {
        let path = vocabularyURL.path
        let data: Data
        do {
            data = try Data(contentsOf: vocabularyURL)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "\(error.localizedDescription)" : "no such file"
            throw FolioTokenizerError.vocabularyUnreadable(path: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FolioTokenizerError.vocabularyUnreadable(path: path, reason: "not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines, source: path)
    }

    /// Builds a tokenizer from tokens in id order; `source` names them in errors.
    init(tokens: [String], source: String) throws {
        guard !tokens.isEmpty else { throw FolioTokenizerError.emptyVocabulary(path: source) }
        let vocabulary = Vocabulary(tokens: tokens)
        func special(_ token: String) throws -> Int32 {
            guard let id = vocabulary.id(of: token) else {
                throw FolioTokenizerError.missingSpecialToken(token: token, path: source)
            }
            return id
        }
        self.vocabulary = vocabulary
        self.classificationID = try special("[CLS]")
        self.separatorID = try special("[SEP]")
        self.unknownID = try special("[UNK]")
        self.paddingID = try special("[PAD]")
    }

    /// The number of tokens in the vocabulary (30522 for all-MiniLM-L6-v2).
    public var vocabularySize: Int { vocabulary.count }

    /// The id of a vocabulary token such as `"hello"`, `"##ing"` or `"[CLS]"`, or nil when it is not in the vocabulary.
    public func id(of token: String) -> Int32? { vocabulary.id(of: token) }

    /// The vocabulary token with this id, or nil when the id is out of range.
    public func token(of id: Int32) -> String? {
        vocabulary.tokens.indices.contains(Int(id)) ? vocabulary.tokens[Int(id)] : nil
    }

    /// The word pieces of `text`, without `[CLS]`/`[SEP]` and without truncation.
    ///
    /// - Complexity: O(*n*) in the length of `text` (each word tries at most as many slices as its longest piece has
    ///   bytes at each position).
    public func tokenize(_ text: String) -> [String] {
        tokenIDs(text).map { vocabulary.tokens[Int($0)] }
    }

    /// The ids of the word pieces of `text`, without `[CLS]`/`[SEP]` and without truncation.
    public func tokenIDs(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        forEachPieceID(in: text) { ids.append($0); return true }
        return ids
    }

    /// The model input for `text`: `[CLS]`, the first `maxLength - 2` piece ids, `[SEP]`. No padding.
    ///
    /// - Parameters:
    ///   - text: any text; an empty text gives `[CLS] [SEP]`.
    ///   - maxLength: the longest result, specials included; at least 2.
    public func encode(_ text: String, maxLength: Int = WordPieceTokenizer.defaultMaxLength) -> [Int32] {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        let budget = maxLength - 2
        var ids: [Int32] = [classificationID]
        if budget > 0 {
            forEachPieceID(in: text) { id in
                ids.append(id)
                return ids.count - 1 < budget
            }
        }
        ids.append(separatorID)
        return ids
    }

    /// The number of word pieces in `text`, without `[CLS]`/`[SEP]`: `tokenize(text).count`, without building
    /// the strings.
    public func countTokens(_ text: String) -> Int {
        var count = 0
        forEachPieceID(in: text) { _ in count += 1; return true }
        return count
    }
}
