import CTesseract
import FolioPDF
import Foundation

/// One Tesseract handle (`TessBaseAPI`) through its C API.
///
/// Not thread-safe: a handle belongs to one thread (Tesseract's own rule); make one per thread.
/// The process should run with `OMP_THREAD_LIMIT=1` (libgomp reads it when it loads): Debian's Tesseract is built
/// with OpenMP, and its threads fighting over the cores made one page take 22–37 s instead of 3.
final class Tesseract {
    /// A recognized word in the pixels of the image given.
    struct Word {
        var text: String
        var left: Int, top: Int, right: Int, bottom: Int
        /// 0–100, Tesseract's word confidence.
        var confidence: Float
        /// Whether the word starts a new text line (a block and a paragraph start one too).
        var startsLine: Bool
    }

    private let handle: OpaquePointer

    /// - Parameters:
    ///   - language: a list such as `eng` or `eng+deu`, or `osd` for orientation detection only.
    /// - Throws: `FolioOCRError.initFailed`.
    init(data: TesseractData, language: String) throws {
        guard let handle = TessBaseAPICreate() else { throw FolioOCRError.initFailed(language: language, tessdata: data.directory) }
        // Diagnostics go nowhere: a worker's stderr is not the user's, and in-process runs must stay quiet.
        _ = TessBaseAPISetVariable(handle, "debug_file", "/dev/null")
        guard TessBaseAPIInit3(handle, data.directory, language) == 0 else {
            TessBaseAPIDelete(handle)
            throw FolioOCRError.initFailed(language: language, tessdata: data.directory)
        }
        // Automatic segmentation: the library's default reads a two-column page straight across both columns
        // (CER 0.73 instead of 0.03 on a corpus page).
        TessBaseAPISetPageSegMode(handle, PSM_AUTO)
        self.handle = handle
    }

    deinit {
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
    }

    private func setImage(_ image: GrayImage, dpi: Int) {
        image.pixels.withUnsafeBufferPointer { buffer in
            // Tesseract copies the pixels into its own image.
            TessBaseAPISetImage(handle, buffer.baseAddress, Int32(image.width), Int32(image.height), 1, Int32(image.width))
        }
        TessBaseAPISetSourceResolution(handle, Int32(max(dpi, 1)))
    }

    /// The words of an image in Tesseract's reading order.
    /// - Throws: `FolioOCRError.recognitionFailed`.
    func recognize(_ image: GrayImage, dpi: Int, page: Int) throws -> [Word] {
        setImage(image, dpi: dpi)
        defer { TessBaseAPIClear(handle) }
        guard TessBaseAPIRecognize(handle, nil) == 0 else { throw FolioOCRError.recognitionFailed(page: page) }
        guard let iterator = TessBaseAPIGetIterator(handle) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        let pageIterator = TessResultIteratorGetPageIterator(iterator)
        var words: [Word] = []
        repeat {
            guard let raw = TessResultIteratorGetUTF8Text(iterator, RIL_WORD) else { continue }
            let text = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
            TessDeleteText(raw)
            guard !text.isEmpty else { continue }
            var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
            guard TessPageIteratorBoundingBox(pageIterator, RIL_WORD, &left, &top, &right, &bottom) != 0 else { continue }
            let startsLine = TessPageIteratorIsAtBeginningOf(pageIterator, RIL_TEXTLINE) != 0
            words.append(Word(text: text, left: Int(left), top: Int(top), right: Int(right), bottom: Int(bottom),
                              confidence: TessResultIteratorConfidence(iterator, RIL_WORD), startsLine: startsLine))
        } while TessResultIteratorNext(iterator, RIL_WORD) != 0
        return words
    }

    /// Tesseract's orientation detection (legacy engine, `osd.traineddata`): how far the page in the image is
    /// turned clockwise from upright, in degrees, and the confidence; nil when it finds too little text.
    /// The handle must have been made with language `osd`.
    func orientation(of image: GrayImage, dpi: Int) -> (degrees: Int, confidence: Float)? {
        setImage(image, dpi: dpi)
        defer { TessBaseAPIClear(handle) }
        var degrees: Int32 = 0, confidence: Float = 0, scriptConfidence: Float = 0
        // The script name points into Tesseract's own tables: it must not be freed (the header's comment says
        // to; doing so corrupts the heap).
        var script: UnsafePointer<CChar>? = nil
        guard TessBaseAPIDetectOrientationScript(handle, &degrees, &confidence, &script, &scriptConfidence) != 0 else {
            return nil
        }
        return (Int(degrees), confidence)
    }
}
