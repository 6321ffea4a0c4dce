import Foundation
import FolioTensor
import Testing

@Suite("Vector kernels")
struct VectorMathTests {
    @Test("exp is within 1 ulp of expf on the softmax range")
    func exp() {
        var worst: Float = 0
        var x: Float = -87
        while x <= 1 {
            let ours = VectorMath.exp(x), reference = expf(x)
            worst = max(worst, abs(ours - reference) / reference.ulp)
            x += 0.000_37
        }
        #expect(worst <= 1.5)
        #expect(VectorMath.exp(-Float.infinity) == 0)
        #expect(VectorMath.exp(-200) == 0)
        #expect(VectorMath.exp(0) == 1)
    }

    @Test("erf and GELU are within 5e-7 and 1e-6 of libm's erff")
    func erfAndGELU() {
        var worstErf: Float = 0, worstGELU: Float = 0
        var x: Float = -12
        while x <= 12 {
            worstErf = max(worstErf, abs(VectorMath.erf(x) - erff(x)))
            let gelu = 0.5 * x * (1 + erff(x * 0.707_106_781_186_547_52))
            worstGELU = max(worstGELU, abs(VectorMath.gelu(x) - gelu))
            x += 0.000_31
        }
        #expect(worstErf <= 5e-7)
        #expect(worstGELU <= 1e-6)
        #expect(VectorMath.gelu(0) == 0)
        #expect(VectorMath.gelu(20) == 20)
    }

    @Test("every kernel path matches libm: exp rows within 2 ulp, GELU within 1e-6, tails and spare columns kept",
          arguments: Kernels.Path.available)
    func kernelPaths(_ path: Kernels.Path) {
        // Rows of every length from 1 to 40 (whole vectors and tails), in a stride with two spare columns.
        for columns in 1 ... 40 {
            let stride = columns + 2, rows = 3
            var values = (0 ..< rows * stride).map { Float(($0 * 7919) % 2003) * 0.043 - 86 }
            let original = values
            var inverseSums = [Float](repeating: 0, count: rows)
            values.withUnsafeMutableBufferPointer { x in
                inverseSums.withUnsafeMutableBufferPointer { sums in
                    Kernels.exponentiateRows(x.baseAddress!, rows: rows, columns: columns, rowStride: stride,
                                             inverseSums: sums.baseAddress!, path: path)
                }
            }
            for r in 0 ..< rows {
                let row = original[r * stride ..< r * stride + columns]
                let top = row.max()!
                var sum: Double = 0
                for (j, v) in row.enumerated() {
                    let expected = expf(v - top)
                    sum += Double(expected)
                    let got = values[r * stride + j]
                    #expect(abs(got - expected) <= 2 * max(expected.ulp, Float.leastNormalMagnitude),
                            "\(path) columns \(columns): exp(\(v - top)) = \(got), libm \(expected)")
                }
                #expect(abs(Double(inverseSums[r]) * sum - 1) < 1e-5, "\(path) columns \(columns)")
                #expect(values[r * stride + columns] == original[r * stride + columns], "spare columns untouched")
                #expect(values[r * stride + columns + 1] == original[r * stride + columns + 1])
            }

            var activations = (0 ..< rows * columns).map { Float(($0 * 613) % 997) * 0.025 - 12.5 }
            let bias = (0 ..< columns).map { Float($0) * 0.01 - 0.2 }
            let before = activations
            activations.withUnsafeMutableBufferPointer {
                Kernels.addBiasGELU($0.baseAddress!, rows: rows, columns: columns, bias: bias, path: path)
            }
            for i in 0 ..< rows * columns {
                let x = before[i] + bias[i % columns]
                let expected = 0.5 * x * (1 + erff(x * 0.707_106_781_186_547_52))
                #expect(abs(activations[i] - expected) <= 1e-6, "\(path) columns \(columns): gelu(\(x))")
            }
        }
    }

    @Test("softmax rows sum to one and ignore the stride's spare columns")
    func softmax() {
        var values: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5, 99]
        values.withUnsafeMutableBufferPointer {
            Kernels.softmaxRows($0.baseAddress!, rows: 2, columns: 11, rowStride: 12)
        }
        #expect(abs(values[0 ..< 11].reduce(0, +) - 1) < 1e-6)
        #expect(abs(values[12 ..< 23].reduce(0, +) - 1) < 1e-6)
        #expect(values[11] == 99 && values[23] == 99)
        let expected = (1 ... 11).map { Foundation.exp(Double($0 - 11)) }
        let sum = expected.reduce(0, +)
        for j in 0 ..< 11 { #expect(abs(Double(values[j]) - expected[j] / sum) < 1e-7) }
    }

    @Test("exponentiated rows times their inverse sums are the softmax")
    func unnormalizedSoftmax() {
        let columns = 19, stride = 21
        var values = (0 ..< 3 * stride).map { Float(($0 * 7) % 23) * 0.4 - 3 }
        var reference = values
        var inverseSums = [Float](repeating: 0, count: 3)
        values.withUnsafeMutableBufferPointer { x in
            inverseSums.withUnsafeMutableBufferPointer { sums in
                Kernels.exponentiateRows(x.baseAddress!, rows: 3, columns: columns, rowStride: stride,
                                         inverseSums: sums.baseAddress!)
                Kernels.scaleRows(x.baseAddress!, rows: 3, columns: columns, rowStride: stride, by: sums.baseAddress!)
            }
        }
        reference.withUnsafeMutableBufferPointer {
            Kernels.softmaxRows($0.baseAddress!, rows: 3, columns: columns, rowStride: stride)
        }
        for r in 0 ..< 3 {
            let row = (0 ..< columns).map { Double(((r * stride + $0) * 7) % 23) * 0.4 - 3 }
            let top = row.max()!
            let sum = row.reduce(0) { $0 + Foundation.exp($1 - top) }
            for j in 0 ..< columns {
                #expect(abs(Double(values[r * stride + j]) - Foundation.exp(row[j] - top) / sum) < 1e-7)
                #expect(values[r * stride + j] == reference[r * stride + j])
            }
            #expect(values[r * stride + columns] == reference[r * stride + columns], "spare columns untouched")
        }
        #expect(VectorMath.expNonPositive(VectorMath.Vector(repeating: -.infinity)) == .zero)
        #expect(VectorMath.expNonPositive(VectorMath.Vector(repeating: 0)) == VectorMath.Vector(repeating: 1))
    }

    @Test("layerNorm normalizes each row, with any column count")
    func layerNorm() {
        let columns = 13
        var values = (0 ..< 2 * columns).map { Float($0 % 7) * 0.5 - 1 }
        let bias = [Float](repeating: 0.25, count: columns)
        let gamma = [Float](repeating: 2, count: columns), beta = [Float](repeating: 1, count: columns)
        let original = values
        values.withUnsafeMutableBufferPointer {
            Kernels.layerNorm($0.baseAddress!, rows: 2, columns: columns, bias: bias, gamma: gamma, beta: beta,
                              epsilon: 1e-12)
        }
        for r in 0 ..< 2 {
            let row = original[r * columns ..< (r + 1) * columns].map { Double($0) + 0.25 }
            let mean = row.reduce(0, +) / Double(columns)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(columns)
            for j in 0 ..< columns {
                let expected = (row[j] - mean) / variance.squareRoot() * 2 + 1
                #expect(abs(Double(values[r * columns + j]) - expected) < 1e-5)
            }
        }
    }
}
