import Foundation

/// Errors of the pipeline, each with the fix in its description.
public enum FolioEngineError: Error, CustomStringConvertible {
    case modelNotFound(searched: [String])
    case emptyStore(path: String)
    case unknownDocument(name: String, known: [String])
    case noPDFs(path: String)
    case pathNotFound(path: String)
    case unreadableQuestions(path: String, line: Int, reason: String)
    case noTextLayer(path: String)
    case noTextAfterOCR(path: String, pagesRead: Int)
    case noPages(path: String)
    case extractionFailed(path: String, reason: String)
    case contextTooSmall(tokens: Int, needed: Int)
    case unknownDocumentID(id: Int64)
    case unknownChunk(id: String)
    case chunkNotInDocument(chunkID: String, documentID: Int64)
    case documentFileMissing(path: String, fileName: String)
    case documentFileChanged(path: String, fileName: String)
    case condenseUnusable(text: String)

    public var description: String {
        switch self {
        case .modelNotFound(let searched):
            return "model all-MiniLM-L6-v2 not found (looked in \(searched.joined(separator: ", "))); "
                + "fetch it with `Models/fetch` (or `scripts/setup`) or point --model / FOLIO_MODEL at its folder"
        case .emptyStore(let path):
            return "\(path): the store has no documents yet; add some with `folio ingest PATH...`"
        case .unknownDocument(let name, let known):
            let list = known.prefix(8).joined(separator: ", ")
            return "no stored document named \(name); `folio docs` lists them" + (known.isEmpty ? "" : " (\(list))")
        case .noPDFs(let path):
            return "\(path): no PDF files found in this folder"
        case .pathNotFound(let path):
            return "\(path): no such file or folder; check the path"
        case .unreadableQuestions(let path, let line, let reason):
            return "\(path):\(line): \(reason); each line must be a JSON object with question, document and pages"
        case .noTextLayer(let path):
            return "\(path): no usable text layer and OCR is off (--ocr never); nothing stored: ingest it with --ocr auto"
        case .noTextAfterOCR(let path, let pagesRead):
            return "\(path): no usable text, even with OCR (text recognized on \(pagesRead) pages, too little or "
                + "unreadable); nothing stored: check that it is a scan of text, or try another --ocr-lang or a higher --ocr-dpi"
        case .noPages(let path):
            return "\(path): the PDF has no pages; nothing stored"
        case .extractionFailed(let path, let reason):
            return "\(path): \(reason)"
        case .contextTooSmall(let tokens, let needed):
            return "--llm-context \(tokens) leaves no room for sources; use at least \(needed) (the model's context size)"
        case .unknownDocumentID(let id):
            return "no stored document has id \(id); `folio docs` lists them"
        case .unknownChunk(let id):
            return "no stored chunk has id \(id); chunk ids look like `0123456789ab-42` (`folio chunks` lists them)"
        case .chunkNotInDocument(let chunkID, let documentID):
            return "chunk \(chunkID) is not a chunk of document \(documentID); highlight a chunk of the page's own document"
        case .documentFileMissing(let path, let fileName):
            return "\(path): the PDF of stored document \(fileName) is gone; put it back there, or ingest it again "
                + "from where it is now with `folio ingest PATH`"
        case .condenseUnusable(let text):
            return "the LLM's rewrite of the follow-up is not a question (\"\(text)\"); it was read without the LLM"
        case .documentFileChanged(let path, let fileName):
            return "\(path): the PDF of stored document \(fileName) changed since it was ingested (its SHA-256 differs); "
                + "ingest it again with `folio ingest \(path)` so its pages and chunks match"
        }
    }
}
