import Foundation
import FolioTestSupport
import Testing

/// One sentence of `minilm_reference.json`, as tokenized by the reference implementation.
struct ReferenceSentence: Decodable, Sendable, CustomTestStringConvertible {
    let index: Int
    let text: String
    let inputIDs: [Int32]
    let tokens: [String]
    let tokensUntruncated: Int
    let truncated: Bool

    enum CodingKeys: String, CodingKey {
        case index, text, tokens, truncated
        case inputIDs = "input_ids"
        case tokensUntruncated = "num_tokens_untruncated"
    }

    var testDescription: String { "#\(index) \(text.prefix(30).debugDescription)" }
}

enum ReferenceFixture {
    private struct File: Decodable {
        let items: [ReferenceSentence]
    }

    /// The 53 reference sentences; empty when the fixture cannot be read (a separate test reports that).
    static let sentences: [ReferenceSentence] = (try? load()) ?? []

    static func load() throws -> [ReferenceSentence] {
        let data = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("minilm_reference.json"))
        return try JSONDecoder().decode(File.self, from: data).items
    }
}
