import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request, run synchronously under a deadline, with the body handed over piece by piece as it arrives
/// (URLSession's data delegate, which streams on Linux too: FoundationNetworking passes on libcurl's writes).
///
/// Redirects are refused: the 3xx response itself comes back as an HTTP error.
/// `@unchecked Sendable`: no lock; `status` … `failure` are written only on the session's serial delegate queue
/// (`maxConcurrentOperationCount = 1`) and read by `run()` only after `done` is signalled (never after a timeout);
/// `onBody` is set before `run()`, and an exchange is run once.
final class HTTPExchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let request: URLRequest
    private let timeout: Double
    private let url: String
    /// Receives each piece of a 2xx body and the response's Content-Type; throwing ends the exchange.
    var onBody: ((Data, String?) throws -> Void)?

    // Written on the session's serial delegate queue, read after `done` is signalled.
    private var status = 0
    private var contentType: String?
    private var body = Data()
    private var errorBody = Data()
    private var failure: Error?
    private let done = DispatchSemaphore(value: 0)

    init(request: URLRequest, timeout: Double, url: String) {
        self.request = request
        self.timeout = timeout
        self.url = url
    }

    /// Runs the request; returns the whole body when no `onBody` handler consumes it.
    /// - Throws: `FolioLLMError` (unreachable, HTTP status, timeout), or what `onBody` threw.
    func run() throws -> Data {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        defer { session.invalidateAndCancel() }
        var request = self.request
        request.timeoutInterval = timeout
        let task = session.dataTask(with: request)
        task.resume()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            _ = done.wait(timeout: .now() + 2)
            throw FolioLLMError.timeout(url: url, seconds: timeout)
        }
        if let failure { throw failure }
        return body
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        status = http?.statusCode ?? 0
        contentType = http?.value(forHTTPHeaderField: "Content-Type")
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil else { return }
        guard (200..<300).contains(status) else {
            if errorBody.count < 4096 { errorBody.append(data.prefix(4096 - errorBody.count)) }
            return
        }
        guard let onBody else {
            body.append(data)
            return
        }
        do {
            try onBody(data, contentType)
        } catch {
            failure = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)  // never follow: the client talks to the URL it was given and no other
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        defer { done.signal() }
        if failure != nil { return }
        if let error {
            failure = map(error)
            return
        }
        if !(200..<300).contains(status) {
            failure = FolioLLMError.http(url: url, status: status, message: Self.message(from: errorBody))
        }
    }

    private func map(_ error: Error) -> FolioLLMError {
        guard let urlError = error as? URLError else {
            return .unreachable(url: url, reason: error.localizedDescription.oneLine())
        }
        switch urlError.code {
        case .timedOut: return .timeout(url: url, seconds: timeout)
        case .cannotConnectToHost: return .unreachable(url: url, reason: "connection refused")
        case .cannotFindHost, .dnsLookupFailed: return .unreachable(url: url, reason: "unknown host")
        case .networkConnectionLost: return .unreachable(url: url, reason: "the connection was closed")
        case .badServerResponse: return .malformed(url: url, reason: "not an HTTP response")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return .unreachable(url: url, reason: "TLS failed: \(urlError.localizedDescription.oneLine())")
        default:
            return .unreachable(url: url, reason: "\(urlError.localizedDescription.oneLine()) (URLError \(urlError.code.rawValue))")
        }
    }

    /// The error message in an HTTP error body: the OpenAI-style `error.message`, else the text itself.
    static func message(from body: Data) -> String {
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
           let message = ChatResponseDecoder.errorMessage(object) {
            return message
        }
        return String(decoding: body, as: UTF8.self).oneLine()
    }
}
