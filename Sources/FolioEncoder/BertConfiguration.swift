import Foundation

/// The hyperparameters of a BERT encoder, read from the model's `config.json` (Hugging Face format).
public struct BertConfiguration: Sendable, Equatable {
    /// Vocabulary size (rows of the word embedding table).
    public let vocabularySize: Int
    /// Width of every token vector (384 for all-MiniLM-L6-v2).
    public let hiddenSize: Int
    /// Number of transformer layers.
    public let layerCount: Int
    /// Number of attention heads per layer; `hiddenSize` is a multiple of it.
    public let headCount: Int
    /// Width of the feed-forward layer.
    public let intermediateSize: Int
    /// Rows of the absolute position embedding table: the longest sequence the weights can encode.
    public let maxPositions: Int
    /// Rows of the token-type embedding table.
    public let typeVocabularySize: Int
    /// LayerNorm epsilon.
    public let layerNormEpsilon: Float

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// A configuration from explicit values.
    public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                maxPositions: Int, typeVocabularySize: Int, layerNormEpsilon: Float) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
    }

    private struct File: Decodable {
        let model_type: String?
        let vocab_size: Int
        let hidden_size: Int
        let num_hidden_layers: Int
        let num_attention_heads: Int
        let intermediate_size: Int
        let max_position_embeddings: Int
        let type_vocab_size: Int?
        let layer_norm_eps: Double?
        let hidden_act: String?
        let position_embedding_type: String?
    }

    /// Reads and checks a `config.json`.
    ///
    /// - Throws: ``FolioEncoderError/missingFile(path:)``, or ``FolioEncoderError/invalidConfiguration(path:reason:)``
    ///   when the file does not parse or describes something other than a post-LayerNorm BERT with exact GELU and
    ///   absolute positions.
    public init(contentsOf url: URL) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw FolioEncoderError.missingFile(path: path) }
        func invalid(_ reason: String) -> FolioEncoderError { .invalidConfiguration(path: path, reason: reason) }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        } catch {
            throw invalid("does not parse as a BERT config: \(error)")
        }
        if let type = file.model_type, type != "bert" { throw invalid("model_type is '\(type)', not 'bert'") }
        if let act = file.hidden_act, act != "gelu" { throw invalid("hidden_act is '\(act)', not 'gelu'") }
        if let positions = file.position_embedding_type, positions != "absolute" {
            throw invalid("position_embedding_type is '\(positions)', not 'absolute'")
        }
        for (name, value) in [("vocab_size", file.vocab_size), ("hidden_size", file.hidden_size),
                              ("num_hidden_layers", file.num_hidden_layers),
                              ("num_attention_heads", file.num_attention_heads),
                              ("intermediate_size", file.intermediate_size),
                              ("max_position_embeddings", file.max_position_embeddings)] where value <= 0 {
            throw invalid("\(name) is \(value)")
        }
        guard file.hidden_size % file.num_attention_heads == 0 else {
            throw invalid("hidden_size \(file.hidden_size) is not a multiple of num_attention_heads "
                + "\(file.num_attention_heads)")
        }
        let typeVocabularySize = file.type_vocab_size ?? 2
        guard typeVocabularySize > 0 else { throw invalid("type_vocab_size is \(typeVocabularySize)") }
        self.init(vocabularySize: file.vocab_size, hiddenSize: file.hidden_size, layerCount: file.num_hidden_layers,
                  headCount: file.num_attention_heads, intermediateSize: file.intermediate_size,
                  maxPositions: file.max_position_embeddings, typeVocabularySize: typeVocabularySize,
                  layerNormEpsilon: Float(file.layer_norm_eps ?? 1e-12))
    }
}
