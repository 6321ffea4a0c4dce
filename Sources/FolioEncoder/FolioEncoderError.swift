/// Why the sentence encoder could not be loaded.
public enum FolioEncoderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The model folder does not exist.
    case modelNotFound(path: String)
    /// A file the model needs (`config.json`, `vocab.txt`, `model.safetensors`) is not in the model folder.
    case missingFile(path: String)
    /// The weights lack a tensor the model needs.
    case missingTensor(name: String)
    /// The weights hold a tensor this model does not have (a different architecture, or a renamed checkpoint).
    case unexpectedTensor(name: String)
    /// A tensor has the wrong shape for the configuration.
    case shapeMismatch(name: String, expected: [Int], got: [Int])
    /// A tensor is stored in a type the encoder cannot use (it needs F32 weights).
    case unsupportedDType(name: String, dtype: String)
    /// A file is not what its name promises: truncated, corrupt header, inconsistent offsets.
    case malformedFile(path: String, reason: String)
    /// `config.json` (or a sentence-transformers config) describes a model this encoder does not implement.
    case invalidConfiguration(path: String, reason: String)

    private static let refetch = "Delete Models/all-MiniLM-L6-v2 and run Models/fetch to reinstall the verified model."

    /// What went wrong and how to fix it, for the user.
    public var description: String {
        switch self {
        case let .modelNotFound(path):
            return "no model folder at \(path). Run Models/fetch to download all-MiniLM-L6-v2, "
                + "or pass the folder that holds its config.json, vocab.txt and model.safetensors."
        case let .missingFile(path):
            return "the model folder lacks \(path). Run Models/fetch to (re)install all-MiniLM-L6-v2."
        case let .missingTensor(name):
            return "the weights lack tensor '\(name)', so they are not an all-MiniLM-L6-v2 (BERT) checkpoint. "
                + Self.refetch
        case let .unexpectedTensor(name):
            return "the weights hold tensor '\(name)', which a BERT encoder does not have; "
                + "this is a different architecture. " + Self.refetch
        case let .shapeMismatch(name, expected, got):
            return "tensor '\(name)' has shape \(got) but config.json implies \(expected); "
                + "the weights and config.json come from different models. " + Self.refetch
        case let .unsupportedDType(name, dtype):
            return "tensor '\(name)' is stored as \(dtype); the encoder needs float32 (F32) weights. "
                + "Export the model in float32, or run Models/fetch for the float32 all-MiniLM-L6-v2."
        case let .malformedFile(path, reason):
            return "\(path) is damaged (\(reason)). " + Self.refetch
        case let .invalidConfiguration(path, reason):
            return "\(path) describes an unsupported model (\(reason)); Folio runs BERT sentence encoders "
                + "with mean pooling, such as all-MiniLM-L6-v2 (run Models/fetch)."
        }
    }
}
