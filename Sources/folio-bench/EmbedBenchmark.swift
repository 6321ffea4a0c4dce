import ArgumentParser
import FolioEncoder
import FolioEngine
import Foundation

/// Passages per second of Folio's encoder on a fixed passage set, with the effective GFLOP/s that implies, the
/// peak RSS, and the latency of one short query. `scripts/bench/compare-embed` runs it beside PyTorch.
struct EmbedBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Encoder throughput (passages/s, tokens/s, effective GFLOP/s), peak RSS and query latency.",
        discussion: """
            Times tokenization + encoding of every passage (as sentence-transformers' encode does), median of \
            --runs after a warm-up on the first 2·batch passages. Effective GFLOP/s counts the model's matrix products only: per token \
            and layer 2·(h·3h + h·h + 2·h·i) for the QKV, attention-output and feed-forward weights, plus \
            2·2·L·h per token and layer for QKᵀ and PV of a sequence of L tokens; each multiply-add is 2 FLOPs, \
            no padding is counted (there is none), softmax/GELU/LayerNorm are not counted.
            Example: folio-bench embed --input ../shared/fixtures/bench_passages_1000x200w.json --max-tokens 128
            """)

    @Option(help: "A JSON array of passages (strings).")
    var input: String

    @Option(help: "Truncate each passage to this many tokens, [CLS] and [SEP] included (2...256).")
    var maxTokens = 256

    @Option(help: "Sequences per batch.")
    var batch = 32

    @Option(help: "Timed repetitions after one warm-up; the median is reported.")
    var runs = 3

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    @Option(help: "Single-query embeddings timed for the latency median.")
    var queries = 50

    @Option(help: "Model folder (default: $FOLIO_MODEL, else Models/all-MiniLM-L6-v2 of the checkout).")
    var model: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (2 ... 256).contains(maxTokens) else { throw ValidationError("--max-tokens must be in 2...256") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        guard queries > 0 else { throw ValidationError("--queries must be positive") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive") }
    }

    /// User + system CPU seconds of this process so far: on a shared machine, throughput per CPU-second shows
    /// how efficiently the cores we did get were used, whatever the other tenants took.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    func run() throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw ValidationError("cannot read \(input): \(error.localizedDescription)")
        }
        guard let passages = try? JSONDecoder().decode([String].self, from: data), !passages.isEmpty else {
            throw ValidationError("\(input) is not a non-empty JSON array of strings")
        }
        let encoder = try SentenceEncoder(modelDirectory: FolioPaths.modelDirectory(explicit: model),
                                          threadCount: threads)
        let c = encoder.configuration
        let maxLength = min(maxTokens, encoder.maxSequenceLength)

        func embedAll() {
            _ = encoder.embed(tokenIDs: passages.map { encoder.tokenizer.encode($0, maxLength: maxLength) },
                              batchSize: batch)
        }
        // Warm-up on a slice (pages in the weights, starts OpenBLAS); the token ids of every passage are kept for
        // counting.
        let ids = passages.map { encoder.tokenizer.encode($0, maxLength: maxLength) }
        _ = encoder.embed(tokenIDs: Array(ids.prefix(2 * batch)), batchSize: batch)
        var times: [Double] = []
        var cpuTimes: [Double] = []
        for _ in 0 ..< runs {
            let cpuBefore = Self.processCPUSeconds()
            times.append(Bench.time { embedAll() })
            cpuTimes.append(Self.processCPUSeconds() - cpuBefore)
        }
        let seconds = Bench.median(times)
        let cpuSeconds = Bench.median(cpuTimes)

        let tokens = ids.reduce(0) { $0 + $1.count }
        let h = Double(c.hiddenSize), inner = Double(c.intermediateSize), layers = Double(c.layerCount)
        let perTokenLinear = 2 * (h * 3 * h + h * h + 2 * h * inner) * layers
        let attention = ids.reduce(0.0) { $0 + 2 * 2 * Double($1.count) * Double($1.count) * h * layers }
        let flops = perTokenLinear * Double(tokens) + attention

        let query = "how does retrieval augmented generation cite its sources?"
        _ = encoder.embed(query)
        var latencies: [Double] = []
        for _ in 0 ..< queries { latencies.append(Bench.time { _ = encoder.embed(query) }) }

        let passagesPerSecond = Double(passages.count) / seconds
        let result: [String: Any] = [
            "passages": passages.count, "tokens": tokens, "max_tokens": maxLength, "batch": batch,
            "threads": encoder.threadCount, "runs": runs, "seconds_median": seconds,
            "passages_per_s": passagesPerSecond, "tokens_per_s": Double(tokens) / seconds,
            "gflop_per_passage": flops / Double(passages.count) / 1e9, "gflop_per_s": flops / seconds / 1e9,
            "cpu_seconds_median": cpuSeconds, "gflop_per_cpu_s": flops / cpuSeconds / 1e9,
            "peak_rss_mb": Bench.peakRSSMiB(), "query_ms_median": Bench.median(latencies) * 1000,
        ]
        if json {
            Bench.printJSON(result)
            return
        }
        print("\(passages.count) passages, \(tokens) tokens (\(String(format: "%.1f", Double(tokens) / Double(passages.count))) per passage, max \(maxLength)), batch \(batch), \(encoder.threadCount) threads; median of \(runs) runs")
        print(String(format: "passages/s      %9.2f", passagesPerSecond))
        print(String(format: "tokens/s        %9.0f", Double(tokens) / seconds))
        print(String(format: "GFLOP/s         %9.1f  (%.2f GFLOP per passage, matrix products only)",
                     flops / seconds / 1e9, flops / Double(passages.count) / 1e9))
        print(String(format: "GFLOP/CPU-s     %9.1f  (per core-second of CPU time: robust to a busy machine)",
                     flops / cpuSeconds / 1e9))
        print(String(format: "peak RSS        %9.1f MiB", Bench.peakRSSMiB()))
        print(String(format: "query latency   %9.2f ms median of %d", Bench.median(latencies) * 1000, queries))
    }
}
