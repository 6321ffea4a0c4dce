import Foundation

/// Why a WordPiece vocabulary could not be loaded.
public enum FolioTokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The vocabulary file is missing or unreadable.
    case vocabularyUnreadable(path: String, reason: String)
    /// The vocabulary file holds no tokens.
    case emptyVocabulary(path: String)
    /// The vocabulary lacks a special token BERT needs (`[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`).
    case missingSpecialToken(token: String, path: String)

    /// What went wrong and how to fix it, for the user.
    public var description: String {
        switch self {
        case let .vocabularyUnreadable(path, reason):
            return "cannot read the WordPiece vocabulary at \(path): \(reason). "
                + "Run Models/fetch to install all-MiniLM-L6-v2, or point to a folder holding its vocab.txt."
        case let .emptyVocabulary(path):
            return "the WordPiece vocabulary at \(path) is empty; delete the model folder and run Models/fetch again."
        case let .missingSpecialToken(token, path):
            return "the WordPiece vocabulary at \(path) has no \(token) token, so it is not a BERT vocabulary; "
                + "use the vocab.txt that ships with the model (run Models/fetch)."
        }
    }
}
