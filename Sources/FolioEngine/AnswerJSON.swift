import FolioLLM
import Foundation

// The JSON objects of the CLI's `--json` output, built here so `folio serve` answers exactly the same objects.
// They are `JSONSerialization` trees (`[String: Any]`), encoded with sorted keys by both front doors.

extension RetrievedChunk {
    /// The search-result object of `folio search --json` (and of each `results` entry of `folio ask --json`).
    public var json: [String: Any] {
        var object: [String: Any] = [
            "rank": rank, "score": Double(score), "chunk_id": chunk.chunkID, "document": chunk.fileName,
            "document_id": chunk.documentID, "title": chunk.title, "pages": chunk.pages, "text": chunk.text,
        ]
        if let section = chunk.section { object["section"] = section }
        if let bestSentence { object["best_sentence"] = bestSentence }
        if let parts {
            var scores: [String: Any] = ["fused": Double(parts.fused)]
            if let dense = parts.dense { scores["dense"] = Double(dense) }
            if let lexical = parts.lexical { scores["lexical"] = Double(lexical) }
            if let window = parts.window { scores["window"] = Double(window) }
            if let name = parts.name { scores["name"] = Double(name) }
            if let coverage = parts.coverage { scores["coverage"] = Double(coverage) }
            object["scores"] = scores
        }
        return object
    }
}

extension Citation {
    /// A citation of `folio ask --json`: marker, chunk, document and pages.
    public var json: [String: Any] {
        var object: [String: Any] = [
            "marker": marker, "chunk_id": chunk.chunkID, "document": chunk.fileName, "document_id": chunk.documentID,
            "pages": chunk.pages, "title": chunk.title, "sentences": sentences,
        ]
        if let section = chunk.section { object["section"] = section }
        return object
    }
}

extension Answer {
    /// The object of `folio ask --json`: `question`, `answer`, `answer_span` (null when none), `abstained`,
    /// `confidence`, `citations`, `results`.
    public var json: [String: Any] {
        var object: [String: Any] = [
            "question": question, "answer": text, "answer_span": answerSpan ?? NSNull(), "abstained": abstained,
            "confidence": confidence,
            "citations": citations.map(\.json),
            "results": results.map(\.json),
        ]
        if let sentenceSimilarity { object["sentence_similarity"] = sentenceSimilarity }
        return object
    }
}

extension GeneratedAnswer {
    /// The object of `folio ask --llm --json`: the extractive object plus `generator` (url, model, usage, seconds,
    /// error) and `generated` (the checked answer, or null when generation failed).
    public func json(client: ChatClient) -> [String: Any] {
        var object = extractive.json
        var generator: [String: Any] = ["url": client.completionsURL.absoluteString]
        generator["model"] = completion?.model ?? client.model ?? NSNull()
        generator["seconds"] = completion.map { $0.seconds } ?? NSNull()
        if let usage = completion?.usage {
            generator["usage"] = ["prompt_tokens": usage.promptTokens ?? NSNull(),
                                  "completion_tokens": usage.completionTokens ?? NSNull(),
                                  "total_tokens": usage.totalTokens ?? NSNull()] as [String: Any]
        } else {
            generator["usage"] = NSNull()
        }
        if let failure { generator["error"] = "\(failure)" }
        generator["prompt_tokens_estimated"] = prompt.estimatedTokens
        generator["sources_sent"] = prompt.sources.count
        generator["sources_dropped"] = prompt.droppedSources
        object["generator"] = generator

        guard let completion, let check else {
            object["generated"] = NSNull()
            return object
        }
        var checked: [String: Any] = [
            "answer": check.text, "raw": completion.text, "finish_reason": completion.finishReason ?? NSNull(),
            "citations": citations.map { citation -> [String: Any] in
                ["marker": citation.marker, "chunk_id": citation.chunk.chunkID, "document": citation.chunk.fileName,
                 "document_id": citation.chunk.documentID, "pages": citation.chunk.pages]
            },
            "invalid_markers": check.invalidMarkers,
            "grounded": check.isGrounded,
            "sentences": check.sentences.map { sentence -> [String: Any] in
                ["text": sentence.text, "markers": sentence.markers, "verdict": sentence.verdict.rawValue,
                 "similarity": Double(sentence.similarity), "overlap": Double(sentence.overlap),
                 "support": Double(sentence.support)]
            },
        ]
        if check.hasNoValidCitation {
            checked["warning"] = "the generated answer cites none of the sources; the extractive answer is in \"answer\""
        } else if !check.isGrounded {
            checked["warning"] = "no sentence is supported by the source it cites; the extractive answer is in \"answer\""
        }
        object["generated"] = checked
        return object
    }
}

/// Encodes a JSON tree as both front doors print it: sorted keys, slashes unescaped.
public func encodeJSON(_ object: Any) throws -> Data {
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
}
