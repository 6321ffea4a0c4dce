import FolioTensor

/// The weights of a BERT encoder, checked against the configuration and laid out for inference.
///
/// Tensor names are those of a Hugging Face `BertModel` without the `bert.` prefix. Loading fails on any missing,
/// extra, mis-typed or mis-shaped tensor (the mlx-swift `verify: .all` rule). `embeddings.position_ids` (a saved
/// `arange` buffer) and the `pooler.*` layer are accepted, shape-checked and ignored: sentence-transformers mean-pools
/// the last hidden states and never runs the pooler, and some exports omit both.
struct BertWeights: Sendable {
    /// One transformer layer. Linear weights keep PyTorch's `[out, in]` layout (multiplied with `transposeB`).
    struct Layer: Sendable {
        let qkvWeight: FloatBuffer            // [3 * hidden, hidden]: query, key, value rows stacked
        let qkvBias: FloatBuffer              // [3 * hidden]
        let attentionOutputWeight: FloatBuffer // [hidden, hidden]
        let attentionOutputBias: FloatBuffer  // [hidden]
        let attentionNormGamma: FloatBuffer   // [hidden]
        let attentionNormBeta: FloatBuffer    // [hidden]
        let intermediateWeight: FloatBuffer   // [intermediate, hidden]
        let intermediateBias: FloatBuffer     // [intermediate]
        let outputWeight: FloatBuffer         // [hidden, intermediate]
        let outputBias: FloatBuffer           // [hidden]
        let outputNormGamma: FloatBuffer      // [hidden]
        let outputNormBeta: FloatBuffer       // [hidden]
    }

    let configuration: BertConfiguration
    let wordEmbeddings: FloatBuffer           // [vocabulary, hidden]
    let positionEmbeddings: FloatBuffer       // [maxPositions, hidden]
    let tokenTypeEmbedding: FloatBuffer       // [hidden]: type 0, the only one a single-segment input uses
    let embeddingNormGamma: FloatBuffer       // [hidden]
    let embeddingNormBeta: FloatBuffer        // [hidden]
    let layers: [Layer]

    /// A tensor the checkpoint must (or may) hold.
    struct Expected {
        let name: String
        let shape: [Int]
        let dtype: String
        let required: Bool
    }

    /// Every tensor a `BertModel` checkpoint of this configuration holds, in file order.
    static func expectedTensors(_ c: BertConfiguration) -> [Expected] {
        let h = c.hiddenSize, i = c.intermediateSize
        func f32(_ name: String, _ shape: [Int]) -> Expected {
            Expected(name: name, shape: shape, dtype: "F32", required: true)
        }
        var expected = [
            f32("embeddings.word_embeddings.weight", [c.vocabularySize, h]),
            f32("embeddings.position_embeddings.weight", [c.maxPositions, h]),
            f32("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h]),
            f32("embeddings.LayerNorm.weight", [h]),
            f32("embeddings.LayerNorm.bias", [h]),
            Expected(name: "embeddings.position_ids", shape: [1, c.maxPositions], dtype: "I64", required: false),
        ]
        for l in 0 ..< c.layerCount {
            let p = "encoder.layer.\(l)."
            expected += [
                f32(p + "attention.self.query.weight", [h, h]), f32(p + "attention.self.query.bias", [h]),
                f32(p + "attention.self.key.weight", [h, h]), f32(p + "attention.self.key.bias", [h]),
                f32(p + "attention.self.value.weight", [h, h]), f32(p + "attention.self.value.bias", [h]),
                f32(p + "attention.output.dense.weight", [h, h]), f32(p + "attention.output.dense.bias", [h]),
                f32(p + "attention.output.LayerNorm.weight", [h]), f32(p + "attention.output.LayerNorm.bias", [h]),
                f32(p + "intermediate.dense.weight", [i, h]), f32(p + "intermediate.dense.bias", [i]),
                f32(p + "output.dense.weight", [h, i]), f32(p + "output.dense.bias", [h]),
                f32(p + "output.LayerNorm.weight", [h]), f32(p + "output.LayerNorm.bias", [h]),
            ]
        }
        expected += [
            Expected(name: "pooler.dense.weight", shape: [h, h], dtype: "F32", required: false),
            Expected(name: "pooler.dense.bias", shape: [h], dtype: "F32", required: false),
        ]
        return expected
    }

    /// Checks `file` against the configuration and takes the weights from it: views into the mapped file where
    /// possible (nothing copied, so loading costs no more than the pages a forward pass touches), copies otherwise.
    ///
    /// - Throws: ``FolioEncoderError`` `.unexpectedTensor`, `.missingTensor`, `.unsupportedDType` or `.shapeMismatch`
    ///   for the first problem found, in that order.
    init(file: SafeTensorsFile, configuration c: BertConfiguration) throws {
        let expected = Self.expectedTensors(c)
        let known = Set(expected.map(\.name))
        if let extra = file.names.first(where: { !known.contains($0) }) {
            throw FolioEncoderError.unexpectedTensor(name: extra)
        }
        if let missing = expected.first(where: { $0.required && file.info($0.name) == nil }) {
            throw FolioEncoderError.missingTensor(name: missing.name)
        }
        for tensor in expected {
            guard let info = file.info(tensor.name) else { continue }
            guard info.dtype == tensor.dtype else {
                throw FolioEncoderError.unsupportedDType(name: tensor.name, dtype: info.dtype)
            }
            guard info.shape == tensor.shape else {
                throw FolioEncoderError.shapeMismatch(name: tensor.name, expected: tensor.shape, got: info.shape)
            }
        }

        func load(_ name: String) throws -> FloatBuffer {
            if let borrowed = file.borrowFloats(name) { return borrowed }
            let buffer = FloatBuffer(count: file.info(name)?.elementCount ?? 0)
            try file.copyFloats(name, into: buffer.buffer)
            return buffer
        }
        /// Loads tensors back to back into one buffer, e.g. query, key and value weights into one QKV matrix.
        func stack(_ names: [String]) throws -> FloatBuffer {
            let total = names.reduce(0) { $0 + (file.info($1)?.elementCount ?? 0) }
            let buffer = FloatBuffer(count: total)
            var offset = 0
            for name in names {
                let count = file.info(name)?.elementCount ?? 0
                try file.copyFloats(name, into: UnsafeMutableBufferPointer(start: buffer.pointer + offset, count: count))
                offset += count
            }
            return buffer
        }

        configuration = c
        wordEmbeddings = try load("embeddings.word_embeddings.weight")
        positionEmbeddings = try load("embeddings.position_embeddings.weight")
        let types = try load("embeddings.token_type_embeddings.weight")
        tokenTypeEmbedding = FloatBuffer(copying: UnsafeBufferPointer(start: types.pointer, count: c.hiddenSize))
        embeddingNormGamma = try load("embeddings.LayerNorm.weight")
        embeddingNormBeta = try load("embeddings.LayerNorm.bias")
        layers = try (0 ..< c.layerCount).map { l in
            let p = "encoder.layer.\(l)."
            let qkv = ["query", "key", "value"].map { p + "attention.self.\($0)" }
            return Layer(
                qkvWeight: try stack(qkv.map { $0 + ".weight" }),
                qkvBias: try stack(qkv.map { $0 + ".bias" }),
                attentionOutputWeight: try load(p + "attention.output.dense.weight"),
                attentionOutputBias: try load(p + "attention.output.dense.bias"),
                attentionNormGamma: try load(p + "attention.output.LayerNorm.weight"),
                attentionNormBeta: try load(p + "attention.output.LayerNorm.bias"),
                intermediateWeight: try load(p + "intermediate.dense.weight"),
                intermediateBias: try load(p + "intermediate.dense.bias"),
                outputWeight: try load(p + "output.dense.weight"),
                outputBias: try load(p + "output.dense.bias"),
                outputNormGamma: try load(p + "output.LayerNorm.weight"),
                outputNormBeta: try load(p + "output.LayerNorm.bias"))
        }
    }
}
