import ArgumentParser

/// `folio`: ask your PDFs questions, locally.
@main
struct FolioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio",
        abstract: "Ask questions about your PDFs, locally, with page-level citations.",
        discussion: """
            Folio extracts the text of PDFs with Poppler, embeds it with all-MiniLM-L6-v2 on this machine, keeps \
            everything in a SQLite store, and answers questions with the sentences that answer them, citing \
            document and pages. Nothing leaves the machine.

            Typical session:
              folio ingest ~/papers
              folio ask "How many layers does the Transformer encoder have?"
              folio search "label smoothing" --k 5
              folio chunks --doc attention-is-all-you-need.pdf --page 3
              folio serve          # then open http://127.0.0.1:8080/

            The store lives in --store DIR, else $FOLIO_STORE, else $XDG_DATA_HOME/folio (~/.local/share/folio).
            """,
        version: "0.1.0",
        subcommands: [
            IngestCommand.self, AskCommand.self, SearchCommand.self, ChunksCommand.self, DocsCommand.self,
            RemoveCommand.self, EvalCommand.self, ConversationsCommand.self, ServeCommand.self, ExtractWorkerCommand.self,
        ]
    )
}
