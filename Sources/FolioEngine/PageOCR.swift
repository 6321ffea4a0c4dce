import FolioOCR
import FolioPDF
import FolioText
import Foundation

/// When pages are read with OCR.
public enum OCRMode: String, Sendable, Codable, CaseIterable {
    /// Pages whose text layer is empty or unreadable; a page with a real text layer keeps it.
    case auto
    /// Every page; the OCR text replaces the text layer wherever OCR finds words.
    case always
    /// Never: a page without a usable text layer is left out, as before OCR existed.
    case never
}

/// How scanned pages are read.
public struct OCROptions: Sendable, Codable, Equatable {
    public var mode: OCRMode
    /// Tesseract's language list: `eng`, `eng+deu`.
    public var language: String
    /// The resolution pages are rendered at for OCR. 200 reads the corpus as well as 300, and faster (see
    /// docs/ingestion.md).
    public var dpi: Double
    /// Pages of one document read at once (a Tesseract handle and a Poppler document each).
    public var threads: Int

    public static let defaultDPI = 200.0

    public init(mode: OCRMode = .auto, language: String = "eng", dpi: Double = OCROptions.defaultDPI, threads: Int = 1) {
        self.mode = mode
        self.language = language
        self.dpi = dpi
        self.threads = max(1, threads)
    }

    /// A page read with a mean word confidence (0–100) under this gets a warning.
    public static let confidenceFloor = 60.0

    /// A text layer with fewer visible characters than this is empty: a scanner's stamp, a lone page number.
    static let minimumTextLayer = 20

    /// A one-line reason when the options cannot work (a missing language names its Debian package), else nil.
    public var problem: String? {
        if !(dpi >= 50 && dpi <= 600) { return "--ocr-dpi must be between 50 and 600" }
        guard mode != .never else { return nil }
        do {
            try TesseractData.locate().validate(languages: language)
        } catch let error as FolioOCRError {
            return error.description
        } catch {
            return "\(error)"
        }
        return nil
    }
}

/// A page's OCR result as ingestion keeps it: where its text came from, for display and for locating passages.
public struct PageOCRResult: Sendable, Codable, Equatable {
    public var confidence: Double
    public var words: [RecognizedWord]
    public var rotation: Int
}

/// Runs OCR over the pages of an extracted document that need it and puts the recognized text in their place.
enum PageOCR {
    /// Whether a page's text layer is to be replaced by OCR in `mode`.
    static func needsOCR(_ text: String, mode: OCRMode) -> Bool {
        switch mode {
        case .never: return false
        case .always: return true
        case .auto:
            let (visible, readable) = TextNormalizer.visibleCounts(text)
            if visible < OCROptions.minimumTextLayer { return true }
            return Double(readable) / Double(visible) < DocumentPreparer.minimumReadableShare
        }
    }

    /// Whether OCR's text is better than the text layer it would replace: more visible characters than an empty
    /// layer, readable where the layer was not.
    static func prefers(_ recognized: String, over layer: String, mode: OCRMode) -> Bool {
        let ocr = TextNormalizer.visibleCounts(recognized)
        guard ocr.visible > 0 else { return false }
        if mode == .always { return true }
        let text = TextNormalizer.visibleCounts(layer)
        if text.visible < OCROptions.minimumTextLayer { return ocr.visible > text.visible }
        return Double(ocr.readable) / Double(ocr.visible) >= DocumentPreparer.minimumReadableShare
    }

    /// Reads the pages of `document` that need it on `options.threads` threads, each with its own Tesseract handle
    /// and its own Poppler document (neither may be shared), and replaces their text.
    /// - Parameter progress: (pages done, pages in all), counting the pages that need no OCR as done; called
    ///   under a lock, one call at a time.
    /// - Returns: the pages read, by number, and one-line warnings naming the file and pages.
    /// - Throws: `FolioOCRError` when Tesseract cannot start (its data or the language is missing).
    static func apply(to document: inout ExtractedDocument, url: URL, password: String?, options: OCROptions,
                      progress: ((Int, Int) -> Void)?) throws -> (pages: [Int: PageOCRResult], warnings: [String]) {
        let wanted = document.pages.indices.filter { needsOCR(document.pages[$0].text, mode: options.mode) }
        guard !wanted.isEmpty else { return ([:], []) }
        let total = document.pages.count
        let alreadyDone = total - wanted.count
        let work = OCRWork(indices: wanted, report: progress.map { report in { done in report(alreadyDone + done, total) } })
        let threads = min(options.threads, wanted.count)
        let pages = document.pages
        let startError = OCRStartError()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let recognizer: PageRecognizer, pdf: PDFDocument
            do {
                recognizer = try PageRecognizer(language: options.language, dpi: options.dpi)
                pdf = try PDFDocument(url: url, password: password)
            } catch {
                startError.record(error)
                return
            }
            while let index = work.next() {
                let number = pages[index].number
                let outcome: Result<RecognizedPage, Error> = Result { try recognizer.recognize(page: number, of: pdf) }
                work.finish(index, outcome)
            }
        }
        if let error = startError.error, work.results.isEmpty { throw error }

        var recognized: [Int: PageOCRResult] = [:]
        var failed: [(Int, String)] = [], lowConfidence: [(Int, Double)] = []
        for (index, outcome) in work.results.sorted(by: { $0.key < $1.key }) {
            let number = document.pages[index].number
            switch outcome {
            case .failure(let error):
                let reason = (error as? FolioPDFError)?.description ?? (error as? FolioOCRError)?.description ?? "\(error)"
                failed.append((number, reason))
            case .success(let page):
                guard prefers(page.text, over: document.pages[index].text, mode: options.mode) else { continue }
                document.pages[index] = PageText(number: number, text: page.text)
                recognized[number] = PageOCRResult(confidence: page.confidence, words: page.words, rotation: page.rotation)
                if page.confidence < OCROptions.confidenceFloor { lowConfidence.append((number, page.confidence)) }
            }
        }
        var warnings: [String] = []
        for (number, reason) in failed {
            warnings.append("\(document.path): page \(number): OCR failed (\(reason)); its text layer kept")
        }
        if !lowConfidence.isEmpty {
            let list = lowConfidence.map { "page \($0.0) (\(Int($0.1.rounded()))%)" }
            let shown = list.count > 6 ? list.prefix(6).joined(separator: ", ") + " and \(list.count - 6) more" : list.joined(separator: ", ")
            warnings.append("\(document.path): OCR confidence under \(Int(OCROptions.confidenceFloor))% on \(shown); "
                + "its text may be wrong: check the scan, or try a higher --ocr-dpi or another --ocr-lang")
        }
        return (recognized, warnings)
    }
}

/// The pages left to read and the results, shared by the OCR threads.
/// `@unchecked Sendable`: `lock` guards `nextIndex`, `stored` and `done`, and `report` (not thread-safe itself)
/// is only called holding it; `indices` is a `let`.
private final class OCRWork: @unchecked Sendable {
    private let lock = NSLock()
    private let indices: [Int]
    private let report: ((Int) -> Void)?
    private var nextIndex = 0
    private var done = 0
    private var stored: [Int: Result<RecognizedPage, Error>] = [:]

    init(indices: [Int], report: ((Int) -> Void)?) {
        self.indices = indices
        self.report = report
    }

    func next() -> Int? {
        lock.withLock {
            guard nextIndex < indices.count else { return nil }
            defer { nextIndex += 1 }
            return indices[nextIndex]
        }
    }

    /// Records a page's result and reports the pages done, under the lock so reports come one at a time, in order.
    func finish(_ index: Int, _ outcome: Result<RecognizedPage, Error>) {
        lock.withLock {
            stored[index] = outcome
            done += 1
            report?(done)
        }
    }

    var results: [Int: Result<RecognizedPage, Error>] { lock.withLock { stored } }
}

/// The first error an OCR thread met starting up. `@unchecked Sendable`: `lock` guards `first`.
private final class OCRStartError: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?
    func record(_ error: Error) { lock.withLock { if first == nil { first = error } } }
    var error: Error? { lock.withLock { first } }
}

/// The stored form of an OCR page's words (`pages.word_boxes`): per word, little-endian, its first scalar and
/// scalar count (UInt32 each) and its box x0, y0, x1, y1 in points (Float32 each), 24 bytes.
enum WordBoxCoding {
    static let stride = 24

    static func encode(_ words: [RecognizedWord]) -> Data {
        var data = Data(capacity: words.count * stride)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        for word in words {
            put(UInt32(clamping: word.offset))
            put(UInt32(clamping: word.length))
            for value in [word.box.x0, word.box.y0, word.box.x1, word.box.y1] { put(Float(value).bitPattern) }
        }
        return data
    }

    /// The words' (offset, length, box); nil when the data is not a whole number of records.
    static func decode(_ data: Data) -> [(offset: Int, length: Int, box: PageRect)]? {
        guard data.count % stride == 0 else { return nil }
        let bytes = [UInt8](data)
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        return Swift.stride(from: 0, to: bytes.count, by: stride).map { at in
            let f = { (k: Int) in Double(Float(bitPattern: u32(at + 8 + 4 * k))) }
            return (Int(u32(at)), Int(u32(at + 4)), PageRect(x0: f(0), y0: f(1), x1: f(2), y1: f(3)))
        }
    }

    /// The page layout the passage locator reads, from an OCR page's stored text and words: each scalar of a
    /// word gets the word's box, the spaces and line breaks between words none.
    static func layout(number: Int, width: Double, height: Double, text: String, wordBoxes: Data) -> PageLayout? {
        guard let words = decode(wordBoxes) else { return nil }
        let count = text.unicodeScalars.count
        var boxes = [PageRect?](repeating: nil, count: count)
        for word in words where word.offset >= 0 && word.length > 0 && word.offset + word.length <= count {
            for i in word.offset ..< word.offset + word.length { boxes[i] = word.box }
        }
        return PageLayout(number: number, width: width, height: height, text: text, characterBoxes: boxes)
    }
}
