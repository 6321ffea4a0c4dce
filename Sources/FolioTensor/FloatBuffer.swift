/// A fixed-size, 64-byte-aligned, zero-initialized block of `Float`s that frees itself, or a read-only view of
/// floats someone else owns (weights inside a memory-mapped file, so loading a model copies nothing).
///
/// Weights and per-batch scratch tensors live in these, so hot loops can take raw pointers without
/// copy-on-write checks or array copies. The shape is the owner's business (say it in a `// [rows, cols]` comment).
///
/// `@unchecked Sendable`: `count`, `pointer` and `owner` never change; the floats themselves are unguarded, so
/// callers keep the invariant: written before the buffer is shared (weights) or by threads writing disjoint
/// ranges (one batch's output rows each), read once those writers are joined, never written through a view.
public final class FloatBuffer: @unchecked Sendable {
    /// The number of floats.
    public let count: Int
    /// The first float. Valid for the life of the buffer.
    public let pointer: UnsafeMutablePointer<Float>
    /// What keeps a borrowed `pointer` valid; nil when the buffer owns its memory.
    private let owner: AnyObject?

    /// A buffer of `count` zeros.
    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        owner = nil
    }

    /// A view of `count` floats at `pointer` (Float-aligned, not necessarily 64-byte aligned) that `owner` keeps
    /// valid. The floats must not be written through the view.
    public init(borrowing pointer: UnsafePointer<Float>, count: Int, owner: AnyObject) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        self.pointer = UnsafeMutablePointer(mutating: pointer)
        self.owner = owner
    }

    /// A buffer holding a copy of `values`.
    public convenience init(copying values: UnsafeBufferPointer<Float>) {
        self.init(count: values.count)
        if let base = values.baseAddress { pointer.update(from: base, count: values.count) }
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { values in
            if let base = values.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit {
        if owner == nil { pointer.deallocate() }
    }

    /// The contents as a buffer pointer, valid for the life of the buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// A copy of the contents.
    public var array: [Float] { Array(buffer) }
}
