/// The WordPiece vocabulary: token strings by id, and two open-addressing hash tables keyed by UTF-8 bytes,
/// one for word-initial pieces and one for `##` continuation pieces (keyed without the `##`).
///
/// Looking a piece up hashes a byte slice of the word being split, so the greedy longest-match loop allocates
/// no `String` per candidate.
struct Vocabulary: Sendable {
    /// Token text by id (the line number in `vocab.txt`).
    let tokens: [String]
    /// The UTF-8 bytes of all tokens, back to back.
    private let bytes: [UInt8]
    /// `bytes[starts[id] ..< starts[id + 1]]` is token `id`.
    private let starts: [Int32]
    /// Slot -> token id, or -1; capacity is a power of two.
    private let initialSlots: [Int32]
    private let continuationSlots: [Int32]
    /// Longest key in each table, in bytes: the greedy match never tries a longer slice.
    let longestInitial: Int
    let longestContinuation: Int

    init(tokens: [String]) {
        self.tokens = tokens
        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        starts.reserveCapacity(tokens.count + 1)
        for token in tokens {
            bytes.append(contentsOf: token.utf8)
            starts.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.starts = starts

        var capacity = 16
        while capacity < tokens.count * 2 { capacity <<= 1 }
        var initial = [Int32](repeating: -1, count: capacity)
        var continuation = [Int32](repeating: -1, count: capacity)
        var longestInitial = 0
        var longestContinuation = 0
        bytes.withUnsafeBufferPointer { all in
            for id in tokens.indices {
                let start = Int(starts[id]), end = Int(starts[id + 1])
                let key = UnsafeBufferPointer(rebasing: all[start ..< end])
                // Later duplicates win, as in the reference's `vocab[token] = index`.
                Self.insert(id: Int32(id), key: key, into: &initial, all: all, starts: starts, skip: 0)
                longestInitial = max(longestInitial, key.count)
                if key.count >= 2, key[0] == UInt8(ascii: "#"), key[1] == UInt8(ascii: "#") {
                    let suffix = UnsafeBufferPointer(rebasing: all[start + 2 ..< end])
                    Self.insert(id: Int32(id), key: suffix, into: &continuation, all: all, starts: starts, skip: 2)
                    longestContinuation = max(longestContinuation, suffix.count)
                }
            }
        }
        self.initialSlots = initial
        self.continuationSlots = continuation
        self.longestInitial = longestInitial
        self.longestContinuation = longestContinuation
    }

    var count: Int { tokens.count }

    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        // FNV-1a, 64-bit.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return h
    }

    @inline(__always)
    private static func keyEquals(_ key: UnsafeBufferPointer<UInt8>, id: Int32, skip: Int,
                                  all: UnsafeBufferPointer<UInt8>, starts: [Int32]) -> Bool {
        let start = Int(starts[Int(id)]) + skip, end = Int(starts[Int(id) + 1])
        guard end - start == key.count else { return false }
        var i = 0
        while i < key.count {
            if all[start + i] != key[i] { return false }
            i += 1
        }
        return true
    }

    private static func insert(id: Int32, key: UnsafeBufferPointer<UInt8>, into slots: inout [Int32],
                               all: UnsafeBufferPointer<UInt8>, starts: [Int32], skip: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash(key)) & mask
        while slots[slot] >= 0 {
            if keyEquals(key, id: slots[slot], skip: skip, all: all, starts: starts) {
                slots[slot] = id
                return
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = id
    }

    /// The id of `key` (a word-initial piece, or a continuation piece without its `##`), or -1.
    @inline(__always)
    func lookup(_ key: UnsafeBufferPointer<UInt8>, continuation: Bool) -> Int32 {
        let skip = continuation ? 2 : 0
        return bytes.withUnsafeBufferPointer { all in
            (continuation ? continuationSlots : initialSlots).withUnsafeBufferPointer { slots in
                let mask = slots.count - 1
                var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
                while true {
                    let id = slots[slot]
                    if id < 0 { return -1 }
                    if Self.keyEquals(key, id: id, skip: skip, all: all, starts: starts) { return id }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The id of a whole token string such as `[CLS]` or `##ing`, or nil.
    func id(of token: String) -> Int32? {
        // The initial table keys every token verbatim, `##` ones included.
        let utf8 = Array(token.utf8)
        let id = utf8.withUnsafeBufferPointer { lookup($0, continuation: false) }
        return id >= 0 ? id : nil
    }
}
