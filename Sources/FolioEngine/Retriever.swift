import FolioEncoder
import FolioIndex
import FolioStore
import Foundation

/// Which first-stage retrievers run.
public enum RetrievalMode: String, CaseIterable, Sendable, Codable {
    /// Dense and lexical, fused, then re-scored (the default).
    case hybrid
    /// MiniLM cosine only.
    case dense
    /// FTS5 BM25 only.
    case lexical
    /// Dense and lexical fused, without the second stage (for comparison).
    case fusion
}

/// The knobs of retrieval. The defaults were tuned on the dev questions (see the README) and are meant to be
/// left alone; they are parameters so `folio eval --compare` can put two configurations side by side.
public struct RetrievalSettings: Sendable, Codable, Equatable {
    public var mode: RetrievalMode
    /// Candidates taken from each first-stage retriever before fusion.
    public var candidates: Int
    /// Weight of the min-max-normalized cosine in the fused score; BM25 (divided by the best BM25) gets the rest.
    public var denseWeight: Double
    /// How many fused candidates the second stage re-scores.
    public var rerankDepth: Int
    /// Weight of the best two-sentence window's term and phrase coverage.
    public var windowWeight: Double
    /// Weight of the question naming the chunk's document (file name or title). At 1 a passage of the document
    /// the question names outranks any other's unless it is far further from the question: dev figures are the
    /// same from 0.3 to 1.5, and at 0.5 "What activation function does GPT-1 use?" led with the Little Book's
    /// chapter on activation functions over GPT-1's own "we used the Gaussian Error Linear Unit (GELU)".
    public var nameWeight: Double
    /// Weight of the chunk's IDF-weighted coverage of the question's terms, its document's names and section
    /// heading counting as present (the share the abstention rule judges): BM25 rewards a chunk that repeats one
    /// term ("CoQA" four times) as much as one that holds them all once. Dev hit@1 is 0.84 up to 0.45 and 0.88
    /// from 0.5 to 1; above 0.5 a question the documents do not answer is more often answered from a passage that
    /// holds all its other words.
    public var coverageWeight: Double
    /// Results whose word sets overlap a better result's by at least this Jaccard share are dropped.
    public var duplicateOverlap: Double
    /// How many of the best first-stage candidates of the documents the question names join the second stage
    /// beyond `rerankDepth` (5 to 30 score the same on the dev set and on my own questions).
    public var namedDepth: Int = 10

    public init(mode: RetrievalMode = .hybrid, candidates: Int = 100, denseWeight: Double = 0.6,
                rerankDepth: Int = 30, windowWeight: Double = 0.2, nameWeight: Double = 1, coverageWeight: Double = 0.5,
                duplicateOverlap: Double = 0.8) {
        self.mode = mode
        self.candidates = candidates
        self.denseWeight = denseWeight
        self.rerankDepth = rerankDepth
        self.windowWeight = windowWeight
        self.nameWeight = nameWeight
        self.coverageWeight = coverageWeight
        self.duplicateOverlap = duplicateOverlap
    }
}

/// The parts of a result's score, for `folio search --show-scores`.
public struct ScoreParts: Sendable, Codable, Equatable {
    /// Cosine between question and chunk embeddings (nil in lexical mode).
    public var dense: Float?
    /// FTS5 BM25 (higher is better; nil when the chunk matched no term).
    public var lexical: Float?
    /// The first-stage fused score, relative to the best candidate (0...1).
    public var fused: Float
    /// Best two-sentence window coverage (second stage).
    public var window: Float?
    /// Document-name match (second stage).
    public var name: Float?
    /// Coverage of the question's terms (second stage).
    public var coverage: Float?
}

/// One search result: a stored chunk, its score and rank.
public struct RetrievedChunk: Sendable {
    public var rank: Int
    public var score: Float
    public var chunk: ChunkRecord
    /// The chunk's sentence closest to the query, when computed.
    public var bestSentence: String?
    /// How the score was made.
    public var parts: ScoreParts?
    /// The IDF-weighted share of the question's terms found in the chunk or its document's name (0...1).
    public var coverage: Float = 0
    /// The stemmed words of the chunk's document names and section heading: every sentence of the chunk is under
    /// them, so they count as present in each when the answerer compares its sentences.
    public var contextWords: Set<String> = []
}

/// The results of one query with what the answerer needs to judge them.
public struct Retrieval: Sendable {
    public var results: [RetrievedChunk]
    public var scorer: LexicalScorer
    /// The chunks next to the first results in their documents: `following[r]` comes after the result with row id
    /// `r` (for the first three), `previous[r]` before it (for the first). Their sentences can answer too: the
    /// right page often ranks first with the chunk beside the one that states the fact.
    public var previous: [Int64: RetrievedChunk] = [:]
    public var following: [Int64: RetrievedChunk] = [:]
    /// The question's MiniLM embedding (nil in lexical mode): the answerer compares candidate sentences with it.
    public var queryVector: [Float]? = nil
}

/// Finds the chunks that answer a query: dense (MiniLM cosine) and lexical (FTS5 BM25) candidates, fused by
/// normalized scores, then re-scored by the best sentence window and by the document the question names, with
/// near-duplicates dropped.
/// `@unchecked Sendable`: `lock` guards `index` and `passages`; `settings` and `indexPolicy` are unguarded, written only by the
/// owning `Folio` between queries (one caller at a time), so no write may overlap a query.
public final class Retriever: @unchecked Sendable {
    let store: FolioStore
    let encoder: SentenceEncoder
    public var settings: RetrievalSettings
    private var index: (any VectorIndex)?
    private let lock = NSLock()
    /// Candidate chunks split into sentences and stems, by row id: the same chunks come back query after query
    /// (a server answers many), and splitting them was a sixth of a query's time. Bounded; guarded by `lock`. A
    /// retriever lives as long as the store's documents do not change (`Folio` makes a new one when they do).
    private var passages: [Int64: LexicalScorer.Passage] = [:]
    static let passageCacheSize = 4096
    /// How the vector index is chosen, built and kept (flat or HNSW; see `IndexProvider`).
    public var indexPolicy = IndexPolicy()

    public init(store: FolioStore, encoder: SentenceEncoder, settings: RetrievalSettings = .init()) {
        self.store = store
        self.encoder = encoder
        self.settings = settings
    }

    /// The vector index over every stored chunk, built or loaded on first use.
    func vectorIndex() throws -> any VectorIndex {
        try lock.withLock {
            if let index { return index }
            let made = try IndexProvider(store: store, dimension: encoder.dimension, policy: indexPolicy).makeIndex()
            index = made
            return made
        }
    }

    /// `record`'s text as sentences and stems, from the cache when it was split before.
    func passage(_ record: ChunkRecord) -> LexicalScorer.Passage {
        if let cached = lock.withLock({ passages[record.rowID] }) { return cached }
        let passage = LexicalScorer.Passage(record.text)
        lock.withLock {
            if passages.count >= Self.passageCacheSize { passages.removeAll(keepingCapacity: true) }
            passages[record.rowID] = passage
        }
        return passage
    }

    /// The `k` chunks most similar to `query`, best first.
    /// - Parameter documentIDs: when given, only chunks of these documents.
    public func search(_ query: String, k: Int, documentIDs: [Int64]? = nil) throws -> [RetrievedChunk] {
        try retrieve(query, k: k, documentIDs: documentIDs).results
    }

    /// The documents `query` names as the second stage counts names (name match 1: by file name, title, an
    /// acronym of the title or a name its opening introduces), and the question's terms that name them (their
    /// surface forms: `GPT-2`, `Transformer`). A follow-up that names another document has switched topic.
    public func documentMentions(_ query: String) throws -> (documents: [Int64], terms: [String]) {
        let lexicalQuery = LexicalQuery(query)
        let documents = try store.documents()
        let scorer = try LexicalScorer(query: lexicalQuery, store: store,
                                       documentNames: documents.flatMap { [$0.fileName, $0.title] })
        let nameWords = try documentNameWords(documents, query: lexicalQuery)
        let named = documents.filter { scorer.nameMatch(nameWords[$0.id] ?? []) >= 1 }.map(\.id)
        let naming = named.isEmpty ? [] : scorer.documentNameTerms(Array(nameWords.values))
        return (named, lexicalQuery.terms.filter { naming.contains($0.joined) }.map(\.surface))
    }

    /// Each document's name words: file name, title and the names its opening introduces that `query` capitalizes.
    func documentNameWords(_ documents: [DocumentRecord], query: LexicalQuery) throws -> [Int64: [[String]]] {
        var nameWords: [Int64: [[String]]] = [:]
        let introduced = try introducedNames(of: documents)
        let capitalized = Set(query.terms.filter { $0.surface.first?.isUppercase == true }.map(\.joined))
        for document in documents {
            nameWords[document.id] = LexicalScorer.nameWords(fileName: document.fileName, title: document.title)
                + (introduced[document.id] ?? []).filter { capitalized.contains(TextMatch.words($0).joined()) }
                    .map { TextMatch.words($0).map(TextMatch.stem) }
        }
        return nameWords
    }

    /// ``search(_:k:documentIDs:)`` with the lexical scorer the answerer reuses.
    /// - Parameter carry: what a follow-up carries from the conversation before it (a document, earlier terms),
    ///   weighed below what the question says itself; see ``QueryCarry``.
    public func retrieve(_ query: String, k: Int, documentIDs: [Int64]? = nil, carry: QueryCarry? = nil) throws -> Retrieval {
        let lexicalQuery = LexicalQuery(query)
        let documents = try store.documents()
        let scorer = try LexicalScorer(query: lexicalQuery, store: store,
                                       documentNames: documents.flatMap { [$0.fileName, $0.title] })
        // The carried terms are scored on their own, so they rank passages a little without entering the
        // question's coverage, which the abstention judges: a follow-up the documents do not answer still abstains.
        let carriedText = carry?.terms.joined(separator: " ") ?? ""
        let carriedScorer = carriedText.isEmpty ? nil
            : try LexicalScorer(query: LexicalQuery(carriedText), store: store, documentNames: [])
        let mode = settings.mode
        let depth = max(settings.candidates, k)

        var dense: [Int64: Float] = [:]
        var queryVector: [Float]? = nil
        var denseRange: (min: Float, max: Float) = (0, 1)
        if mode != .lexical {
            let index = try vectorIndex()
            var vector = encoder.embed(query)
            if let carry, !carriedText.isEmpty, carry.termWeight > 0 {
                // The earlier turn's terms pull the question's vector toward the topic, at a lower weight.
                let context = encoder.embed(carriedText)
                let w = Float(carry.termWeight)
                var mixed = zip(vector, context).map { $0 + w * $1 }
                let norm = mixed.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { mixed = mixed.map { $0 / norm } }
                vector = mixed
            }
            var allowed: Set<Int64>? = nil
            if let documentIDs { allowed = Set(try store.chunkRowIDs(documentIDs: documentIDs)) }
            let hits = index.search(vector, k: depth, filter: allowed.map { set in { set.contains($0) } })
            for hit in hits { dense[hit.id] = hit.score }
            if let top = hits.first, let bottom = hits.last { denseRange = (bottom.score, top.score) }
            queryVector = vector
        }
        let nameWords = try documentNameWords(documents, query: lexicalQuery)
        var lexical: [Int64: Float] = [:]
        var bestLexical: Float = 0
        // When the second stage weighs the document the question names, BM25 leaves the name's words out: over
        // them it only favours the chunks that repeat the name (a title page, the acknowledgements) over the one
        // that states the fact ("The vocabulary is expanded to 50,257" never says GPT-2).
        var expression = lexicalQuery.matchExpression
        if mode == .hybrid {
            let topical = lexicalQuery.matchExpression(excluding: scorer.documentNameTerms(Array(nameWords.values)))
            if !topical.isEmpty { expression = topical }
        }
        if mode != .dense, !expression.isEmpty {
            for hit in try store.lexicalSearch(matchExpression: expression, limit: depth, documentIDs: documentIDs) {
                lexical[hit.rowID] = Float(hit.score)
                bestLexical = max(bestLexical, Float(hit.score))
            }
        }

        // First stage: one score per candidate.
        var first: [Int64: Float] = [:]
        switch mode {
        case .dense:
            first = dense
        case .lexical:
            first = lexical
        case .hybrid, .fusion:
            let w = Float(settings.denseWeight)
            // Lexical candidates outside the dense list still get their exact cosine (vectors read from the store).
            let missing = lexical.keys.filter { dense[$0] == nil }
            var storedVectors: [Int64: [Float]] = [:]
            if queryVector != nil && !missing.isEmpty {
                for (rowID, vector) in try store.embeddings(rowIDs: Array(missing)) { storedVectors[rowID] = vector }
            }
            for id in Set(dense.keys).union(lexical.keys) {
                if dense[id] == nil, let vector = storedVectors[id], let q = queryVector, vector.count == q.count {
                    dense[id] = Self.dot(q, vector)
                }
                first[id] = Self.fused(dense: dense[id], lexical: lexical[id], denseRange: denseRange,
                                       bestLexical: bestLexical, denseWeight: w)
            }
        }
        let ordered = first.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        guard let best = ordered.first?.value, best > 0 || mode == .dense else {
            return Retrieval(results: [], scorer: scorer)
        }

        // Second stage on the head of the list; the tail keeps its first-stage order below it.
        let rerank = mode == .hybrid
        let headCount = rerank ? min(ordered.count, max(settings.rerankDepth, k)) : min(ordered.count, k * 3)
        var head = Array(ordered.prefix(headCount))
        // The second stage lifts the chunks of the document the question names, so the best candidates of that
        // document join the head even when the first stage put them further down ("What optimizer was used to
        // train the Transformer?": the paper's "We used the Adam optimizer" was below 30 chunks of other papers
        // and of its own).
        // How strongly the question names each document: once per document, for this step and the scores below.
        var nameMatches: [Int64: Double] = [:]
        if rerank {
            for document in documents { nameMatches[document.id] = scorer.nameMatch(nameWords[document.id] ?? []) }
            // A carried document counts as named, at the carry's weight (never above what the question says).
            for (id, weight) in carry?.documents ?? [:] { nameMatches[id] = max(nameMatches[id] ?? 0, weight) }
            let carried = Set(carry?.documents.keys.map { $0 } ?? [])
            let named = documents.filter { document in
                (documentIDs?.contains(document.id) ?? true)
                    && ((nameMatches[document.id] ?? 0) >= 1 || carried.contains(document.id))
            }.map(\.id)
            if !named.isEmpty, named.count < (documentIDs?.count ?? documents.count) {
                let rows = Set(try store.chunkRowIDs(documentIDs: named))
                let inHead = Set(head.map(\.key))
                head += ordered.filter { rows.contains($0.key) && !inHead.contains($0.key) }.prefix(settings.namedDepth)
            }
        }
        let records = try store.chunks(rowIDs: head.map(\.key))
        let normalizer = mode == .dense ? 1 : best
        // The chunk's section heading counts like the document's name: a question that names the topic of a
        // section is covered by a chunk under that heading even when the chunk's own sentences do not repeat it
        // (small chunks repeat it less often than whole sections did).
        func contextWords(_ record: ChunkRecord) -> Set<String> {
            let names = nameWords[record.documentID] ?? []
            var nameSet = Set(names.joined()).union(names.map { $0.joined() })
            if let section = record.section {
                let words = TextMatch.words(section).filter { !LexicalQuery.stopWords.contains($0) }.map(TextMatch.stem)
                nameSet.formUnion(words)
                if words.count > 1 { nameSet.insert(words.joined()) }
            }
            return nameSet
        }
        var scored: [(record: ChunkRecord, score: Float, parts: ScoreParts, sentence: String?, coverage: Float,
                      words: Set<String>, context: Set<String>)] = []
        for record in records {
            let base = (first[record.rowID] ?? 0) / normalizer
            let passage = self.passage(record)
            let name = nameMatches[record.documentID] ?? 0
            let nameSet = contextWords(record)
            // Those words are over every sentence of the chunk, so a sentence that repeats them (a title page's
            // "The Little Book of Deep Learning") is no better a window for it.
            let window = scorer.bestWindow(in: passage, width: 2, extra: nameSet)
            var score = mode == .dense ? first[record.rowID] ?? 0 : base
            var parts = ScoreParts(dense: dense[record.rowID], lexical: lexical[record.rowID], fused: base)
            if rerank {
                score = base + Float(settings.windowWeight * window.score + settings.nameWeight * name)
                parts.window = Float(window.score)
                parts.name = Float(name)
            }
            let stems = passage.allStems
            let coverage = Float(scorer.coverage(stems, extra: nameSet))
            if rerank {
                score += Float(settings.coverageWeight) * coverage
                parts.coverage = coverage
                if let carriedScorer, let carry {
                    score += Float(carry.termWeight * settings.coverageWeight * carriedScorer.coverage(stems, extra: nameSet))
                }
            }
            scored.append((record, score, parts, window.sentence.map { passage.sentences[$0] }, coverage, stems, nameSet))
        }
        scored.sort { ($0.score, $1.record.rowID) > ($1.score, $0.record.rowID) }

        // Near-duplicates (the same passage twice, e.g. a paper stored under two names) keep the better one, and
        // so do neighbouring chunks of the same pages: they share a sentence and make the same citation, so the
        // second would only push another page down the list.
        var kept: [RetrievedChunk] = []
        var keptWords: [Set<String>] = []
        for item in scored where kept.count < k {
            let duplicate = keptWords.contains { other in
                let union = other.union(item.words).count
                return union > 0 && Double(other.intersection(item.words).count) / Double(union) >= settings.duplicateOverlap
            } || kept.contains { other in
                other.chunk.documentID == item.record.documentID && abs(other.chunk.ordinal - item.record.ordinal) == 1
                    && other.chunk.pageStart == item.record.pageStart && other.chunk.pageEnd == item.record.pageEnd
            }
            if duplicate { continue }
            kept.append(RetrievedChunk(rank: kept.count + 1, score: item.score, chunk: item.record,
                                       bestSentence: item.sentence, parts: item.parts, coverage: item.coverage,
                                       contextWords: item.context))
            keptWords.append(item.words)
        }
        var retrieval = Retrieval(results: kept, scorer: scorer)
        retrieval.queryVector = queryVector
        func neighbour(of record: ChunkRecord, offset: Int) throws -> RetrievedChunk? {
            guard let dash = record.chunkID.lastIndex(of: "-"), record.ordinal + offset >= 0 else { return nil }
            let id = record.chunkID[..<dash] + "-\(record.ordinal + offset)"
            guard let chunk = try store.chunks(chunkID: String(id), limit: 1).first,
                  chunk.documentID == record.documentID else { return nil }
            return RetrievedChunk(rank: 0, score: 0, chunk: chunk, contextWords: contextWords(chunk))
        }
        for (index, result) in kept.prefix(Self.continuedResults).enumerated() {
            retrieval.following[result.chunk.rowID] = try neighbour(of: result.chunk, offset: 1)
            if index == 0 { retrieval.previous[result.chunk.rowID] = try neighbour(of: result.chunk, offset: -1) }
        }
        return retrieval
    }

    /// How many of the first results get their following chunk (the answerer reads the top three).
    static let continuedResults = 3

    /// The names a document gives what it introduces, read from its opening (title page and abstract): a paper
    /// titled "Attention Is All You Need" is about "the Transformer", one titled "Improving Language Understanding
    /// by ..." introduces nothing it names, "Deep Bidirectional Transformers" are "called BERT". A question that
    /// names one of them names the document, like its file name or title would.
    ///
    /// An introduced name is a proper name, so it names its document only where `query` capitalizes it too:
    /// "the Transformer" does, "GPT-1's transformer decoder" does not.
    static func introducedNames(in opening: String, capitalizedIn query: LexicalQuery) -> [String] {
        let capitalized = Set(query.terms.filter { $0.surface.first?.isUppercase == true }.map(\.joined))
        return introducedNames(in: opening).filter { capitalized.contains(TextMatch.words($0).joined()) }
    }

    /// Every name the opening introduces, whatever the question: what ingest stores per document.
    public static func introducedNames(in opening: String) -> [String] {
        let range = NSRange(opening.startIndex..., in: opening)
        var seen = Set<String>()
        return introductionPatterns.flatMap { regex in
            regex.matches(in: opening, range: range).compactMap { match in
                Range(match.range(at: 1), in: opening).map { String(opening[$0]) }
            }
        }.filter { seen.insert($0).inserted }
    }

    /// How many chunks make a document's opening (title page and abstract).
    public static let openingChunks = 3

    /// The names each document introduces: stored at ingest; a document stored before they were kept has its
    /// opening read here (only those documents), until the next `folio ingest` stores them.
    func introducedNames(of documents: [DocumentRecord]) throws -> [Int64: [String]] {
        var names = try store.introducedNames()
        let missing = documents.map(\.id).filter { names[$0] == nil }
        if !missing.isEmpty {
            for (id, opening) in try store.openingTexts(chunksPerDocument: Self.openingChunks, documentIDs: missing) {
                names[id] = Self.introducedNames(in: opening)
            }
        }
        return names
    }

    /// `called BERT`, `we introduce Adam`, `we present Sentence-BERT`, `a new architecture, the Transformer,`,
    /// `Low-Rank Adaptation, or LoRA`, `Sentence-BERT (SBERT)`.
    private static let introductionPatterns: [NSRegularExpression] = [
        #"\b(?:called|named|dubbed)\s+([A-Z][\w-]*)"#,
        #"\b(?:introduce|introduces|propose|proposes|present|presents)\s+(?:a\s+|an\s+|the\s+)?(?:new\s+|novel\s+)?([A-Z][\w-]+)"#,
        #",\s+the\s+([A-Z][\w-]+),"#,
        #",\s+or\s+([A-Z][\w-]+)"#,
        #"[A-Z][\w-]+\s+\(([A-Z][A-Za-z-]+)\)"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    /// The first-stage score: `denseWeight ×` the cosine min-max-normalized over the dense list, plus the rest
    /// `×` BM25 over the best BM25. A lexical candidate whose cosine is below the whole dense list counts as the
    /// list's last, not below it: normalizing it to a negative number made a chunk that matches the question's
    /// rare words exactly (`DPR`, `loss function`) sink under every passage that is merely on the topic.
    static func fused(dense: Float?, lexical: Float?, denseRange: (min: Float, max: Float), bestLexical: Float,
                      denseWeight: Float) -> Float {
        let span = max(denseRange.max - denseRange.min, 1e-6)
        let d = max(0, ((dense ?? denseRange.min) - denseRange.min) / span)
        let l = bestLexical > 0 ? (lexical ?? 0) / bestLexical : 0
        return denseWeight * d + (1 - denseWeight) * l
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in 0 ..< min(a.count, b.count) { sum += a[i] * b[i] }
        return sum
    }
}
