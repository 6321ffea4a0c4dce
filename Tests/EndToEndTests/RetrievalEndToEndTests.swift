import FolioTestSupport
import Foundation
import Testing

/// Retrieval modes, scores, abstention, eval --compare and the interactive session, through the real binary
/// on one generated library (ingested once: the encoder is the slow part).
@Suite("retrieval through the folio binary", .serialized)
struct RetrievalEndToEndTests {
    @Test("modes, --show-scores, abstention, eval --compare and interactive ask")
    func retrieval() throws {
        let folio = try FolioBinary()
        let directory = try TestPaths.temporaryDirectory("folio-e2e-retrieval")
        defer { removeUnlessKept(directory) }
        let library = directory.appendingPathComponent("library")
        try FileManager.default.createDirectory(at: library, withIntermediateDirectories: true)
        try writeLibrary(in: library)
        // A rare code name only lexical matching can pin down, on page 2.
        try TestPDF.write(pages: [
            TestPDF.wrap(String(repeating: "General notes on laboratory safety and the handling of glassware in teaching labs. ", count: 12)),
            TestPDF.wrap("The Zorblax-7 coefficient was measured at 0.42 in every run of the experiment."),
        ], to: library.appendingPathComponent("lab.pdf"), title: "Lab Notes")
        // One long page on one subject: several chunks, each overlapping its neighbour by a sentence.
        let turbine = (1...40).map { "Turbine note \($0): the Quaxil turbine blade \($0 % 2 == 0 ? "flexes" : "bends") under load step \($0)." }
        try TestPDF.write(pages: [TestPDF.wrap(turbine.joined(separator: " "))],
                          to: library.appendingPathComponent("turbine.pdf"), title: "Turbine Log")
        let store = directory.appendingPathComponent("store").path
        #expect(try folio.run(["ingest", "--store", store, library.path]).status == 0)

        // Every mode finds the exact code name; each reports the parts of its score.
        for mode in ["hybrid", "dense", "lexical", "fusion"] {
            let result = try folio.run(["search", "--store", store, "--json", "--mode", mode, "Zorblax-7 coefficient"])
            #expect(result.status == 0, "\(mode): \(result.stderr)")
            let top = try #require((try json(result.stdout)["results"] as? [[String: Any]])?.first)
            if mode != "dense" {
                #expect(top["document"] as? String == "lab.pdf", "\(mode)")
                #expect((top["pages"] as? [Int])?.contains(2) == true, "\(mode)")
            }
            let scores = try #require(top["scores"] as? [String: Any])
            #expect((scores["dense"] != nil) == (mode != "lexical"), "\(mode): \(scores)")
            #expect((scores["window"] != nil) == (mode == "hybrid"), "\(mode): \(scores)")
            #expect((scores["coverage"] != nil) == (mode == "hybrid"), "\(mode): \(scores)")
            if mode == "hybrid" { #expect((scores["coverage"] as? Double ?? 0) > 0.5, "\(scores)") }
        }
        let human = try folio.run(["search", "--store", store, "--show-scores", "--k", "2", "Zorblax-7 coefficient"])
        #expect(human.stdout.contains(" 1. "), "\(human.stdout)")
        #expect(human.stdout.contains("lab.pdf p."), "\(human.stdout)")
        #expect(human.stdout.contains("The Zorblax-7 coefficient was measured at 0.42"), "\(human.stdout)")
        #expect(human.stdout.contains("dense 0.") && human.stdout.contains("lexical "), "\(human.stdout)")
        // Neighbouring chunks of the same page are one citation: the better one stands for both.
        let turbineChunks = try json(try folio.run(["chunks", "--store", store, "--doc", "turbine.pdf", "--json"]).stdout)
        #expect(((turbineChunks["chunks"] as? [Any])?.count ?? 0) >= 3, "\(turbineChunks)")
        let blades = try #require(try json(try folio.run(["search", "--store", store, "--json", "--k", "10",
                                                            "Quaxil turbine blade under load"]).stdout)["results"] as? [[String: Any]])
        let kept = blades.filter { $0["document"] as? String == "turbine.pdf" }.compactMap { result -> (Int, [Int])? in
            guard let id = result["chunk_id"] as? String, let ordinal = id.split(separator: "-").last.flatMap({ Int($0) }),
                  let pages = result["pages"] as? [Int] else { return nil }
            return (ordinal, pages)
        }
        #expect(!kept.isEmpty)
        for a in kept { for b in kept where b.0 == a.0 + 1 { #expect(a.1 != b.1, "\(kept)") } }
        let bad = try folio.run(["search", "--store", store, "--mode", "sparse", "x"])
        #expect(bad.status != 0)

        // A question about something no document mentions is abstained, with the closest passages.
        let unknown = try json(try folio.run(["ask", "--store", store, "--json",
                                              "How many GPUs were used to train Stable Diffusion?"]).stdout)
        #expect(unknown["abstained"] as? Bool == true)
        #expect((unknown["citations"] as? [Any])?.isEmpty == true)
        #expect((unknown["results"] as? [Any])?.isEmpty == false)
        let known = try json(try folio.run(["ask", "--store", store, "--json", "What was the Zorblax-7 coefficient?"]).stdout)
        #expect(known["abstained"] as? Bool == false)
        #expect((known["answer"] as? String)?.contains("0.42 in every run of the experiment. [1]") == true)

        // eval --compare runs two configurations side by side.
        let questions = directory.appendingPathComponent("questions.jsonl")
        try """
            {"id": "q1", "question": "What was the Zorblax-7 coefficient?", "document": "lab.pdf", "pages": [2], "answer": "0.42"}
            {"id": "q2", "question": "What makes sourdough bread rise?", "document": "bread.pdf", "pages": [1], "answer": "yeast"}
            {"id": "q3", "question": "How many GPUs were used to train Stable Diffusion?", "document": null, "pages": []}
            """.write(to: questions, atomically: true, encoding: .utf8)
        let compared = try folio.run(["eval", "--store", store, "--json", "--compare", "lexical", questions.path])
        #expect(compared.status == 0, "\(compared.stderr)")
        let reports = try json(compared.stdout)
        let a = try #require(reports["a"] as? [String: Any]), b = try #require(reports["b"] as? [String: Any])
        #expect((a["settings"] as? [String: Any])?["mode"] as? String == "hybrid")
        #expect((b["settings"] as? [String: Any])?["mode"] as? String == "lexical")
        #expect(a["hit_at1"] as? Double == 1)
        #expect(a["answer_containment"] as? Double == 1)
        #expect(a["abstained_when_unanswerable"] as? Int == 1)
        let table = try folio.run(["eval", "--store", store, "--compare", "dense", questions.path])
        #expect(table.stdout.contains("hybrid") && table.stdout.contains("dense"), "\(table.stdout)")

        // Without a question: an interactive session read from standard input.
        let session = try folio.run(["ask", "--store", store],
                                    input: "What makes sourdough bread rise?\n:chunks\n:quit\nnever asked\n")
        #expect(session.status == 0, "\(session.stderr)")
        #expect(session.stdout.contains("yeast"), "\(session.stdout)")
        #expect(session.stdout.contains("[1] bread.pdf p.1 \"Notes on Baking\""), "\(session.stdout)")
        #expect(session.stdout.contains("A starter is fed with flour and water every day."), "\(session.stdout)")
        #expect(!session.stdout.contains("never asked"))
    }
}
