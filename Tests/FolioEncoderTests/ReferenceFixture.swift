import Foundation
import FolioEncoder
import FolioTestSupport
import Testing

/// One sentence of `minilm_reference.json` with the reference embedding.
struct ReferenceSentence: Decodable, Sendable, CustomTestStringConvertible {
    let index: Int
    let text: String
    let inputIDs: [Int32]
    let embedding: [Float]

    enum CodingKeys: String, CodingKey {
        case index, text, embedding
        case inputIDs = "input_ids"
    }

    var testDescription: String { "#\(index) \(text.prefix(30).debugDescription)" }
}

/// `minilm_debug_layers.json`: hidden states of "Hello world" after the embeddings and after each layer.
struct DebugLayers: Decodable {
    let text: String
    let inputIDs: [Int32]
    let hiddenStates: [[[Float]]] // [stage][token][hidden]

    enum CodingKeys: String, CodingKey {
        case text
        case inputIDs = "input_ids"
        case hiddenStates = "hidden_states"
    }
}

enum Fixtures {
    private struct File: Decodable {
        let items: [ReferenceSentence]
    }

    /// The 53 reference sentences; empty when the fixture cannot be read (a separate test reports that).
    static let sentences: [ReferenceSentence] = (try? loadSentences()) ?? []

    static func loadSentences() throws -> [ReferenceSentence] {
        let data = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("minilm_reference.json"))
        return try JSONDecoder().decode(File.self, from: data).items
    }

    static func loadDebugLayers() throws -> DebugLayers {
        let data = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("minilm_debug_layers.json"))
        return try JSONDecoder().decode(DebugLayers.self, from: data)
    }

    /// One encoder for the whole run (loading copies 90 MB of weights).
    static let encoder = Result { try SentenceEncoder(modelDirectory: TestPaths.model) }
}

func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var dot: Float = 0, na: Float = 0, nb: Float = 0
    for (x, y) in zip(a, b) {
        dot += x * y
        na += x * x
        nb += y * y
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func norm(_ a: [Float]) -> Float {
    a.reduce(0) { $0 + $1 * $1 }.squareRoot()
}
