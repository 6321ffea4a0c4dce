import Dispatch
import FolioTensor

/// Scratch tensors for one forward pass, sized for a batch and reused by every layer (llama2.c's `RunState`).
final class BertWorkspace {
    /// Feed-forward rows per step: the `[rows, intermediate]` activation then stays in cache between its two GEMMs.
    static let feedForwardRows = 1024

    let tokenCapacity: Int
    let lengthCapacity: Int
    /// Threads that share this batch's work (see ``BertModel/encode(_:workspace:outputs:threads:observeHiddenStates:)``).
    let threads: Int
    let hidden: FloatBuffer       // [tokens, hidden]
    let qkv: FloatBuffer          // [tokens, 3 * hidden]
    let context: FloatBuffer      // [tokens, hidden]
    let intermediate: FloatBuffer // [min(tokens, feedForwardRows), intermediate]
    let scores: FloatBuffer       // [threads, length, length]: one head of one sequence per thread at a time
    let inverseSums: FloatBuffer  // [threads, length]: 1 / the softmax denominators of those scores' rows

    init(configuration c: BertConfiguration, tokens: Int, longestSequence: Int, threads: Int = 1) {
        precondition(threads >= 1, "a workspace needs at least one thread")
        tokenCapacity = tokens
        lengthCapacity = longestSequence
        self.threads = threads
        hidden = FloatBuffer(count: tokens * c.hiddenSize)
        qkv = FloatBuffer(count: tokens * 3 * c.hiddenSize)
        context = FloatBuffer(count: tokens * c.hiddenSize)
        intermediate = FloatBuffer(count: min(tokens, Self.feedForwardRows) * c.intermediateSize)
        scores = FloatBuffer(count: threads * longestSequence * longestSequence)
        inverseSums = FloatBuffer(count: threads * longestSequence)
    }

    func fits(tokens: Int, longestSequence: Int) -> Bool {
        tokens <= tokenCapacity && longestSequence <= lengthCapacity
    }

    /// A workspace for `sequences` (longest first) on `threads` threads: `existing` when it has that thread count
    /// and room for them, else a new one sized for them.
    static func reusing(_ existing: BertWorkspace?, for sequences: [[Int32]], threads: Int,
                        configuration: BertConfiguration) -> BertWorkspace {
        let tokens = sequences.reduce(0) { $0 + $1.count }
        let longest = sequences.first?.count ?? 1
        if let existing, existing.threads == threads, existing.fits(tokens: tokens, longestSequence: longest) {
            return existing
        }
        return BertWorkspace(configuration: configuration, tokens: tokens, longestSequence: longest, threads: threads)
    }
}

/// A BERT encoder (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers") with
/// sentence-transformers mean pooling and L2 normalization on top (Reimers & Gurevych 2019, "Sentence-BERT").
///
/// A batch is *packed*: its sequences' tokens sit back to back in one `[tokens, hidden]` matrix, so the linear
/// layers multiply no padding at all, and attention runs per sequence and head over that sequence's own rows, which
/// is exactly what an attention mask over padded positions computes.
struct BertModel: Sendable {
    let weights: BertWeights

    var configuration: BertConfiguration { weights.configuration }

    /// Output columns per `sgemm` call that let OpenBLAS skip packing the weight, or nil for larger batches.
    ///
    /// For a handful of rows (a query of a dozen tokens) a linear layer costs OpenBLAS more in copying the whole
    /// weight into its packed panels than in multiplying. Its AVX-512 kernels (SkylakeX/Cooperlake cores) have a
    /// small-matrix path that reads the operands in place, taken for this layout (`Wᵀ`-times-activations in
    /// column-major terms) when the product has at most 10⁶ multiply-adds and at most 1,200 outputs. Splitting
    /// the weight into column blocks within those limits takes that path; other cores ignore the split (same
    /// result, a few more calls). Blocks are whole 16-column panels.
    static func unpackedBlock(rows: Int, k: Int) -> Int? {
        guard rows > 0, k >= 32 else { return nil }
        let byOutputs = 1200 / rows, byWork = 1_000_000 / (rows * k)
        let block = min(byOutputs, byWork) / 16 * 16
        return block >= 16 ? block : nil
    }

    /// Encodes a batch into mean-pooled, L2-normalized sentence vectors.
    ///
    /// - Parameters:
    ///   - sequences: token ids, `[CLS] … [SEP]`, each non-empty, at most `maxPositions` long, ids in range.
    ///   - workspace: scratch sized for at least this batch.
    ///   - outputs: one pointer per sequence to `hidden` floats receiving its embedding.
    ///   - threads: the workspace's thread count. Above 1, every linear layer is split by output columns and
    ///     attention by heads across that many threads, so one small batch (a query) uses all cores; a column of
    ///     the result is computed the same way whichever thread computes it.
    ///   - observeHiddenStates: called with `(stage, [tokens, hidden])` after the embeddings (stage 0) and after
    ///     each layer (stages 1…layerCount); for debugging a port layer by layer.
    func encode(_ sequences: [[Int32]], workspace: BertWorkspace, outputs: [UnsafeMutablePointer<Float>],
                observeHiddenStates: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) {
        let threads = workspace.threads
        let c = configuration
        let h = c.hiddenSize, h3 = 3 * h, headSize = c.headSize, inner = c.intermediateSize
        precondition(outputs.count == sequences.count, "one output per sequence")
        var offsets: [Int] = []
        offsets.reserveCapacity(sequences.count + 1)
        offsets.append(0)
        var longestSoFar = 0
        for sequence in sequences {
            precondition(!sequence.isEmpty && sequence.count <= c.maxPositions,
                         "a sequence must hold 1...\(c.maxPositions) tokens")
            offsets.append(offsets[offsets.count - 1] + sequence.count)
            longestSoFar = max(longestSoFar, sequence.count)
        }
        let longest = longestSoFar
        let tokens = offsets[offsets.count - 1]
        precondition(workspace.fits(tokens: tokens, longestSequence: longest), "workspace too small for the batch")

        let hidden = workspace.hidden.pointer          // [tokens, hidden]
        let qkv = workspace.qkv.pointer                // [tokens, 3 * hidden]
        let context = workspace.context.pointer        // [tokens, hidden]
        let intermediate = workspace.intermediate.pointer // [feedForwardRows, intermediate]
        // Shared by the attention threads below, each using its own slice by thread index (see `attend`).
        nonisolated(unsafe) let scores = workspace.scores.pointer          // [threads, length, length]
        nonisolated(unsafe) let inverseSums = workspace.inverseSums.pointer // [threads, length]
        func observe(_ stage: Int) {
            observeHiddenStates?(stage, UnsafeBufferPointer(start: hidden, count: tokens * h))
        }

        // Embeddings: (word + token type 0) + absolute position, then LayerNorm.
        for (s, sequence) in sequences.enumerated() {
            for (position, id) in sequence.enumerated() {
                precondition(id >= 0 && Int(id) < c.vocabularySize, "token id \(id) outside the vocabulary")
                Kernels.sum(weights.wordEmbeddings.pointer + Int(id) * h, weights.tokenTypeEmbedding.pointer,
                            weights.positionEmbeddings.pointer + position * h,
                            into: hidden + (offsets[s] + position) * h, count: h)
            }
        }
        Kernels.layerNorm(hidden, rows: tokens, columns: h, bias: nil, gamma: weights.embeddingNormGamma.pointer,
                          beta: weights.embeddingNormBeta.pointer, epsilon: c.layerNormEpsilon)
        observe(0)

        /// `c[:, 0..<n] (+)= a · bᵀ` for a weight `b` `[n, k]`, split into column blocks when several threads share
        /// the batch.
        func linear(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
            // The threads below share these buffers: each reads `a` and `b` and writes its own block of output
            // columns of `c`, so no two threads touch the same element (the invariant that makes this safe).
            nonisolated(unsafe) let a = a, b = b, c = c
            if let block = Self.unpackedBlock(rows: m, k: k), block < n {
                // A few rows (a query): see `unpackedBlock`. Blocks of output columns, shared by the threads.
                let blocks = (n + block - 1) / block
                let run: @Sendable (Int) -> Void = { (index: Int) in
                    let first = index * block, count = min(block, n - first)
                    BLAS.sgemm(transposeB: true, m: m, n: count, k: k, a: a, lda: lda, b: b + first * k, ldb: k,
                               beta: beta, c: c + first, ldc: ldc)
                }
                if threads > 1 {
                    DispatchQueue.concurrentPerform(iterations: blocks, execute: run)
                } else {
                    for index in 0 ..< blocks { run(index) }
                }
                return
            }
            guard threads > 1 else {
                BLAS.sgemm(transposeB: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: k, beta: beta, c: c, ldc: ldc)
                return
            }
            // Blocks of whole 16-column panels, so every thread runs OpenBLAS's full-width kernels.
            let block = (n / threads + 15) / 16 * 16
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let first = t * block, count = min(block, n - first)
                guard count > 0 else { return }
                BLAS.sgemm(transposeB: true, m: m, n: count, k: k, a: a, lda: lda, b: b + first * k, ldb: k,
                           beta: beta, c: c + first, ldc: ldc)
            }
        }
        let scale = 1 / Float(headSize).squareRoot()
        // Each thread of the attention below has its own slice of `scores` and `inverseSums` (by thread index) and
        // writes only its heads' columns of the output: the invariant that makes sharing the pointers safe.
        /// softmax(Q Kᵀ / √d) V for one head of one sequence, into the head's columns of `context`.
        @Sendable func attend(rows: UnsafeMutablePointer<Float>, length: Int, head: Int,
                    into output: UnsafeMutablePointer<Float>, thread: Int) {
            let column = head * headSize
            let scores = scores + thread * longest * longest      // [length, length]
            let inverseSums = inverseSums + thread * longest      // [length]
            BLAS.sgemm(transposeB: true, m: length, n: length, k: headSize, alpha: scale,
                       a: rows + column, lda: h3, b: rows + h + column, ldb: h3,
                       c: scores, ldc: length)
            Kernels.exponentiateRows(scores, rows: length, columns: length, rowStride: length,
                                     inverseSums: inverseSums)
            BLAS.sgemm(m: length, n: headSize, k: length, a: scores, lda: length,
                       b: rows + 2 * h + column, ldb: h3,
                       c: output + column, ldc: h)
            Kernels.scaleRows(output + column, rows: length, columns: headSize, rowStride: h, by: inverseSums)
        }
        for (index, layer) in weights.layers.enumerated() {
            // Fused projection: qkv = hidden · [Wq; Wk; Wv]ᵀ + [bq; bk; bv].
            Kernels.broadcast(row: layer.qkvBias.pointer, into: qkv, rows: tokens, columns: h3, rowStride: h3)
            linear(m: tokens, n: h3, k: h, a: hidden, lda: h, b: layer.qkvWeight.pointer, beta: 1, c: qkv, ldc: h3)

            // Attention, per sequence and head, the heads spread over the threads.
            for s in sequences.indices {
                let start = offsets[s], length = offsets[s + 1] - start
                // Read by every head's thread; written per head in disjoint columns (see `attend`).
                nonisolated(unsafe) let rows = qkv + start * h3, output = context + start * h
                if threads > 1 {
                    DispatchQueue.concurrentPerform(iterations: threads) { t in
                        for head in stride(from: t, to: c.headCount, by: threads) {
                            attend(rows: rows, length: length, head: head, into: output, thread: t)
                        }
                    }
                } else {
                    for head in 0 ..< c.headCount {
                        attend(rows: rows, length: length, head: head, into: output, thread: 0)
                    }
                }
            }

            // hidden = LayerNorm(hidden + context · Woᵀ + bo)
            linear(m: tokens, n: h, k: h, a: context, lda: h, b: layer.attentionOutputWeight.pointer, beta: 1,
                   c: hidden, ldc: h)
            Kernels.layerNorm(hidden, rows: tokens, columns: h, bias: layer.attentionOutputBias.pointer,
                              gamma: layer.attentionNormGamma.pointer, beta: layer.attentionNormBeta.pointer,
                              epsilon: c.layerNormEpsilon)

            // hidden = LayerNorm(hidden + GELU(hidden · Wiᵀ + bi) · Wo2ᵀ + bo2), a block of rows at a time.
            var first = 0
            while first < tokens {
                let count = min(BertWorkspace.feedForwardRows, tokens - first)
                let block = hidden + first * h
                linear(m: count, n: inner, k: h, a: block, lda: h, b: layer.intermediateWeight.pointer, beta: 0,
                       c: intermediate, ldc: inner)
                Kernels.addBiasGELU(intermediate, rows: count, columns: inner, bias: layer.intermediateBias.pointer)
                linear(m: count, n: h, k: inner, a: intermediate, lda: inner, b: layer.outputWeight.pointer, beta: 1,
                       c: block, ldc: h)
                Kernels.layerNorm(block, rows: count, columns: h, bias: layer.outputBias.pointer,
                                  gamma: layer.outputNormGamma.pointer, beta: layer.outputNormBeta.pointer,
                                  epsilon: c.layerNormEpsilon)
                first += count
            }
            observe(index + 1)
        }

        // Mean over every token of the sequence ([CLS] and [SEP] included), then unit length.
        for s in sequences.indices {
            Kernels.meanRows(hidden + offsets[s] * h, rows: offsets[s + 1] - offsets[s], columns: h, into: outputs[s])
            Kernels.l2Normalize(outputs[s], count: h)
        }
    }
}
