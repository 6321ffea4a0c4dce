import Foundation

// Normalization, pre-tokenization and WordPiece, fused into one pass that hands piece ids to a callback.
// Character classes follow Hugging Face tokenizers' `BertNormalizer` and `BertPreTokenizer`, which the reference
// ran: normalization order is clean text -> pad CJK -> NFD + drop Mn -> lowercase.

extension WordPieceTokenizer {
    /// Runs the whole pipeline over `text`, calling `body` with each piece id in order until it returns false.
    /// A word's pieces are final before the first of them is handed out (a later failure turns the whole word
    /// into `[UNK]`), so stopping early yields a prefix of the full result.
    func forEachPieceID(in text: String, _ body: (Int32) -> Bool) {
        var splitter = WordSplitter(vocabulary: vocabulary, unknownID: unknownID)
        var stopped = false

        func endWord() {
            if splitter.isEmpty || stopped {
                splitter.clearWord()
                return
            }
            splitter.split()
            for id in splitter.pieces where !body(id) {
                stopped = true
                break
            }
            splitter.clearWord()
        }

        // Pre-tokenizes one normalized scalar.
        func emit(_ scalar: Unicode.Scalar) {
            if BertCharacter.isWhitespace(scalar) {
                endWord()
            } else if BertCharacter.isPunctuation(scalar) {
                endWord()
                splitter.append(scalar)
                endWord()
            } else {
                splitter.append(scalar)
            }
        }

        var text = text
        text.makeContiguousUTF8()
        let wasASCII = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            for byte in utf8 where byte >= 0x80 { return false }
            // ASCII needs no decomposition and lowercases bytewise.
            for byte in utf8 {
                if stopped { break }
                switch BertCharacter.asciiClass[Int(byte)] {
                case .removed: continue
                case .whitespace: endWord()
                case .punctuation:
                    endWord()
                    splitter.appendASCII(byte)
                    endWord()
                case .uppercase: splitter.appendASCII(byte | 0x20)
                case .other: splitter.appendASCII(byte)
                }
            }
            return true
        } ?? false

        if !wasASCII {
            // Clean text and pad CJK ideographs.
            var cleaned: [Unicode.Scalar] = []
            cleaned.reserveCapacity(text.utf8.count)
            var needsDecomposition = false
            for scalar in text.unicodeScalars {
                if scalar.value == 0 || scalar.value == 0xFFFD || BertCharacter.isControl(scalar) { continue }
                if BertCharacter.isWhitespace(scalar) {
                    cleaned.append(" ")
                } else if BertCharacter.isChineseCharacter(scalar) {
                    cleaned.append(" ")
                    cleaned.append(scalar)
                    cleaned.append(" ")
                } else {
                    // Nothing below U+00C0 has a canonical decomposition.
                    if scalar.value >= 0xC0 { needsDecomposition = true }
                    cleaned.append(scalar)
                }
            }

            // Strip accents and lowercase, then pre-tokenize.
            func stripAndLowercase(_ scalar: Unicode.Scalar) {
                if stopped { return }
                if scalar.isASCII {
                    let byte = UInt8(truncatingIfNeeded: scalar.value)
                    emit(Unicode.Scalar(BertCharacter.asciiClass[Int(byte)] == .uppercase ? byte | 0x20 : byte))
                    return
                }
                let properties = scalar.properties
                if properties.generalCategory == .nonspacingMark { return }
                if properties.changesWhenLowercased {
                    for lowered in properties.lowercaseMapping.unicodeScalars { emit(lowered) }
                } else {
                    emit(scalar)
                }
            }
            if needsDecomposition {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: cleaned)
                let decomposed = String(view).decomposedStringWithCanonicalMapping
                for scalar in decomposed.unicodeScalars { stripAndLowercase(scalar) }
            } else {
                for scalar in cleaned { stripAndLowercase(scalar) }
            }
        }
        endWord()
    }
}

/// Splits one pre-tokenized word into WordPiece ids by greedy longest match from the left.
struct WordSplitter {
    let vocabulary: Vocabulary
    let unknownID: Int32
    /// The UTF-8 bytes of the word being collected.
    private(set) var word: [UInt8] = []
    /// How many Unicode scalars the word has (the reference counts `char`s against the 100 limit).
    private(set) var scalarCount = 0
    /// The pieces of the last split word.
    private(set) var pieces: [Int32] = []

    init(vocabulary: Vocabulary, unknownID: Int32) {
        self.vocabulary = vocabulary
        self.unknownID = unknownID
        word.reserveCapacity(64)
        pieces.reserveCapacity(16)
    }

    var isEmpty: Bool { word.isEmpty }

    @inline(__always)
    mutating func appendASCII(_ byte: UInt8) {
        word.append(byte)
        scalarCount += 1
    }

    @inline(__always)
    mutating func append(_ scalar: Unicode.Scalar) {
        if scalar.isASCII {
            word.append(UInt8(truncatingIfNeeded: scalar.value))
        } else {
            UTF8.encode(scalar) { word.append($0) }
        }
        scalarCount += 1
    }

    mutating func clearWord() {
        word.removeAll(keepingCapacity: true)
        scalarCount = 0
    }

    /// Fills `pieces` with the WordPiece ids of `word`.
    mutating func split() {
        pieces.removeAll(keepingCapacity: true)
        if scalarCount > WordPieceTokenizer.maxInputCharactersPerWord {
            pieces.append(unknownID)
            return
        }
        let vocabulary = self.vocabulary
        let unknownID = self.unknownID
        word.withUnsafeBufferPointer { word in
            @inline(__always) func isContinuationByte(_ index: Int) -> Bool { word[index] & 0xC0 == 0x80 }
            let count = word.count
            var start = 0
            while start < count {
                let continuation = start > 0
                let longest = continuation ? vocabulary.longestContinuation : vocabulary.longestInitial
                // Slices end on scalar boundaries, like the reference's `char` slicing.
                var end = min(count, start + longest)
                while end < count, end > start, isContinuationByte(end) { end -= 1 }
                var found: Int32 = -1
                while end > start {
                    let id = vocabulary.lookup(UnsafeBufferPointer(rebasing: word[start ..< end]),
                                               continuation: continuation)
                    if id >= 0 {
                        found = id
                        break
                    }
                    end -= 1
                    while end > start, isContinuationByte(end) { end -= 1 }
                }
                if found < 0 {
                    pieces.removeAll(keepingCapacity: true)
                    pieces.append(unknownID)
                    return
                }
                pieces.append(found)
                start = end
            }
        }
    }
}

/// Character classes of BERT's normalizer and pre-tokenizer.
enum BertCharacter {
    enum ASCIIClass {
        case removed, whitespace, punctuation, uppercase, other
    }

    /// Classes of the 128 ASCII bytes: C0 controls other than tab/newline/return and DEL are removed (so
    /// vertical tab and form feed join their neighbours, as in the reference); ASCII punctuation is 33-47, 58-64,
    /// 91-96 and 123-126.
    static let asciiClass: [ASCIIClass] = (0 ..< 128).map { byte -> ASCIIClass in
        switch byte {
        case 9, 10, 13, 32: return .whitespace
        case 0 ..< 32, 127: return .removed
        case 33 ... 47, 58 ... 64, 91 ... 96, 123 ... 126: return .punctuation
        case 65 ... 90: return .uppercase
        default: return .other
        }
    }

    /// Tab, newline and return count as whitespace; otherwise the Unicode White_Space property (Rust's
    /// `char::is_whitespace`).
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return asciiClass[Int(scalar.value)] == .whitespace }
        return scalar.properties.isWhitespace
    }

    /// Categories Cc, Cf, Co and Cs, except tab, newline and return. (The reference's category tables list no Cn
    /// characters, so unassigned code points are kept.)
    @inline(__always)
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return asciiClass[Int(scalar.value)] == .removed }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// ASCII punctuation (which includes symbols such as `$`, `+`, `^`) or Unicode category P*.
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return asciiClass[Int(scalar.value)] == .punctuation }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideograph blocks the reference pads with spaces (not Hangul, Hiragana or Katakana).
    @inline(__always)
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00 ... 0x9FFF, 0x3400 ... 0x4DBF, 0x20000 ... 0x2A6DF, 0x2A700 ... 0x2B73F,
             0x2B740 ... 0x2B81F, 0x2B920 ... 0x2CEAF, 0xF900 ... 0xFAFF, 0x2F800 ... 0x2FA1F:
            return true
        default:
            return false
        }
    }
}
