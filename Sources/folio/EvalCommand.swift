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
            containment (answer contains the gold answer or an alias), and how unanswerable questions (document \
            null) were handled.

            Examples:
              folio eval ../shared/eval/dev.jsonl
              folio eval questions.jsonl --json --verbose
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Results considered per question.")
    var k = 10

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
            let set = try EvalQuestion.load(URL(fileURLWithPath: questions))
            let report = try folio.evaluate(set, k: k) { done, total in
                if done < total { Console.progress("[\(done + 1)/\(total)] evaluating") } else { Console.clearProgress() }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.sortedKeys]
                var object = (try JSONSerialization.jsonObject(with: try encoder.encode(report))) as? [String: Any] ?? [:]
                if !verbose { object.removeValue(forKey: "items") }
                Console.printJSON(object)
                return
            }
            if verbose {
                for item in report.items {
                    let rank = item.firstHitRank.map(String.init) ?? (item.answerable ? "-" : "n/a")
                    let mark = item.answerable ? (item.answerContainsGold == true ? "✓" : "✗") : (item.abstained ? "✓" : "✗")
                    print("\(item.id ?? "?")  rank \(rank)  \(mark)  \(item.question)")
                    print("    \(snippet(item.answer, limit: 160))")
                }
                print()
            }
            print(String(format: "questions        %d (%d answerable, %d unanswerable)", report.questions, report.answerable, report.unanswerable))
            print(String(format: "hit@1            %.3f", report.hitAt1))
            print(String(format: "hit@3            %.3f", report.hitAt3))
            print(String(format: "hit@5            %.3f", report.hitAt5))
            print(String(format: "hit@10           %.3f", report.hitAt10))
            print(String(format: "MRR@10           %.3f", report.mrrAt10))
            print(String(format: "answer contains  %.3f", report.answerContainment))
            print(String(format: "answered         %.3f of answerable", report.answeredWhenAnswerable))
            print("abstained        \(report.abstainedWhenUnanswerable) of \(report.unanswerable) unanswerable")
        }
    }
}
