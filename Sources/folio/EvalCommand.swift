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

            A file of conversations (each line {"id": ..., "turns": [question, ...]}, found by its "turns") is \
            asked turn by turn as a conversation: the report gives turn 1, the follow-ups, the topic switches \
            (a follow-up whose gold document is not the last turn's) and the unanswerable follow-ups separately, \
            each beside the same questions asked alone (the baseline); --llm URL reads follow-ups with the LLM's \
            rewrite.

            --compare MODE evaluates a second configuration (the same options with another --mode) and prints the \
            two side by side; with --json, {"a": report, "b": report}.

            Examples:
              folio eval ../shared/eval/dev.jsonl
              folio eval ../shared/eval/dev.jsonl --compare dense
              folio eval questions.jsonl --mode lexical --json --verbose
              folio eval ../shared/eval/conversations-dev.jsonl --verbose
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var retrievalOptions: RetrievalOptions
    @OptionGroup(title: "Conversations read with an LLM") var llmOptions: LLMOptions

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
            let url = URL(fileURLWithPath: questions)
            if EvalConversation.isConversationFile(url) { return try runConversations(folio, url: url) }
            let set = try EvalQuestion.load(url)
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

    func runConversations(_ folio: Folio, url: URL) throws {
        guard compare == nil else { throw ValidationError("--compare takes a file of questions, not of conversations") }
        let conversations = try EvalConversation.load(url)
        let report = try folio.evaluate(conversations: conversations, k: k, settings: retrievalOptions.settings(),
                                        condenser: try llmOptions.client()) { done, total in
            if done < total { Console.progress("[\(done + 1)/\(total)] evaluating turns") } else { Console.clearProgress() }
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
                let rank = { (item: EvalItem) in item.firstHitRank.map(String.init) ?? (item.answerable ? "-" : "n/a") }
                let mark = { (item: EvalItem) in
                    item.answerable ? (item.answerContainsGold == true ? "✓" : "✗") : (item.abstained ? "✓" : "✗")
                }
                print("\(item.conversation ?? "?").\(item.turn)  \(item.kind)  rank \(rank(item.inConversation)) \(mark(item.inConversation))"
                      + "  (alone \(rank(item.alone)) \(mark(item.alone)))  \(item.inConversation.question)")
                if item.readAs != item.inConversation.question { print("    Read as: \(item.readAs)") }
                print("    \(snippet(item.inConversation.answer, limit: 160))")
            }
            print()
        }
        print("conversations    \(report.conversations) (\(report.turns) turns)")
        let groups: [(String, EvalSummary, EvalSummary?)] = [
            ("turn 1", report.firstTurns, nil),
            ("follow-ups", report.followUps, report.followUpsAlone),
            ("topic switches", report.topicSwitches, report.topicSwitchesAlone),
            ("unanswerable", report.unanswerableFollowUps, report.unanswerableFollowUpsAlone),
        ]
        func cell(_ text: String) -> String { text.padding(toLength: 15, withPad: " ", startingAt: 0) }
        print(cell("") + "    " + groups.map { cell($0.0) + cell($0.2 == nil ? "" : "alone") }.joined())
        func row(_ name: String, _ value: (EvalSummary) -> String) {
            print(cell(name) + "    " + groups.map { cell(value($0.1)) + cell($0.2.map(value) ?? "") }.joined())
        }
        row("questions", { "\($0.questions)" })
        row("hit@1", { $0.answerable == 0 ? "" : String(format: "%.3f", $0.hitAt1) })
        row("hit@5", { $0.answerable == 0 ? "" : String(format: "%.3f", $0.hitAt5) })
        row("MRR@10", { $0.answerable == 0 ? "" : String(format: "%.3f", $0.mrrAt10) })
        row("contains", { $0.answerable == 0 ? "" : String(format: "%.3f", $0.answerContainment) })
        row("answered", { $0.answerable == 0 ? "" : String(format: "%.3f", $0.answeredWhenAnswerable) })
        row("from gold doc", { $0.answerable == 0 ? "" : "\($0.answeredFromGoldDocument) of \($0.answerable)" })
        row("abstained", { $0.unanswerable == 0 ? "" : "\($0.abstainedWhenUnanswerable) of \($0.unanswerable)" })
        print(String(format: "follow-up reading adds %.1f ms (median) to a question's retrieval", report.medianAddedMilliseconds))
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
