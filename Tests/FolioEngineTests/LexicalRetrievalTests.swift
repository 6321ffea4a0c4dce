@testable import FolioEngine
import FolioStore
import Foundation
import Testing

/// A store with one chunk per text (embeddings are placeholders: these tests exercise the lexical side only).
func makeStore(_ texts: [(file: String, text: String)]) throws -> (FolioStore, URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-engine-\(UUID())")
    let store = try FolioStore(directory: directory)
    for (index, item) in texts.enumerated() {
        try store.insert(NewDocument(
            path: "/papers/\(item.file)", fileName: item.file, sha256: String(repeating: "\(index + 1)", count: 64),
            title: (item.file as NSString).deletingPathExtension, author: nil, pages: [(1, item.text)],
            chunks: [NewChunk(ordinal: 0, pageStart: 1, pageEnd: 1, section: nil, text: item.text, tokenCount: 10,
                              embedding: [0, 0, 1])]))
    }
    return (store, directory)
}

@Suite("lexical query and scoring")
struct LexicalRetrievalTests {
    @Test("symbols and compounds become phrases and joined forms", arguments: [
        ("What is d_model?", ["\"d model\"", "\"dmodel\""]),
        ("How many parameters has BERT-large?", ["\"bert large\"", "\"bertlarge\"", "\"bert\""]),
        ("What epsilon, 10^-9?", ["\"10 9\"", "\"109\""]),
        ("Which β2 did Adam use?", ["\"β2\"", "\"adam\""]),
        ("What BLEU did it reach?", ["\"bleu\"", "\"reach\""]),
        ("Which beta2 did Adam use?", ["\"beta2\"", "\"β2\""]),
        ("What epsilon did it use?", ["\"ε\"", "\"ϵ\""]),
    ])
    func queryTerms(question: String, expected: [String]) {
        let expression = LexicalQuery(question).matchExpression
        for phrase in expected { #expect(expression.contains(phrase), "\(expression)") }
        #expect(!expression.contains("\"what\""))
        #expect(!expression.contains("\"is\""))
    }

    @Test("capitalized runs are the question's names; the first word and stop words are not")
    func names() {
        #expect(LexicalQuery("How many GPUs were used to train Stable Diffusion v1?").names == ["GPUs", "Stable Diffusion"])
        #expect(LexicalQuery("What dropout did the Vision Transformer (ViT) use?").names == ["Vision Transformer", "ViT"])
        // A possessive ends a name: RAG's task is not a thing called "RAG Jeopardy".
        #expect(LexicalQuery("Which metric scores RAG's Jeopardy question generation?").names == ["RAG", "Jeopardy"])
        #expect(LexicalQuery("What did the Google Brain team's model use?").names == ["Google Brain"])
    }

    @Test("the FTS5 tokenizer matches each spelling a PDF may use", arguments: [
        ("d_model", "the model dimension dmodel = 512 in all layers"),
        ("d_model", "we set d_model to 512"),
        ("BERT-large", "BERTLARGE has 340M parameters"),
        ("BERT-large", "BERT-large has 340M parameters"),
        ("10^-9", "we used epsilon = 10−9 for stability"),
        ("β2", "with β1 = 0.9 and β2 = 0.98"),
        ("beta2", "with β1 = 0.9 and β2 = 0.98"),
        ("epsilon", "and ϵ = 10−8 for numerical stability"),
        ("checkpoints", "we averaged the last 5 checkpoint files"),
    ])
    func ftsMatching(query: String, text: String) throws {
        let (store, directory) = try makeStore([("target.pdf", text), ("other.pdf", "unrelated words about birds")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let hits = try store.lexicalSearch(matchExpression: LexicalQuery(query).matchExpression, limit: 5)
        #expect(try store.chunks(rowIDs: hits.map(\.rowID)).first?.fileName == "target.pdf")
    }

    @Test("coverage weighs rare terms above common ones and knows names no chunk mentions")
    func coverageAndUnknownNames() throws {
        let (store, directory) = try makeStore([
            ("lora.pdf", "The amplification factor is 21.5 for rank 4 in the model."),
            ("a.pdf", "The model is a model of models."),
            ("b.pdf", "Another model with a different model."),
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let scorer = try LexicalScorer(query: LexicalQuery("How large is the amplification factor of the model?"),
                                       store: store, documentNames: ["lora.pdf", "a.pdf", "b.pdf"])
        let rare = scorer.coverage(Set(TextMatch.stems("amplification factor")))
        let common = scorer.coverage(Set(TextMatch.stems("model")))
        #expect(rare > common)
        // A Greek letter's name covers the letter (and weighs what the letter weighs).
        let greek = try LexicalScorer(query: LexicalQuery("Which beta2 value?"), store: store, documentNames: [])
        #expect(greek.coverage(Set(TextMatch.stems("with β2 = 0.98 value"))) == 1)
        #expect(LexicalQuery.greekSpellings(of: "beta") == ["β"])
        #expect(LexicalQuery.greekSpellings(of: "betas").isEmpty)
        #expect(LexicalQuery.greekSpellings(of: "alphabet").isEmpty)
        #expect(scorer.unknownNames.isEmpty)
        let named = try LexicalScorer(query: LexicalQuery("How many GPUs trained Stable Diffusion in LoRA?"),
                                      store: store, documentNames: ["lora.pdf"])
        #expect(named.unknownNames.contains("Stable Diffusion"))
        #expect(!named.unknownNames.contains("LoRA"))  // a document's name counts as known
        #expect(named.nameMatch(LexicalScorer.nameWords(fileName: "lora.pdf", title: "lora")) == 1)
        #expect(named.nameMatch(LexicalScorer.nameWords(fileName: "a.pdf", title: "a")) == 0)
        // An acronym in capitals names the document whose title it abbreviates.
        let sentenceBERT = LexicalScorer.nameWords(fileName: "sentence-bert.pdf",
                                                   title: "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks")
        let acronym = try LexicalScorer(query: LexicalQuery("Which datasets was SBERT fine-tuned on?"),
                                        store: store, documentNames: ["sentence-bert.pdf"])
        #expect(acronym.nameMatch(sentenceBERT) == 1)
        #expect(acronym.nameMatch(LexicalScorer.nameWords(fileName: "bert.pdf", title: "BERT: Pre-training")) < 1)
        let lowercase = try LexicalScorer(query: LexicalQuery("Which datasets was sbert fine-tuned on?"),
                                          store: store, documentNames: ["sentence-bert.pdf"])
        #expect(lowercase.nameMatch(sentenceBERT) < 1)  // only capitals mark an acronym
        // A capitalized run that is part of a title names the document by its short title.
        let book = LexicalScorer.nameWords(fileName: "little-book-of-deep-learning.pdf", title: "The Little Book of Deep Learning")
        let short = try LexicalScorer(query: LexicalQuery("How does the Little Book describe BERT?"), store: store, documentNames: [])
        #expect(short.nameMatch(book) == 1)
        let loose = try LexicalScorer(query: LexicalQuery("Which little book describes BERT?"), store: store, documentNames: [])
        #expect(loose.nameMatch(book) < 1)  // lower case: a phrase, not a title
        let elsewhere = try LexicalScorer(query: LexicalQuery("How does the Book Little describe BERT?"), store: store, documentNames: [])
        #expect(elsewhere.nameMatch(book) < 1)  // the words must run as in the title
        #expect(LexicalScorer.abbreviates("rag", ["retriev", "augment", "generat", "knowledg"]))
        #expect(LexicalScorer.abbreviates("dpr", ["dens", "passag", "retriev"]))
        #expect(!LexicalScorer.abbreviates("dpr", ["dens", "retriev", "passag"]))
        #expect(!LexicalScorer.abbreviates("bert", ["bert", "network"]))  // one word is not an abbreviation
    }

    @Test("identifiers side by side are known one by one; ordinary capitalized words only as a whole")
    func unknownNameRuns() throws {
        let (store, directory) = try makeStore([
            ("gpt2.pdf", "GPT-2 was trained on WebText, a corpus of outbound links. Stable training of diffusion models is hard. "
                + "We detect with Faster R-CNN on ResNet-101 features and summarize the CNN and Daily Mail articles."),
            ("other.pdf", "unrelated words about birds"),
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        func unknown(_ question: String) throws -> [String] {
            try LexicalScorer(query: LexicalQuery(question), store: store, documentNames: ["gpt2.pdf", "other.pdf"]).unknownNames
        }
        #expect(try unknown("What is the GPT-2 WebText dataset built from?").isEmpty)
        #expect(try unknown("What is the GPT-2 OpenWebText dataset built from?") == ["GPT-2 OpenWebText"])
        #expect(try unknown("What mAP did the ResNet-101 Faster R-CNN reach?").isEmpty)
        #expect(try unknown("How is GPT-2 scored on CNN/Daily Mail summarization?").isEmpty)
        #expect(try unknown("How many GPUs trained Stable Diffusion?") == ["GPUs", "Stable Diffusion"])
        #expect(try unknown("What mAP did the ResNet-101 Faster Diffusion reach?") == ["ResNet-101 Faster Diffusion"])
    }

    @Test("a question about something no stored text mentions abstains, though a passage holds its other words")
    func unknownNameAbstains() throws {
        let text = "We used a batch size of 256 sequences to pre-train the Large model for one million steps."
        let (store, directory) = try makeStore([("zephyr.pdf", text), ("other.pdf", "unrelated words about birds")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let chunk = try #require(try store.chunks(documentIDs: store.documents().map(\.id)).first { $0.fileName == "zephyr.pdf" })
        func answer(_ question: String) throws -> Answer {
            let scorer = try LexicalScorer(query: LexicalQuery(question), store: store, documentNames: ["zephyr.pdf", "other.pdf"])
            let coverage = Float(scorer.coverage(Set(TextMatch.stems(text))))
            let result = RetrievedChunk(rank: 1, score: 1, chunk: chunk, coverage: coverage)
            return Answerer().answer(question, retrieval: Retrieval(results: [result], scorer: scorer))
        }
        let known = try answer("What batch size was used to pre-train the Large model?")
        #expect(!known.abstained)
        #expect(known.text.contains("batch size of 256"), "\(known.text)")
        let unknown = try answer("What batch size was used to pre-train ELECTRA-Large?")
        #expect(unknown.abstained)
        #expect(unknown.text.contains("none of them mentions “ELECTRA-Large”"), "\(unknown.text)")
        #expect(unknown.citations.isEmpty)
    }

    @Test("a document's opening names what it introduces; those names name the document")
    func introducedNames() throws {
        let named = LexicalQuery("Which optimizer trained the Transformer, BERT, LoRA, SBERT and Sentence-BERT models?")
        #expect(Retriever.introducedNames(in: "We propose a new simple network architecture, the Transformer, based solely on attention.", capitalizedIn: named) == ["Transformer"])
        #expect(Retriever.introducedNames(in: "We introduce a new language representation model called BERT, which stands for", capitalizedIn: named) == ["BERT"])
        #expect(Retriever.introducedNames(in: "We propose Low-Rank Adaptation, or LoRA, which freezes the weights.", capitalizedIn: named) == ["LoRA"])
        #expect(Retriever.introducedNames(in: "In this publication, we present Sentence-BERT (SBERT), a modification", capitalizedIn: named).sorted() == ["SBERT", "Sentence-BERT"])
        #expect(Retriever.introducedNames(in: "We present a residual learning framework to ease the training of networks.", capitalizedIn: named).isEmpty)
        // A proper name names its document only when the question capitalizes it: "transformer decoder" is a kind
        // of network, not the paper that introduced "the Transformer".
        let generic = LexicalQuery("How many layers does GPT-1's transformer decoder have?")
        #expect(Retriever.introducedNames(in: "We propose a new simple network architecture, the Transformer, based solely on attention.", capitalizedIn: generic).isEmpty)
        let (store, directory) = try makeStore([("a.pdf", "We introduce Zorblax, a method."), ("b.pdf", "Nothing is named here.")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let openings = try store.openingTexts(chunksPerDocument: 3)
        #expect(openings.count == 2)
        #expect(openings.values.contains("We introduce Zorblax, a method."))
    }

    @Test("fusion never scores a lexical match below a result that matches nothing")
    func fusionFloor() {
        let range: (min: Float, max: Float) = (0.40, 0.50)
        // The best BM25 with a cosine far below the dense list's range, against the dense list's last entry.
        let exact = Retriever.fused(dense: 0.10, lexical: 20, denseRange: range, bestLexical: 20, denseWeight: 0.6)
        let onTopic = Retriever.fused(dense: 0.40, lexical: nil, denseRange: range, bestLexical: 20, denseWeight: 0.6)
        #expect(exact > onTopic)
        #expect(abs(exact - 0.4) < 1e-6)
        #expect(abs(Retriever.fused(dense: 0.50, lexical: 10, denseRange: range, bestLexical: 20, denseWeight: 0.6) - 0.8) < 1e-6)
    }

    @Test("quantity questions are recognized", arguments: [
        ("How many layers does it have?", true), ("What accuracy did it reach?", true),
        ("Why does it overfit?", false), ("What is depicted on the cover?", false),
    ])
    func quantity(question: String, expected: Bool) {
        #expect(Answerer.asksForQuantity(question) == expected)
    }

    @Test("a chart's axis labels are not answer sentences; table rows and prose with numbers are", arguments: [
        ("MNLI Dev Accuracy 84 82 80 78 BERTBASE (Masked LM) 76 200 400 600 800 1,000 Pre-training Steps", true),
        ("ResNet-56 ResNet-110 3 2 1 0 20 40 60 80 std Table 7.", true),
        ("0.5 1.0 1.5 2.0 iterations (x1e4)", true),
        ("Finetuned Transformer LM (ours) 86.5 62.9 57.4 59.0", false),
        ("The base model has 6 layers, 8 heads, 512 dimensions and 2048 inner units.", false),
        ("We trained for 100 200 steps", false),
    ])
    func axisTicks(sentence: String, expected: Bool) {
        #expect(Answerer.holdsAxisTicks(sentence) == expected)
    }

    @Test("an answer skips a figure's axis labels that match the question's words")
    func answerSkipsAxisLabels() throws {
        let (store, directory) = try makeStore([
            ("bert.pdf", "BERT MNLI accuracy gain 84 82 80 78 pre-training steps 200 400 600 800 1,000 1M 500k steps in thousands. "
                + "The model gains almost 1.0% MNLI accuracy with 1M steps."),
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let question = "How much MNLI accuracy did BERT gain with 1M pre-training steps rather than 500k?"
        let scorer = try LexicalScorer(query: LexicalQuery(question), store: store, documentNames: ["bert.pdf"])
        let chunk = try #require(try store.chunks(documentIDs: store.documents().map(\.id)).first)
        let result = RetrievedChunk(rank: 1, score: 1, chunk: chunk, coverage: 1)
        let answer = Answerer().answer(question, retrieval: Retrieval(results: [result], scorer: scorer))
        #expect(!answer.abstained)
        #expect(answer.text.hasPrefix("The model gains almost 1.0% MNLI accuracy"), "\(answer.text)")
        #expect(!answer.text.contains("200 400"), "\(answer.text)")
    }

    @Test("a quantity question's answer holds a number: the sentence with one takes the last place")
    func answerHoldsTheNumber() throws {
        let text = "To teach the model about rivers, we simply hide some percentage of the river names in each map at random. "
            + "We call this procedure a masked atlas, after the cartographic exercise (Smith, 1953). "
            + "The hidden names are then predicted from the surrounding map labels alone. "
            + "In all of our experiments, we hide 12% of them."
        let (store, directory) = try makeStore([("atlas.pdf", text), ("other.pdf", "unrelated words about birds")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let question = "What percentage of river names does the atlas model hide at random?"
        let scorer = try LexicalScorer(query: LexicalQuery(question), store: store, documentNames: ["atlas.pdf", "other.pdf"])
        let chunk = try #require(try store.chunks(documentIDs: store.documents().map(\.id)).first { $0.fileName == "atlas.pdf" })
        let result = RetrievedChunk(rank: 1, score: 1, chunk: chunk, coverage: 1)
        let answer = Answerer().answer(question, retrieval: Retrieval(results: [result], scorer: scorer))
        #expect(answer.text.hasPrefix("To teach the model about rivers"), "\(answer.text)")
        #expect(answer.text.contains("we hide 12% of them"), "\(answer.text)")
        #expect(!answer.text.contains("predicted from the surrounding"), "\(answer.text)")
        // A citation's year is no answer to "what percentage".
        #expect(!Answerer.hasNumber("a cartographic exercise (Smith, 1953).", besides: ["what", "percentage"]))
        #expect(Answerer.hasNumber("the atlas appeared in 1953.", besides: ["what", "year"]))
        #expect(Answerer.hasNumber("we hide 12% of names", besides: ["what", "percentage"]))
        // Nor is a number that points to a section, table, figure, equation or reference.
        #expect(!Answerer.hasNumber("See § 5.3, Table 2, Figure 4, Eq. (7) and Appendix B.1 for both [21, 23].",
                                    besides: ["how", "many"]))
        #expect(Answerer.hasNumber("Table 6 shows that r = 4 suffices.", besides: ["how", "many"]))
    }

    @Test("the chunks beside the first result answer too, each cited with its own pages")
    func neighbourSentences() throws {
        let (store, directory) = try makeStore([
            ("cache.pdf", "The cache holds 512 entries per core. Caches are fast. Memory is slow to reach from the core."),
            ("other.pdf", "unrelated words about birds"),
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        func chunk(_ ordinal: Int, page: Int, _ text: String) -> RetrievedChunk {
            RetrievedChunk(rank: 0, score: 0, chunk: ChunkRecord(
                rowID: Int64(100 + ordinal), chunkID: "cafe-\(ordinal)", documentID: 1, fileName: "cache.pdf", title: "cache",
                ordinal: ordinal, pageStart: page, pageEnd: page, section: nil, text: text, tokenCount: 20))
        }
        let before = chunk(0, page: 3, "Our design keeps things simple. The cache holds 512 entries per core.")
        var first = chunk(1, page: 4, "Caches are fast and small. Each core reaches its own cache quickly.")
        first.rank = 1
        first.coverage = 1
        let after = chunk(2, page: 5, "Sharing them would need a coherence protocol. The protocol costs cycles.")
        func answer(_ question: String, neighbours: Bool) throws -> Answer {
            let scorer = try LexicalScorer(query: LexicalQuery(question), store: store, documentNames: ["cache.pdf", "other.pdf"])
            var retrieval = Retrieval(results: [first], scorer: scorer)
            if neighbours {
                retrieval.previous[first.chunk.rowID] = before
                retrieval.following[first.chunk.rowID] = after
            }
            return Answerer().answer(question, retrieval: retrieval)
        }
        // The previous chunk states it: it is the answer, cited first (reading order) with its own page.
        let entries = try answer("How many entries does the cache hold per core?", neighbours: true)
        #expect(entries.text.hasPrefix("The cache holds 512 entries per core. [1]"), "\(entries.text)")
        #expect(entries.citations.first?.chunk.pageStart == 3)
        #expect(try !answer("How many entries does the cache hold per core?", neighbours: false).text.contains("512"))
        // A best sentence that ends its chunk goes on into the next chunk, which is cited as itself (p. 5).
        let reach = try answer("How quickly does each core reach its own cache?", neighbours: true)
        #expect(reach.text.contains("Each core reaches its own cache quickly. [1]"), "\(reach.text)")
        let marker = try #require(reach.citations.first { $0.chunk.pageStart == 5 }?.marker)
        #expect(reach.text.contains("Sharing them would need a coherence protocol. [\(marker)]"), "\(reach.text)")

        // A lower result that is the first's neighbour is read with it: the number a quantity question asks for
        // comes from there when the first chunk has none.
        var second = chunk(2, page: 4, "Sharing them would need a protocol. The protocol costs cycles. It holds 64 kilobytes.")
        second.rank = 2
        let scorer = try LexicalScorer(query: LexicalQuery("How large is each core's own cache?"), store: store,
                                       documentNames: ["cache.pdf", "other.pdf"])
        var retrieval = Retrieval(results: [first, second], scorer: scorer)
        retrieval.following[first.chunk.rowID] = second
        let size = Answerer().answer("How large is each core's own cache?", retrieval: retrieval)
        #expect(size.text.contains("It holds 64 kilobytes."), "\(size.text)")
    }

    @Test("answer containment folds case, white space and compatibility forms as ingestion does")
    func containmentMatching() {
        let stored = Folio.normalizeForMatch("taking an action completely at random with probability ε, and")
        #expect(stored.contains(Folio.normalizeForMatch("Taking an action  completely at random with probability ϵ")))
        #expect(Folio.normalizeForMatch("the ﬁnal model") == "the final model")
        #expect(!stored.contains(Folio.normalizeForMatch("probability δ")))
    }

    @Test("the document's name and the section heading do not make a sentence the answer")
    func answerIgnoresTheTitle() throws {
        let text = "The Little Book of Cooking is a short book by a chef, free to read. "
            + "A stock is what gives a soup its depth of flavour, made by simmering bones for hours."
        let (store, directory) = try makeStore([("little-book-of-cooking.pdf", text), ("other.pdf", "unrelated words about birds")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let question = "How does the Little Book of Cooking describe a stock?"
        let scorer = try LexicalScorer(query: LexicalQuery(question), store: store,
                                       documentNames: ["little-book-of-cooking.pdf", "The Little Book of Cooking"])
        let chunk = try #require(try store.chunks(documentIDs: store.documents().map(\.id)).first { $0.fileName.hasPrefix("little") })
        let context = Set(LexicalScorer.nameWords(fileName: chunk.fileName, title: "The Little Book of Cooking").joined())
        let result = RetrievedChunk(rank: 1, score: 1, chunk: chunk, coverage: 1, contextWords: context)
        let answerer = Answerer(maxSentences: 1, followingSentences: 0)
        let answer = answerer.answer(question, retrieval: Retrieval(results: [result], scorer: scorer))
        #expect(answer.text.hasPrefix("A stock is what gives a soup"), "\(answer.text)")
        // The search's best window judges the same way.
        let passage = LexicalScorer.Passage(text)
        #expect(scorer.bestWindow(in: passage, width: 1).sentence == 0)
        #expect(scorer.bestWindow(in: passage, width: 1, extra: context).sentence == 1)
    }

    @Test("the thing a how-many question counts", arguments: [
        ("How many encoder layers does the BART-large generator used in RAG have?", "layer"),
        ("How many of the most frequent words were kept as features?", "word"),
        ("How many identical layers are stacked in the encoder?", "layer"),
        ("How many times was the book downloaded?", nil),
        ("What accuracy did it reach?", nil),
    ] as [(String, String?)])
    func countedNoun(question: String, expected: String?) {
        #expect(Answerer.countedNoun(in: question) == expected)
    }

    @Test("a how-many question abstains when no passage counts the thing, and answers when one does")
    func countedAnswer() throws {
        let (store, directory) = try makeStore([
            ("glider.pdf", "We use the Albatross-9 glider, a slender sailplane with 400 kg of ballast. "
                + "The Albatross-9 glider carries a pilot and a passenger over the ridge."),
            ("other.pdf", "unrelated words about birds"),
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let chunk = try #require(try store.chunks(documentIDs: store.documents().map(\.id)).first { $0.fileName == "glider.pdf" })
        let result = RetrievedChunk(rank: 1, score: 1, chunk: chunk, coverage: 1)
        func answer(_ question: String) throws -> Answer {
            let scorer = try LexicalScorer(query: LexicalQuery(question), store: store, documentNames: ["glider.pdf"])
            return Answerer().answer(question, retrieval: Retrieval(results: [result], scorer: scorer))
        }
        // Everything the question names is there, but not how many wings: the passage does not answer.
        #expect(try answer("How many wings does the Albatross-9 glider have?").abstained)
        let counted = try answer("How many kg of ballast does the Albatross-9 glider carry?")
        #expect(!counted.abstained)
        #expect(counted.text.contains("400 kg of ballast"), "\(counted.text)")
    }

    @Test("the words that name a document are known, and the BM25 query can leave them out")
    func documentNameTerms() throws {
        let (store, directory) = try makeStore([("gpt2.pdf", "The vocabulary is expanded to 50,257."), ("other.pdf", "unrelated words about birds")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = [LexicalScorer.nameWords(fileName: "gpt2.pdf", title: "Language Models are Unsupervised Multitask Learners"),
                     LexicalScorer.nameWords(fileName: "little-book-of-deep-learning.pdf", title: "The Little Book of Deep Learning"),
                     LexicalScorer.nameWords(fileName: "sentence-bert.pdf", title: "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks")]
        func named(_ question: String) throws -> Set<String> {
            try LexicalScorer(query: LexicalQuery(question), store: store, documentNames: []).documentNameTerms(names)
        }
        #expect(try named("What is the vocabulary size of GPT-2?") == ["gpt2"])
        #expect(try named("How does the Little Book describe softmax?") == ["little", "book"])
        #expect(try named("Which datasets was SBERT trained on?") == ["sbert"])
        #expect(try named("Which language models are unsupervised?").isEmpty)  // title words, not a name
        let query = LexicalQuery("What is the vocabulary size of GPT-2?")
        let topical = query.matchExpression(excluding: ["gpt2"])
        #expect(topical.contains("\"vocabulary\"") && topical.contains("\"vocabulary size\""), "\(topical)")
        #expect(!topical.contains("gpt"), "\(topical)")
        #expect(query.matchExpression.contains("\"gpt 2\""))
    }
}
