import Foundation
@testable import FolioEncoder
import FolioTestSupport
import Testing

/// Writes small model folders: a 1-layer, 4-wide BERT whose weights are generated, then broken on purpose.
struct TinyModel {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "##s", "a"]
    static let configuration = BertConfiguration(vocabularySize: 8, hiddenSize: 4, layerCount: 1, headCount: 2,
                                                 intermediateSize: 8, maxPositions: 16, typeVocabularySize: 2,
                                                 layerNormEpsilon: 1e-12)

    struct Tensor {
        var name: String
        var dtype = "F32"
        var shape: [Int]
        var bytes: Data
    }

    /// Every tensor of the tiny model, in checkpoint order, with deterministic small values.
    static func tensors() -> [Tensor] {
        var seed: UInt32 = 1
        return BertWeights.expectedTensors(configuration).map { expected in
            let count = expected.shape.reduce(1, *)
            if expected.dtype == "I64" {
                let values = (0 ..< Int64(count)).map { $0.littleEndian }
                return Tensor(name: expected.name, dtype: "I64", shape: expected.shape,
                              bytes: values.withUnsafeBytes { Data($0) })
            }
            let values: [Float] = (0 ..< count).map { _ in
                seed = seed &* 1_664_525 &+ 1_013_904_223
                return Float(seed >> 8) / Float(1 << 24) - 0.5
            }
            return Tensor(name: expected.name, shape: expected.shape, bytes: values.withUnsafeBytes { Data($0) })
        }
    }

    /// A safetensors file: 8-byte little-endian header length, JSON header, data.
    static func safetensors(_ tensors: [Tensor]) throws -> Data {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var data = Data()
        for tensor in tensors {
            header[tensor.name] = ["dtype": tensor.dtype, "shape": tensor.shape,
                                   "data_offsets": [data.count, data.count + tensor.bytes.count]]
            data.append(tensor.bytes)
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var file = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Data($0) }
        file.append(json)
        file.append(data)
        return file
    }

    /// A model folder holding `weights` as its `model.safetensors`.
    static func folder(weights: Data, in parent: URL, name: String = "model") throws -> URL {
        let folder = parent.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "model_type": "bert", "hidden_act": "gelu", "vocab_size": 8, "hidden_size": 4,
            "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8,
            "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
            "position_embedding_type": "absolute",
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        try #"{"max_seq_length": 16, "do_lower_case": false}"#
            .write(to: folder.appendingPathComponent("sentence_bert_config.json"), atomically: true, encoding: .utf8)
        try (vocabulary.joined(separator: "\n") + "\n")
            .write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        try weights.write(to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }
}

@Suite("Model loading")
struct ModelLoadingTests {
    /// Loads a tiny model whose weights are `tensors`, returning the error it throws (nil if it loads).
    private func loadError(_ tensors: [TinyModel.Tensor]) throws -> FolioEncoderError? {
        try loadError(weights: TinyModel.safetensors(tensors))
    }

    private func loadError(weights: Data) throws -> FolioEncoderError? {
        let parent = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = try TinyModel.folder(weights: weights, in: parent)
        do {
            _ = try SentenceEncoder(modelDirectory: folder)
            return nil
        } catch let error as FolioEncoderError {
            return error
        }
    }

    @Test("a complete tiny model loads and embeds to unit vectors")
    func tinyModelLoads() throws {
        let parent = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = try TinyModel.folder(weights: TinyModel.safetensors(TinyModel.tensors()), in: parent)
        let encoder = try SentenceEncoder(modelDirectory: folder)
        #expect(encoder.dimension == 4)
        #expect(encoder.maxSequenceLength == 16)
        let vectors = encoder.embed(["hello worlds", "", "a a a a a a a a a a a a a a a a a a a a"])
        #expect(vectors.count == 3)
        for vector in vectors { #expect(abs(norm(vector) - 1) < 1e-5) }
    }

    @Test("optional tensors (position_ids, pooler) may be absent")
    func optionalTensors() throws {
        let tensors = TinyModel.tensors().filter { !$0.name.hasPrefix("pooler.") && $0.name != "embeddings.position_ids" }
        #expect(try loadError(tensors) == nil)
    }

    @Test("a missing tensor is reported by name")
    func missingTensor() throws {
        let name = "encoder.layer.0.output.dense.bias"
        #expect(try loadError(TinyModel.tensors().filter { $0.name != name }) == .missingTensor(name: name))
    }

    @Test("an extra tensor is reported by name")
    func extraTensor() throws {
        let extra = TinyModel.Tensor(name: "cls.predictions.bias", shape: [8], bytes: Data(count: 32))
        #expect(try loadError(TinyModel.tensors() + [extra]) == .unexpectedTensor(name: "cls.predictions.bias"))
    }

    @Test("a mis-shaped tensor is reported with both shapes")
    func misshapenTensor() throws {
        var tensors = TinyModel.tensors()
        let index = try #require(tensors.firstIndex { $0.name == "encoder.layer.0.intermediate.dense.weight" })
        tensors[index].shape = [4, 8] // same bytes, transposed shape
        #expect(try loadError(tensors) == .shapeMismatch(name: "encoder.layer.0.intermediate.dense.weight",
                                                          expected: [8, 4], got: [4, 8]))
    }

    @Test("a non-F32 weight is reported with its dtype")
    func halfPrecision() throws {
        var tensors = TinyModel.tensors()
        let index = try #require(tensors.firstIndex { $0.name == "embeddings.LayerNorm.weight" })
        tensors[index].dtype = "F16"
        tensors[index].bytes = Data(count: 8)
        #expect(try loadError(tensors) == .unsupportedDType(name: "embeddings.LayerNorm.weight", dtype: "F16"))
    }

    @Test("a truncated file is malformed")
    func truncated() throws {
        let weights = try TinyModel.safetensors(TinyModel.tensors())
        for length in [0, 5, 12, weights.count - 1] {
            let error = try loadError(weights: weights.prefix(length))
            guard case let .malformedFile(_, reason) = error else {
                Issue.record("expected malformedFile for \(length) bytes, got \(String(describing: error))")
                continue
            }
            #expect(reason.contains("truncated") || reason.contains("shorter"))
        }
    }

    @Test("a truncated copy of the real weights is malformed")
    func truncatedRealFile() throws {
        let handle = try FileHandle(forReadingFrom: TestPaths.model.appendingPathComponent("model.safetensors"))
        defer { try? handle.close() }
        let prefix = try #require(try handle.read(upToCount: 1 << 20))
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try prefix.write(to: url)
        #expect {
            try SafeTensorsFile(url: url)
        } throws: { error in
            guard case let .malformedFile(path, reason) = error as? FolioEncoderError else { return false }
            return path == url.path && reason.contains("truncated")
        }
    }

    @Test("a corrupt header is malformed")
    func corruptHeader() throws {
        var file = withUnsafeBytes(of: UInt64(9).littleEndian) { Data($0) }
        file.append(contentsOf: Array("not json!".utf8))
        guard case .malformedFile = try loadError(weights: file) else {
            Issue.record("expected malformedFile")
            return
        }
        var huge = withUnsafeBytes(of: UInt64.max.littleEndian) { Data($0) }
        huge.append(contentsOf: [0, 0])
        guard case .malformedFile = try loadError(weights: huge) else {
            Issue.record("expected malformedFile")
            return
        }
    }

    @Test("a missing folder or file names the fix")
    func missingFolder() throws {
        let parent = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        let nowhere = parent.appendingPathComponent("no-such-model")
        #expect(throws: FolioEncoderError.modelNotFound(path: nowhere.path)) {
            try SentenceEncoder(modelDirectory: nowhere)
        }
        #expect(FolioEncoderError.modelNotFound(path: nowhere.path).description.contains("Models/fetch"))
        let folder = try TinyModel.folder(weights: TinyModel.safetensors(TinyModel.tensors()), in: parent)
        let weights = folder.appendingPathComponent("model.safetensors")
        try FileManager.default.removeItem(at: weights)
        #expect(throws: FolioEncoderError.missingFile(path: weights.path)) {
            try SentenceEncoder(modelDirectory: folder)
        }
    }

    @Test("the real checkpoint holds exactly the expected tensors")
    func realCheckpoint() throws {
        let file = try SafeTensorsFile(url: TestPaths.model.appendingPathComponent("model.safetensors"))
        let configuration = try BertConfiguration(contentsOf: TestPaths.model.appendingPathComponent("config.json"))
        #expect(file.tensors.count == 104)
        #expect(Set(file.names) == Set(BertWeights.expectedTensors(configuration).map(\.name)))
        #expect(file.metadata["format"] == "pt")
        #expect(file.info("encoder.layer.0.attention.self.query.weight")?.shape == [384, 384])
        let gamma = try file.floats("embeddings.LayerNorm.weight")
        #expect(gamma.count == 384)
    }
}
