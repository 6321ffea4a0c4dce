import Foundation
@testable import FolioEncoder
import FolioTestSupport
import Testing

@Suite("SentenceEncoder against the reference")
struct SentenceEncoderTests {
    @Test("the reference fixture holds 53 sentences")
    func fixtureLoads() throws {
        #expect(try Fixtures.loadSentences().count == 53)
    }

    @Test("the model loads with MiniLM's shape")
    func shape() throws {
        let encoder = try Fixtures.encoder.get()
        #expect(encoder.dimension == 384)
        #expect(encoder.maxSequenceLength == 256)
        #expect(encoder.configuration.layerCount == 6)
        #expect(encoder.configuration.headCount == 12)
        #expect(encoder.tokenizer.vocabularySize == 30522)
    }

    @Test("each sentence embedded alone matches the reference", arguments: Fixtures.sentences)
    func alone(_ sentence: ReferenceSentence) throws {
        let encoder = try Fixtures.encoder.get()
        let embedding = encoder.embed(sentence.text)
        #expect(embedding.count == 384)
        #expect(cosine(embedding, sentence.embedding) >= 0.9999)
        #expect(maxAbsDifference(embedding, sentence.embedding) <= 1e-4)
        #expect(abs(norm(embedding) - 1) <= 1e-5)
    }

    @Test("all sentences in one mixed-length batch match the reference and the single results")
    func oneBatch() throws {
        let sentences = try Fixtures.loadSentences()
        // One thread, so all 53 mixed-length sequences really go through the model together.
        let encoder = try SentenceEncoder(modelDirectory: TestPaths.model, threadCount: 1)
        let batched = encoder.embed(sentences.map(\.text), batchSize: 64)
        #expect(batched.count == sentences.count)
        for (embedding, sentence) in zip(batched, sentences) {
            #expect(cosine(embedding, sentence.embedding) >= 0.9999, "\(sentence.testDescription)")
            #expect(maxAbsDifference(embedding, sentence.embedding) <= 1e-4, "\(sentence.testDescription)")
            #expect(abs(norm(embedding) - 1) <= 1e-5)
            #expect(maxAbsDifference(embedding, encoder.embed(sentence.text)) <= 1e-6,
                    "batched vs alone, \(sentence.testDescription)")
        }
    }

    @Test("parallel batches and token-id input give the same vectors, in input order")
    func parallelBatches() throws {
        let sentences = try Fixtures.loadSentences()
        let encoder = try Fixtures.encoder.get()
        let byText = encoder.embed(sentences.map(\.text), batchSize: 5)
        let byIDs = encoder.embed(tokenIDs: sentences.map(\.inputIDs), batchSize: 7)
        #expect(byText.count == sentences.count && byIDs.count == sentences.count)
        for ((a, b), sentence) in zip(zip(byText, byIDs), sentences) {
            #expect(maxAbsDifference(a, b) <= 1e-6)
            #expect(maxAbsDifference(a, sentence.embedding) <= 1e-4, "\(sentence.testDescription)")
        }
        #expect(encoder.embed([String]()).isEmpty)
        #expect(encoder.embed(tokenIDs: []).isEmpty)
    }

    @Test("a series of documents embeds as each alone: in order, empty ones included, vectors unchanged")
    func series() throws {
        let sentences = try Fixtures.loadSentences()
        let encoder = try Fixtures.encoder.get()
        let documents: [[ReferenceSentence]] = [Array(sentences[0 ..< 20]), [], Array(sentences[20 ..< 23]),
                                                 Array(sentences[23...])]
        var started: [Int] = [], handled: [Int] = []
        encoder.embedSeries(Array(documents.enumerated()), batchSize: 4, texts: { $0.element.map(\.text) },
                            started: { started.append($0.offset) }, handle: { item, vectors in
            handled.append(item.offset)
            #expect(started.contains(item.offset))
            #expect(vectors.count == item.element.count)
            for (vector, sentence) in zip(vectors, item.element) {
                #expect(cosine(vector, sentence.embedding) >= 0.9999, "\(sentence.testDescription)")
                #expect(maxAbsDifference(vector, encoder.embed(sentence.text)) <= 1e-6, "\(sentence.testDescription)")
            }
        })
        #expect(started == [0, 1, 2, 3] && handled == [0, 1, 2, 3])
        encoder.embedSeries([[String]](), texts: { $0 }, handle: { _, _ in Issue.record("nothing to handle") })
    }

    @Test("every thread count and batch size matches the reference",
          arguments: [1, 3], [1, 4, 64])
    func threadsAndBatchSizes(threads: Int, batchSize: Int) throws {
        // Two threads are what the other tests run with. Six sentences, a 256-token one among them, keep this
        // matrix quick in a debug build while still mixing lengths in a batch.
        let all = try Fixtures.loadSentences()
        let longest = try #require(all.max { $0.inputIDs.count < $1.inputIDs.count })
        let sentences = Array(all.prefix(5)) + [longest]
        let encoder = try SentenceEncoder(modelDirectory: TestPaths.model, threadCount: threads)
        let embeddings = encoder.embed(sentences.map(\.text), batchSize: batchSize)
        #expect(embeddings.count == sentences.count)
        for (embedding, sentence) in zip(embeddings, sentences) {
            #expect(cosine(embedding, sentence.embedding) >= 0.9999, "\(sentence.testDescription)")
            #expect(maxAbsDifference(embedding, sentence.embedding) <= 1e-4, "\(sentence.testDescription)")
        }
    }

    @Test("a lone sequence split across threads gives the one-thread vector")
    func splitAcrossThreads() throws {
        let sentences = try Fixtures.loadSentences()
        let text = try #require(sentences.max { $0.inputIDs.count < $1.inputIDs.count }).text
        let one = try SentenceEncoder(modelDirectory: TestPaths.model, threadCount: 1).embed(text)
        // Three threads split 1152, 384 and 1536 columns and 12 heads unevenly.
        let three = try SentenceEncoder(modelDirectory: TestPaths.model, threadCount: 3).embed(text)
        #expect(maxAbsDifference(one, three) <= 1e-6)
    }

    @Test("texts longer than 256 tokens are truncated, not rejected")
    func truncation() throws {
        let encoder = try Fixtures.encoder.get()
        let long = String(repeating: "retrieval augmented generation ", count: 300)
        let truncated = encoder.tokenizer.encode(long)
        #expect(truncated.count == 256)
        #expect(maxAbsDifference(encoder.embed(long), encoder.embed(tokenIDs: [truncated])[0]) <= 1e-6)
    }

    @Test("hidden states after each layer match the reference for \"Hello world\"")
    func layerByLayer() throws {
        let debug = try Fixtures.loadDebugLayers()
        let encoder = try Fixtures.encoder.get()
        #expect(encoder.tokenizer.encode(debug.text) == debug.inputIDs)
        #expect(debug.hiddenStates.count == encoder.configuration.layerCount + 1)
        let stages = StageRecorder()
        _ = encoder.embed(tokenIDs: [debug.inputIDs], batchSize: 1) { stage, hidden in
            stages.record(stage, Array(hidden))
        }
        for (stage, reference) in debug.hiddenStates.enumerated() {
            let ours = try #require(stages.values[stage])
            let flat = reference.flatMap { $0 }
            #expect(ours.count == flat.count)
            #expect(maxAbsDifference(ours, flat) <= 1e-4, "stage \(stage)")
        }
    }
}

/// Collects the hidden states the forward pass reports.
private final class StageRecorder: @unchecked Sendable {
    private(set) var values: [Int: [Float]] = [:]
    func record(_ stage: Int, _ hidden: [Float]) { values[stage] = hidden }
}
