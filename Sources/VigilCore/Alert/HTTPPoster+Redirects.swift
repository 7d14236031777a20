import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension HTTPPoster {
    /// The session delegate that answers every redirect with "do not follow", so the 3xx
    /// itself completes the task. On Linux (FoundationNetworking) only a delegate given to
    /// the session is asked; a completion-handler task with no session delegate follows up to
    /// 20 redirects without asking.
    final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    /// Why a 3xx answer is refused, naming where it pointed: only the scheme, host and port
    /// (a webhook URL's path and query can be a secret, and the outbox never stores URLs).
    static func redirectRefused(_ response: HTTPURLResponse, from url: URL) -> String {
        let location = response.allHeaderFields.first { ($0.key as? String)?.lowercased() == "location" }?.value as? String
        guard let location else { return "HTTP \(response.statusCode) redirect without a location: not followed" }
        guard let target = URL(string: location, relativeTo: url)?.absoluteURL, let scheme = target.scheme, let host = target.host
        else {
            return "HTTP \(response.statusCode) redirect to an unreadable location: not followed"
        }
        var origin = "\(scheme)://\(host)"
        if let port = target.port { origin += ":\(port)" }
        if !target.path.isEmpty && target.path != "/" || target.query != nil { origin += "/…" }
        return "HTTP \(response.statusCode) redirect to \(origin.prefix(300)): not followed"
    }
}
