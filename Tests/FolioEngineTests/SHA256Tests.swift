@testable import FolioEngine
import FolioTestSupport
import Foundation
import Testing

@Suite("SHA-256 (FIPS 180-4 test vectors)")
struct SHA256Tests {
    @Test("the standard vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ])
    func vectors(input: String, expected: String) {
        #expect(SHA256.hex(of: Data(input.utf8)) == expected)
    }

    @Test("a file hashed in 1 MiB reads (one boundary crossed) equals its bytes hashed at once")
    func file() throws {
        let directory = try TestPaths.temporaryDirectory("folio-sha")
        let url = directory.appendingPathComponent("bytes.bin")
        let bytes = Data((0 ..< (1 << 20) + 77).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
        try bytes.write(to: url)
        #expect(try SHA256.hex(ofFile: url) == SHA256.hex(of: bytes))
    }
}
