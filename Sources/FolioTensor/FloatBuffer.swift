/// A fixed-size, 64-byte-aligned, zero-initialized block of `Float`s that frees itself.
///
/// Weights and per-batch scratch tensors live in these, so hot loops can take raw pointers without
/// copy-on-write checks or array copies. The shape is the owner's business (say it in a `// [rows, cols]` comment).
public final class FloatBuffer: @unchecked Sendable {
    /// The number of floats.
    public let count: Int
    /// The first float. Valid for the life of the buffer.
    public let pointer: UnsafeMutablePointer<Float>

    /// A buffer of `count` zeros.
    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
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
        pointer.deallocate()
    }

    /// The contents as a buffer pointer, valid for the life of the buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// A copy of the contents.
    public var array: [Float] { Array(buffer) }
}
