import Foundation

/// Everything that can go wrong recognizing text, each case saying what to do.
public enum FolioOCRError: Error, Equatable, CustomStringConvertible {
    /// No `tessdata` folder was found in the places Tesseract's Debian packages use.
    case noTessdata(searched: [String])
    /// A language's `.traineddata` is not installed.
    case languageMissing(language: String, tessdata: String)
    /// The language list is not Tesseract's `eng` or `eng+deu` form.
    case invalidLanguage(String)
    /// Tesseract would not start with this data (a damaged `.traineddata`).
    case initFailed(language: String, tessdata: String)
    case recognitionFailed(page: Int)

    /// The Debian package that ships a Tesseract language: `tesseract-ocr-` and the code in lower case with
    /// `_` as `-` (`chi_sim` is `tesseract-ocr-chi-sim`).
    public static func debianPackage(for language: String) -> String {
        "tesseract-ocr-" + language.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    public var description: String {
        switch self {
        case .noTessdata(let searched):
            return "Tesseract's language data is not installed (no tessdata folder in \(searched.joined(separator: ", "))); "
                + "install tesseract-ocr and tesseract-ocr-eng (scripts/setup does), or set TESSDATA_PREFIX"
        case .languageMissing(let language, let tessdata):
            return "OCR language '\(language)' is not installed (no \(language).traineddata in \(tessdata)); "
                + "install the Debian package \(Self.debianPackage(for: language))"
        case .invalidLanguage(let value):
            return "--ocr-lang '\(value)' is not a Tesseract language list; give codes such as eng or eng+deu"
        case .initFailed(let language, let tessdata):
            return "Tesseract cannot load '\(language)' from \(tessdata); reinstall \(Self.debianPackage(for: language))"
        case .recognitionFailed(let page):
            return "page \(page): Tesseract could not read the page image"
        }
    }
}
