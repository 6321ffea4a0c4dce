import Dispatch
import FolioTensor
import FolioTokenizer
import Foundation

/// Turns text into 384-dimensional unit vectors with all-MiniLM-L6-v2, matching sentence-transformers:
/// WordPiece tokens `[CLS] … [SEP]` (at most ``maxSequenceLength``), BERT, mean pooling over all tokens, L2 norm.
///
/// Inputs are sorted by length and cut into batches of similar lengths; the batches run on one worker thread per
/// core, each with its own scratch buffers. An instance holds only immutable weights, so it can be shared across
/// threads and tasks.
/// `@unchecked Sendable`: immutable after init: every stored property is a `let`, and the weights (`model`) are
/// never written after loading; each call's scratch buffers and output are its own.
public final class SentenceEncoder: @unchecked Sendable {
    /// The model's WordPiece tokenizer.
    public let tokenizer: WordPieceTokenizer
    /// The BERT hyperparameters from `config.json`.
    public let configuration: BertConfiguration
    /// How many batches run at once.
    public let threadCount: Int
    let model: BertModel
    let maxLength: Int

    /// Loads a sentence-transformers BERT model folder: `config.json`, `vocab.txt`, `model.safetensors`, and, when
    /// present, `sentence_bert_config.json` (for `max_seq_length`) and `1_Pooling/config.json` (must be mean pooling).
    ///
    /// - Parameters:
    ///   - modelDirectory: e.g. `Models/all-MiniLM-L6-v2`.
    ///   - threadCount: worker threads; by default one per active core.
    /// - Throws: ``FolioEncoderError`` when the folder, a file or a tensor is missing or inconsistent;
    ///   `FolioTokenizerError` when `vocab.txt` is unusable.
    public init(modelDirectory: URL, threadCount: Int? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelDirectory.path, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw FolioEncoderError.modelNotFound(path: modelDirectory.path)
        }
        let configURL = modelDirectory.appendingPathComponent("config.json")
        let vocabularyURL = modelDirectory.appendingPathComponent("vocab.txt")
        let weightsURL = modelDirectory.appendingPathComponent("model.safetensors")
        for url in [configURL, vocabularyURL, weightsURL] where !FileManager.default.fileExists(atPath: url.path) {
            throw FolioEncoderError.missingFile(path: url.path)
        }

        let configuration = try BertConfiguration(contentsOf: configURL)
        let tokenizer = try WordPieceTokenizer(vocabularyURL: vocabularyURL)
        guard tokenizer.vocabularySize <= configuration.vocabularySize else {
            throw FolioEncoderError.invalidConfiguration(
                path: vocabularyURL.path,
                reason: "\(tokenizer.vocabularySize) tokens but the embedding table has \(configuration.vocabularySize) rows")
        }
        let maxLength = try Self.readMaxSequenceLength(in: modelDirectory, configuration: configuration)
        try Self.checkPooling(in: modelDirectory)
        let weights = try BertWeights(file: SafeTensorsFile(url: weightsURL), configuration: configuration)

        self.tokenizer = tokenizer
        self.configuration = configuration
        self.maxLength = maxLength
        self.model = BertModel(weights: weights)
        self.threadCount = max(1, threadCount ?? ProcessInfo.processInfo.activeProcessorCount)
        BLAS.prepare()
    }

    /// The length of the embeddings (384).
    public var dimension: Int { configuration.hiddenSize }

    /// The longest token sequence encoded, `[CLS]` and `[SEP]` included (256); longer texts are truncated.
    public var maxSequenceLength: Int { maxLength }

    /// Embeds one text.
    ///
    /// - Returns: a unit vector of ``dimension`` floats.
    public func embed(_ text: String) -> [Float] {
        embed([text])[0]
    }

    /// Embeds texts, truncating each to ``maxSequenceLength`` tokens.
    ///
    /// - Parameters:
    ///   - texts: any texts, empty ones included.
    ///   - batchSize: the most sequences run through the model together.
    /// - Returns: one unit vector of ``dimension`` floats per text, in order.
    /// - Complexity: O(*n*·(*L*·d² + *L*²·d)) for *n* texts of *L* tokens.
    public func embed(_ texts: [String], batchSize: Int = 32) -> [[Float]] {
        embed(tokenIDs: texts.map { tokenizer.encode($0, maxLength: maxLength) }, batchSize: batchSize)
    }

    /// Embeds already-tokenized sequences.
    ///
    /// - Parameters:
    ///   - tokenIDs: model inputs as ``WordPieceTokenizer/encode(_:maxLength:)`` makes them: each non-empty, at
    ///     most ``maxSequenceLength`` ids, all inside the vocabulary (a precondition).
    ///   - batchSize: the most sequences run through the model together.
    /// - Returns: one unit vector of ``dimension`` floats per sequence, in order.
    public func embed(tokenIDs: [[Int32]], batchSize: Int = 32) -> [[Float]] {
        embed(tokenIDs: tokenIDs, batchSize: batchSize, observeHiddenStates: nil)
    }

    /// ``embed(tokenIDs:batchSize:)`` with a hook that sees every layer's hidden states (tests use it).
    func embed(tokenIDs: [[Int32]], batchSize: Int,
               observeHiddenStates: (@Sendable (Int, UnsafeBufferPointer<Float>) -> Void)?) -> [[Float]] {
        precondition(batchSize > 0, "batchSize must be positive")
        for ids in tokenIDs {
            precondition(!ids.isEmpty && ids.count <= maxLength,
                         "a token sequence must hold 1...\(maxLength) ids, not \(ids.count)")
        }
        let count = tokenIDs.count
        guard count > 0 else { return [] }
        let dimension = self.dimension

        let workers = observeHiddenStates == nil ? min(threadCount, count) : 1
        let batches = Self.batches(tokenIDs, batchSize: batchSize, workers: workers)
        let output = FloatBuffer(count: count * dimension) // [texts, dimension]
        let queue = BatchQueue(count: batches.count)
        let model = self.model
        let threads = min(workers, batches.count)
        // Fewer batches than cores (a query, a short document): the cores share each batch's GEMMs instead.
        let threadsPerBatch = max(1, threadCount / threads)

        let work: @Sendable (Int) -> Void = { _ in
            var workspace: BertWorkspace?
            while let index = queue.next() {
                let batch = batches[index]
                let sequences = batch.map { tokenIDs[$0] }
                let scratch = BertWorkspace.reusing(workspace, for: sequences, threads: threadsPerBatch,
                                                    configuration: model.configuration)
                workspace = scratch
                model.encode(sequences, workspace: scratch, outputs: batch.map { output.pointer + $0 * dimension },
                             observeHiddenStates: observeHiddenStates)
            }
        }
        if threads == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: threads, execute: work)
        }
        return Self.rows(of: output, count: count, width: dimension)
    }

    /// The indices of `sequences`, longest first, cut into batches of similar lengths (each worker's first batch
    /// is its largest). Several batches per worker, so a worker that drew short sequences takes more of them;
    /// beyond about a thousand tokens a batch gains nothing from growing (the GEMMs are already compute-bound).
    static func batches(_ sequences: [[Int32]], batchSize: Int, workers: Int) -> [[Int]] {
        let count = sequences.count
        guard count > 0 else { return [] }
        let order = sequences.indices.sorted { a, b in
            sequences[a].count != sequences[b].count ? sequences[a].count > sequences[b].count : a < b
        }
        let perBatch = max(1, min(batchSize, (count + 4 * workers - 1) / (4 * workers)))
        return stride(from: 0, to: count, by: perBatch).map { Array(order[$0 ..< min($0 + perBatch, count)]) }
    }

    /// The first `count` rows of `width` floats of `buffer`, as arrays.
    static func rows(of buffer: FloatBuffer, count: Int, width: Int) -> [[Float]] {
        (0 ..< count).map { Array(UnsafeBufferPointer(start: buffer.pointer + $0 * width, count: width)) }
    }

    private static func readMaxSequenceLength(in directory: URL, configuration: BertConfiguration) throws -> Int {
        let url = directory.appendingPathComponent("sentence_bert_config.json")
        let fallback = min(WordPieceTokenizer.defaultMaxLength, configuration.maxPositions)
        guard FileManager.default.fileExists(atPath: url.path) else { return fallback }
        struct File: Decodable { let max_seq_length: Int? }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        } catch {
            throw FolioEncoderError.invalidConfiguration(path: url.path, reason: "does not parse: \(error)")
        }
        guard let length = file.max_seq_length else { return fallback }
        guard (2 ... configuration.maxPositions).contains(length) else {
            throw FolioEncoderError.invalidConfiguration(
                path: url.path,
                reason: "max_seq_length \(length) is outside 2...\(configuration.maxPositions)")
        }
        return length
    }

    private static func checkPooling(in directory: URL) throws {
        let url = directory.appendingPathComponent("1_Pooling/config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        struct File: Decodable {
            let pooling_mode_mean_tokens: Bool?
            let pooling_mode_cls_token: Bool?
            let pooling_mode_max_tokens: Bool?
            let pooling_mode_mean_sqrt_len_tokens: Bool?
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        } catch {
            throw FolioEncoderError.invalidConfiguration(path: url.path, reason: "does not parse: \(error)")
        }
        let others = [file.pooling_mode_cls_token, file.pooling_mode_max_tokens, file.pooling_mode_mean_sqrt_len_tokens]
        guard file.pooling_mode_mean_tokens == true, others.allSatisfy({ $0 != true }) else {
            throw FolioEncoderError.invalidConfiguration(path: url.path, reason: "only mean pooling is supported")
        }
    }
}

/// Hands out batch indices to worker threads, each once.
/// `@unchecked Sendable`: `lock` guards `nextIndex`; `count` is a `let`.
private final class BatchQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
}
