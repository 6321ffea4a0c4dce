/// One search result of a vector index: the caller's id and the cosine similarity (inner product of unit vectors).
public struct SearchHit: Sendable, Equatable {
    public var id: Int64
    public var score: Float

    public init(id: Int64, score: Float) {
        self.id = id
        self.score = score
    }
}

/// Errors of the vector indexes and their files.
public enum FolioIndexError: Error, Equatable, CustomStringConvertible {
    case dimensionMismatch(expected: Int, got: Int)
    case duplicateID(Int64)
    case corruptFile(path: String, reason: String)
    case unsupportedVersion(path: String, version: Int)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .dimensionMismatch(let expected, let got):
            return "vector has \(got) dimensions, the index expects \(expected); re-ingest with the same model"
        case .duplicateID(let id):
            return "id \(id) is already in the index; remove it first"
        case .corruptFile(let path, let reason):
            return "\(path): index file is corrupt (\(reason)); it will be rebuilt from the store"
        case .unsupportedVersion(let path, let version):
            return "\(path): index file version \(version) is not supported; it will be rebuilt from the store"
        case .cannotRead(let path, let reason):
            return "\(path): cannot read the index file (\(reason)); check its permissions, or delete it to rebuild"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write the index file (\(reason)); check free space and the folder's permissions"
        }
    }
}

/// A nearest-neighbour index over unit vectors, searched by inner product (= cosine).
///
/// `FlatIndex` is exact; approximate indexes conform to the same protocol so the engine and the tests treat
/// them alike. Searches may run from several threads at once; mutations must be serialized by the caller.
public protocol VectorIndex: AnyObject, Sendable {
    /// Dimension of every vector.
    var dimension: Int { get }
    /// Number of live (not removed) vectors.
    var count: Int { get }
    /// Adds one vector under `id`.
    /// - Throws: `FolioIndexError.dimensionMismatch`, `.duplicateID`.
    func add(id: Int64, vector: [Float]) throws
    /// Removes the vector stored under `id`, if any.
    func remove(id: Int64)
    /// The `k` vectors with the highest inner product with `query`, best first.
    /// - Parameter filter: when given, only ids for which it returns true are considered.
    func search(_ query: [Float], k: Int, filter: ((Int64) -> Bool)?) -> [SearchHit]
}

extension VectorIndex {
    /// The `k` nearest vectors with no filter.
    public func search(_ query: [Float], k: Int) -> [SearchHit] { search(query, k: k, filter: nil) }
}
