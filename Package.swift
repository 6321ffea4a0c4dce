// swift-tools-version: 6.1
import PackageDescription

import Foundation

let targetCPUFlags: [SwiftSetting] = ProcessInfo.processInfo.environment["FOLIO_TARGET_CPU"].map {
    [.unsafeFlags(["-Xcc", "-march=\($0)", "-target-cpu", $0])]
} ?? []

let package = Package(
    name: "Folio",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "folio", targets: ["folio"]),
        .executable(name: "folio-bench", targets: ["folio-bench"]),
        .library(name: "FolioEngine", targets: ["FolioEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // C libraries: a module map and a shim header each, imported by exactly one Swift module.
        .systemLibrary(name: "CPoppler", pkgConfig: "poppler-glib",
                       providers: [.apt(["libpoppler-glib-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CTesseract", pkgConfig: "tesseract",
                       providers: [.apt(["libtesseract-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        // Header only (no library): the prefetch hint and target-feature flags FolioIndex's hot loops need.
        .systemLibrary(name: "CIntrinsics"),
        // Header only: AVX2 + FMA softmax and GELU kernels, picked at run time, imported only by FolioTensor.
        .systemLibrary(name: "CVectorKernels"),

        // Leaves.
        .target(name: "FolioTokenizer"),
        // The graph's hot loops run tens of times slower unoptimized, which would make its tests take minutes.
        // FOLIO_TARGET_CPU (an LLVM CPU name: `native`, `haswell`, `znver4`; swiftc rejects `x86-64-v3`) compiles
        // them for that CPU, as hnswlib's -march=native does: the distance kernel then uses FMA and, with AVX-512,
        // 16 lanes. The default build runs on any x86-64 (SSE2).
        .target(name: "FolioIndex", dependencies: ["CIntrinsics"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))] + targetCPUFlags),
        .target(name: "FolioTensor", dependencies: ["COpenBLAS", "CVectorKernels"]),
        .target(name: "FolioPDF", dependencies: ["CPoppler"]),
        .target(name: "FolioText"),
        // Tesseract over pages FolioPDF renders; the only importer of CTesseract.
        .target(name: "FolioOCR", dependencies: ["CTesseract", "FolioPDF"]),
        .target(name: "FolioEncoder", dependencies: ["FolioTensor", "FolioTokenizer"]),
        .target(name: "FolioStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "FolioLLM"),

        // Composition.
        .target(name: "FolioEngine", dependencies: [
            "FolioPDF", "FolioOCR", "FolioText", "FolioTokenizer", "FolioEncoder", "FolioIndex", "FolioStore", "FolioLLM",
        ]),
        // The HTTP front door: Hummingbird routes over FolioEngine, the web app embedded.
        .target(name: "FolioServer", dependencies: [
            "FolioEngine",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ], resources: [.embedInCode("Web"), .embedInCode("Resources/openapi.json")]),
        .executableTarget(name: "folio", dependencies: [
            "FolioEngine", "FolioServer", "CEditLine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "folio-bench", dependencies: [
            "FolioEngine", "FolioEncoder", "FolioIndex", "FolioOCR", "FolioPDF", "FolioStore", "FolioText",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Test support: generates real PDFs with cairo's PDF surface (tests only).
        .target(name: "FolioTestSupport", dependencies: ["CCairo"], path: "Tests/FolioTestSupport"),

        .testTarget(name: "FolioTokenizerTests", dependencies: ["FolioTokenizer", "FolioTestSupport"]),
        .testTarget(name: "FolioEncoderTests", dependencies: ["FolioEncoder", "FolioTensor", "FolioTokenizer", "FolioTestSupport"]),
        .testTarget(name: "FolioIndexTests", dependencies: ["FolioIndex"]),
        .testTarget(name: "FolioPDFTests", dependencies: ["FolioPDF", "FolioTestSupport"]),
        .testTarget(name: "FolioOCRTests", dependencies: ["FolioOCR", "FolioPDF", "FolioTestSupport"]),
        .testTarget(name: "FolioTextTests", dependencies: ["FolioText", "FolioTestSupport"]),
        .testTarget(name: "FolioStoreTests", dependencies: ["FolioStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "FolioLLMTests", dependencies: ["FolioLLM", "FolioTestSupport"]),
        .testTarget(name: "FolioEngineTests", dependencies: ["FolioEngine", "FolioIndex", "FolioLLM", "FolioStore", "FolioEncoder", "FolioTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FolioTestSupport", "FolioStore"]),
        .testTarget(name: "FolioServerTests", dependencies: [
            "FolioServer", "FolioEngine", "FolioTestSupport",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
