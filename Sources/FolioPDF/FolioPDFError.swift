import Foundation

/// Everything that can go wrong reading a PDF, each case naming the file and the fix.
public enum FolioPDFError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case notAPDF(path: String)
    case encrypted(path: String, passwordGiven: Bool)
    case damaged(path: String, reason: String)
    case pageOutOfRange(path: String, page: Int, pageCount: Int)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file; check the path"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason)); check its permissions"
        case .empty(let path):
            return "\(path): the file is empty (0 bytes); re-download or re-export it"
        case .notAPDF(let path):
            return "\(path): not a PDF (no %PDF header); give Folio a PDF file"
        case .encrypted(let path, let passwordGiven):
            return passwordGiven
                ? "\(path): encrypted, and the password given does not open it; check --password"
                : "\(path): encrypted; give its password with --password"
        case .damaged(let path, let reason):
            return "\(path): damaged PDF that Poppler cannot repair (\(reason)); re-download or re-export it"
        case .pageOutOfRange(let path, let page, let pageCount):
            return "\(path): page \(page) is out of range (the document has \(pageCount) pages)"
        }
    }
}
