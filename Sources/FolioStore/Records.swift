import Foundation

/// A stored document.
public struct DocumentRecord: Sendable, Equatable, Codable {
    public var id: Int64
    /// Absolute path the document was last ingested from.
    public var path: String
    /// File name, e.g. `bert.pdf`: what users and `--doc` refer to.
    public var fileName: String
    public var sha256: String
    public var title: String
    public var author: String?
    public var pageCount: Int
    public var chunkCount: Int
    public var ingestedAt: Date
    /// How its pages and chunks were made (the extraction's version and the chunk settings); empty for documents
    /// stored before this was recorded.
    public var pipeline: String

    public init(id: Int64, path: String, fileName: String, sha256: String, title: String, author: String?,
                pageCount: Int, chunkCount: Int, ingestedAt: Date, pipeline: String = "") {
        self.id = id
        self.path = path
        self.fileName = fileName
        self.sha256 = sha256
        self.title = title
        self.author = author
        self.pageCount = pageCount
        self.chunkCount = chunkCount
        self.ingestedAt = ingestedAt
        self.pipeline = pipeline
    }
}

/// A chunk to store: its text, page span and embedding.
public struct NewChunk: Sendable {
    public var ordinal: Int
    public var pageStart: Int
    public var pageEnd: Int
    public var section: String?
    public var text: String
    public var tokenCount: Int
    public var embedding: [Float]

    public init(ordinal: Int, pageStart: Int, pageEnd: Int, section: String?, text: String, tokenCount: Int,
                embedding: [Float]) {
        self.ordinal = ordinal
        self.pageStart = pageStart
        self.pageEnd = pageEnd
        self.section = section
        self.text = text
        self.tokenCount = tokenCount
        self.embedding = embedding
    }
}

/// Where a page's text came from, when not from its text layer.
public struct PageSourceRecord: Sendable, Equatable {
    /// 1-based page number.
    public var number: Int
    /// `text` (the PDF's text layer) or `ocr`.
    public var source: String
    /// OCR's mean word confidence, 0–100; nil for a text-layer page.
    public var confidence: Double?
    /// The OCR words' places in the page text and on the page, encoded by FolioEngine; nil for a text-layer page.
    public var wordBoxes: Data?

    public init(number: Int, source: String, confidence: Double? = nil, wordBoxes: Data? = nil) {
        self.number = number
        self.source = source
        self.confidence = confidence
        self.wordBoxes = wordBoxes
    }
}

/// A new document with its pages and chunks, stored in one transaction.
public struct NewDocument: Sendable {
    public var path: String
    public var fileName: String
    public var sha256: String
    public var title: String
    public var author: String?
    /// `(number, raw text)` of every page.
    public var pages: [(number: Int, text: String)]
    public var chunks: [NewChunk]
    /// How the pages and chunks were made (see `DocumentRecord.pipeline`).
    public var pipeline: String
    /// The names the document introduces ("called BERT"), found once at ingest so a question does not re-read
    /// every document's opening; nil when not computed (the store then finds them on demand).
    public var introducedNames: [String]?
    /// The pages whose text is not from the text layer (OCR), by page number.
    public var pageSources: [Int: PageSourceRecord]

    public init(path: String, fileName: String, sha256: String, title: String, author: String?,
                pages: [(number: Int, text: String)], chunks: [NewChunk], pipeline: String = "",
                introducedNames: [String]? = nil, pageSources: [Int: PageSourceRecord] = [:]) {
        self.introducedNames = introducedNames
        self.pageSources = pageSources
        self.path = path
        self.fileName = fileName
        self.sha256 = sha256
        self.title = title
        self.author = author
        self.pages = pages
        self.chunks = chunks
        self.pipeline = pipeline
    }
}

/// A stored chunk with its document's identity.
public struct ChunkRecord: Sendable, Equatable {
    /// Row id in the store (also the id in the vector index).
    public var rowID: Int64
    /// Stable, user-facing id: first 12 hex digits of the document's sha256, a dash, the ordinal.
    public var chunkID: String
    public var documentID: Int64
    public var fileName: String
    public var title: String
    public var ordinal: Int
    public var pageStart: Int
    public var pageEnd: Int
    public var section: String?
    public var text: String
    public var tokenCount: Int

    public init(rowID: Int64, chunkID: String, documentID: Int64, fileName: String, title: String, ordinal: Int,
                pageStart: Int, pageEnd: Int, section: String?, text: String, tokenCount: Int) {
        self.rowID = rowID
        self.chunkID = chunkID
        self.documentID = documentID
        self.fileName = fileName
        self.title = title
        self.ordinal = ordinal
        self.pageStart = pageStart
        self.pageEnd = pageEnd
        self.section = section
        self.text = text
        self.tokenCount = tokenCount
    }

    /// Every 1-based page the chunk spans.
    public var pages: [Int] { Array(pageStart...max(pageStart, pageEnd)) }
}
