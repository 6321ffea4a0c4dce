/// Errors of the SQLite store, each naming the store file and the fix.
public enum FolioStoreError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notAFolioStore(path: String)
    case newerSchema(path: String, version: Int)
    case database(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open the store (\(reason)); check the --store folder and its permissions"
        case .notAFolioStore(let path):
            return "\(path): not a Folio store (unexpected tables); choose another --store folder"
        case .newerSchema(let path, let version):
            return "\(path): written by a newer Folio (schema \(version)); upgrade Folio"
        case .database(let path, let reason):
            return "\(path): database error (\(reason))"
        }
    }
}
