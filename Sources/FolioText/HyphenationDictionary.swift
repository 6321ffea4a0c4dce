/// Decides whether a hyphen at a line end is a line-break hyphenation (`repre-` / `sentation`) or a real hyphen
/// that happens to fall at the end of a line (`self-` / `attention`), from the document's own words first and a
/// vocabulary second:
/// 1. the joined word occurs elsewhere in the document → join;
/// 2. the hyphenated form occurs within a line elsewhere → keep the hyphen;
/// 3. the joined word is a vocabulary word → join;
/// 4. both halves are vocabulary words → keep the hyphen;
/// 5. otherwise (a fragment such as `unidirec-`) → join.
public struct HyphenationDictionary: Sendable {
    let words: Set<String>
    let hyphenated: Set<String>
    let isVocabularyWord: @Sendable (String) -> Bool

    /// - Parameters:
    ///   - lines: every line of the document, to learn which forms it uses.
    ///   - isVocabularyWord: whether a lowercase word is a whole word of a vocabulary (e.g. the tokenizer's).
    public init(lines: [String], isVocabularyWord: @escaping @Sendable (String) -> Bool) {
        var words = Set<String>()
        var hyphenated = Set<String>()
        func learn(_ lower: String, isLast: Bool) {
            // The last token of a line may itself be a hyphenation fragment: do not learn it.
            if isLast && lower.utf8.last == 0x2D { return }
            if lower.utf8.contains(0x2D) {
                let parts = lower.split(separator: "-")
                if parts.count == 2 { hyphenated.insert(lower) }
                for part in parts { words.insert(String(part)) }
            } else {
                words.insert(lower)
            }
        }
        var token: [UInt8] = []
        for line in lines {
            guard line.utf8.contains(where: { $0 >= 0x41 }) else { continue }  // no letters at all
            if line.utf8.allSatisfy({ $0 < 0x80 }) {
                // ASCII (most lines): tokens are runs of letters and hyphens, lowercased byte by byte. Same
                // result as the Character path below, several times faster.
                // A finished token waits in `pending` until the next one shows it was not the line's last.
                var pending: String? = nil
                func endToken() {
                    guard !token.isEmpty else { return }
                    if let previous = pending { learn(previous, isLast: false) }
                    pending = String(decoding: token, as: UTF8.self)
                    token.removeAll(keepingCapacity: true)
                }
                for byte in line.utf8 {
                    let lower = byte | 0x20
                    if (lower >= 0x61 && lower <= 0x7A) || byte == 0x2D {
                        token.append(byte == 0x2D ? byte : lower)
                    } else {
                        endToken()
                    }
                }
                endToken()
                if let last = pending { learn(last, isLast: true) }
                continue
            }
            let tokens = line.split(whereSeparator: { !$0.isLetter && $0 != "-" })
            for (index, token) in tokens.enumerated() {
                learn(token.lowercased(), isLast: index == tokens.count - 1)
            }
        }
        self.words = words
        self.hyphenated = hyphenated
        self.isVocabularyWord = isVocabularyWord
    }

    /// Whether `first-` at a line end and `second` at the next line's start are one word.
    public func shouldJoin(_ first: String, _ second: String) -> Bool {
        let a = first.lowercased(), b = second.lowercased()
        if words.contains(a + b) { return true }
        if hyphenated.contains(a + "-" + b) { return false }
        if isVocabularyWord(a + b) { return true }
        if a.count >= 2, b.count >= 2, isVocabularyWord(a), isVocabularyWord(b) { return false }
        return true
    }
}
