@testable import FolioEngine
import FolioEncoder
import FolioTestSupport
import Foundation
import Testing

/// The model is loaded once for all the checker tests.
let sharedEncoder: SentenceEncoder? = try? SentenceEncoder(modelDirectory: TestPaths.model)

func encoder() throws -> SentenceEncoder {
    try #require(sharedEncoder, "all-MiniLM-L6-v2 not found at \(TestPaths.model.path); run Models/fetch")
}

/// `Tests/Fixtures/citation-calibration.json`: real corpus passages and answer-like sentences about them.
struct CalibrationFixture: Decodable {
    struct Passage: Decodable { var document: String; var text: String }
    struct Claim: Decodable { var passage: String; var text: String; var supported: Bool }
    var passages: [String: Passage]
    var claims: [Claim]

    static func load() throws -> CalibrationFixture {
        let url = TestPaths.fixtures.appendingPathComponent("citation-calibration.json")
        return try JSONDecoder().decode(CalibrationFixture.self, from: Data(contentsOf: url))
    }
}

@Suite("citation markers")
struct CitationMarkerTests {
    @Test("markers to no source are removed and reported; valid ones are kept and normalised")
    func invalidMarkers() {
        let (text, invalid) = CitationChecker.removeInvalidMarkers(
            "Six layers [1]. Adam was used [7]. Both [2, 9] and [0][3].", sourceCount: 3)
        #expect(text == "Six layers [1]. Adam was used. Both [2] and[3].")
        #expect(invalid == [7, 9, 0])
    }

    @Test("ranges expand; with no sources every marker is invalid")
    func ranges() {
        #expect(CitationChecker.numbers(in: "1-3, 5") == [1, 2, 3, 5])
        let (text, invalid) = CitationChecker.removeInvalidMarkers("Claim [1].", sourceCount: 0)
        #expect(text == "Claim.")
        #expect(invalid == [1])
    }

    @Test("a marker after the full stop belongs to the sentence before it")
    func sentences() {
        let pieces = CitationChecker.sentences(of: "The encoder has six layers. [1] It uses Adam [2].\n- Dropout is 0.1 [1][3]")
        #expect(pieces.map(\.text) == ["The encoder has six layers.", "It uses Adam.", "Dropout is 0.1"])
        #expect(pieces.map(\.markers) == [[1], [2], [1, 3]])
    }
}

@Suite("citation check")
struct CitationCheckerTests {
    @Test("a sentence is checked against the source it cites, not just any source")
    func wrongSource() throws {
        let fixture = try CalibrationFixture.load()
        let sources = [try #require(fixture.passages["attention-training"]).text,
                       try #require(fixture.passages["bert-sizes"]).text]
        let report = CitationChecker().check(
            "Training took 3.5 days on eight P100 GPUs [1]. BERT-large has 340M parameters [1]. It is big.",
            sources: sources, encoder: try encoder())
        #expect(report.sentences.map(\.verdict) == [.supported, .unsupported, .uncited])
        #expect(report.citedMarkers == [1])
        #expect(!report.hasNoValidCitation)
    }

    @Test("an answer whose only markers point to no source has no valid citation")
    func noValidCitation() throws {
        let report = CitationChecker().check("The answer is forty-two [4].", sources: ["Some text about ducks."],
                                             encoder: try encoder())
        #expect(report.hasNoValidCitation)
        #expect(report.invalidMarkers == [4])
        #expect(report.text == "The answer is forty-two.")
        #expect(report.sentences.map(\.verdict) == [.uncited])
    }
}

/// How the threshold was chosen: every labelled sentence is scored against its passage, and every supported
/// sentence also against a passage of another document (a wrong citation). The threshold must separate them.
@Suite("citation check calibration")
struct CitationCalibrationTests {
    @Test("the calibrated threshold separates supported from unsupported citations")
    func calibration() throws {
        let fixture = try CalibrationFixture.load()
        let keys = fixture.passages.keys.sorted()
        var cases: [(sentence: String, passage: String, supported: Bool)] = []
        for claim in fixture.claims {
            let own = try #require(fixture.passages[claim.passage])
            cases.append((claim.text, own.text, claim.supported))
            guard claim.supported else { continue }
            // A wrong citation: the next passage (in name order) of a different document.
            let start = try #require(keys.firstIndex(of: claim.passage))
            let other = try #require((1..<keys.count).lazy.map { keys[(start + $0) % keys.count] }
                .first { fixture.passages[$0]?.document != own.document })
            cases.append((claim.text, fixture.passages[other]!.text, false))
        }
        // Each distinct text is embedded once, in one batch: the check itself embeds per answer.
        var texts = Array(Set(cases.flatMap { [$0.sentence] + CitationChecker.units(of: $0.passage) }))
        texts.sort()
        let vectors = Dictionary(uniqueKeysWithValues: zip(texts, try encoder().embed(texts)))
        let scored = cases.map { item -> (Float, Bool) in
            let score = CitationChecker.score(item.sentence, vector: vectors[item.sentence]!, against: item.passage,
                                              sourceVectors: CitationChecker.units(of: item.passage).map { vectors[$0]! })
            return (score.support, item.supported)
        }
        let positives = scored.filter(\.1).map(\.0).sorted()
        let negatives = scored.filter { !$0.1 }.map(\.0).sorted()
        let threshold = CitationChecker.calibratedThreshold
        let correct = scored.filter { ($0.0 >= threshold) == $0.1 }.count
        let accuracy = Double(correct) / Double(scored.count)
        print("calibration: \(positives.count) supported, min \(positives.first!), median \(positives[positives.count / 2]); "
              + "\(negatives.count) unsupported, median \(negatives[negatives.count / 2]), max \(negatives.last!); "
              + "threshold \(threshold): accuracy \(accuracy)")
        #expect(accuracy >= 0.9, "accuracy \(accuracy) at threshold \(threshold)")
        #expect(positives.filter { $0 < threshold }.count <= 2, "supported sentences flagged: \(positives.prefix(4))")
    }
}
