import CEditLine
import Foundation

/// Reads the lines of an interactive session: with libedit's line editing and history on a terminal, plain
/// `readLine()` otherwise (pipes, tests).
final class LineReader {
    let isTerminal = isatty(STDIN_FILENO) != 0

    /// The next line without its newline, or nil at end of input.
    func readLine(prompt: String) -> String? {
        guard isTerminal else { return Swift.readLine() }
        guard let raw = CEditLine.readline(prompt) else {
            print()
            return nil
        }
        defer { free(raw) }
        return String(cString: raw)
    }

    /// Adds a line to the history (terminal only).
    func remember(_ line: String) {
        if isTerminal { add_history(line) }
    }
}
