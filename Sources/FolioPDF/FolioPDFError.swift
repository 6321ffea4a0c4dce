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
    case invalidScale(path: String, scale: Double)
    case renderTooLarge(path: String, page: Int, scale: Double, width: Int, height: Int, limit: Int)
    case renderFailed(path: String, page: Int, reason: String)

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
        case .invalidScale(let path, let scale):
            return "\(path): cannot render at scale \(scale); give a scale above 0 (1 is 72 dpi)"
        case .renderTooLarge(let path, let page, let scale, let width, let height, let limit):
            return "\(path): page \(page) at scale \(scale) would be \(width)×\(height) pixels, over the limit of "
                + "\(limit / 1_000_000) megapixels; use a smaller scale"
        case .renderFailed(let path, let page, let reason):
            return "\(path): page \(page) cannot be rendered (\(reason))"
        }
    }
}
