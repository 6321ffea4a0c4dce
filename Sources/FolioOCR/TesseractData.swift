import Foundation

/// Where Tesseract's trained data lives and which languages it holds.
///
/// Tesseract is given the `tessdata` folder itself (not its parent, as `TESSDATA_PREFIX` once meant).
public struct TesseractData: Sendable, Equatable {
    /// The `tessdata` folder.
    public let directory: String

    /// Debian 12's folder first (`tesseract-ocr` 5.x), then older and hand-built layouts.
    public static let searchPath = [
        "/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata",
        "/usr/local/share/tessdata",
    ]

    public init(directory: String) {
        self.directory = directory
    }

    /// The folder from `TESSDATA_PREFIX` (the folder or its parent), else the first of ``searchPath`` that
    /// holds any `.traineddata`.
    /// - Throws: `FolioOCRError.noTessdata`.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TesseractData {
        var candidates: [String] = []
        if let prefix = environment["TESSDATA_PREFIX"], !prefix.isEmpty {
            candidates += [prefix, (prefix as NSString).appendingPathComponent("tessdata")]
        }
        candidates += searchPath
        for candidate in candidates {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: candidate)) ?? []
            if names.contains(where: { $0.hasSuffix(".traineddata") }) { return TesseractData(directory: candidate) }
        }
        throw FolioOCRError.noTessdata(searched: candidates)
    }

    /// Whether `name.traineddata` is installed.
    public func has(_ name: String) -> Bool {
        FileManager.default.isReadableFile(atPath: (directory as NSString).appendingPathComponent(name + ".traineddata"))
    }

    /// Checks a language list (`eng`, `eng+deu`) against the installed data.
    /// - Throws: `FolioOCRError.invalidLanguage`, `.languageMissing` for the first language not installed.
    public func validate(languages: String) throws {
        let parts = languages.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw FolioOCRError.invalidLanguage(languages)
            }
            guard has(part) else { throw FolioOCRError.languageMissing(language: part, tessdata: directory) }
        }
    }

    /// Whether orientation detection can run (`osd.traineddata`, from the `tesseract-ocr` package).
    public var hasOrientationData: Bool { has("osd") }
}
