import FolioTensor
import Foundation

/// A read-only view of a `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian tensor data.
///
/// The file is memory-mapped; tensors are copied out on request. The header is checked when the file is opened:
/// every byte range must lie inside the data section, match its dtype and shape, and not overlap another.
public struct SafeTensorsFile: Sendable {
    /// One tensor's entry in the header.
    public struct TensorInfo: Sendable, Equatable {
        /// The tensor's name, e.g. `encoder.layer.0.attention.self.query.weight`.
        public let name: String
        /// The safetensors dtype name: `F32`, `F16`, `BF16`, `I64`, ….
        public let dtype: String
        /// The dimensions, outermost first (`[out, in]` for a PyTorch `Linear` weight).
        public let shape: [Int]
        /// The tensor's bytes, relative to the start of the data section.
        public let byteRange: Range<Int>

        /// The number of elements, the product of `shape`.
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Bytes per element of each dtype the format defines.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
        "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
        "U32": 4, "I32": 4, "F32": 4,
        "U64": 8, "I64": 8, "F64": 8,
    ]

    /// The largest header accepted, as in the reference implementation (100 MB).
    static let maximumHeaderLength = 100_000_000

    /// Where the file was read from.
    public let url: URL
    /// The header entries by tensor name.
    public let tensors: [String: TensorInfo]
    /// The free-form `__metadata__` strings, e.g. `["format": "pt"]`.
    public let metadata: [String: String]
    private let contents: Data
    /// The memory mapping behind `contents`, when the file could be mapped.
    private let mapping: MappedFile?
    private let dataStart: Int

    /// Maps the file and validates its header.
    ///
    /// - Throws: ``FolioEncoderError/missingFile(path:)`` when there is no such file,
    ///   ``FolioEncoderError/malformedFile(path:reason:)`` when it is truncated or its header is inconsistent, and
    ///   ``FolioEncoderError/unsupportedDType(name:dtype:)`` for a dtype the format does not define.
    public init(url: URL) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw FolioEncoderError.missingFile(path: path) }
        let contents: Data
        let mapping = MappedFile(path: path)
        if let mapping {
            // Mapped, not read: a process that embeds one query touches only the pages it needs.
            contents = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: mapping.base), count: mapping.count,
                            deallocator: .none)
        } else {
            do {
                contents = try Data(contentsOf: url)
            } catch {
                throw FolioEncoderError.malformedFile(path: path, reason: "unreadable: \(error.localizedDescription)")
            }
        }
        func malformed(_ reason: String) -> FolioEncoderError { .malformedFile(path: path, reason: reason) }

        guard contents.count >= 8 else { throw malformed("\(contents.count) bytes, shorter than the 8-byte header length") }
        let headerLength = contents.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
        guard headerLength <= UInt64(Self.maximumHeaderLength) else {
            throw malformed("header length \(headerLength) exceeds \(Self.maximumHeaderLength) bytes")
        }
        guard Int(headerLength) <= contents.count - 8 else {
            throw malformed("truncated: the header claims \(headerLength) bytes but only \(contents.count - 8) follow")
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = contents.count - dataStart
        let header = contents.subdata(in: contents.startIndex + 8 ..< contents.startIndex + dataStart)

        let entries: [String: HeaderValue]
        do {
            entries = try JSONDecoder().decode([String: HeaderValue].self, from: header)
        } catch {
            throw malformed("the JSON header does not parse: \(error)")
        }

        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            switch value {
            case let .metadata(values):
                guard name == "__metadata__" else { throw malformed("entry '\(name)' is not a tensor") }
                metadata = values
            case let .tensor(dtype, shape, offsets):
                guard name != "__metadata__" else { throw malformed("__metadata__ is not a string map") }
                guard let size = Self.dtypeSizes[dtype] else {
                    throw FolioEncoderError.unsupportedDType(name: name, dtype: dtype)
                }
                guard shape.allSatisfy({ $0 >= 0 }) else { throw malformed("tensor '\(name)' has shape \(shape)") }
                guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                    throw malformed("tensor '\(name)' has data_offsets \(offsets)")
                }
                guard offsets[1] <= dataLength else {
                    throw malformed("truncated: tensor '\(name)' ends at data byte \(offsets[1]) "
                        + "but the data section has \(dataLength) bytes")
                }
                var elements = 1, overflow = false
                for dimension in shape {
                    let product = elements.multipliedReportingOverflow(by: dimension)
                    elements = product.partialValue
                    overflow = overflow || product.overflow
                }
                let bytes = elements.multipliedReportingOverflow(by: size)
                guard !overflow, !bytes.overflow, offsets[1] - offsets[0] == bytes.partialValue else {
                    throw malformed("tensor '\(name)' spans \(offsets[1] - offsets[0]) bytes, "
                        + "which does not fit \(dtype) \(shape)")
                }
                tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: offsets[0] ..< offsets[1])
            }
        }
        let sorted = tensors.values.sorted { ($0.byteRange.lowerBound, $0.name) < ($1.byteRange.lowerBound, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.byteRange.overlaps(b.byteRange) {
            throw malformed("tensors '\(a.name)' and '\(b.name)' overlap")
        }

        self.url = url
        self.tensors = tensors
        self.metadata = metadata
        self.contents = contents
        self.mapping = mapping
        self.dataStart = dataStart
    }

    /// The tensor names, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// The header entry of `name`, or nil.
    public func info(_ name: String) -> TensorInfo? { tensors[name] }

    /// Calls `body` with the raw little-endian bytes of `name`, or returns nil when there is no such tensor.
    public func withBytes<R>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let info = tensors[name] else { return nil }
        return try contents.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[dataStart + info.byteRange.lowerBound
                                                          ..< dataStart + info.byteRange.upperBound]))
        }
    }

    /// Copies an F32 tensor into `destination`, which must hold exactly its elements.
    ///
    /// - Throws: ``FolioEncoderError/missingTensor(name:)`` or ``FolioEncoderError/unsupportedDType(name:dtype:)``.
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let info = tensors[name] else { throw FolioEncoderError.missingTensor(name: name) }
        guard info.dtype == "F32" else { throw FolioEncoderError.unsupportedDType(name: name, dtype: info.dtype) }
        precondition(destination.count == info.elementCount, "destination size differs from tensor '\(name)'")
        _ = withBytes(of: name) { bytes in
            // The data section is not aligned for Float, so copy bytes (little-endian, like every host Swift runs on).
            UnsafeMutableRawBufferPointer(destination).copyMemory(from: bytes)
        }
    }

    /// An F32 tensor as a read-only view into the mapped file, without copying; nil when the file is not mapped
    /// or the tensor's bytes are not aligned for `Float` (then copy it with ``copyFloats(_:into:)``).
    public func borrowFloats(_ name: String) -> FloatBuffer? {
        guard let mapping, let info = tensors[name], info.dtype == "F32" else { return nil }
        let address = mapping.base + dataStart + info.byteRange.lowerBound
        guard Int(bitPattern: address) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return FloatBuffer(borrowing: address.assumingMemoryBound(to: Float.self), count: info.elementCount,
                           owner: mapping)
    }

    /// An F32 tensor's elements, in row-major order.
    ///
    /// - Throws: ``FolioEncoderError/missingTensor(name:)`` or ``FolioEncoderError/unsupportedDType(name:dtype:)``.
    public func floats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw FolioEncoderError.missingTensor(name: name) }
        var values = [Float](repeating: 0, count: info.elementCount)
        try values.withUnsafeMutableBufferPointer { try copyFloats(name, into: $0) }
        return values
    }
}

/// A read-only private memory mapping of a whole file, unmapped when the last user lets go.
/// `@unchecked Sendable`: a read-only (`PROT_READ`) mapping whose `base` and `count` never change after init; it
/// is unmapped only in `deinit`, once no `FloatBuffer` borrowing from it is left.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int

    /// Maps `path`; nil when it cannot be opened or mapped (the caller then reads it).
    init?(path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else { return nil }
        base = UnsafeRawPointer(address)
        count = size
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), count)
    }
}

/// A header entry: a tensor, or the `__metadata__` string map.
private enum HeaderValue: Decodable {
    case tensor(dtype: String, shape: [Int], offsets: [Int])
    case metadata([String: String])

    private enum Keys: String, CodingKey {
        case dtype, shape
        case offsets = "data_offsets"
    }

    init(from decoder: Decoder) throws {
        if let container = try? decoder.container(keyedBy: Keys.self), container.contains(.dtype) {
            self = .tensor(dtype: try container.decode(String.self, forKey: .dtype),
                           shape: try container.decode([Int].self, forKey: .shape),
                           offsets: try container.decode([Int].self, forKey: .offsets))
        } else {
            self = .metadata(try decoder.singleValueContainer().decode([String: String].self))
        }
    }
}
