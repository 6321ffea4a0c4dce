import ArgumentParser
import FolioEngine
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score retrieval and answers on a JSON-lines question set.",
        discussion: """
            Each line: {"question": ..., "document": "bert.pdf" or null, "pages": [3], "answer": ..., "aliases": [...]}.
            A hit is a result from the gold document spanning a gold page. Reports hit@1/3/5/10, MRR@10, answer \
            containment (answer contains the gold answer or an alias), how often answerable questions were \
            answered, and how many unanswerable questions (document null) were abstained.

            --compare MODE evaluates a second configuration (the same options with another --mode) and prints the \
            two side by side; with --json, {"a": report, "b": report}.

            Examples:
              folio eval ../shared/eval/dev.jsonl
              folio eval ../shared/eval/dev.jsonl --compare dense
              folio eval questions.jsonl --mode lexical --json --verbose
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var retrievalOptions: RetrievalOptions

    @Option(help: "Results considered per question.")
    var k = 10

    @Option(help: ArgumentHelp("Also evaluate this mode and show both side by side.", valueName: "mode"))
    var compare: RetrievalMode?

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    @Flag(help: "List every question with its first hit rank and answer.")
    var verbose = false

    @Argument(help: ArgumentHelp("Questions file (JSON lines).", valueName: "questions.jsonl"))
    var questions: String

    func validate() throws {
        guard k >= 1 && k <= 100 else { throw ValidationError("--k must be between 1 and 100") }
    }

    func run() throws {
        try reportingErrors {
            let folio = try storeOptions.open(readOnly: true)
            retrievalOptions.apply(to: folio)
            let set = try EvalQuestion.load(URL(fileURLWithPath: questions))
            var configurations = [retrievalOptions.settings()]
            if let compare { configurations.append(retrievalOptions.settings(mode: compare)) }
            var reports: [EvalReport] = []
            for (index, settings) in configurations.enumerated() {
                let label = configurations.count > 1 ? " (\(settings.mode.rawValue), \(index + 1)/\(configurations.count))" : ""
                reports.append(try folio.evaluate(set, k: k, settings: settings) { done, total in
                    if done < total {
                        Console.progress("[\(done + 1)/\(total)] evaluating\(label)")
                    } else {
                        Console.clearProgress()
                    }
                })
            }
            if json {
                let objects = try reports.map(jsonObject)
                Console.printJSON(objects.count == 1 ? objects[0] : ["a": objects[0], "b": objects[1]])
                return
            }
            if verbose {
                for report in reports {
                    if reports.count > 1 { print("== \(report.settings.mode.rawValue)") }
                    printItems(report)
                }
            }
            printSummary(reports)
        }
    }

    func jsonObject(_ report: EvalReport) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        var object = (try JSONSerialization.jsonObject(with: try encoder.encode(report))) as? [String: Any] ?? [:]
        if !verbose { object.removeValue(forKey: "items") }
        return object
    }

    func printItems(_ report: EvalReport) {
        for item in report.items {
            let rank = item.firstHitRank.map(String.init) ?? (item.answerable ? "-" : "n/a")
            let mark = item.answerable ? (item.answerContainsGold == true ? "✓" : "✗") : (item.abstained ? "✓" : "✗")
            print("\(item.id ?? "?")  rank \(rank)  \(mark)  " + String(format: "conf %.2f  ", item.confidence) + item.question)
            print("    \(snippet(item.answer, limit: 160))")
        }
        print()
    }

    /// One column per configuration.
    func printSummary(_ reports: [EvalReport]) {
        guard let first = reports.first else { return }
        print(String(format: "questions        %d (%d answerable, %d unanswerable)", first.questions, first.answerable, first.unanswerable))
        func row(_ name: String, _ value: (EvalReport) -> String) {
            print(name.padding(toLength: 17, withPad: " ", startingAt: 0)
                  + reports.map { value($0).padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
        }
        if reports.count > 1 { row("", { $0.settings.mode.rawValue }) }
        row("hit@1", { String(format: "%.3f", $0.hitAt1) })
        row("hit@3", { String(format: "%.3f", $0.hitAt3) })
        row("hit@5", { String(format: "%.3f", $0.hitAt5) })
        row("hit@10", { String(format: "%.3f", $0.hitAt10) })
        row("MRR@10", { String(format: "%.3f", $0.mrrAt10) })
        row("answer contains", { String(format: "%.3f", $0.answerContainment) })
        row("answered", { String(format: "%.3f", $0.answeredWhenAnswerable) })
        row("abstained", { "\($0.abstainedWhenUnanswerable) of \($0.unanswerable)" })
    }
}
